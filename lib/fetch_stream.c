/* SPDX-License-Identifier: Apache-2.0 */
/* fetch_stream.c - a download read as it arrives (fetch_stream.h): one
 * libcurl transfer driven through a multi handle from the reader's calls;
 * its write callback fills a buffer and pauses the transfer when the
 * buffer is full, so memory stays flat and nothing reaches the disk.  The
 * whole stream's SHA-256 is computed on a second thread (hashq.h), fed a
 * copy of the bytes as they are taken: the reader hashes every file it
 * stages already, and one core need not hash each byte twice. */
#include "lib/fetch_stream.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/hashq.h"
#include "lib/http_client.h"

/* Bytes off the wire held for the reader: four of its blocks. */
#define STREAM_BUF (1024 * 1024)
/* How long one wait for the socket lasts before the progress hook is
 * called again (a stop signal, the watchdog). */
#define POLL_MS 200
#define RANGE_MAX 96
/* curl's receive buffer: larger reads off the socket than its 16 KiB. */
#define RECV_BUF (256L * 1024)

struct ota_fetch_stream {
	CURLM *m;
	CURL *h;
	char *url;
	struct ota_fetch_opts o;
	unsigned long long size;
	unsigned long long have; /* bytes taken off the wire, in order */
	unsigned long long drop; /* of a 200 answer to a Range: bytes given already */
	unsigned char want[OTA_SHA256_LEN];
	struct ota_hashq *hq;    /* hashes the have bytes, in order */
	unsigned char *hbuf;     /* hq's buffer being filled, NULL if none */
	size_t hlen;             /* bytes in hbuf */
	unsigned char got[OTA_SHA256_LEN]; /* their SHA-256, once ended */
	unsigned char *buf;
	size_t off, len;  /* buf[off, len): taken, not yet read */
	bool active;      /* h is in m: an attempt under way */
	bool paused;      /* by on_data, buf being full */
	bool started;     /* this attempt's answer was judged */
	bool retry;       /* this attempt's failure is worth another */
	bool ended;       /* all size bytes read and their hash checked */
	unsigned int attempts, resumes;
	long long deadline_ms; /* CLOCK_MONOTONIC end of it all, or 0 */
	char range[RANGE_MAX]; /* this answer's Content-Range */
	char ebuf[CURL_ERROR_SIZE];
	int arc;               /* this attempt's failure, in aerr */
	struct ota_err aerr;
	int rc;                /* the stream's failure, final, in err */
	struct ota_err err;
};

