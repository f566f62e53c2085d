/* SPDX-License-Identifier: Apache-2.0 */
/* test_fetch.c - downloads of lib/fetch.c and lib/fetch_stream.c against
 * a real HTTP server: a libmicrohttpd daemon on an ephemeral 127.0.0.1
 * port in this process, told per test how to misbehave (drop the first
 * connection mid-file, ignore Range, answer 500, serve other bytes, change
 * its file after the first request).  Retry delays are a few
 * milliseconds, so every test is quick. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fetch.h"
#include "lib/fetch_stream.h"
#include "lib/fsutil.h"
#include "lib/hash.h"

#define BODY_SIZE (300 * 1024)
#define DROP_AT (64 * 1024) /* where the first connection is cut */

struct server {
	pthread_mutex_t lock;
	unsigned char *body; /* what /file serves */
	size_t size;
	bool drop_first;   /* cut the first response after DROP_AT bytes */
	bool ignore_range; /* answer every request with 200 and the whole body */
	int status;        /* answer /file with this status and no body (0: serve it) */
	bool change;       /* other bytes from the second request on */
	bool second_200_cut; /* the second request: 200 whatever its Range, cut early */
	int requests;      /* to /file */
	char range[4][64]; /* the Range header of the first requests ("" none) */
};

struct fixture {
	char dir[64];    /* mkdtemp */
	char path[128];  /* dir/x.bundle, the download */
	char url[64], missing[64];
	unsigned char sha[OTA_SHA256_LEN]; /* of the body */
	struct server srv;
	struct MHD_Daemon *d;
	struct ota_fetch_opts o;
	int progress_calls, cancel_at;
	struct ota_err err;
};

/* One response's reader: the body from `from`, cut at `cut` if not 0. */
struct reader {
	const struct server *srv;
	size_t from, cut;
};

static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct reader *r = cls;
	size_t at = r->from + (size_t)pos, n;

	if (r->cut && at >= r->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (at >= r->srv->size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = r->srv->size - at;
	n = n < max ? n : max;
	if (r->cut && n > r->cut - at)
		n = r->cut - at;
	memcpy(buf, r->srv->body + at, n);
	return (ssize_t)n;
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned int status,
			     struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct reader *r;
	struct MHD_Response *resp;
	const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
	unsigned long long from = 0, to = 0;
	size_t len;
	bool first, second, partial = false;
	int status;

	(void)method, (void)version, (void)upload, (void)upload_size, (void)con_cls;
	if (strcmp(url, "/file"))
		return queue(c, MHD_HTTP_NOT_FOUND,
			     MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
	pthread_mutex_lock(&s->lock);
	first = s->requests == 0;
	second = s->requests == 1;
	if (s->requests < 4)
		snprintf(s->range[s->requests], sizeof(s->range[0]), "%s", range ? range : "");
	s->requests++;
	status = s->status;
	if (s->change && s->requests == 2)
		s->body[s->size - 10] ^= 1;
	pthread_mutex_unlock(&s->lock);
	if (status)
		return queue(c, (unsigned int)status,
			     MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT));
	/* NOLINTNEXTLINE(cert-err34-c): a test server reading its own client */
	if (range && !s->ignore_range && !(second && s->second_200_cut) &&
	    sscanf(range, "bytes=%llu-", &from) == 1 && from < s->size)
		partial = true;
	/* NOLINTNEXTLINE(cert-err34-c): as above */
	if (partial && sscanf(range, "bytes=%*u-%llu", &to) == 1 && to >= from && to < s->size)
		len = (size_t)(to - from + 1);
	else
		len = s->size - (size_t)from;
	r = calloc(1, sizeof(*r));
	if (!r)
		return MHD_NO;
	*r = (struct reader){s, partial ? (size_t)from : 0,
			     first && s->drop_first ? DROP_AT
			     : second && s->second_200_cut ? DROP_AT / 2 : 0};
	resp = MHD_create_response_from_callback(partial ? len : s->size, 4096, read_body, r,
						 free);
	if (!resp) {
		free(r);
		return MHD_NO;
	}
	if (partial) {
		char cr[96];

		snprintf(cr, sizeof(cr), "bytes %zu-%zu/%zu", r->from, r->from + len - 1, s->size);
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	return queue(c, partial ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK, resp);
}

/* A listening socket on 127.0.0.1 at a port the kernel picks. */
static int listen_loopback(unsigned int *port)
{
	struct sockaddr_in a = {0};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)&a, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(a.sin_port);
	return fd;
}

static int setup_size(void **state, size_t size)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ota_err err;
	unsigned int port = 0;
	size_t i;
	int fd;

	if (!f)
		return -1;
	*state = f;
	pthread_mutex_init(&f->srv.lock, NULL);
	f->srv.size = size;
	if (!(f->srv.body = malloc(size)))
		return -1;
	for (i = 0; i < size; i++)
		f->srv.body[i] = (unsigned char)(i * 31 + i / 509);
	if (ota_sha256(f->srv.body, size, f->sha, &err))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-fetch.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/x.bundle", f->dir);
	if ((fd = listen_loopback(&port)) < 0)
		return -1;
	f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				handle, &f->srv, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_END);
	if (!f->d) {
		close(fd);
		return -1;
	}
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/file", port);
	snprintf(f->missing, sizeof(f->missing), "http://127.0.0.1:%u/missing", port);
	f->o.retries = 0;
	f->o.connect_timeout_ms = 2000;
	f->o.stall_timeout_ms = 5000;
	f->o.retry_delay_ms = 5;
	return 0;
}

