/* SPDX-License-Identifier: Apache-2.0 */
/* delivery_http.c - the HTTP source (delivery.h): a directory served over
 * HTTP (a technician's laptop on the LAN).  index.json (`ota-bundle
 * index`) names the newest bundle for this device class; it is installed
 * as it downloads (fetch_stream.h: resumed after a drop, size-capped, size
 * and SHA-256 checked against the index), or, with watch.direct: 0,
 * downloaded into the spool and installed from there.  The index is only
 * a hint: the install verifies the signature as always. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/delivery.h"
#include "agent/engine.h"
#include "agent/interrupt.h"
#include "agent/supervisor.h"
#include "lib/fetch.h"
#include "lib/fetch_stream.h"
#include "lib/index.h"
#include "lib/path.h"
#include "lib/spool.h"

#define PART_EXT ".part"
#define URL_MAX 2048

struct poll {
	struct agent *a;
	struct delivery_pass *p;
	struct delivery_spool spool;
	char base[URL_MAX]; /* the URL, ending in '/' */
	char installed[OTA_VERSION_MAX + 1];
	unsigned long long floor;
	struct ota_index idx;
	size_t trust_refused; /* trust files the index listed, refused */
	int trust_rc;         /* the first one's code and reason */
	struct ota_err trust_err;
};

static void fetch_opts(struct agent *a, struct ota_progress *prog, struct ota_fetch_opts *o)
{
	o->retries = a->cfg.fetch_retries;
	o->retry_delay_ms = a->cfg.retry_delay_ms;
	o->connect_timeout_ms = a->cfg.connect_timeout_ms;
	o->stall_timeout_ms = a->cfg.stall_timeout_ms;
	o->min_rate = a->cfg.min_rate;
	o->max_time_ms = a->cfg.max_fetch_ms;
	o->progress = prog;
}

/* base + file, the file name percent-encoded but for unreserved bytes. */
static int file_url(const struct poll *q, const char *file, char *out, size_t len,
		    struct ota_err *err)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(q->base), i;
	unsigned char c;

	if (n >= len)
		return ota_err_set(err, OTA_EUSAGE, "%s: URL too long", q->base);
	memcpy(out, q->base, n);
	for (i = 0; file[i]; i++) {
		c = (unsigned char)file[i];
		if (n + 4 > len)
			return ota_err_set(err, OTA_EUSAGE, "%s%s: URL too long", q->base, file);
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
	return 0;
}

static int read_index(struct poll *q, struct ota_err *err)
{
	struct ota_progress prog;
	struct ota_fetch_opts o;
	char url[URL_MAX];
	struct ota_buf b;
	int rc;

	delivery_progress_init(&prog, q->a);
	fetch_opts(q->a, &prog, &o);
	if ((rc = file_url(q, OTA_INDEX_FILE, url, sizeof(url), err)))
		return rc;
	supervisor_notify(q->a, "STATUS=polling %s", url);
	supervisor_busy(q->a, 60000);
	ota_buf_init(&b, OTA_INDEX_MAX);
	rc = ota_fetch_to_buf(url, &o, &b, err);
	if (rc == 0)
		rc = ota_index_parse(b.data, b.len, url, &q->idx, err);
	ota_buf_free(&b);
	return rc;
}

/* One trust file the index lists, into memory, checked against the
 * index's size and SHA-256 (7 otherwise), then parsed into t. */
static void fetch_trust(struct poll *q, const struct ota_index_trust *e, struct delivery_trust *t)
{
	unsigned char sha[OTA_SHA256_LEN];
	struct ota_progress prog;
	struct ota_fetch_opts o;
	struct ota_err why = {0};
	char url[URL_MAX];
	struct ota_buf b;
	int rc;

	delivery_progress_init(&prog, q->a);
	fetch_opts(q->a, &prog, &o);
	ota_buf_init(&b, OTA_INDEX_TRUST_MAX_SIZE);
	if ((rc = file_url(q, e->file, url, sizeof(url), &why)) == 0 &&
	    (rc = ota_fetch_to_buf(url, &o, &b, &why)) == 0 &&
	    (rc = ota_sha256(b.data, b.len, sha, &why)) == 0 &&
	    (b.len != e->size || memcmp(sha, e->sha256, sizeof(sha))))
		rc = ota_err_set(&why, OTA_EHASH, "%s: size or SHA-256 differs from the index",
				 url);
	if (rc == 0)
		delivery_trust_add(t, b.data, b.len, url, q->p);
	else
		delivery_trust_refuse(t, rc, &why, q->p);
	ota_buf_free(&b);
}

