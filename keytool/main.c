/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool: make and inspect Ed25519 signing keys.  A thin dispatcher
 * over cmd_*.c; the key formats themselves are in lib/keys.h. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"

const struct ota_keytool_cmd ota_keytool_cmds[] = {
    {{"generate", "generate --out PREFIX [PASS | --no-passphrase] [--force]",
      "write a new key pair PREFIX.key (mode 0600) and PREFIX.pub; print its key id", NULL},
     cmd_generate},
    {{"id", "id [PASS] FILE",
      "print the key id of a public (.pub) or private (.key) key file", NULL},
     cmd_id},
    {{"pub", "pub --key K [PASS] --out P.pub [--force]",
      "write the public key of the private key K to P.pub", NULL},
     cmd_pub},
    {{"passwd",
      "passwd --key K [PASS] [--new-passphrase-file F | --new-passphrase-env NAME |\n"
      "                               --no-passphrase]",
      "change the passphrase of K (or remove it, or add one), replacing K atomically", NULL},
     cmd_passwd},
    {{"escrow",
      "escrow split --key K [PASS] --shares N --threshold M --out-dir D [--force]\n"
      "       ota-keytool escrow combine --out K2 [PASS | --no-passphrase] [--force] SHARE...",
      "cut K into N share files, any M of which rebuild it; rebuild a key from M shares",
      "split combine"},
     cmd_escrow},
    {{"trust",
      "trust create --sequence N --threshold M --target T|'*' --out F.trust [--force]\n"
      "                         [--release K.pub|DIR --release-threshold R\n"
      "                          [--timestamp-key K.pub|DIR --timestamp-threshold M]\n"
      "                          [--created T] [--expires T|+N[s|h|d]]\n"
      "                          [--min-rollback-index N]\n"
      "                          [--previous CUR.trust [--revoke KEYID]...]]\n"
      "                         ROOT-KEY.pub|DIR...\n"
      "       ota-keytool trust timestamp --trust CUR.trust --expires T|+N[s|h|d]\n"
      "                         [--created T] --out F.ts [--force]\n"
      "       ota-keytool trust sign --key K [PASS] F.trust\n"
      "       ota-keytool trust show F.trust\n"
      "       ota-keytool trust verify (--keys K [--threshold M] | --trust CUR.trust)\n"
      "                         [--device-class T] F.trust",
      "make a trust file (root keys that sign trust files, release keys that sign\n"
      "          bundles, how many of each), or a timestamp saying it is still current;\n"
      "          sign it, show it, check it as a device would (schema/trust.md)",
      "create timestamp sign show verify"},
     cmd_trust},
    {{"token",
      "token import --key K [PASS] --uri pkcs11:... [PIN] --out P.pub [--force]\n"
      "       ota-keytool token generate --uri pkcs11:... [PIN] --out P.pub [--force]",
      "put a signing key on a PKCS#11 token (a file's key, or a new one made there),\n"
      "          never to leave it; write its .pub.  PIN: --pin-file F | --pin-env NAME",
      "import generate"},
     cmd_token},
    {{"receipts",
      "receipts verify|collect DIR --devices FILE [--state FILE] [--json | --csv]",
      "check the signed install receipts devices left in DIR (a stick, or its\n"
      "          receipts/) and print the fleet; collect also remembers each device's\n"
      "          counter, so an older receipt later is a replay (schema/receipt.md)",
      "verify collect"},
     cmd_receipts},
    {{NULL, NULL, NULL, NULL}, NULL},
};

static const char pass_note[] =
    "\n"
    "PASS is --passphrase-file F (its first line) or --passphrase-env NAME (the\n"
    "value of that environment variable); without either, the passphrase is asked\n"
    "for on the terminal without echo (twice for a new one).\n";

static const char notes[] =
    "\n"
    "A private key is PKCS#8 PEM, encrypted with PBKDF2-HMAC-SHA256 (600000\n"
    "rounds, 16-byte salt) and AES-256-CBC unless --no-passphrase.  A key id is\n"
    "the SHA-256 (hex) of the raw 32-byte public key.  Share files are text to\n"
    "print and type back (schema/shares.md); keep each apart from the others.\n"
    "\n"
    "Exit status: 0 ok, 2 usage, 3 I/O, 4 damaged share, 11 key error (bad or weak\n"
    "key, wrong passphrase), 12 output exists, 19 shares that do not rebuild the\n"
    "key: too few, of two splits, one twice; for trust verify as the device:\n"
    "5 bad signature, 6 too few signatures, 8 wrong target, 14 sequence not newer,\n"
    "23 expired; receipts: 24 a receipt forged, altered, replayed or from a\n"
    "device not in the list (" OTA_EXIT_CODES_DOC ").\n";

static void usage(void)
{
	const struct ota_keytool_cmd *c;

	for (c = ota_keytool_cmds; c->run; c++)
		printf("%s ota-keytool %s\n", c == ota_keytool_cmds ? "usage:" : "      ",
		       c->doc.usage);
	putchar('\n');
	for (c = ota_keytool_cmds; c->run; c++)
		printf("%-9s %s\n", c->doc.name, c->doc.summary);
	fputs(pass_note, stdout);
	fputs(notes, stdout);
}

int ota_keytool_help(const char *cmd)
{
	const struct ota_keytool_cmd *c;

	for (c = ota_keytool_cmds; c->run; c++)
		if (strcmp(c->doc.name, cmd) == 0)
			return ota_cli_command_help(&c->doc,
						    strstr(c->doc.usage, "PASS") ? pass_note : NULL);
	return 0;
}

int ota_keytool_bad_option(const char *cmd, int c, char **argv)
{
	return ota_cli_bad_option(cmd, c, argv);
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
	if (strcmp(argv[1], "--list-commands") == 0) {
		for (c = ota_keytool_cmds; c->run; c++)
			ota_cli_list_command(&c->doc);
		return 0;
	}
	for (c = ota_keytool_cmds; c->run; c++) {
		if (strcmp(argv[1], c->doc.name) != 0)
			continue;
		/* Before the command reads anything ("trust sign --help" too). */
		if (ota_cli_asks_help(argc - 1, argv + 1))
			return ota_keytool_help(c->doc.name);
		if (ota_cli_asks_version(argc - 1, argv + 1))
			return ota_cli_version();
		return c->run(argc - 1, argv + 1);
	}
	return ota_cli_usage("unknown command '%s'", argv[1]);
}