static int setup(void **state)
{
	return setup_size(state, BODY_SIZE);
}

/* A body larger than the stream's buffer, which must then pause. */
static int setup_big(void **state)
{
	return setup_size(state, 3 * 1024 * 1024 + 7);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;

	if (f->d)
		MHD_stop_daemon(f->d); /* closes the listening socket too */
	if (f->dir[0])
		ota_rm_tree(f->dir, &err);
	pthread_mutex_destroy(&f->srv.lock);
	free(f->srv.body);
	free(f);
	return 0;
}

static int requests(struct fixture *f)
{
	int n;

	pthread_mutex_lock(&f->srv.lock);
	n = f->srv.requests;
	pthread_mutex_unlock(&f->srv.lock);
	return n;
}

static void reset_requests(struct fixture *f)
{
	pthread_mutex_lock(&f->srv.lock);
	f->srv.requests = 0;
	memset(f->srv.range, 0, sizeof(f->srv.range));
	pthread_mutex_unlock(&f->srv.lock);
}

static int to_file(struct fixture *f)
{
	return ota_fetch_to_file(f->url, f->path, BODY_SIZE, f->sha, &f->o, &f->err);
}

/* The download holds exactly the body. */
static void assert_file_is_body(const struct fixture *f)
{
	struct ota_buf b;
	struct ota_err err;

	ota_buf_init(&b, 0);
	if (ota_buf_read_file(&b, f->path, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(b.len, BODY_SIZE);
	assert_memory_equal(b.data, f->srv.body, BODY_SIZE);
	ota_buf_free(&b);
}

/* The first n bytes of the body (or other bytes when !same, and past the
 * body's end) at f->path. */
static void put_prefix(const struct fixture *f, size_t n, bool same)
{
	FILE *fp = fopen(f->path, "wb");
	size_t i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		assert_int_not_equal(fputc(same && i < BODY_SIZE ? f->srv.body[i] : 0x5a, fp), EOF);
	assert_int_equal(fclose(fp), 0);
}

static void test_fetch_to_buf_gets_the_body(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;

	ota_buf_init(&b, BODY_SIZE);
	if (ota_fetch_to_buf(f->url, &f->o, &b, &f->err))
		fail_msg("%s", f->err.msg);
	assert_int_equal(b.len, BODY_SIZE);
	assert_memory_equal(b.data, f->srv.body, BODY_SIZE);
	assert_string_equal(f->srv.range[0], "");
	ota_buf_free(&b);
}

static void test_fetch_to_buf_404_is_efetch_without_retry(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;

	f->o.retries = 3;
	ota_buf_init(&b, BODY_SIZE);
	assert_int_equal(ota_fetch_to_buf(f->missing, &f->o, &b, &f->err), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "/missing: HTTP status 404"));
	assert_null(strstr(f->err.msg, "attempts"));
	ota_buf_free(&b);
}

static void test_fetch_to_buf_over_its_cap_is_eformat(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;

	f->o.retries = 3;
	ota_buf_init(&b, BODY_SIZE - 1);
	assert_int_equal(ota_fetch_to_buf(f->url, &f->o, &b, &f->err), OTA_EFORMAT);
	assert_non_null(strstr(f->err.msg, "larger than"));
	assert_int_equal(requests(f), 1);
	ota_buf_free(&b);
}

static void test_fetch_to_file_writes_the_exact_bytes(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Already whole: checked, not fetched again. */
	assert_int_equal(to_file(f), 0);
	assert_int_equal(requests(f), 1);
}

static void test_fetch_resumes_with_range_after_a_dropped_connection(void **state)
{
	struct fixture *f = *state;
	unsigned long long from = 0;

	f->srv.drop_first = true;
	f->o.retries = 2;
	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	assert_int_equal(requests(f), 2);
	assert_string_equal(f->srv.range[0], "");
	/* NOLINTNEXTLINE(cert-err34-c): our own header, checked below */
	assert_int_equal(sscanf(f->srv.range[1], "bytes=%llu-", &from), 1);
	assert_true(from > 0 && from <= DROP_AT);
}

static void test_fetch_dropped_connection_without_retries_leaves_the_part(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	f->srv.drop_first = true;
	assert_int_equal(to_file(f), OTA_EFETCH);
	/* Kept for a later resume. */
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(st.st_size > 0 && st.st_size <= DROP_AT);
	f->srv.drop_first = false;
	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	assert_non_null(strstr(f->srv.range[1], "bytes="));
}

static void test_fetch_resumes_a_part_left_on_disk(void **state)
{
	struct fixture *f = *state;
	char want[64];

	put_prefix(f, 1000, true);
	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	snprintf(want, sizeof(want), "bytes=1000-");
	assert_string_equal(f->srv.range[0], want);
	assert_int_equal(requests(f), 1);
}

static void test_fetch_server_ignoring_range_starts_over(void **state)
{
	struct fixture *f = *state;

	f->srv.ignore_range = true;
	put_prefix(f, 1000, false); /* what we have is even wrong */
	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	assert_string_equal(f->srv.range[0], "bytes=1000-");
	/* And after a drop. */
	assert_int_equal(unlink(f->path), 0);
	reset_requests(f);
	f->srv.drop_first = true;
	f->o.retries = 1;
	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	assert_int_equal(requests(f), 2);
}

static void test_fetch_a_larger_file_on_disk_starts_over(void **state)
{
	struct fixture *f = *state;

	put_prefix(f, BODY_SIZE + 10, true);
	if (to_file(f))
		fail_msg("%s", f->err.msg);
	assert_file_is_body(f);
	assert_string_equal(f->srv.range[0], "");
}

static void test_fetch_wrong_size_is_ehash_and_removed(void **state)
{
	struct fixture *f = *state;

	f->o.retries = 3;
	/* The server's file is longer than expected, then shorter. */
	assert_int_equal(ota_fetch_to_file(f->url, f->path, BODY_SIZE - 1, f->sha, &f->o, &f->err),
			 OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "not the 307199 expected"));
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(ota_fetch_to_file(f->url, f->path, BODY_SIZE + 1, f->sha, &f->o, &f->err),
			 OTA_EHASH);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(requests(f), 2);
}

