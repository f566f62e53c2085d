/* SPDX-License-Identifier: Apache-2.0 */
/* ota-sign: sign a bundle in place, sign a manifest detached on an
 * air-gapped box, or attach a detached signature to its bundle. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "signer/signer.h"

static const char usage[] =
	"usage: ota-sign --key K [--passphrase-file F | --passphrase-env NAME] [--quiet]\n"
	"                FILE.bundle\n"
	"       ota-sign --key K [--passphrase-file F | --passphrase-env NAME]\n"
	"                --manifest M.json --out M.sig [--force]\n"
	"       ota-sign attach [--quiet] FILE.bundle M.sig\n"
	"\n"
	"The first form adds a signature to the bundle: into a free signature slot\n"
	"of its head (ota-bundle create reserves them), 1.5 KiB written in place\n"
	"and the payload untouched; without one, the bundle is rewritten to a\n"
	"temporary file and renamed, saying so.  Either way a crash never leaves\n"
	"it half-written.  The second signs only the manifest (from `ota-bundle\n"
	"manifest`), as on an air-gapped signing box that never sees the payload;\n"
	"the third puts that signature into the bundle, the same way, after\n"
	"checking it.  An encrypted key's passphrase is the first line of\n"
	"--passphrase-file F, the value of the environment variable\n"
	"--passphrase-env NAME or, on a terminal, is asked for without echo.\n"
	"Rewriting a bundle shows its progress on a terminal unless --quiet.\n"
	"\n"
	"Exit status: 0 ok, 2 usage, 3 I/O, 4 malformed, 5 signature does not\n"
	"match the manifest, 7 payload damaged, 11 key error (wrong passphrase),\n"
	"12 output exists (" OTA_EXIT_CODES_DOC ").\n";
static const char exit_note[] =
	"\n"
	"Exit status: 0 ok, 2 usage, 3 I/O, 4 malformed, 5 signature does not\n"
	"match the manifest, 7 payload damaged (" OTA_EXIT_CODES_DOC ").\n";

/* The one subcommand; the signing forms take options only. */
static const struct ota_cli_cmd attach_cmd = {
	"attach", "attach [--quiet] FILE.bundle M.sig",
	"put the detached signature M.sig (ota-sign --manifest) into the bundle, after\n"
	"checking it against the bundle's manifest; written into a free signature slot\n"
	"in place, or the bundle rewritten and renamed when it has none.",
	NULL};

/* ota-sign attach [--quiet] FILE.bundle M.sig (argv[1] is "attach"). */
static int attach(int argc, char **argv)
{
	if (ota_cli_asks_help(argc - 1, argv + 1))
		return ota_cli_command_help(&attach_cmd, exit_note);
	if (ota_cli_asks_version(argc - 1, argv + 1))
		return ota_cli_version();
	if (argc == 5 && (strcmp(argv[2], "--quiet") == 0 || strcmp(argv[2], "-q") == 0))
		return sign_attach(argv[3], argv[4], true);
	if (argc != 4)
		return ota_cli_usage("attach: expected FILE.bundle M.sig");
	return sign_attach(argv[2], argv[3], false);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"key", required_argument, NULL, 'k'},
		OTA_CLI_PASS_LONGOPTS,
		{"manifest", required_argument, NULL, 'm'}, {"out", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
		{"quiet", no_argument, NULL, 'q'},
		{"version", no_argument, NULL, 'v'}, {NULL, 0, NULL, 0}};
	struct sign_opts o = {0};
	int c;

	ota_cli_init("ota-sign");
	if (argc >= 2 && strcmp(argv[1], "--list-commands") == 0) {
		ota_cli_list_command(&attach_cmd);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "attach") == 0)
		return attach(argc, argv);
	/* Before anything is read: "-h" anywhere, as every tool takes it. */
	if (ota_cli_asks_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	while ((c = getopt_long(argc, argv, ":q", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&o.pass, c, optarg))
			continue;
		switch (c) {
		case 'k': o.key = optarg; break;
		case 'm': o.manifest = optarg; break;
		case 'o': o.out = optarg; break;
		case 'f': o.force = 1; break;
		case 'q': o.quiet = 1; break;
		case 'h': fputs(usage, stdout); return 0;
		case 'v': return ota_cli_version();
		default: return ota_cli_bad_option("", c, argv);
		}
	}
	if (!o.key)
		return ota_cli_usage("--key is required");
	if ((c = ota_cli_pass_check(&o.pass, "", "", false)))
		return c;
	if (o.manifest || o.out) {
		if (!o.manifest || !o.out || optind != argc)
			return ota_cli_usage("detached signing takes --manifest M.json --out M.sig "
					     "and no bundle");
		return sign_manifest(&o);
	}
	if (optind + 1 != argc)
		return ota_cli_usage("expected one bundle file");
	return sign_bundle(&o, argv[optind]);
}