/* The trust files the index lists for this device class, applied in
 * sequence order before a bundle is chosen. */
static int take_trust(struct poll *q, struct ota_err *err)
{
	struct delivery_trust t;
	size_t i;
	int rc;

	delivery_trust_init(&t);
	for (i = 0; i < q->idx.n_trust && !interrupt_signal(); i++)
		if (!strcmp(q->idx.trust[i].target, OTA_TRUST_ANY_TARGET) ||
		    !strcmp(q->idx.trust[i].target, q->a->cfg.device_class))
			fetch_trust(q, &q->idx.trust[i], &t);
	rc = interrupt_signal() ? delivery_stopped(q->base, err)
				: delivery_trust_apply(q->a, &t, q->p, err);
	q->trust_refused = t.refused;
	q->trust_rc = t.first_rc;
	q->trust_err = t.first_err;
	delivery_trust_free(&t);
	return rc;
}

/* Into the spool as e->file, via e->file.part; spooled gets the path. */
static int download(struct poll *q, const struct ota_index_entry *e, const char *url,
		    char *spooled, size_t len, struct ota_err *err)
{
	struct ota_progress prog;
	const char *spool = q->spool.dir;
	char part_name[OTA_NAME_MAX + sizeof(PART_EXT)], part[PATH_MAX];
	struct ota_fetch_opts o;
	int rc;

	delivery_progress_init(&prog, q->a);
	fetch_opts(q->a, &prog, &o);
	snprintf(part_name, sizeof(part_name), "%s" PART_EXT, e->file);
	if ((rc = ota_spool_path(spool, e->file, spooled, len, err)) ||
	    (rc = ota_spool_path(spool, part_name, part, sizeof(part), err)) ||
	    (rc = ota_spool_check_space(spool, e->size, 0, err)))
		return rc;
	supervisor_notify(q->a, "STATUS=downloading %s", url);
	supervisor_busy(q->a, 60000);
	if ((rc = ota_fetch_to_file(url, part, e->size, e->sha256, &o, err)))
		return rc;
	if (rename(part, spooled))
		return ota_err_errno(err, OTA_EIO, errno, "%s", spooled);
	return 0;
}

static int stream_read(void *ctx, void *buf, size_t cap, size_t *n, struct ota_err *err)
{
	return ota_fetch_stream_read(ctx, buf, cap, n, err);
}

static int stream_reread(void *ctx, unsigned long long off, void *buf, size_t len,
			 struct ota_err *err)
{
	return ota_fetch_stream_reread(ctx, off, buf, len, err);
}

/* Install e as it downloads: nothing is sent before the install reads. */
static int take_direct(struct poll *q, const struct ota_index_entry *e, const char *url,
		       struct ota_err *err)
{
	struct delivery_direct_progress prog;
	struct ota_bundle_source src = {.fd = -1, .read = stream_read, .reread = stream_reread};
	struct ota_fetch_stream *fs;
	struct ota_fetch_opts o;
	int rc;

	delivery_direct_progress_init(&prog, q->a, e->size);
	fetch_opts(q->a, &prog.p, &o);
	if ((rc = ota_fetch_stream_open(&fs, url, e->size, e->sha256, &o, err)))
		return rc;
	src.ctx = fs;
	supervisor_notify(q->a, "STATUS=downloading %s", url);
	rc = delivery_install_direct(q->a, &src, url, e->size, q->p, err);
	ota_fetch_stream_free(fs);
	return rc;
}

