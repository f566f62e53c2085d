/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool token: put a signing key on a PKCS#11 token (lib/pkcs11.h),
 * where it stays: a key file's key imported, or a new one made on the
 * token.  Either way the public half is written to a .pub file for the
 * devices, and from then on `--key pkcs11:...` signs with it. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"
#include "lib/keys.h"
#include "lib/pkcs11.h"

enum { OPT_PIN_FILE = 0x200, OPT_PIN_ENV };

struct token_opts {
	const char *action, *uri, *key, *out;
	struct ota_cli_pass pass; /* of --key */
	struct ota_cli_pass pin;  /* of the token */
	bool force;
};

static int parse_args(int argc, char **argv, struct token_opts *o)
{
	static const struct option longopts[] = {{"uri", required_argument, NULL, 'u'},
						 {"key", required_argument, NULL, 'k'},
						 OTA_CLI_PASS_LONGOPTS,
						 {"pin-file", required_argument, NULL, OPT_PIN_FILE},
						 {"pin-env", required_argument, NULL, OPT_PIN_ENV},
						 {"out", required_argument, NULL, 'o'},
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c;

	opterr = 0;
	optind = 2; /* argv[1] is the action */
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return argc < 2 ? ota_cli_usage("token: import or generate?")
				: ota_keytool_help("token");
	o->action = argv[1];
	if (strcmp(o->action, "import") && strcmp(o->action, "generate"))
		return ota_cli_usage("token: unknown action '%s' (import, generate)", o->action);
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&o->pass, c, optarg))
			continue;
		switch (c) {
		case 'u': o->uri = optarg; break;
		case 'k': o->key = optarg; break;
		case 'o': o->out = optarg; break;
		case 'f': o->force = true; break;
		case OPT_PIN_FILE: o->pin.file = optarg; break;
		case OPT_PIN_ENV: o->pin.env = optarg; break;
		case 'h': return ota_keytool_help("token");
		default: return ota_keytool_bad_option("token", c, argv);
		}
	}
	if (optind != argc)
		return ota_cli_usage("token: unexpected argument '%s'", argv[optind]);
	if (!o->uri || !o->out)
		return ota_cli_usage("token %s: --uri pkcs11:... and --out P.pub are required",
				     o->action);
	if (!ota_pkcs11_is_uri(o->uri))
		return ota_cli_usage("token: --uri '%s' is not a PKCS#11 URI (pkcs11:...)",
				     o->uri);
	if (!strcmp(o->action, "import") != !!o->key)
		return ota_cli_usage("token: --key K is for import, and import needs it");
	if (o->pin.file && o->pin.env)
		return ota_cli_usage("token: --pin-file and --pin-env are exclusive");
	if ((c = ota_cli_pass_check(&o->pass, "token", "", false)))
		return c;
	return OTA_KEYTOOL_CONTINUE;
}

static int print_key_id(EVP_PKEY *pub, struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1];
	int rc = ota_key_raw_public(pub, raw, err);

	if (rc == 0)
		rc = ota_key_id(raw, id, err);
	return rc ? rc : ota_keytool_print_id(id, err);
}

int cmd_token(int argc, char **argv)
{
	struct token_opts o = {0};
	struct ota_err err = {0};
	EVP_PKEY *key = NULL, *pub = NULL;
	char *pin = NULL;
	int rc, st;

	st = parse_args(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	rc = ota_check_output(o.out, o.force, &err);
	if (rc == 0 && o.key)
		rc = ota_cli_load_private_key(o.key, &o.pass, &key, &err);
	if (rc == 0)
		rc = ota_cli_token_pin(o.uri, &o.pin, &pin, &err);
	if (rc == 0 && key)
		rc = ota_pkcs11_import_key(o.uri, pin, key, &err);
	else if (rc == 0)
		rc = ota_pkcs11_generate_key(o.uri, pin, &pub, &err);
	/* The .pub is written from what the token now signs with. */
	if (rc == 0 && key) {
		EVP_PKEY_free(key);
		key = NULL;
		rc = ota_pkcs11_load_key(o.uri, pin, &pub, &err);
	}
	if (rc == 0)
		rc = ota_pubkey_write(pub, o.out, o.force, &err);
	if (rc == 0)
		rc = print_key_id(pub, &err);
	ota_passphrase_free(pin);
	EVP_PKEY_free(key);
	EVP_PKEY_free(pub);
	return rc ? ota_cli_fail(&err) : 0;
}
