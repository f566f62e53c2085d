/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool escrow split|combine: the signing key's 32-byte seed cut
 * into N share files, any M of which rebuild it (lib/shamir.h), written
 * as text a person can keep on paper and type back (lib/share.h). */
#include <getopt.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/shamir.h"
#include "lib/share.h"

struct split_opts {
	const char *key, *out_dir;
	struct ota_cli_pass pass;
	unsigned int shares, threshold;
	bool force;
};

/* A count option: 1..255. */
static int parse_count(const char *opt, const char *arg, unsigned int *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (!*arg || *end || arg[0] == '-' || arg[0] == '+' || v < 1 || v > OTA_SHAMIR_MAX_SHARES)
		return ota_cli_usage("escrow split: %s: expected 1..%d, got '%s'", opt,
				     OTA_SHAMIR_MAX_SHARES, arg);
	*out = (unsigned int)v;
	return 0;
}

static int parse_split(int argc, char **argv, struct split_opts *o)
{
	static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
						 OTA_CLI_PASS_LONGOPTS,
						 {"shares", required_argument, NULL, 'n'},
						 {"threshold", required_argument, NULL, 'm'},
						 {"out-dir", required_argument, NULL, 'o'},
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	int c, st;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&o->pass, c, optarg))
			continue;
		switch (c) {
		case 'k': o->key = optarg; break;
		case 'n':
			if ((st = parse_count("--shares", optarg, &o->shares)))
				return st;
			break;
		case 'm':
			if ((st = parse_count("--threshold", optarg, &o->threshold)))
				return st;
			break;
		case 'o': o->out_dir = optarg; break;
		case 'f': o->force = true; break;
		case 'h': return ota_keytool_help("escrow");
		default: return ota_keytool_bad_option("escrow split", c, argv);
		}
	}
	if (optind != argc)
		return ota_cli_usage("escrow split: unexpected argument '%s'", argv[optind]);
	if (!o->key || !o->shares || !o->threshold || !o->out_dir)
		return ota_cli_usage("escrow split: --key K, --shares N, --threshold M and "
				     "--out-dir D are required");
	if (o->threshold > o->shares)
		return ota_cli_usage("escrow split: --threshold %u is more than --shares %u",
				     o->threshold, o->shares);
	if ((st = ota_cli_pass_check(&o->pass, "escrow split", "", false)))
		return st;
	return OTA_KEYTOOL_CONTINUE;
}

/* Everything a split is made of; secret parts wiped by split_free. */
struct split {
	struct ota_share sh;      /* fields shared by all; value per share */
	uint8_t *values;          /* n * 32 bytes of share values: secret */
	struct ota_atomic *files; /* n temporary files being written */
	char **paths;             /* n final paths */
	unsigned int n;
	char id[OTA_KEYID_HEX_LEN + 1];
};

static void split_free(struct split *s)
{
	unsigned int i;

	for (i = 0; s->files && i < s->n; i++)
		ota_atomic_abort(&s->files[i]);
	for (i = 0; s->paths && i < s->n; i++)
		free(s->paths[i]);
	free(s->files);
	free(s->paths);
	OPENSSL_clear_free(s->values, (size_t)s->n * OTA_SHARE_SECRET_LEN);
	ota_share_wipe(&s->sh);
}

/* The key's seed into n share values, and the fields every share carries. */
static int make_values(struct split *s, const struct split_opts *o, struct ota_err *err)
{
	unsigned char seed[OTA_KEY_RAW_LEN], raw[OTA_KEY_RAW_LEN];
	EVP_PKEY *key = NULL;
	int rc;

	s->values = OPENSSL_malloc((size_t)s->n * OTA_SHARE_SECRET_LEN);
	if (!s->values)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	s->sh.threshold = o->threshold;
	s->sh.shares = o->shares;
	if ((rc = ota_cli_load_private_key(o->key, &o->pass, &key, err)) ||
	    (rc = ota_key_raw_public(key, raw, err)) ||
	    (rc = ota_sha256(raw, sizeof(raw), s->sh.key_id, err)) ||
	    (rc = ota_key_seed(key, seed, err)))
		goto out;
	ota_hex(s->sh.key_id, OTA_SHARE_KEY_ID_LEN, s->id);
	if (RAND_bytes(s->sh.split_id, OTA_SHARE_SPLIT_ID_LEN) != 1)
		rc = ota_err_openssl(err, OTA_EINTERNAL, "random split id");
	else
		rc = ota_shamir_split(seed, OTA_KEY_RAW_LEN, o->threshold, o->shares, s->values,
				      err);
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_PKEY_free(key);
	return rc;
}

