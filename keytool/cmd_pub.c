/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool pub: write the public half of a private key, e.g. to give a
 * lost .pub back or to check that a .key and a .pub belong together. */
#include <getopt.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/keys.h"
#include "lib/fsutil.h"

struct pub_opts {
	const char *key, *out;
	struct ota_cli_pass pass;
	bool force;
};

static int parse_args(int argc, char **argv, struct pub_opts *o)
{
	static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
						 OTA_CLI_PASS_LONGOPTS,
						 {"out", required_argument, NULL, 'o'},
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&o->pass, c, optarg))
			continue;
		switch (c) {
		case 'k':
			o->key = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			o->force = true;
			break;
		case 'h':
			return ota_keytool_help("pub");
		default:
			return ota_keytool_bad_option("pub", c, argv);
		}
	}
	if (optind != argc)
		return ota_cli_usage("pub: unexpected argument '%s'", argv[optind]);
	if (!o->key || !o->out)
		return ota_cli_usage("pub: --key K and --out P.pub are required");
	if ((c = ota_cli_pass_check(&o->pass, "pub", "", false)))
		return c;
	return OTA_KEYTOOL_CONTINUE;
}

int cmd_pub(int argc, char **argv)
{
	struct pub_opts o = {0};
	struct ota_err err = {0};
	EVP_PKEY *key = NULL;
	int rc, st;

	st = parse_args(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	rc = ota_check_output(o.out, o.force, &err);
	if (rc == 0)
		rc = ota_cli_load_private_key(o.key, &o.pass, &key, &err);
	if (rc == 0)
		rc = ota_pubkey_write(key, o.out, o.force, &err);
	EVP_PKEY_free(key);
	return rc ? ota_cli_fail(&err) : 0;
}