/* This attempt failed: the reason (naming the URL), and whether to retry. */
static int __attribute__((format(printf, 4, 5)))
attempt_fail(struct ota_fetch_stream *s, int code, bool retry, const char *fmt, ...)
{
	char reason[OTA_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	s->retry = retry;
	return s->arc = ota_err_set(&s->aerr, code, "%s: %s", s->url, reason);
}

/* The stream failed for good: every later read says so. */
static int give_up(struct ota_fetch_stream *s, int code, const struct ota_err *why)
{
	size_t n;

	s->err = *why;
	s->rc = code;
	n = strlen(s->err.msg);
	if (s->attempts > 1)
		snprintf(s->err.msg + n, sizeof(s->err.msg) - n, " (%u attempts)", s->attempts);
	return code;
}

/* The answer's status and length, before any of its body is taken. */
static int begin(struct ota_fetch_stream *s)
{
	unsigned long long first, total;
	curl_off_t len = -1;
	long status = 0;

	s->started = true;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (status == 206) {
		if (!ota_http_content_range(s->range, &first, &total))
			return attempt_fail(s, OTA_EFETCH, true, "a 206 answer without a byte range");
		if (total && total != s->size)
			return attempt_fail(s, OTA_EHASH, false, "%llu bytes on the server, not the "
					    "%llu expected", total, s->size);
		if (first != s->have)
			return attempt_fail(s, OTA_EFETCH, true, "asked for bytes from %llu, got them "
					    "from %llu", s->have, first);
		return 0;
	}
	if (status != 200)
		return attempt_fail(s, OTA_EFETCH, status == 408 || status == 429 || status >= 500,
				    "HTTP status %ld", status);
	/* The whole file, whatever was asked: from its first byte again, the
	 * ones given already dropped (the hashes judge what follows). */
	s->drop = s->have;
	curl_easy_getinfo(s->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
	if (len >= 0 && (unsigned long long)len != s->size)
		return attempt_fail(s, OTA_EHASH, false, "%lld bytes on the server, not the %llu "
				    "expected", (long long)len, s->size);
	return 0;
}

/* The next len bytes of the stream to the hashing thread, a full buffer
 * at a time (waiting for a free one if it lags: memory stays flat). */
static void hash_bytes(struct ota_fetch_stream *s, const char *p, size_t len)
{
	size_t k;

	while (len) {
		if (!s->hbuf)
			s->hbuf = ota_hashq_buffer(s->hq);
		k = OTA_HASHQ_CHUNK - s->hlen < len ? OTA_HASHQ_CHUNK - s->hlen : len;
		memcpy(s->hbuf + s->hlen, p, k);
		s->hlen += k;
		p += k;
		len -= k;
		if (s->hlen == OTA_HASHQ_CHUNK) {
			ota_hashq_push(s->hq, s->hbuf, s->hlen);
			s->hbuf = NULL;
			s->hlen = 0;
		}
	}
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct ota_fetch_stream *s = ctx;
	size_t len = size * n, skip, take;

	if (!s->started && begin(s))
		return 0;
	skip = s->drop < len ? (size_t)s->drop : len;
	take = len - skip;
	if (take > STREAM_BUF - s->len) {
		/* Given again once the reader has emptied buf. */
		if (s->len > s->off) {
			s->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		attempt_fail(s, OTA_EINTERNAL, false, "a block of %zu bytes", take);
		return 0;
	}
	if (take > s->size - s->have) {
		attempt_fail(s, OTA_EHASH, false, "more than the %llu bytes expected", s->size);
		return 0;
	}
	hash_bytes(s, p + skip, take);
	memcpy(s->buf + s->len, p + skip, take);
	s->drop -= skip;
	s->len += take;
	s->have += take;
	return len;
}

/* ctx: the transfer's Content-Range buffer, RANGE_MAX bytes. */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	ota_http_note_range(p, size * n, ctx, RANGE_MAX);
	return size * n;
}

/* An attempt from byte have on, in the time left of the whole stream. */
static int start(struct ota_fetch_stream *s)
{
	char range[32];
	long long left = 0;
	struct ota_err why;

	if (s->deadline_ms && (left = s->deadline_ms - ota_monotonic_ms()) <= 0) {
		ota_err_set(&why, OTA_EFETCH, "%s: gave up after %u s (watch.max_time)", s->url,
			    s->o.max_time_ms / 1000);
		return give_up(s, OTA_EFETCH, &why);
	}
	s->started = s->retry = s->paused = false;
	s->drop = 0; /* of an earlier answer, cut while its first bytes were dropped */
	s->arc = 0;
	s->range[0] = s->ebuf[0] = '\0';
	snprintf(range, sizeof(range), "%llu-", s->have);
	if (s->attempts++ && s->have)
		s->resumes++;
	if (curl_easy_setopt(s->h, CURLOPT_RANGE, s->have ? range : NULL) != CURLE_OK ||
	    curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)left) != CURLE_OK ||
	    curl_multi_add_handle(s->m, s->h) != CURLM_OK) {
		ota_err_set(&why, OTA_EINTERNAL, "%s: cannot start a transfer", s->url);
		return give_up(s, OTA_EINTERNAL, &why);
	}
	s->active = true;
	return 0;
}

/* Wait retry_delay_ms in slices, calling the progress hook: true if it
 * cancelled meanwhile. */
static bool wait_retry(struct ota_fetch_stream *s)
{
	long long end = ota_monotonic_ms() + s->o.retry_delay_ms, left;
	struct timespec ts;

	while ((left = end - ota_monotonic_ms()) > 0) {
		if (ota_progress_at(s->o.progress, s->have, s->size))
			return true;
		left = left < POLL_MS ? left : POLL_MS;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = left % 1000 * 1000000;
		nanosleep(&ts, NULL);
	}
	return false;
}

/* The attempt ended with cc: 0 when it brought every byte; else another
 * attempt is prepared (after retry_delay) or the stream given up. */
