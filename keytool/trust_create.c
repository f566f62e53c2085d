/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool trust create|timestamp: new trust documents, unsigned
 * (lib/trust.h).  Without --release the format-1 document of one key set
 * (both roles); with it, the role-aware form: root keys (the arguments),
 * release keys, times, a fleet floor, and the release keys the trust file
 * it follows (--previous) had and this one drops, retired at its created. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/freshness.h"
#include "lib/fsutil.h"
#include "lib/trust.h"

#define MAX_PATHS 64

struct create_opts {
	const char *out, *target, *previous, *created_s, *expires_s;
	const char *release[MAX_PATHS], *timestamp[MAX_PATHS], *revoke[OTA_TRUST_MAX_KEYS];
	size_t n_release, n_timestamp, n_revoke;
	unsigned long long sequence, min_index;
	unsigned int threshold, release_threshold, timestamp_threshold;
	bool force;
};

static int parse_number(const char *opt, const char *arg, unsigned long long max,
			unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!*arg || *end || errno || arg[0] == '-' || arg[0] == '+' || v < 1 || v > max)
		return ota_cli_usage("trust: %s: expected 1..%llu, got '%s'", opt, max, arg);
	*out = v;
	return 0;
}

static int push(const char **list, size_t *n, size_t max, const char *opt, const char *arg)
{
	if (*n == max)
		return ota_cli_usage("trust create: %s: at most %zu", opt, max);
	list[(*n)++] = arg;
	return 0;
}

static int threshold_opt(const char *opt, const char *arg, unsigned int *out)
{
	unsigned long long v = 0;
	int st = parse_number(opt, arg, OTA_TRUST_MAX_KEYS, &v);

	*out = (unsigned int)v;
	return st;
}

static int create_option(struct create_opts *o, int c)
{
	switch (c) {
	case 's': return parse_number("--sequence", optarg, OTA_TRUST_SEQUENCE_MAX, &o->sequence);
	case 'm': return threshold_opt("--threshold", optarg, &o->threshold);
	case 'M': return threshold_opt("--release-threshold", optarg, &o->release_threshold);
	case 'N': return threshold_opt("--timestamp-threshold", optarg, &o->timestamp_threshold);
	case 'i': return parse_number("--min-rollback-index", optarg, 1ULL << 53, &o->min_index);
	case 'r': return push(o->release, &o->n_release, MAX_PATHS, "--release", optarg);
	case 'T': return push(o->timestamp, &o->n_timestamp, MAX_PATHS, "--timestamp-key", optarg);
	case 'R': return push(o->revoke, &o->n_revoke, OTA_TRUST_MAX_KEYS, "--revoke", optarg);
	case 't': o->target = optarg; return 0;
	case 'o': o->out = optarg; return 0;
	case 'p': o->previous = optarg; return 0;
	case 'c': o->created_s = optarg; return 0;
	case 'e': o->expires_s = optarg; return 0;
	case 'f': o->force = true; return 0;
	case 'h': return ota_keytool_help("trust");
	default: return -1;
	}
}

