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
};

static int stage_entry(void *ctx, const struct ota_entry *e, struct ota_err *err)
{
	return ota_extract_entry(((struct stage *)ctx)->x, e, err);
}

static int stage_data(void *ctx, const void *buf, size_t len, struct ota_err *err)
{
	return ota_extract_write(((struct stage *)ctx)->x, buf, len, err);
}

/* A delta's file that the payload leaves out, from a base release. */
static int stage_omitted(void *ctx, const struct ota_entry *e, struct ota_err *err)
{
	struct stage *s = ctx;
	int rc = ota_extract_entry(s->x, e, err);

	return rc ? rc : ota_base_fill(s->base, e, stage_data, s, s->name, err);
}

int ota_stage_finish(struct ota_verify_session *v, const char *dest, bool durable,
		     struct ota_base *base, struct ota_err *err)
{
	const struct ota_manifest *m = v->res.manifest;
	struct stage s = {NULL, base, v->name};
	struct ota_payload_sink sink = {stage_entry, stage_data, &s, stage_omitted};
	int rc = 0;

	if (m->delta.n_omitted && !base)
		return ota_err_set(err, OTA_EUSAGE, "%s: a delta of %s: %zu of its files are not in "
				   "the payload, and extracting it needs the base release's tree "
				   "(ota-verify --base DIR)",
				   v->name, m->delta.base, m->delta.n_omitted);
	/* Every omitted file has a source before a byte is written. */
	if (m->delta.n_omitted)
		rc = ota_base_plan(base, m, v->name, err);
	if (rc == 0)
		rc = ota_extract_new(&s.x, dest, m, durable, err);
	if (rc == 0)
		rc = ota_verify_finish(v, &sink, err);
	if (rc == 0)
		rc = ota_extract_commit(s.x, err);
	ota_extract_free(s.x);
	return rc;
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
