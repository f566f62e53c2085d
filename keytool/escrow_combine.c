/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool escrow combine: rebuild a key from M of its share files.
 * The shares must agree (one split, no index twice, at least M), and the
 * rebuilt key must have the key id they carry, before anything is written. */
#include <getopt.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/shamir.h"
#include "lib/share.h"
#include "lib/fsutil.h"

struct combine_opts {
	const char *out;
	struct ota_cli_pass pass;
	bool force;
	char **files;
	size_t n;
};

static int parse_combine(int argc, char **argv, struct combine_opts *o)
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
		case 'o': o->out = optarg; break;
		case 'f': o->force = true; break;
		case 'h': return ota_keytool_help("escrow");
		default: return ota_keytool_bad_option("escrow combine", c, argv);
		}
	}
	if (!o->out || !*o->out)
		return ota_cli_usage("escrow combine: --out K is required");
	if (optind == argc)
		return ota_cli_usage("escrow combine: no SHARE files given");
	if ((c = ota_cli_pass_check(&o->pass, "escrow combine", "", true)))
		return c;
	o->files = argv + optind;
	o->n = (size_t)(argc - optind);
	return OTA_KEYTOOL_CONTINUE;
}

static int read_share(const char *path, struct ota_share *s, struct ota_err *err)
{
	struct ota_buf text;
	int rc;

	ota_buf_init(&text, OTA_SHARE_FILE_MAX);
	rc = ota_buf_read_file(&text, path, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, rc, "%s: not a share file (over %d bytes)", path,
				 OTA_SHARE_FILE_MAX);
	if (rc == 0)
		rc = ota_share_parse(text.data, text.len, path, s, err);
	ota_buf_cleanse(&text);
	return rc;
}

/* Share i against the first and against the ones before it. */
static int agrees(const struct combine_opts *o, const struct ota_share *sh, size_t i,
		  struct ota_err *err)
{
	char a[OTA_SHARE_SPLIT_ID_LEN * 2 + 1], b[OTA_SHARE_SPLIT_ID_LEN * 2 + 1];
	size_t j;

	if (memcmp(sh[i].split_id, sh[0].split_id, sizeof(sh[0].split_id)) ||
	    memcmp(sh[i].key_id, sh[0].key_id, sizeof(sh[0].key_id)) ||
	    sh[i].threshold != sh[0].threshold || sh[i].shares != sh[0].shares) {
		ota_hex(sh[i].split_id, sizeof(sh[i].split_id), a);
		ota_hex(sh[0].split_id, sizeof(sh[0].split_id), b);
		return ota_err_set(err, OTA_ESHARE, "%s: share of another split (%s, %u of %u) "
				   "than %s (%s, %u of %u): shares of two splits never combine",
				   o->files[i], a, sh[i].threshold, sh[i].shares, o->files[0], b,
				   sh[0].threshold, sh[0].shares);
	}
	for (j = 0; j < i; j++)
		if (sh[j].index == sh[i].index)
			return ota_err_set(err, OTA_ESHARE, "%s: share %u again (as %s): each "
					   "share counts once", o->files[i], sh[i].index,
					   o->files[j]);
	return 0;
}

/* Rebuild the seed from the shares and prove it against their key id. */
static int rebuild(const struct combine_opts *o, const struct ota_share *sh, EVP_PKEY **key,
		   char id[OTA_KEYID_HEX_LEN + 1], struct ota_err *err)
{
	uint8_t xs[OTA_SHAMIR_MAX_SHARES], *ys = NULL, seed[OTA_KEY_RAW_LEN];
	unsigned char raw[OTA_KEY_RAW_LEN], kid[OTA_SHA256_LEN];
	size_t i;
	int rc;

	*key = NULL;
	ota_hex(sh[0].key_id, OTA_SHARE_KEY_ID_LEN, id);
	if (o->n < sh[0].threshold)
		return ota_err_set(err, OTA_ESHARE, "%zu of the %u shares needed to rebuild key "
				   "%.16s (split %u of %u): nothing written", o->n,
				   sh[0].threshold, id, sh[0].threshold, sh[0].shares);
	if (!(ys = OPENSSL_malloc(o->n * OTA_SHARE_SECRET_LEN)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	for (i = 0; i < o->n; i++) {
		xs[i] = (uint8_t)sh[i].index;
		memcpy(ys + i * OTA_SHARE_SECRET_LEN, sh[i].value, OTA_SHARE_SECRET_LEN);
	}
	if ((rc = ota_shamir_combine(xs, ys, o->n, OTA_SHARE_SECRET_LEN, seed, err)) ||
	    (rc = ota_key_from_seed(seed, key, err)) || (rc = ota_key_raw_public(*key, raw, err)) ||
	    (rc = ota_sha256(raw, sizeof(raw), kid, err)))
		goto out;
	if (CRYPTO_memcmp(kid, sh[0].key_id, sizeof(kid)))
		rc = ota_err_set(err, OTA_ESHARE, "the shares do not rebuild key %s (a share was "
				 "forged or altered with its checksums): nothing written", id);
out:
	if (rc) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_clear_free(ys, o->n * OTA_SHARE_SECRET_LEN);
	return rc;
}

static int combine(const struct combine_opts *o, struct ota_share *sh, struct ota_err *err)
{
	char id[OTA_KEYID_HEX_LEN + 1];
	EVP_PKEY *key = NULL;
	char *pass = NULL;
	size_t i;
	int rc = ota_check_output(o->out, o->force, err);

	for (i = 0; rc == 0 && i < o->n; i++)
		if ((rc = read_share(o->files[i], &sh[i], err)) == 0)
			rc = agrees(o, sh, i, err);
	if (rc == 0)
		rc = rebuild(o, sh, &key, id, err);
	/* Only a proven key is worth a passphrase typed twice. */
	if (rc == 0)
		rc = ota_cli_new_passphrase(&o->pass, &pass, err);
	if (rc == 0)
		rc = ota_privkey_write(key, o->out, pass, o->force, err);
	if (rc == 0)
		rc = ota_keytool_print_id(id, err);
	ota_passphrase_free(pass);
	EVP_PKEY_free(key);
	return rc;
}

int ota_keytool_escrow_combine(int argc, char **argv)
{
	struct combine_opts o = {0};
	struct ota_err err = {0};
	struct ota_share *sh;
	int rc, st;

	st = parse_combine(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	if (o.n > OTA_SHAMIR_MAX_SHARES)
		return ota_cli_usage("escrow combine: more than %d shares", OTA_SHAMIR_MAX_SHARES);
	sh = OPENSSL_zalloc(o.n * sizeof(*sh));
	if (!sh) {
		fprintf(stderr, "%s: out of memory\n", ota_cli_prog());
		return ota_exit_status(OTA_EINTERNAL);
	}
	rc = combine(&o, sh, &err);
	OPENSSL_clear_free(sh, o.n * sizeof(*sh));
	return rc ? ota_cli_fail(&err) : 0;
}
