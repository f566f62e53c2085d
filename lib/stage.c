/* SPDX-License-Identifier: Apache-2.0 */
/* stage.c - a verified payload into a release tree (stage.h). */
#include "lib/stage.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib/extract.h"

struct stage {
	struct ota_extract *x;
	struct ota_base *base;
	const char *name;
	bool share;   /* the agent's release: files shared with the base */
	bool skip;    /* the file being streamed is shared: its bytes are not written */
};

static int stage_write(void *ctx, const void *buf, size_t len, struct ota_err *err)
{
	return ota_extract_write(((struct stage *)ctx)->x, buf, len, err);
}

static int stage_data(void *ctx, const void *buf, size_t len, struct ota_err *err)
{
	/* A shared file's bytes still stream past: the bundle is hashed
	 * whole, and its hash must match as if they were written. */
	return ((struct stage *)ctx)->skip ? 0 : stage_write(ctx, buf, len, err);
}

/* File e from a base release when one has its bytes, intact: 1 if taken
 * (shared, or for an omitted file that cannot be, copied), 0 if not. */
static int share_file(struct stage *s, const struct ota_entry *e, struct ota_err *err)
{
	struct ota_base_file f;
	int rc = ota_base_take(s->base, e, &f, s->name, err);

	if (rc <= 0)
		return rc;
	rc = ota_extract_share(s->x, e, f.fd, f.dir, f.path, &f.st, err);
	if (rc == 0 && e->omitted && (rc = ota_extract_entry(s->x, e, err)) == 0 &&
	    (rc = ota_base_copy(s->base, &f, e, stage_write, s, s->name, err)) == 0)
		rc = 1;
	ota_base_file_close(&f);
	return rc;
}

static int stage_entry(void *ctx, const struct ota_entry *e, struct ota_err *err)
{
	struct stage *s = ctx;
	int rc = 0;

	s->skip = false;
	if (s->share && e->type == OTA_ENTRY_FILE && (rc = share_file(s, e, err)) != 0)
		return rc < 0 ? rc : (s->skip = true, 0);
	return ota_extract_entry(s->x, e, err);
}

/* A delta's file that the payload leaves out, from a base release. */
static int stage_omitted(void *ctx, const struct ota_entry *e, struct ota_err *err)
{
	struct stage *s = ctx;
	int rc;

	if (s->share)
		return (rc = share_file(s, e, err)) < 0 ? rc : 0;
	rc = ota_extract_entry(s->x, e, err);
	return rc ? rc : ota_base_fill(s->base, e, stage_write, s, s->name, err);
}

static int stage_run(struct ota_verify_session *v, const char *dest, bool durable,
		     bool release, struct ota_base *base, struct ota_err *err)
{
	const struct ota_manifest *m = v->res.manifest;
	/* Only a plan for every file can be followed file by file. */
	struct stage s = {NULL, base, v->name, release && base && ota_base_share(base), false};
	struct ota_payload_sink sink = {stage_entry, stage_data, &s, stage_omitted};
	int rc = 0;

	if (m->delta.n_omitted && !base)
		return ota_err_set(err, OTA_EUSAGE, "%s: a delta of %s: %zu of its files are not in "
				   "the payload, and extracting it needs the base release's tree "
				   "(ota-verify --base DIR)",
				   v->name, m->delta.base, m->delta.n_omitted);
	/* Every omitted file has a source before a byte is written. */
	if (m->delta.n_omitted || s.share)
		rc = ota_base_plan(base, m, v->name, err);
	if (rc == 0)
		rc = ota_extract_new(&s.x, dest, m, durable, err);
	if (rc == 0 && release)
		ota_extract_set_readonly(s.x);
	if (rc == 0 && s.share)
		ota_base_hash_ahead(base, v->name);
	if (rc == 0)
		rc = ota_verify_finish(v, &sink, err);
	if (s.share)
		ota_base_hash_ahead_stop(base); /* before the manifest can go */
	if (rc == 0)
		rc = ota_extract_commit(s.x, err);
	ota_extract_free(s.x);
	return rc;
}

int ota_stage_finish(struct ota_verify_session *v, const char *dest, bool durable,
		     struct ota_base *base, struct ota_err *err)
{
	return stage_run(v, dest, durable, false, base, err);
}

int ota_stage_release(struct ota_verify_session *v, const char *dest, struct ota_base *base,
		      struct ota_err *err)
{
	return stage_run(v, dest, true, true, base, err);
}

int ota_stage_bundle_fd(int fd, const char *name, const struct ota_verify_opts *opts,
			const char *dest, bool durable, struct ota_base *base,
			struct ota_verify_result *res, struct ota_err *err)
{
	struct ota_verify_session v;
	int rc = ota_verify_open(&v, fd, name, opts, err);

	if (rc == 0)
		rc = ota_stage_finish(&v, dest, durable, base, err);
	memset(res, 0, sizeof(*res));
	if (rc == 0) {
		*res = v.res;
		v.res.manifest = NULL;
	}
	ota_verify_close(&v);
	return rc;
}

int ota_stage_bundle(const char *path, const struct ota_verify_opts *opts, const char *dest,
		     bool durable, struct ota_base *base, struct ota_verify_result *res,
		     struct ota_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		memset(res, 0, sizeof(*res));
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	}
	rc = ota_stage_bundle_fd(fd, path, opts, dest, durable, base, res, err);
	close(fd);
	return rc;
}
