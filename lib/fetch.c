/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.c - HTTP downloads with libcurl (see fetch.h): one transfer per
 * attempt into a memory or file sink, resumed with a Range request after a
 * failure, checked against the size and SHA-256 the caller expects. */
#include "lib/fetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/fsutil.h"
#include "lib/http_client.h"

/* A wait between attempts is cut in slices this long, to call progress. */
#define WAIT_SLICE_MS 200

struct xfer {
	CURL *h;
	const char *url;
	const struct ota_fetch_opts *o;
	int fd;                   /* the file sink, or -1 */
	const char *path;         /* of fd, for messages */
	struct ota_buf *buf;      /* the memory sink, or NULL */
	unsigned long long have;  /* bytes in the sink */
	unsigned long long size;  /* file: the exact size expected */
	long status;
	bool started;   /* the response's status was looked at */
	bool retry;     /* the failure is worth another attempt */
	bool restart;   /* the next attempt starts the file over */
	bool cancelled; /* by the progress hook */
	long long deadline_ms; /* CLOCK_MONOTONIC end of the whole fetch, or 0 */
	int rc;         /* a failure found in a callback, err set */
	char range[96]; /* the response's Content-Range */
	struct ota_err *err;
};

/* Record the attempt's failure (err naming the URL), and whether to retry. */
static int __attribute__((format(printf, 4, 5)))
fail(struct xfer *x, int code, bool retry, const char *fmt, ...)
{
	char reason[OTA_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	x->retry = retry;
	return x->rc = ota_err_set(x->err, code, "%s: %s", x->url, reason);
}

static int start_over(struct xfer *x)
{
	if (ftruncate(x->fd, 0) || lseek(x->fd, 0, SEEK_SET) < 0)
		return fail(x, OTA_EIO, false, "%s: %s", x->path, strerror(errno));
	x->have = 0;
	return 0;
}

/* A 206 must continue exactly where the file stands, of a file of the
 * size expected. */
static int check_range(struct xfer *x)
{
	unsigned long long first, total;

	if (!ota_http_content_range(x->range, &first, &total)) {
		x->restart = true;
		return fail(x, OTA_EFETCH, true, "a 206 answer without a byte range");
	}
	if (total && total != x->size)
		return fail(x, OTA_EHASH, false, "%llu bytes on the server, not the %llu expected",
			    total, x->size);
	if (first != x->have) {
		x->restart = true;
		return fail(x, OTA_EFETCH, true, "asked for bytes from %llu, got them from %llu",
			    x->have, first);
	}
	return 0;
}

/* The response's status and length, before any of its body is kept. */
static int begin_body(struct xfer *x)
{
	curl_off_t len = -1;

	x->started = true;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->status);
	if (x->status == 416 && x->fd >= 0)
		x->restart = true;
	if (x->status != 200 && !(x->status == 206 && x->fd >= 0))
		return fail(x, OTA_EFETCH, x->restart || x->status == 408 || x->status == 429 ||
			    x->status >= 500, "HTTP status %ld", x->status);
	if (x->buf) {
		x->buf->len = 0;
		return 0;
	}
	if (x->status == 206)
		return check_range(x);
	/* 200: the whole file, from its first byte, whatever we asked. */
	if (x->have && start_over(x))
		return x->rc;
	curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (len >= 0 && (unsigned long long)len != x->size)
		return fail(x, OTA_EHASH, false, "%lld bytes on the server, not the %llu expected",
			    (long long)len, x->size);
	return 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n;
	struct ota_err ignored;

	if (!x->started && begin_body(x))
		return 0;
	if (x->buf) {
		if (ota_buf_append(x->buf, p, len, &ignored)) {
			fail(x, OTA_EFORMAT, false, "larger than %zu bytes", x->buf->max);
			return 0;
		}
		return len;
	}
	if (len > x->size - x->have) {
		fail(x, OTA_EHASH, false, "more than the %llu bytes expected", x->size);
		return 0;
	}
	if (ota_write_all(x->fd, p, len, x->path, x->err)) {
		x->rc = OTA_EIO;
		return 0;
	}
	x->have += len;
	return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;

	ota_http_note_range(p, size * n, x->range, sizeof(x->range));
	return size * n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = ctx;
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (ota_progress_at(x->o->progress, x->have, x->size))
		x->cancelled = true;
	return x->cancelled;
}

/* ota_http_restrict's rules, this transfer's timeouts and callbacks. */
static CURLcode setup(struct xfer *x, char *ebuf)
{
	long stall_s = x->o->stall_timeout_ms < 1000 ? 1 : (long)x->o->stall_timeout_ms / 1000;
	CURL *h = x->h;
	CURLcode cc;

	if ((cc = ota_http_restrict(h, x->url, ebuf)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)x->o->connect_timeout_ms)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT,
				   x->o->min_rate ? (long)x->o->min_rate : 1L)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_WRITEDATA, x)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_HEADERDATA, x)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_XFERINFODATA, x)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L)))
		return cc;
	return CURLE_OK;
}

/* What an attempt came to, once curl_easy_perform returned cc. */
static int outcome(struct xfer *x, CURLcode cc, const char *ebuf)
{
	if (x->rc)
		return x->rc;
	if (x->cancelled)
		return fail(x, OTA_EFETCH, false, "interrupted");
	if (cc != CURLE_OK)
		return fail(x, OTA_EFETCH, ota_http_transient(cc), "%s", ebuf[0] ? ebuf
								 : curl_easy_strerror(cc));
	/* An empty body: its status and length are still to be judged. */
	if (!x->started && begin_body(x))
		return x->rc;
	if (x->fd >= 0 && x->have < x->size)
		return fail(x, OTA_EFETCH, true, "the connection closed after %llu of %llu bytes",
			    x->have, x->size);
	return 0;
}

