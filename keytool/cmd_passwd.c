/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool passwd: the same key under a new passphrase (or none, or
 * from none).  The old file stays whole until the new one is written,
 * fsynced and proven to load back as the same key (ota_privkey_replace). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/keys.h"

enum { OPT_NEW_FILE = 0x200, OPT_NEW_ENV };

struct passwd_opts {
	const char *key;
	struct ota_cli_pass old, new_;
};

static int parse_args(int argc, char **argv, struct passwd_opts *o)
{
	static const struct option longopts[] = {
	    {"key", required_argument, NULL, 'k'},
	    OTA_CLI_PASS_LONGOPTS,
	    {"new-passphrase-file", required_argument, NULL, OPT_NEW_FILE},
	    {"new-passphrase-env", required_argument, NULL, OPT_NEW_ENV},
	    OTA_CLI_NO_PASS_LONGOPT,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->key = optarg; break;
		case OTA_CLI_OPT_PASS_FILE: o->old.file = optarg; break;
		case OTA_CLI_OPT_PASS_ENV: o->old.env = optarg; break;
		case OPT_NEW_FILE: o->new_.file = optarg; break;
		case OPT_NEW_ENV: o->new_.env = optarg; break;
		case OTA_CLI_OPT_NO_PASS: o->new_.none = true; break;
		case 'h': return ota_keytool_help("passwd");
		default: return ota_keytool_bad_option("passwd", c, argv);
		}
	}
	if (optind != argc)
		return ota_cli_usage("passwd: unexpected argument '%s'", argv[optind]);
	if (!o->key)
		return ota_cli_usage("passwd: --key K is required");
	if ((c = ota_cli_pass_check(&o->old, "passwd", "", false)) ||
	    (c = ota_cli_pass_check(&o->new_, "passwd", "new-", true)))
		return c;
	return OTA_KEYTOOL_CONTINUE;
}

int cmd_passwd(int argc, char **argv)
{
	struct passwd_opts o = {0};
	struct ota_err err = {0};
	unsigned char raw[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1];
	EVP_PKEY *key = NULL;
	char *pass = NULL;
	int rc, st;

	st = parse_args(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	/* The old passphrase first: a wrong one must not cost a new one typed twice. */
	if ((rc = ota_cli_load_private_key(o.key, &o.old, &key, &err)) == 0 &&
	    (rc = ota_cli_new_passphrase(&o.new_, &pass, &err)) == 0 &&
	    (rc = ota_key_raw_public(key, raw, &err)) == 0 && (rc = ota_key_id(raw, id, &err)) == 0)
		rc = ota_privkey_replace(key, o.key, pass, &err);
	if (rc == 0 && printf("%s: %s (key id %s)\n", o.key,
			      pass ? "passphrase changed" : "now stored without a passphrase",
			      id) < 0)
		rc = ota_err_set(&err, OTA_EIO, "stdout: write error");
	ota_passphrase_free(pass);
	EVP_PKEY_free(key);
	return rc ? ota_cli_fail(&err) : 0;
}