static int parse_create(int argc, char **argv, struct create_opts *o)
{
	static const struct option longopts[] = {
		{"sequence", required_argument, NULL, 's'}, {"threshold", required_argument, NULL, 'm'},
		{"target", required_argument, NULL, 't'}, {"out", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'}, {"release", required_argument, NULL, 'r'},
		{"release-threshold", required_argument, NULL, 'M'},
		{"timestamp-key", required_argument, NULL, 'T'},
		{"timestamp-threshold", required_argument, NULL, 'N'},
		{"created", required_argument, NULL, 'c'}, {"expires", required_argument, NULL, 'e'},
		{"min-rollback-index", required_argument, NULL, 'i'},
		{"previous", required_argument, NULL, 'p'}, {"revoke", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool roles;
	int c, st;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1)
		if ((st = create_option(o, c)) == -1)
			return ota_keytool_bad_option("trust create", c, argv);
		else if (st || c == 'h')
			return st;
	if (!o->sequence || !o->threshold || !o->target || !o->out)
		return ota_cli_usage("trust create: --sequence N, --threshold M, --target T|'*' "
				     "and --out F are required");
	roles = o->n_release || o->release_threshold;
	if (roles != (o->n_release && o->release_threshold))
		return ota_cli_usage("trust create: --release K and --release-threshold R go "
				     "together");
	if (!roles && (o->n_timestamp || o->timestamp_threshold || o->created_s ||
		       o->expires_s || o->min_index || o->previous || o->n_revoke))
		return ota_cli_usage("trust create: roles, times, a floor and retirements need "
				     "--release K and --release-threshold R (format 2)");
	if (!o->n_timestamp != !o->timestamp_threshold)
		return ota_cli_usage("trust create: --timestamp-key K and --timestamp-threshold M "
				     "go together");
	if (optind == argc)
		return ota_cli_usage("trust create: no KEY.pub or key directory given");
	return OTA_KEYTOOL_CONTINUE;
}

/* Every file or directory named, into kr; the same key twice is one key. */
static int load_keys(struct ota_keyring *kr, const char *const *paths, size_t n,
		     struct ota_err *err)
{
	struct ota_keyring one;
	size_t i, k;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		if ((rc = ota_keyring_load(&one, paths[i], err)))
			break;
		for (k = 0; rc == 0 && k < one.n; k++)
			rc = ota_keyring_add_raw(kr, one.keys[k].raw, one.keys[k].source, err);
		ota_keyring_free(&one);
	}
	return rc;
}

/* created (SOURCE_DATE_EPOCH, else now, unless --created) and expires. */
static int times(const struct create_opts *o, long long *created, long long *expires,
		 struct ota_err *err)
{
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	int rc = 0;

	*created = (long long)time(NULL);
	*expires = 0;
	if (o->created_s)
		rc = ota_time_parse("--created", o->created_s, *created, created, err);
	else if (epoch)
		rc = ota_time_parse("SOURCE_DATE_EPOCH", epoch, 0, created, err);
	if (rc == 0 && o->expires_s)
		rc = ota_time_parse("--expires", o->expires_s, *created, expires, err);
	return rc;
}

static int make_roles(struct ota_trust *t, const struct create_opts *o, char **roots,
		      size_t n_roots, struct ota_err *err)
{
	struct ota_keyring root = {0}, release = {0}, stamp = {0};
	struct ota_trust prev;
	struct ota_trust_spec s = {.sequence = o->sequence, .target = o->target, .root = &root,
				   .release = &release, .root_threshold = o->threshold,
				   .release_threshold = o->release_threshold,
				   .timestamp_threshold = o->timestamp_threshold,
				   .min_rollback_index = o->min_index, .revoke = o->revoke,
				   .n_revoke = o->n_revoke};
	int rc;

	ota_trust_init(&prev);
	if ((rc = load_keys(&root, (const char *const *)roots, n_roots, err)) ||
	    (rc = load_keys(&release, o->release, o->n_release, err)) ||
	    (rc = load_keys(&stamp, o->timestamp, o->n_timestamp, err)) ||
	    (rc = times(o, &s.created, &s.expires, err)) ||
	    (o->previous && (rc = ota_trust_load(o->previous, &prev, err))))
		goto out;
	s.timestamp = o->n_timestamp ? &stamp : NULL;
	s.previous = o->previous ? &prev : NULL;
	rc = ota_trust_make_roles(t, &s, err);
out:
	ota_trust_free(&prev);
	ota_keyring_free(&root);
	ota_keyring_free(&release);
	ota_keyring_free(&stamp);
	return rc;
}

int ota_keytool_trust_create(int argc, char **argv)
{
	struct create_opts o = {0};
	struct ota_keyring all = {0};
	struct ota_trust t;
	struct ota_err err = {0};
	int rc, st;

	ota_trust_init(&t);
	st = parse_create(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	rc = ota_check_output(o.out, o.force, &err);
	if (rc == 0 && o.n_release)
		rc = make_roles(&t, &o, argv + optind, (size_t)(argc - optind), &err);
	else if (rc == 0 && (rc = load_keys(&all, (const char *const *)argv + optind,
					    (size_t)(argc - optind), &err)) == 0)
		rc = ota_trust_make(&t, o.sequence, o.target, o.threshold, &all, &err);
	if (rc && rc != OTA_EEXIST)
		ota_err_prefix(&err, rc, "trust create");
	if (rc == 0)
		rc = ota_keytool_write_trust(&t, o.out, o.force, &err);
	if (rc == 0 && t.format == OTA_TRUST_FORMAT_ROLES)
		printf("%s: trust sequence %llu for %s: root %u of %zu keys, release %u of %zu, "
		       "%zu retired; unsigned: sign it with `ota-keytool trust sign` (root "
		       "keys)\n", o.out, t.sequence, t.target, t.threshold, t.keys.n,
		       t.release.threshold, t.release.keys.n, t.retired.n);
	else if (rc == 0)
		printf("%s: trust sequence %llu for %s: %u of %zu keys; unsigned: sign it with "
		       "`ota-keytool trust sign`\n", o.out, t.sequence, t.target, t.threshold,
		       t.keys.n);
	ota_trust_free(&t);
	ota_keyring_free(&all);
	return rc ? ota_cli_fail(&err) : 0;
}

int ota_keytool_trust_timestamp(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"trust", required_argument, NULL, 'p'}, {"created", required_argument, NULL, 'c'},
		{"expires", required_argument, NULL, 'e'}, {"out", required_argument, NULL, 'o'},
		{"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}};
	struct create_opts o = {0};
	struct ota_trust cur, t;
	struct ota_err err = {0};
	long long created, expires;
	char until[32];
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1)
		if (create_option(&o, c) == -1)
			return ota_keytool_bad_option("trust timestamp", c, argv);
		else if (c == 'h')
			return 0;
	if (!o.previous || !o.expires_s || !o.out || optind != argc)
		return ota_cli_usage("trust timestamp: expected --trust CUR.trust --expires "
				     "T|+N[s|h|d] --out F [--created T] [--force]");
	ota_trust_init(&cur);
	ota_trust_init(&t);
	if ((rc = ota_check_output(o.out, o.force, &err)) == 0 &&
	    (rc = ota_trust_load(o.previous, &cur, &err)) == 0 &&
	    (rc = times(&o, &created, &expires, &err)) == 0 &&
	    (rc = ota_trust_make_timestamp(&t, &cur, created, expires, &err)) == 0 &&
	    (rc = ota_keytool_write_trust(&t, o.out, o.force, &err)) == 0) {
		ota_time_format(t.expires, until, sizeof(until));
		printf("%s: timestamp for trust sequence %llu, valid until %s; unsigned: sign it "
		       "with `ota-keytool trust sign` (%s keys)\n", o.out, t.sequence, until,
		       cur.timestamp.threshold ? "timestamp" : "root");
	}
	ota_trust_free(&cur);
	ota_trust_free(&t);
	return rc ? ota_cli_fail(&err) : 0;
}