static int finished(struct ota_fetch_stream *s, CURLcode cc)
{
	struct ota_err why;

	curl_multi_remove_handle(s->m, s->h);
	s->active = s->paused = false;
	if (s->arc == 0 && cc != CURLE_OK)
		attempt_fail(s, OTA_EFETCH, ota_http_transient(cc), "%s",
			     s->ebuf[0] ? s->ebuf : curl_easy_strerror(cc));
	/* An empty body: its status and length are still to be judged. */
	if (s->arc == 0 && !s->started)
		begin(s);
	if (s->arc == 0 && s->have < s->size)
		attempt_fail(s, OTA_EFETCH, true, "the connection closed after %llu of %llu bytes",
			     s->have, s->size);
	if (s->arc == 0)
		return 0;
	if (s->retry && s->deadline_ms && ota_monotonic_ms() >= s->deadline_ms) {
		ota_err_set(&s->aerr, OTA_EFETCH, "%s: gave up after %u s (watch.max_time)", s->url,
			    s->o.max_time_ms / 1000);
		s->retry = false;
	}
	if (!s->retry || s->attempts > s->o.retries)
		return give_up(s, s->arc, &s->aerr);
	if (wait_retry(s)) {
		ota_err_set(&why, OTA_EFETCH, "%s: interrupted", s->url);
		return give_up(s, OTA_EFETCH, &why);
	}
	return 0;
}

/* Bring bytes into buf, starting or resuming an attempt; wait: until
 * some arrive (buf is empty), else only what has arrived already. */
static int pump(struct ota_fetch_stream *s, bool wait)
{
	struct ota_err why;
	int running, left, rc = 0;
	CURLMsg *msg;

	if (!s->active && (rc = start(s)))
		return rc;
	if (s->paused) {
		s->paused = false;
		curl_easy_pause(s->h, CURLPAUSE_CONT);
	} else if (wait) {
		curl_multi_poll(s->m, NULL, 0, POLL_MS, NULL);
	}
	curl_multi_perform(s->m, &running);
	while (rc == 0 && (msg = curl_multi_info_read(s->m, &left)))
		if (msg->msg == CURLMSG_DONE)
			rc = finished(s, msg->data.result);
	if (rc == 0 && ota_progress_at(s->o.progress, s->have, s->size)) {
		ota_err_set(&why, OTA_EFETCH, "%s: interrupted", s->url);
		rc = give_up(s, OTA_EFETCH, &why);
	}
	return rc;
}

/* The last byte was read: the whole must be what was promised. */
static int check_end(struct ota_fetch_stream *s)
{
	char got_hex[OTA_SHA256_HEX_LEN + 1], want_hex[OTA_SHA256_HEX_LEN + 1];
	struct ota_err why;
	int rc;

	s->ended = true;
	if (s->hbuf) {
		ota_hashq_push(s->hq, s->hbuf, s->hlen);
		s->hbuf = NULL;
	}
	ota_hashq_end(s->hq, s->got);
	if ((rc = ota_hashq_drain(s->hq, &why)))
		return give_up(s, rc, &why);
	if (memcmp(s->got, s->want, OTA_SHA256_LEN) == 0)
		return 0;
	ota_hex(s->got, sizeof(s->got), got_hex);
	ota_hex(s->want, OTA_SHA256_LEN, want_hex);
	ota_err_set(&why, OTA_EHASH, "%s: SHA-256 is %.16s..., not the expected %.16s...", s->url,
		    got_hex, want_hex);
	return give_up(s, OTA_EHASH, &why);
}

/* While the reader works on what it was given, the server should not
 * wait for it: what has arrived is taken (without waiting) whenever buf
 * is half empty, so the socket is drained at every read and the sender
 * keeps sending (one thread, no copy on disk). */
static void keep_moving(struct ota_fetch_stream *s)
{
	if (s->rc || !s->active || s->have >= s->size || s->len - s->off > STREAM_BUF / 2)
		return;
	if (s->off) {
		memmove(s->buf, s->buf + s->off, s->len - s->off);
		s->len -= s->off;
		s->off = 0;
	}
	pump(s, false);
}

int ota_fetch_stream_read(struct ota_fetch_stream *s, void *buf, size_t cap, size_t *n,
			  struct ota_err *err)
{
	size_t k;

	*n = 0;
	while (!s->rc && s->off == s->len && s->have < s->size) {
		s->off = s->len = 0;
		pump(s, true);
	}
	if (!s->rc && s->off == s->len && !s->ended)
		check_end(s);
	if (s->rc) {
		*err = s->err;
		return s->rc;
	}
	k = s->len - s->off < cap ? s->len - s->off : cap;
	memcpy(buf, s->buf + s->off, k);
	s->off += k;
	*n = k;
	keep_moving(s);
	return 0;
}

/* The options every transfer of s shares; its own error message and
 * Content-Range go to ebuf and range. */