static int make_paths(struct split *s, const struct split_opts *o, struct ota_err *err)
{
	unsigned int i;
	int rc = 0;

	s->paths = calloc(s->n, sizeof(*s->paths));
	s->files = calloc(s->n, sizeof(*s->files));
	if (!s->paths || !s->files)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	for (i = 0; i < s->n; i++)
		s->files[i].fd = -1;
	for (i = 0; rc == 0 && i < s->n; i++) {
		char *p;
		if (asprintf(&p, "%s/%.16s-%u-of-%u.share", o->out_dir, s->id, i + 1, s->n) < 0)
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		s->paths[i] = p;
		rc = ota_check_output(s->paths[i], o->force, err);
	}
	return rc;
}

/* Share i's text into its temporary file (0600; fsynced on commit). */
static int write_share(struct split *s, unsigned int i, struct ota_err *err)
{
	struct ota_buf text;
	int rc;

	ota_buf_init(&text, OTA_SHARE_FILE_MAX);
	s->sh.index = i + 1;
	memcpy(s->sh.value, s->values + (size_t)i * OTA_SHARE_SECRET_LEN, OTA_SHARE_SECRET_LEN);
	if ((rc = ota_share_format(&s->sh, &text, err)) == 0 &&
	    (rc = ota_atomic_open(&s->files[i], s->paths[i], 0600, err)) == 0)
		rc = ota_write_all(s->files[i].fd, text.data, text.len, s->paths[i], err);
	OPENSSL_cleanse(s->sh.value, sizeof(s->sh.value));
	ota_buf_cleanse(&text);
	return rc;
}

/* All or nothing: every share is written before the first is renamed into
 * place, and the ones renamed are removed again if a later one fails. */
static int commit_all(struct split *s, bool force, struct ota_err *err)
{
	unsigned int i, done = 0;
	int rc = 0;

	for (i = 0; rc == 0 && i < s->n; i++)
		rc = write_share(s, i, err);
	for (i = 0; rc == 0 && i < s->n; i++)
		if ((rc = ota_atomic_commit(&s->files[i], force, err)) == 0)
			done++;
	if (rc == OTA_EEXIST)
		ota_err_set(err, rc, "%s: exists (use --force to replace it)", s->paths[done]);
	while (rc && done > 0)
		unlink(s->paths[--done]);
	return rc;
}

static int cmd_split(int argc, char **argv)
{
	struct split_opts o = {0};
	struct split s = {0};
	struct ota_err err = {0};
	char split_hex[OTA_SHARE_SPLIT_ID_LEN * 2 + 1];
	unsigned int i;
	int rc, st;

	st = parse_split(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	s.n = o.shares;
	if ((rc = make_values(&s, &o, &err)) || (rc = ota_mkdir_p(o.out_dir, 0700, &err)) ||
	    (rc = make_paths(&s, &o, &err)) || (rc = commit_all(&s, o.force, &err)))
		goto out;
	ota_hex(s.sh.split_id, OTA_SHARE_SPLIT_ID_LEN, split_hex);
	for (i = 0; i < s.n; i++)
		printf("%s\n", s.paths[i]);
	if (printf("split %s: any %u of these %u shares rebuild key %s\n", split_hex, o.threshold,
		   o.shares, s.id) < 0 || fflush(stdout))
		rc = ota_err_set(&err, OTA_EIO, "stdout: write error");
out:
	split_free(&s);
	return rc ? ota_cli_fail(&err) : 0;
}

int cmd_escrow(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "split") == 0)
		return cmd_split(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "combine") == 0)
		return ota_keytool_escrow_combine(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return ota_keytool_help("escrow");
	if (argc < 2)
		return ota_cli_usage("escrow: expected split or combine");
	return ota_cli_usage("escrow: unknown command '%s' (expected split or combine)", argv[1]);
}