static void test_fetch_wrong_hash_is_ehash_and_removed(void **state)
{
	struct fixture *f = *state;

	f->sha[0] ^= 1;
	assert_int_equal(to_file(f), OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "SHA-256 is"));
	assert_int_equal(access(f->path, F_OK), -1);
	/* A whole file already on disk with the wrong hash goes too. */
	put_prefix(f, BODY_SIZE, false);
	assert_int_equal(to_file(f), OTA_EHASH);
	assert_int_equal(access(f->path, F_OK), -1);
}

static void test_fetch_500_is_retried_then_efetch(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;

	f->srv.status = 500;
	f->o.retries = 3;
	assert_int_equal(to_file(f), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "HTTP status 500 (4 attempts)"));
	assert_int_equal(requests(f), 4);
	reset_requests(f);
	f->o.retries = 0;
	ota_buf_init(&b, BODY_SIZE);
	assert_int_equal(ota_fetch_to_buf(f->url, &f->o, &b, &f->err), OTA_EFETCH);
	assert_int_equal(requests(f), 1);
	ota_buf_free(&b);
}

static void test_fetch_408_and_429_are_retried_403_not(void **state)
{
	struct fixture *f = *state;
	static const int codes[] = {408, 429, 503};
	size_t i;

	f->o.retries = 1;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		f->srv.status = codes[i];
		reset_requests(f);
		assert_int_equal(to_file(f), OTA_EFETCH);
		assert_int_equal(requests(f), 2);
	}
	f->srv.status = 403;
	reset_requests(f);
	assert_int_equal(to_file(f), OTA_EFETCH);
	assert_int_equal(requests(f), 1);
}