static CURLcode setup(struct ota_fetch_stream *s, CURL *h, char *ebuf, char *range)
{
	long stall_s = s->o.stall_timeout_ms < 1000 ? 1 : (long)s->o.stall_timeout_ms / 1000;
	CURLcode cc;

	if ((cc = ota_http_restrict(h, s->url, ebuf)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)s->o.connect_timeout_ms)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT,
				   s->o.min_rate ? (long)s->o.min_rate : 1L)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, stall_s)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_BUFFERSIZE, RECV_BUF)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_HEADERDATA, range)))
		return cc;
	return CURLE_OK;
}

int ota_fetch_stream_open(struct ota_fetch_stream **out, const char *url,
			  unsigned long long size, const unsigned char sha256[OTA_SHA256_LEN],
			  const struct ota_fetch_opts *o, struct ota_err *err)
{
	struct ota_fetch_stream *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s || !(s->url = strdup(url)) || !(s->buf = malloc(STREAM_BUF))) {
		ota_fetch_stream_free(s);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	s->o = *o;
	s->size = size;
	memcpy(s->want, sha256, OTA_SHA256_LEN);
	if (o->max_time_ms)
		s->deadline_ms = ota_monotonic_ms() + o->max_time_ms;
	if ((rc = ota_http_global_init(err)) || (rc = ota_hashq_new(&s->hq, err))) {
		ota_fetch_stream_free(s);
		return rc;
	}
	if (!(s->m = curl_multi_init()) || !(s->h = curl_easy_init()) || setup(s, s->h, s->ebuf, s->range) ||
	    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data) ||
	    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s)) {
		ota_fetch_stream_free(s);
		return ota_err_set(err, OTA_EINTERNAL, "%s: cannot set up libcurl", url);
	}
	*out = s;
	return 0;
}

void ota_fetch_stream_free(struct ota_fetch_stream *s)
{
	if (!s)
		return;
	if (s->active)
		curl_multi_remove_handle(s->m, s->h);
	if (s->h)
		curl_easy_cleanup(s->h);
	if (s->m)
		curl_multi_cleanup(s->m);
	ota_hashq_free(s->hq); /* joins its thread */
	free(s->buf);
	free(s->url);
	free(s);
}

/* A reread's own transfer: len bytes into buf. */
struct again {
	unsigned char *buf;
	size_t len, got;
	bool over;
	char range[RANGE_MAX];
	char ebuf[CURL_ERROR_SIZE];
};

static size_t on_again(char *p, size_t size, size_t n, void *ctx)
{
	struct again *g = ctx;
	size_t len = size * n;

	if (len > g->len - g->got) {
		g->over = true;
		return 0;
	}
	memcpy(g->buf + g->got, p, len);
	g->got += len;
	return len;
}

int ota_fetch_stream_reread(struct ota_fetch_stream *s, unsigned long long off, void *buf,
			    size_t len, struct ota_err *err)
{
	struct again g = {.buf = buf, .len = len};
	unsigned long long first = 0, total = 0;
	char range[64];
	long status = 0;
	CURLcode cc;
	CURL *h;

	/* Bytes given to the reader: taken off the wire, and out of buf. */
	if (len == 0 || off + len > s->have - (s->len - s->off))
		return ota_err_set(err, OTA_EINTERNAL, "%s: bytes %llu+%zu not read yet", s->url,
				   off, len);
	if (!(h = curl_easy_init()))
		return ota_err_set(err, OTA_EINTERNAL, "%s: cannot set up libcurl", s->url);
	snprintf(range, sizeof(range), "%llu-%llu", off, off + len - 1);
	if ((cc = setup(s, h, g.ebuf, g.range)) == CURLE_OK &&
	    (cc = curl_easy_setopt(h, CURLOPT_RANGE, range)) == CURLE_OK &&
	    (cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_again)) == CURLE_OK &&
	    (cc = curl_easy_setopt(h, CURLOPT_WRITEDATA, &g)) == CURLE_OK)
		cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (cc != CURLE_OK && !g.over)
		return ota_err_set(err, OTA_EFETCH, "%s: bytes %s again: %s", s->url, range,
				   g.ebuf[0] ? g.ebuf : curl_easy_strerror(cc));
	/* Exactly the range asked for, of the file of the size expected. */
	if (status != 206 || g.over || g.got != len ||
	    !ota_http_content_range(g.range, &first, &total) || first != off ||
	    (total && total != s->size))
		return ota_err_set(err, OTA_EFETCH, "%s: bytes %s again: the server did not answer "
				   "with exactly them (HTTP status %ld, %zu bytes)", s->url, range,
				   status, g.got);
	return 0;
}

unsigned int ota_fetch_stream_resumes(const struct ota_fetch_stream *s)
{
	return s->resumes;
}
