/* ota-bundle create: scan a tree, write manifest + payload as a bundle. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundler/bundler.h"
#include "cli/cli.h"
#include "lib/bundle_write.h"
#include "lib/fsutil.h"
#include "lib/tree.h"

struct create_opts {
	const char *tree, *version, *target, *out;
	unsigned long long rollback_index;
	long long created;
	int compress;
	int force;
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

static int parse_args(int argc, char **argv, struct create_opts *o)
{
	static const struct option longopts[] = {
		{"tree", required_argument, NULL, 't'}, {"version", required_argument, NULL, 'V'},
		{"target", required_argument, NULL, 'T'}, {"out", required_argument, NULL, 'o'},
		{"rollback-index", required_argument, NULL, 'r'},
		{"compress", required_argument, NULL, 'c'}, {"force", no_argument, NULL, 'f'},
		{NULL, 0, NULL, 0}};
	const char *epoch = getenv("SOURCE_DATE_EPOCH");
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 't': o->tree = optarg; break;
		case 'V': o->version = optarg; break;
		case 'T': o->target = optarg; break;
		case 'o': o->out = optarg; break;
		case 'f': o->force = 1; break;
		case 'r':
			if (parse_u64(optarg, 1ULL << 53, &o->rollback_index))
				return ota_cli_usage("--rollback-index: not an integer in 0..2^53: '%s'",
						     optarg);
			break;
		case 'c':
			if ((o->compress = ota_compress_parse(optarg)) < 0)
				return ota_cli_usage("--compress: unknown '%s'", optarg);
			break;
		default: return ota_cli_usage("create: bad option");
		}
	}
	if (optind != argc)
		return ota_cli_usage("create: unexpected argument '%s'", argv[optind]);
	if (!o->tree || !o->version || !o->target || !o->out)
		return ota_cli_usage("create: --tree, --version, --target and --out are required");
	if (!ota_manifest_version_ok(o->version))
		return ota_cli_usage("--version: '%s': use 1-%d of [A-Za-z0-9._+~-], not starting with '.' or '-', without '" OTA_TMP_MARK "'", o->version,
				     OTA_VERSION_MAX);
	if (!ota_manifest_target_ok(o->target))
		return ota_cli_usage("--target: '%s': use 1-%d of [A-Za-z0-9._-]", o->target,
				     OTA_TARGET_MAX);
	if (epoch && parse_u64(epoch, 1ULL << 53, &v))
		return ota_cli_usage("SOURCE_DATE_EPOCH: not an integer: '%s'", epoch);
	o->created = epoch ? (long long)v : (long long)time(NULL);
	return 0;
}

static int write_bundle(const struct create_opts *o, const struct ota_manifest *m,
			const struct ota_buf *bytes, struct ota_err *err)
{
	struct ota_bundle_writer *w = NULL;
	struct ota_atomic out = {.fd = -1};
	int rc;

	if (!o->force && (rc = ota_check_absent(o->out, err)))
		return ota_err_set(err, rc, "%s: exists (use --force to replace it)", o->out);
	if ((rc = ota_atomic_open(&out, o->out, 0644, err)))
		return rc;
	if ((rc = ota_bundle_writer_new(&w, out.fd, o->out, o->compress, o->created, err)) ||
	    (rc = ota_bundle_write_manifest(w, bytes->data, bytes->len, err)) ||
	    (rc = ota_bundle_write_tree(w, m, o->tree, err)) ||
	    (rc = ota_bundle_writer_finish(w, err)))
		goto out;
	rc = ota_atomic_commit(&out, o->force, err);
out:
	ota_bundle_writer_free(w);
	ota_atomic_abort(&out);
	return rc;
}

int cmd_create(int argc, char **argv)
{
	struct create_opts o = {.compress = OTA_COMPRESS_NONE};
	struct ota_err err = {0};
	struct ota_manifest *m = NULL;
	struct ota_buf bytes;
	int rc;

	ota_buf_init(&bytes, OTA_MANIFEST_MAX);
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	m = ota_manifest_new();
	if (!m) {
		rc = ota_err_set(&err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	if ((rc = ota_manifest_set(m, o.version, o.target, o.rollback_index, o.created, &err)) ||
	    (rc = ota_tree_scan(o.tree, m, &err)) ||
	    (rc = ota_manifest_serialize(m, &bytes, &err)) ||
	    (rc = write_bundle(&o, m, &bytes, &err)))
		goto out;
	printf("%s: version %s for %s, %zu files, %llu bytes, unsigned\n", o.out, m->version,
	       m->target, m->n_files, m->payload_bytes);
out:
	ota_manifest_free(m);
	ota_buf_free(&bytes);
	return rc ? ota_cli_fail(&err) : 0;
}