static int take(struct poll *q, const struct ota_index_entry *e, struct ota_err *err)
{
	char url[URL_MAX], spooled[PATH_MAX];
	int rc;

	if (e->size > q->a->cfg.max_bundle_bytes)
		return ota_err_set(err, OTA_EFETCH, "%s%s: %llu bytes is over watch.max_bundle_mb "
				   "(%u MiB)", q->base, e->file, e->size, q->a->cfg.max_bundle_mb);
	if ((rc = file_url(q, e->file, url, sizeof(url), err)) ||
	    (rc = delivery_spool_open(q->a, delivery_http.name, &q->spool, err)) ||
	    (rc = delivery_check_lock(q->a, err)))
		goto out;
	/* Direct, the install reads the wire under the run lock, as bounded
	 * as the download is; else the download into the spool holds the
	 * spool's lock only. */
	if (q->a->cfg.direct)
		rc = take_direct(q, e, url, err);
	else if ((rc = download(q, e, url, spooled, sizeof(spooled), err)) == 0)
		rc = delivery_install_spooled(q->a, &q->spool, spooled, url, q->p, err);
	/* A download a signal cut (an install says what it undid). */
	if (rc && rc != OTA_EINTR && interrupt_signal())
		rc = delivery_stopped(url, err);
out:
	delivery_spool_close(&q->spool);
	return rc;
}

/* The pass's one line: e is the entry taken, or NULL when there was none. */
static void summarize(const struct poll *q, const struct ota_index_entry *e, const char *why)
{
	struct ota_err ignored;
	char line[URL_MAX + 256], url[URL_MAX];
	size_t i, mine = 0;

	for (i = 0; i < q->idx.n; i++)
		mine += strcmp(q->idx.entries[i].target, q->a->cfg.device_class) == 0;
	if (e && q->p->installed && file_url(q, e->file, url, sizeof(url), &ignored) == 0)
		snprintf(line, sizeof(line), "%s: installed and promoted %s", url, q->p->version);
	else
		snprintf(line, sizeof(line), "%s: %s (%zu listed, %zu for %s)", q->base, why,
			 q->idx.n, mine, q->a->cfg.device_class);
	ota_buf_puts(&q->p->summary, line, &ignored);
}

static int http_pass(struct agent *a, const char *url, struct delivery_pass *p,
		     struct ota_err *err)
{
	struct poll q = {.a = a, .p = p, .spool = {.lock_fd = -1}};
	const struct ota_index_entry *e;
	char why[OTA_VERSION_MAX + 128];
	struct ota_err skipped;
	int rc;

	if (snprintf(q.base, sizeof(q.base), "%s%s", url,
		     *url && url[strlen(url) - 1] == '/' ? "" : "/") >= (int)sizeof(q.base))
		return ota_err_set(err, OTA_EUSAGE, "%s: URL too long", url);
	if ((rc = read_index(&q, err)) || (rc = take_trust(&q, err)) ||
	    (rc = engine_installed(a, q.installed, &q.floor, err)))
		goto out;
	e = ota_index_pick(&q.idx, a->cfg.device_class, q.installed);
	snprintf(why, sizeof(why), "no bundle newer than %s",
		 q.installed[0] ? q.installed : "nothing");
	if (e && p->skip && strcmp(e->version, p->skip) == 0) {
		ota_err_set(&skipped, OTA_EROLLBACK, "%s%s: %s failed to install before: not "
			    "tried again until ota-agent restarts", q.base, e->file, e->version);
		delivery_note(p, &skipped);
		e = NULL;
	}
	if (e)
		rc = take(&q, e, err);
	/* Nothing else went wrong: a refused trust file is the pass's outcome. */
	if (rc == 0 && !p->installed && q.trust_rc) {
		rc = q.trust_rc;
		*err = q.trust_err;
		p->noted = true;
	}
	if (rc == 0 || p->noted)
		summarize(&q, e, why);
out:
	ota_index_free(&q.idx);
	return rc;
}

static const char *http_configured(const struct ota_config *c)
{
	return c->source_url;
}

const struct delivery_source delivery_http = {"http", http_configured, NULL, http_pass};
