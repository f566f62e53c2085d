/* SPDX-License-Identifier: Apache-2.0 */
/* ota-bundle create: a release tree into a bundle (lib/bundle_create.h),
 * optionally signed at once and optionally a delta against a base. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bundler/bundler.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "lib/bundle_create.h"
#include "lib/bundle_sign.h"
#include "lib/bundle_read.h"
#include "lib/fsutil.h"
#include "lib/freshness.h"
#include "lib/semver.h"

struct create_opts {
	const char *tree, *version, *target, *out, *base;
	struct ota_cli_pass pass; /* of the --sign-key keys */
	const char *keys[OTA_BUNDLE_MAX_SIGS];
	size_t n_keys;
	unsigned long long rollback_index;
	long long created;
	const char *expires; /* as given: +N is after created */
	long long expires_at;
	int compress;
	unsigned int slots; /* --signature-slots */
	int force, quiet;
};

static int parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	*out = strtoull(s, &end, 10);
	return (errno || *end || *out > max) ? -1 : 0;
}

/* One line: what was given, the accepted form, and the likely intent. */
static int bad_version(const char *v)
{
	const char *fix = ota_semver_suggest(v);
	struct ota_err err;

	ota_err_set(&err, OTA_EVERSION, "--version: '%s' is not a semantic version: use "
		    OTA_SEMVER_FORM "%s%s%s", v, fix ? " (did you mean " : "", fix ? fix : "",
		    fix ? "?)" : "");
	return ota_cli_fail(&err);
}

/* The first required option not given, NULL when all are. */
static const char *missing(const struct create_opts *o)
{
	if (!o->tree)
		return "--tree DIR";
	if (!o->version)
		return "--version V";
	if (!o->target)
		return "--target T";
	return o->out ? NULL : "--out F.bundle";
}

/* --expires: a time after created, or +N[s|h|d] counted from it. */
static int expires(struct create_opts *o)
{
	struct ota_err err;

	if (!o->expires)
		return 0;
	if (ota_time_parse("--expires", o->expires, o->created, &o->expires_at, &err))
		return ota_cli_usage("%s", err.msg);
	if (o->expires_at <= o->created)
		return ota_cli_usage("--expires: %lld is not after created (%lld)", o->expires_at,
				     o->created);
	return 0;
}

/* The options whose value is checked: 0, or the usage error's status. */
static int checked_option(int c, struct create_opts *o)
{
	unsigned long long v;

	switch (c) {
	case 'k':
		if (o->n_keys == OTA_BUNDLE_MAX_SIGS)
			return ota_cli_usage("--sign-key: at most %d keys", OTA_BUNDLE_MAX_SIGS);
		o->keys[o->n_keys++] = optarg;
		return 0;
	case 'r':
		if (parse_u64(optarg, 1ULL << 53, &o->rollback_index))
			return ota_cli_usage("--rollback-index: not an integer in 0..2^53: '%s'",
					     optarg);
		return 0;
	case 's':
		if (parse_u64(optarg, OTA_BUNDLE_MAX_SIGS, &v))
			return ota_cli_usage("--signature-slots: not an integer in 0..%d: '%s'",
					     OTA_BUNDLE_MAX_SIGS, optarg);
		o->slots = (unsigned int)v;
		return 0;
	default: /* 'c' */
		if ((o->compress = ota_compress_parse(optarg)) < 0)
			return ota_cli_usage("--compress: unknown '%s'", optarg);
		return 0;
	}
}

static int parse_args(int argc, char **argv, struct create_opts *o)
{
	static const struct option longopts[] = {
		{"tree", required_argument, NULL, 't'}, {"version", required_argument, NULL, 'V'},
		{"target", required_argument, NULL, 'T'}, {"out", required_argument, NULL, 'o'},
		{"rollback-index", required_argument, NULL, 'r'},
		{"compress", required_argument, NULL, 'c'}, {"force", no_argument, NULL, 'f'},
		{"sign-key", required_argument, NULL, 'k'},
		OTA_CLI_PASS_LONGOPTS,
		{"base", required_argument, NULL, 'b'}, {"quiet", no_argument, NULL, 'q'},
		{"expires", required_argument, NULL, 'e'},
		{"signature-slots", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0}};
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	unsigned long long v;
	int c, st;

	while ((c = getopt_long(argc, argv, ":q", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&o->pass, c, optarg))
			continue;
		switch (c) {
		case 't': o->tree = optarg; break;
		case 'V': o->version = optarg; break;
		case 'T': o->target = optarg; break;
		case 'o': o->out = optarg; break;
		case 'f': o->force = 1; break;
		case 'q': o->quiet = 1; break;
		case 'b': o->base = optarg; break;
		case 'e': o->expires = optarg; break;
		case 'k':
		case 'r':
		case 's':
		case 'c':
			if ((st = checked_option(c, o)))
				return st;
			break;
		default: return ota_cli_bad_option("create", c, argv);
		}
	}
	if (optind != argc)
		return ota_cli_usage("create: unexpected argument '%s'", argv[optind]);
	if ((c = ota_cli_pass_check(&o->pass, "create", "", false)))
		return c;
	if (missing(o))
		return ota_cli_usage("create: %s is required", missing(o));
	if (!ota_semver_valid(o->version))
		return bad_version(o->version);
	if (!ota_manifest_version_ok(o->version))
		return ota_cli_usage("--version: '%s': use 1-%d of [A-Za-z0-9._+~-], not starting "
				     "with '.' or '-', without '" OTA_TMP_MARK "'", o->version,
				     OTA_VERSION_MAX);
	if (!ota_manifest_target_ok(o->target))
		return ota_cli_usage("--target: '%s': use 1-%d of [A-Za-z0-9._-]", o->target,
				     OTA_TARGET_MAX);
	if (epoch && parse_u64(epoch, 1ULL << 53, &v))
		return ota_cli_usage("SOURCE_DATE_EPOCH: not an integer: '%s'", epoch);
	o->created = epoch ? (long long)v : (long long)time(NULL);
	return expires(o);
}

