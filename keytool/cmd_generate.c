/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool generate: a new Ed25519 key pair as PREFIX.key (encrypted
 * unless --no-passphrase) and PREFIX.pub; prints the key id. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"
#include "lib/keys.h"

struct gen_opts {
	const char *out;
	struct ota_cli_pass pass;
	bool force;
};

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int parse_args(int argc, char **argv, struct gen_opts *o)
{
	static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
						 OTA_CLI_PASS_LONGOPTS,
						 OTA_CLI_NO_PASS_LONGOPT,
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&o->pass, c, optarg))
			continue;
		switch (c) {
		case 'o':
			o->out = optarg;
			break;
		case 'f':
			o->force = true;
			break;
		case 'h':
			return ota_keytool_help("generate");
		default:
			return ota_keytool_bad_option("generate", c, argv);
		}
	}
	if (optind != argc)
		return ota_cli_usage("generate: unexpected argument '%s'", argv[optind]);
	if (!o->out || !*o->out)
		return ota_cli_usage("generate: --out PREFIX is required");
	/* "box/" would write the hidden box/.key and box/.pub. */
	if (o->out[strlen(o->out) - 1] == '/' || is_dir(o->out))
		return ota_cli_usage("generate: --out %s names a directory: give a prefix, as "
				     "--out %s%sfleet for %s%sfleet.key and .pub", o->out, o->out,
				     o->out[strlen(o->out) - 1] == '/' ? "" : "/", o->out,
				     o->out[strlen(o->out) - 1] == '/' ? "" : "/");
	if ((c = ota_cli_pass_check(&o->pass, "generate", "", true)))
		return c;
	return OTA_KEYTOOL_CONTINUE;
}

/* Write both halves; a .key without its .pub is removed again, so a
 * failure never leaves half a pair behind. */
static int write_pair(EVP_PKEY *key, const char *key_path, const char *pub_path, const char *pass,
		      bool force, struct ota_err *err)
{
	int rc = ota_privkey_write(key, key_path, pass, force, err);

	if (rc == 0) {
		rc = ota_pubkey_write(key, pub_path, force, err);
		if (rc)
			unlink(key_path);
	}
	return rc;
}

int cmd_generate(int argc, char **argv)
{
	struct gen_opts o = {0};
	struct ota_err err = {0};
	char *key_path = NULL, *pub_path = NULL, *pass = NULL;
	unsigned char raw[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1];
	EVP_PKEY *key = NULL;
	int rc, st;

	st = parse_args(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	if (asprintf(&key_path, "%s.key", o.out) < 0 || asprintf(&pub_path, "%s.pub", o.out) < 0) {
		fprintf(stderr, "%s: out of memory\n", ota_cli_prog());
		return ota_exit_status(OTA_EINTERNAL);
	}
	rc = ota_check_output(key_path, o.force, &err);
	if (rc == 0)
		rc = ota_check_output(pub_path, o.force, &err);
	if (rc == 0)
		rc = ota_cli_new_passphrase(&o.pass, &pass, &err);
	if (rc == 0)
		rc = ota_key_generate(&key, &err);
	if (rc == 0)
		rc = ota_key_raw_public(key, raw, &err);
	if (rc == 0)
		rc = ota_key_id(raw, id, &err);
	if (rc == 0)
		rc = write_pair(key, key_path, pub_path, pass, o.force, &err);
	if (rc == 0)
		rc = ota_keytool_print_id(id, &err);
	st = rc ? ota_cli_fail(&err) : 0;
	ota_passphrase_free(pass);
	EVP_PKEY_free(key);
	free(key_path);
	free(pub_path);
	return st;
}
