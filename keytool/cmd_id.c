/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool id: print the key id of a public or private key file, so
 * an operator can match a .key with the .pub that devices trust. */
#include <getopt.h>
#include <stdbool.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/buf.h"
#include "lib/keys.h"

static const char pub_label[] = "-----BEGIN PUBLIC KEY-----";

/* Told apart by the PEM label, so an error is about the kind of file the
 * user gave, not "not a private key" for a damaged .pub. */
static int is_public(const char *path, bool *pub, struct ota_err *err)
{
	struct ota_buf b;
	int rc;

	ota_buf_init(&b, OTA_KEY_FILE_MAX);
	rc = ota_buf_read_file(&b, path, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, OTA_EKEY, "%s: not a key file (over %d bytes)", path,
				 OTA_KEY_FILE_MAX);
	if (rc == 0)
		*pub = memmem(b.data, b.len, pub_label, sizeof(pub_label) - 1) != NULL;
	ota_buf_cleanse(&b);
	return rc;
}

static int key_id(const char *path, const struct ota_cli_pass *pass, char id[OTA_KEYID_HEX_LEN + 1],
		  struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_pubkey pk;
	EVP_PKEY *key = NULL;
	bool pub = false;
	int rc;

	rc = is_public(path, &pub, err);
	if (rc == 0 && pub) {
		rc = ota_pubkey_load(&pk, path, err);
		if (rc == 0)
			memcpy(id, pk.id, sizeof(pk.id));
		ota_pubkey_free(&pk);
		return rc;
	}
	if (rc == 0)
		rc = ota_cli_load_private_key(path, pass, &key, err);
	if (rc == 0)
		rc = ota_key_raw_public(key, raw, err);
	if (rc == 0)
		rc = ota_key_id(raw, id, err);
	EVP_PKEY_free(key);
	return rc;
}

int cmd_id(int argc, char **argv)
{
	static const struct option longopts[] = {OTA_CLI_PASS_LONGOPTS,
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct ota_err err = {0};
	char id[OTA_KEYID_HEX_LEN + 1];
	struct ota_cli_pass pass = {0};
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&pass, c, optarg))
			continue;
		switch (c) {
		case 'h':
			return ota_keytool_help("id");
		default:
			return ota_keytool_bad_option("id", c, argv);
		}
	}
	if ((c = ota_cli_pass_check(&pass, "id", "", false)))
		return c;
	if (optind == argc)
		return ota_cli_usage("id: missing FILE");
	if (optind + 1 != argc)
		return ota_cli_usage("id: unexpected argument '%s'", argv[optind + 1]);
	rc = key_id(argv[optind], &pass, id, &err);
	if (rc == 0)
		rc = ota_keytool_print_id(id, &err);
	return rc ? ota_cli_fail(&err) : 0;
}