/* The base of a delta: a bundle's manifest, or a manifest file. */
static int load_base(const char *path, struct ota_manifest **m,
		     unsigned char sha256[OTA_SHA256_LEN], struct ota_err *err)
{
	struct ota_buf bytes;
	unsigned char first = 0;
	int fd = ota_open_regular(AT_FDCWD, path, 0, NULL, NULL, err), rc;

	ota_buf_init(&bytes, OTA_MANIFEST_MAX);
	if (fd < 0)
		return fd;
	if (read(fd, &first, 1) < 0)
		first = 0;
	close(fd);
	rc = first == '{' ? ota_buf_read_file(&bytes, path, err)
			  : ota_bundle_read_manifest(path, &bytes, err);
	if (rc == 0)
		rc = ota_sha256(bytes.data, bytes.len, sha256, err);
	if (rc == 0)
		return ota_manifest_load(&bytes, path, m, err);
	ota_buf_free(&bytes);
	return rc;
}

static int load_keys(const struct create_opts *o, EVP_PKEY **keys, struct ota_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < o->n_keys && rc == 0; i++)
		rc = ota_cli_load_private_key(o->keys[i], &o->pass, &keys[i], err);
	return rc;
}

static int write_bundle(const struct create_opts *o, struct ota_create *c,
			struct ota_manifest *m, struct ota_err *err)
{
	struct ota_cli_progress prog;
	struct ota_atomic out = {.fd = -1};
	int rc;

	if ((rc = ota_check_output(o->out, o->force, err)))
		return rc;
	if ((rc = ota_atomic_open(&out, o->out, 0644, err)))
		return rc;
	ota_cli_progress_start(&prog, o->out, o->quiet);
	c->fd = out.fd;
	c->progress = ota_cli_progress_hook(&prog);
	rc = ota_bundle_create(c, m, err);
	ota_cli_progress_end(&prog);
	if (rc == 0)
		rc = ota_atomic_commit(&out, o->force, err);
	ota_atomic_abort(&out);
	return rc;
}

static void print_summary(const struct create_opts *o, const struct ota_manifest *m,
			  const struct ota_create *c)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1] = "";

	if (c->n_keys && (ota_key_raw_public(c->keys[0], raw, NULL) || ota_key_id(raw, id, NULL)))
		id[0] = '\0';
	printf("%s: version %s for %s, %zu files, %llu bytes", o->out, m->version, m->target,
	       m->n_files, m->payload_bytes);
	if (m->delta.base)
		printf(", delta of %s: %zu files (%llu bytes) left out", m->delta.base,
		       m->delta.n_omitted, m->delta.omitted_bytes);
	else if (o->base)
		printf(", nothing in common with %s (a full bundle)", o->base);
	if (c->n_keys)
		printf(", signed by %.16s%s\n", id, c->n_keys > 1 ? " and others" : "");
	else
		printf(", unsigned\n");
}

int cmd_create(int argc, char **argv)
{
	struct create_opts o = {.compress = OTA_COMPRESS_NONE, .slots = OTA_BUNDLE_SLOTS_DEFAULT};
	unsigned char base_sha[OTA_SHA256_LEN];
	EVP_PKEY *keys[OTA_BUNDLE_MAX_SIGS] = {0};
	struct ota_manifest *m = NULL, *base = NULL;
	struct ota_create c = {0};
	struct ota_err err = {0};
	size_t i;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	c = (struct ota_create){.tree = o.tree, .name = o.out, .compress = o.compress,
				.keys = keys, .n_keys = o.n_keys, .slots = o.slots,
				.base_sha256 = base_sha};
	m = ota_manifest_new();
	if (!m) {
		rc = ota_err_set(&err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	if ((rc = load_keys(&o, keys, &err)) ||
	    (o.base && (rc = load_base(o.base, &base, base_sha, &err))) ||
	    (rc = ota_manifest_set(m, o.version, o.target, o.rollback_index, o.created, &err)))
		goto out;
	m->expires = o.expires_at;
	c.base = base;
	if ((rc = write_bundle(&o, &c, m, &err)))
		goto out;
	print_summary(&o, m, &c);
out:
	for (i = 0; i < o.n_keys; i++)
		EVP_PKEY_free(keys[i]);
	ota_manifest_free(m);
	ota_manifest_free(base);
	return rc ? ota_cli_fail(&err) : 0;
}