static int attempt(struct xfer *x)
{
	char ebuf[CURL_ERROR_SIZE] = "", range[32];
	CURLcode cc;

	x->started = x->retry = x->cancelled = false;
	x->status = 0;
	x->rc = 0;
	x->range[0] = '\0';
	if (x->restart && x->fd >= 0 && start_over(x))
		return x->rc;
	x->restart = false;
	if (x->fd >= 0 && lseek(x->fd, (off_t)x->have, SEEK_SET) < 0)
		return fail(x, OTA_EIO, false, "%s: %s", x->path, strerror(errno));
	snprintf(range, sizeof(range), "%llu-", x->have);
	cc = setup(x, ebuf);
	if (cc == CURLE_OK)
		cc = curl_easy_setopt(x->h, CURLOPT_RANGE, x->fd >= 0 && x->have ? range : NULL);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(x->h);
	return outcome(x, cc, ebuf);
}

/* Wait retry_delay_ms; true if the progress hook cancelled meanwhile. */
static bool wait_retry(struct xfer *x)
{
	struct ota_progress *p = x->o->progress;
	long long end = ota_monotonic_ms() + x->o->retry_delay_ms, left;
	struct timespec ts;

	while ((left = end - ota_monotonic_ms()) > 0) {
		if (ota_progress_at(p, x->have, x->size))
			return true;
		left = left < WAIT_SLICE_MS ? left : WAIT_SLICE_MS;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = left % 1000 * 1000000;
		nanosleep(&ts, NULL);
	}
	return ota_progress_at(p, x->have, x->size) != 0;
}

/* The time left of the whole fetch, as the attempt's own bound: false
 * (err set) when none is left. */
static bool time_left(struct xfer *x)
{
	long long left;

	if (!x->deadline_ms)
		return true;
	left = x->deadline_ms - ota_monotonic_ms();
	if (left <= 0) {
		fail(x, OTA_EFETCH, false, "gave up after %u s (watch.max_time)",
		     x->o->max_time_ms / 1000);
		return false;
	}
	return curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)left) == CURLE_OK;
}

static int run(struct xfer *x)
{
	unsigned int i;
	size_t len;
	int rc;

	if (x->o->max_time_ms)
		x->deadline_ms = ota_monotonic_ms() + x->o->max_time_ms;
	if ((rc = ota_http_global_init(x->err)))
		return rc;
	if (!(x->h = curl_easy_init()))
		return ota_err_set(x->err, OTA_EINTERNAL, "%s: curl_easy_init failed", x->url);
	for (i = 0;; i++) {
		rc = time_left(x) ? attempt(x) : x->rc;
		if (rc && x->deadline_ms && ota_monotonic_ms() >= x->deadline_ms)
			x->retry = time_left(x);
		if (rc == 0 || !x->retry || i == x->o->retries)
			break;
		if (wait_retry(x)) {
			rc = fail(x, OTA_EFETCH, false, "interrupted");
			break;
		}
	}
	len = strlen(x->err->msg);
	if (rc && i > 0)
		snprintf(x->err->msg + len, sizeof(x->err->msg) - len, " (%u attempts)", i + 1);
	curl_easy_cleanup(x->h);
	x->h = NULL;
	return rc;
}

int ota_fetch_to_buf(const char *url, const struct ota_fetch_opts *o, struct ota_buf *b,
		     struct ota_err *err)
{
	struct xfer x = {.url = url, .o = o, .fd = -1, .buf = b, .err = err};

	b->len = 0;
	return run(&x);
}

static int check_hash(struct xfer *x, const unsigned char want[OTA_SHA256_LEN])
{
	char got_hex[OTA_SHA256_HEX_LEN + 1], want_hex[OTA_SHA256_HEX_LEN + 1];
	unsigned char got[OTA_SHA256_LEN];
	int rc;

	if (fsync(x->fd))
		return ota_err_errno(x->err, OTA_EIO, errno, "%s: fsync", x->path);
	if (lseek(x->fd, 0, SEEK_SET) < 0)
		return ota_err_errno(x->err, OTA_EIO, errno, "%s", x->path);
	if ((rc = ota_sha256_fd(x->fd, x->path, got, NULL, x->err)))
		return rc;
	if (memcmp(got, want, OTA_SHA256_LEN) == 0)
		return 0;
	ota_hex(got, sizeof(got), got_hex);
	ota_hex(want, OTA_SHA256_LEN, want_hex);
	return fail(x, OTA_EHASH, false, "SHA-256 is %.16s..., not the expected %.16s...",
		    got_hex, want_hex);
}

int ota_fetch_to_file(const char *url, const char *path, unsigned long long size,
		      const unsigned char sha256[OTA_SHA256_LEN], const struct ota_fetch_opts *o,
		      struct ota_err *err)
{
	struct xfer x = {.url = url, .o = o, .path = path, .size = size, .err = err};
	struct stat st;
	int rc;

	x.fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (x.fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (fstat(x.fd, &st)) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
		goto out;
	}
	x.have = (unsigned long long)st.st_size;
	/* More than expected can only be a different file: start over. */
	x.restart = x.have > size;
	rc = x.have == size ? 0 : run(&x);
	if (rc == 0)
		rc = check_hash(&x, sha256);
out:
	close(x.fd);
	if (rc == OTA_EHASH)
		unlink(path);
	return rc;
}
