/* ota-bundle: turn a release tree into an unsigned bundle, and show a
 * bundle's manifest.  A thin dispatcher over cmd_*.c. */
#include <stdio.h>
#include <string.h>

#include "bundler/bundler.h"
#include "cli/cli.h"

static const char usage[] =
	"usage: ota-bundle create --tree DIR --version V --target T --out FILE.bundle\n"
	"                         [--rollback-index N] [--compress none|gzip|xz|zstd] [--force]\n"
	"                         [--sign-key K]... [--passphrase-file F | --passphrase-env NAME]\n"
	"                         [--base OLD] [--expires T|+N[s|h|d]] [--quiet]\n"
	"       ota-bundle manifest [--out FILE [--force]] FILE.bundle\n"
	"       ota-bundle index DIR\n"
	"\n"
	"create    hash every file of DIR into a manifest and write the unsigned\n"
	"          bundle (sign it with ota-sign).  \"created\" is SOURCE_DATE_EPOCH\n"
	"          when set, so the same tree gives a byte-identical bundle.\n"
	"          --expires T (seconds since the epoch, or +N[s|h|d] after\n"
	"          created) signs an expiry: devices refuse the bundle from then on.\n"
	"          --sign-key signs it in the same step (what ota-sign --key does).\n"
	"          --base OLD.bundle|OLD-manifest.json makes a delta: files whose\n"
	"          SHA-256 the base release has are left out of the payload (the\n"
	"          manifest still lists them); devices take them from that release.\n"
	"          Progress is shown on a terminal unless --quiet.\n"
	"manifest  print the exact manifest bytes of a bundle (for the signing box).\n"
	"index     write DIR/index.json (file, target, version, size, SHA-256 of\n"
	"          every *.bundle in DIR) for `ota-agent poll`; serve DIR with any\n"
	"          static web server.  Files that are not bundles are named on\n"
	"          stderr and left out.\n"
	"\n"
	"Exit status: 0 ok, 2 usage, 3 I/O, 4 malformed, 9 unsafe path or special\n"
	"file in the tree, 11 key error, 12 output exists, 20 --version not a\n"
	"semantic version (MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]) (schema/exit-codes.md).\n";

int main(int argc, char **argv)
{
	ota_cli_init("ota-bundle");
	if (argc < 2)
		return ota_cli_usage("missing command");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0)
		return ota_cli_version();
	if (strcmp(argv[1], "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(argv[1], "manifest") == 0)
		return cmd_manifest(argc - 1, argv + 1);
	if (strcmp(argv[1], "index") == 0)
		return cmd_index(argc - 1, argv + 1);
	return ota_cli_usage("unknown command '%s'", argv[1]);
}