static void test_fetch_nothing_listening_is_efetch_after_retries(void **state)
{
	struct fixture *f = *state;

	MHD_stop_daemon(f->d);
	f->d = NULL;
	f->o.retries = 2;
	assert_int_equal(to_file(f), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "(3 attempts)"));
}

static int progress(struct ota_progress *p)
{
	struct fixture *f = p->ctx;

	assert_true(p->bytes <= p->bytes_total);
	assert_int_equal(p->bytes_total, BODY_SIZE);
	return ++f->progress_calls >= f->cancel_at;
}

/* Cancels once the server has answered once. */
static int cancel_after_a_request(struct ota_progress *p)
{
	return requests(p->ctx) > 0;
}

static void test_fetch_progress_callback_cancels(void **state)
{
	struct fixture *f = *state;
	struct ota_progress p = {.fn = progress, .ctx = f};
	struct stat st;

	f->o.progress = &p;
	f->cancel_at = 1;
	f->o.retries = 5;
	assert_int_equal(to_file(f), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "interrupted"));
	assert_int_equal(f->progress_calls, 1);
	assert_true(requests(f) <= 1);
	/* Not a hash failure: what there is stays for a resume. */
	assert_int_equal(stat(f->path, &st), 0);
}

static void test_fetch_progress_callback_cancels_the_wait_to_retry(void **state)
{
	struct fixture *f = *state;
	struct ota_progress p = {.fn = cancel_after_a_request, .ctx = f};
	struct timespec t0, t1;

	f->srv.status = 500;
	f->o.progress = &p;
	f->o.retries = 5;
	f->o.retry_delay_ms = 60000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(to_file(f), OTA_EFETCH);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_non_null(strstr(f->err.msg, "interrupted"));
	assert_int_equal(requests(f), 1);
	assert_true(t1.tv_sec - t0.tv_sec < 5);
}

/* Read the stream whole in reads of up to cap bytes into a buffer of
 * the body's size: its return code, *got the bytes read. */
static int stream_all(struct fixture *f, unsigned long long size, size_t cap, size_t *got)
{
	struct ota_fetch_stream *s;
	unsigned char *buf = malloc(f->srv.size + 1);
	size_t n = 0;
	int rc;

	*got = 0;
	assert_non_null(buf);
	rc = ota_fetch_stream_open(&s, f->url, size, f->sha, &f->o, &f->err);
	while (rc == 0) {
		rc = ota_fetch_stream_read(s, buf + *got, cap < f->srv.size + 1 - *got ?
					   cap : f->srv.size + 1 - *got, &n, &f->err);
		if (rc || n == 0)
			break;
		*got += n;
	}
	if (rc == 0) {
		assert_int_equal(*got, f->srv.size);
		assert_memory_equal(buf, f->srv.body, f->srv.size);
	}
	if (rc == 0)
		f->progress_calls = (int)ota_fetch_stream_resumes(s);
	ota_fetch_stream_free(s);
	free(buf);
	return rc;
}

