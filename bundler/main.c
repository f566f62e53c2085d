/* SPDX-License-Identifier: Apache-2.0 */
/* ota-bundle: turn a release tree into an unsigned bundle, and show a
 * bundle's manifest.  A thin dispatcher over cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "bundler/bundler.h"
#include "cli/cli.h"

static const struct {
	struct ota_cli_cmd doc;
	int (*run)(int argc, char **argv);
} commands[] = {
	{{"create",
	  "create --tree DIR --version V --target T --out FILE.bundle\n"
	  "                         [--rollback-index N] [--compress none|gzip|xz|zstd] [--force]\n"
	  "                         [--sign-key K]... [--passphrase-file F | --passphrase-env NAME]\n"
	  "                         [--base OLD] [--expires T|+N[s|h|d]] [--signature-slots N]\n"
	  "                         [--quiet]",
	  "hash every file of DIR into a manifest and write the unsigned\n"
	  "          bundle (sign it with ota-sign).  \"created\" is SOURCE_DATE_EPOCH\n"
	  "          when set, so the same tree gives a byte-identical bundle.\n"
	  "          --expires T (seconds since the epoch, or +N[s|h|d] after\n"
	  "          created) signs an expiry: devices refuse the bundle from then on.\n"
	  "          --sign-key signs it in the same step (as ota-sign does).\n"
	  "          --base OLD.bundle|OLD-manifest.json makes a delta: files whose\n"
	  "          SHA-256 the base release has are left out of the payload (the\n"
	  "          manifest still lists them); devices take them from that release.\n"
	  "          --signature-slots N (0..64, default 8): an uncompressed bundle's\n"
	  "          head holds N signatures (--sign-key ones included) that ota-sign\n"
	  "          writes in place, without rewriting the payload; 0: none.\n"
	  "          Progress is shown on a terminal unless --quiet.",
	  NULL},
	 cmd_create},
	{{"manifest", "manifest [--out FILE [--force]] FILE.bundle",
	  "print the exact manifest bytes of a bundle (for the signing box).", NULL},
	 cmd_manifest},
	{{"index", "index DIR",
	  "write DIR/index.json (file, target, version, size, SHA-256 of\n"
	  "          every *.bundle in DIR) for `ota-agent poll`; serve DIR with any\n"
	  "          static web server.  Files that are not bundles are named on\n"
	  "          stderr and left out.",
	  NULL},
	 cmd_index},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_note[] =
	"\n"
	"Exit status: 0 ok, 2 usage, 3 I/O, 4 malformed, 9 unsafe path or special\n"
	"file in the tree, 11 key error, 12 output exists, 20 --version not a\n"
	"semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]) (" OTA_EXIT_CODES_DOC ").\n";

static void usage(void)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		printf("%s ota-bundle %s\n", i ? "      " : "usage:", commands[i].doc.usage);
	putchar('\n');
	for (i = 0; i < N_COMMANDS; i++)
		printf("%-9s %s\n", commands[i].doc.name, commands[i].doc.summary);
	fputs(exit_note, stdout);
}

int main(int argc, char **argv)
{
	size_t i;

	ota_cli_init("ota-bundle");
	if (argc < 2)
		return ota_cli_usage("missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage();
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return ota_cli_version();
	if (strcmp(argv[1], "--list-commands") == 0) {
		for (i = 0; i < N_COMMANDS; i++)
			ota_cli_list_command(&commands[i].doc);
		return 0;
	}
	for (i = 0; i < N_COMMANDS; i++) {
		if (strcmp(argv[1], commands[i].doc.name) != 0)
			continue;
		if (ota_cli_asks_help(argc - 1, argv + 1))
			return ota_cli_command_help(&commands[i].doc, exit_note);
		/* "create --version" alone: the tool's; with a value, the release's. */
		if (ota_cli_asks_version(argc - 1, argv + 1))
			return ota_cli_version();
		return commands[i].run(argc - 1, argv + 1);
	}
	return ota_cli_usage("unknown command '%s'", argv[1]);
}
