/* ota-keytool: make and inspect Ed25519 signing keys.  A thin dispatcher
 * over cmd_*.c; the key formats themselves are in lib/keys.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"

const struct ota_keytool_cmd ota_keytool_cmds[] = {
    {"generate", cmd_generate,
     "generate --out PREFIX [--passphrase-file F | --no-passphrase] [--force]",
     "write a new key pair PREFIX.key (mode 0600) and PREFIX.pub; print its key id"},
    {"id", cmd_id, "id [--passphrase-file F] FILE",
     "print the key id of a public (.pub) or private (.key) key file"},
    {"pub", cmd_pub, "pub --key K [--passphrase-file F] --out P.pub [--force]",
     "write the public key of the private key K to P.pub"},
    {NULL, NULL, NULL, NULL},
};

static const char notes[] =
    "\n"
    "A private key is PKCS#8 PEM, encrypted with PBKDF2-HMAC-SHA256 (600000\n"
    "rounds) and AES-256-CBC unless --no-passphrase.  The passphrase is the first\n"
    "line of F, or is typed twice when stdin is a terminal.  A key id is the\n"
    "SHA-256 (hex) of the raw 32-byte public key.\n"
    "\n"
    "Exit status: 0 ok, 2 usage, 3 I/O, 11 key error (bad or weak key, wrong\n"
    "passphrase), 12 output exists (schema/exit-codes.md).\n";

static void usage(void)
{
	const struct ota_keytool_cmd *c;

	for (c = ota_keytool_cmds; c->name; c++)
		printf("%s ota-keytool %s\n", c == ota_keytool_cmds ? "usage:" : "      ",
		       c->usage);
	putchar('\n');
	for (c = ota_keytool_cmds; c->name; c++)
		printf("%-9s %s\n", c->name, c->summary);
	fputs(notes, stdout);
}

int ota_keytool_help(const char *cmd)
{
	const struct ota_keytool_cmd *c;

	for (c = ota_keytool_cmds; c->name; c++)
		if (strcmp(c->name, cmd) == 0)
			printf("usage: ota-keytool %s\n\n%s\n", c->usage, c->summary);
	return 0;
}

int ota_keytool_bad_option(const char *cmd, int c, char **argv)
{
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	if (c == ':')
		return ota_cli_usage("%s: option '%s' needs a value", cmd, opt);
	return ota_cli_usage("%s: unknown option '%s'", cmd, opt);
}

int ota_keytool_check_absent(const char *path, struct ota_err *err)
{
	int rc = ota_check_absent(path, err);

	if (rc == OTA_EEXIST)
		rc = ota_err_set(err, OTA_EEXIST, "%s: exists (use --force to overwrite)", path);
	return rc;
}

int ota_keytool_print_id(const char *id, struct ota_err *err)
{
	if (printf("%s\n", id) < 0 || fflush(stdout))
		return ota_err_set(err, OTA_EIO, "stdout: write error");
	return 0;
}

int main(int argc, char **argv)
{
	const struct ota_keytool_cmd *c;

	ota_cli_init("ota-keytool");
	if (argc < 2)
		return ota_cli_usage("missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage();
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return ota_cli_version();
	for (c = ota_keytool_cmds; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->run(argc - 1, argv + 1);
	return ota_cli_usage("unknown command '%s'", argv[1]);
}