static void test_stream_reads_the_exact_bytes_with_one_request(void **state)
{
	struct fixture *f = *state;
	size_t got;

	if (stream_all(f, f->srv.size, 100000, &got))
		fail_msg("%s", f->err.msg);
	assert_int_equal(requests(f), 1);
	assert_string_equal(f->srv.range[0], "");
}

static void test_stream_larger_than_its_buffer_pauses_and_reads_in_small_steps(void **state)
{
	struct fixture *f = *state;
	size_t got;

	if (stream_all(f, f->srv.size, 4093, &got))
		fail_msg("%s", f->err.msg);
	assert_int_equal(requests(f), 1);
}

static void test_stream_resumes_with_range_where_the_drop_left_it(void **state)
{
	struct fixture *f = *state;
	unsigned long long from = 0;
	size_t got;

	f->srv.drop_first = true;
	f->o.retries = 2;
	if (stream_all(f, f->srv.size, 65536, &got))
		fail_msg("%s", f->err.msg);
	assert_int_equal(requests(f), 2);
	assert_int_equal(f->progress_calls, 1); /* one resume */
	/* NOLINTNEXTLINE(cert-err34-c): our own header */
	assert_int_equal(sscanf(f->srv.range[1], "bytes=%llu-", &from), 1);
	assert_true(from > 0 && from <= DROP_AT);
}

static void test_stream_a_200_answer_to_range_drops_the_bytes_given(void **state)
{
	struct fixture *f = *state;
	size_t got;

	f->srv.drop_first = true;
	f->srv.ignore_range = true;
	f->o.retries = 2;
	if (stream_all(f, f->srv.size, 65536, &got))
		fail_msg("%s", f->err.msg);
	assert_int_equal(requests(f), 2);
	assert_true(strncmp(f->srv.range[1], "bytes=", 6) == 0);
}

/* A 200 to the resuming Range, cut while the bytes already given were
 * being dropped; the third answer, a 206 from the right byte, must not
 * have what was left to drop taken from it. */
static void test_stream_a_200_cut_while_dropping_then_a_206_resumes_exactly(void **state)
{
	struct fixture *f = *state;
	size_t got;

	f->srv.drop_first = true;
	f->srv.second_200_cut = true;
	f->o.retries = 3;
	if (stream_all(f, f->srv.size, 65536, &got))
		fail_msg("%s", f->err.msg);
	assert_int_equal(requests(f), 3);
	assert_string_equal(f->srv.range[1], f->srv.range[2]);
}

static void test_stream_a_server_that_changes_mid_transfer_is_ehash(void **state)
{
	struct fixture *f = *state;
	size_t got;

	f->srv.drop_first = true;
	f->srv.change = true;
	f->o.retries = 2;
	assert_int_equal(stream_all(f, f->srv.size, 65536, &got), OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "/file: SHA-256 is "));
	assert_int_equal(requests(f), 2);
}

static void test_stream_wrong_size_is_ehash_at_once(void **state)
{
	struct fixture *f = *state;
	size_t got;

	f->o.retries = 3;
	assert_int_equal(stream_all(f, f->srv.size - 1, 65536, &got), OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "bytes on the server, not the"));
	assert_int_equal(got, 0);
	assert_int_equal(requests(f), 1);
}

static void test_stream_500_is_retried_then_efetch_naming_the_attempts(void **state)
{
	struct fixture *f = *state;
	size_t got;

	f->srv.status = 500;
	f->o.retries = 2;
	assert_int_equal(stream_all(f, f->srv.size, 65536, &got), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "/file: HTTP status 500 (3 attempts)"));
	assert_int_equal(requests(f), 3);
}

static void test_stream_failure_is_final_and_progress_cancels(void **state)
{
	struct fixture *f = *state;
	struct ota_progress p = {.fn = progress, .ctx = f};
	struct ota_fetch_stream *s;
	unsigned char buf[1024];
	size_t n = 1;

	f->o.progress = &p;
	f->cancel_at = 1;
	f->o.retries = 5;
	assert_int_equal(ota_fetch_stream_open(&s, f->url, f->srv.size, f->sha, &f->o, &f->err), 0);
	assert_int_equal(requests(f), 0); /* nothing sent before a read */
	assert_int_equal(ota_fetch_stream_read(s, buf, sizeof(buf), &n, &f->err), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "interrupted"));
	assert_int_equal(n, 0);
	memset(&f->err, 0, sizeof(f->err));
	assert_int_equal(ota_fetch_stream_read(s, buf, sizeof(buf), &n, &f->err), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "interrupted"));
	ota_fetch_stream_free(s);
}

static void test_stream_rereads_bytes_it_gave_with_a_range_request(void **state)
{
	struct fixture *f = *state;
	struct ota_fetch_stream *s;
	unsigned char buf[4096], again[100];
	size_t n;

	assert_int_equal(ota_fetch_stream_open(&s, f->url, f->srv.size, f->sha, &f->o, &f->err), 0);
	assert_int_equal(ota_fetch_stream_read(s, buf, sizeof(buf), &n, &f->err), 0);
	assert_true(n > 200);
	if (ota_fetch_stream_reread(s, 100, again, sizeof(again), &f->err))
		fail_msg("%s", f->err.msg);
	assert_memory_equal(again, f->srv.body + 100, sizeof(again));
	assert_string_equal(f->srv.range[1], "bytes=100-199");
	/* Not read yet: not asked for. */
	assert_int_equal(ota_fetch_stream_reread(s, f->srv.size - 100, again, sizeof(again),
						 &f->err), OTA_EINTERNAL);
	assert_int_equal(requests(f), 2);
	ota_fetch_stream_free(s);
}

static void test_stream_reread_from_a_server_ignoring_range_is_efetch(void **state)
{
	struct fixture *f = *state;
	struct ota_fetch_stream *s;
	unsigned char buf[4096], again[100];
	size_t n;

	f->srv.ignore_range = true;
	assert_int_equal(ota_fetch_stream_open(&s, f->url, f->srv.size, f->sha, &f->o, &f->err), 0);
	assert_int_equal(ota_fetch_stream_read(s, buf, sizeof(buf), &n, &f->err), 0);
	assert_int_equal(ota_fetch_stream_reread(s, 0, again, sizeof(again), &f->err), OTA_EFETCH);
	assert_non_null(strstr(f->err.msg, "did not answer with exactly them (HTTP status 200"));
	ota_fetch_stream_free(s);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_fetch_to_buf_gets_the_body),
		T(test_fetch_to_buf_404_is_efetch_without_retry),
		T(test_fetch_to_buf_over_its_cap_is_eformat),
		T(test_fetch_to_file_writes_the_exact_bytes),
		T(test_fetch_resumes_with_range_after_a_dropped_connection),
		T(test_fetch_dropped_connection_without_retries_leaves_the_part),
		T(test_fetch_resumes_a_part_left_on_disk),
		T(test_fetch_server_ignoring_range_starts_over),
		T(test_fetch_a_larger_file_on_disk_starts_over),
		T(test_fetch_wrong_size_is_ehash_and_removed),
		T(test_fetch_wrong_hash_is_ehash_and_removed),
		T(test_fetch_500_is_retried_then_efetch),
		T(test_fetch_408_and_429_are_retried_403_not),
		T(test_fetch_nothing_listening_is_efetch_after_retries),
		T(test_fetch_progress_callback_cancels),
		T(test_fetch_progress_callback_cancels_the_wait_to_retry),
		T(test_stream_reads_the_exact_bytes_with_one_request),
		cmocka_unit_test_setup_teardown(
			test_stream_larger_than_its_buffer_pauses_and_reads_in_small_steps, setup_big,
			teardown),
		T(test_stream_resumes_with_range_where_the_drop_left_it),
		T(test_stream_a_200_answer_to_range_drops_the_bytes_given),
		T(test_stream_a_200_cut_while_dropping_then_a_206_resumes_exactly),
		T(test_stream_a_server_that_changes_mid_transfer_is_ehash),
		T(test_stream_wrong_size_is_ehash_at_once),
		T(test_stream_500_is_retried_then_efetch_naming_the_attempts),
		T(test_stream_failure_is_final_and_progress_cancels),
		T(test_stream_rereads_bytes_it_gave_with_a_range_request),
		T(test_stream_reread_from_a_server_ignoring_range_is_efetch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
