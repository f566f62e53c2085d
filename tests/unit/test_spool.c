/* SPDX-License-Identifier: Apache-2.0 */
/* test_spool.c - the agent's spool of lib/spool.c: plain names only, the
 * copy (exact bytes, progress, cancel, a source shorter than it said, never
 * a temporary left), the free-space check, and clearing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/spool.h"

#define SRC_SIZE (600 * 1024) /* over two copy chunks */

struct fixture {
	char dir[64];      /* the state dir */
	char src[128];     /* a file of SRC_SIZE bytes beside it */
	char spool[128];   /* dir/spool */
	int calls, cancel_at;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned char *data = malloc(SRC_SIZE);
	FILE *fp;
	size_t i;
	int rc = -1, whole;

	if (!f || !data)
		goto out;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-spool.XXXXXX");
	if (!mkdtemp(f->dir))
		goto out;
	snprintf(f->src, sizeof(f->src), "%s.src", f->dir);
	snprintf(f->spool, sizeof(f->spool), "%s/spool", f->dir);
	for (i = 0; i < SRC_SIZE; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	fp = fopen(f->src, "wb");
	if (!fp)
		goto out;
	whole = fwrite(data, 1, SRC_SIZE, fp) == SRC_SIZE;
	if (fclose(fp) || !whole)
		goto out;
	*state = f;
	f = NULL;
	rc = 0;
out:
	free(data);
	free(f);
	return rc;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;

	ota_rm_tree(f->dir, &err);
	unlink(f->src);
	free(f);
	return 0;
}

/* Entries of the spool directory. */
static int spool_entries(const struct fixture *f)
{
	char cmd[256];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "ls -A %s | wc -l", f->spool);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	return n;
}

static int count_progress(struct ota_progress *p)
{
	struct fixture *f = p->ctx;

	assert_true(p->bytes <= p->bytes_total);
	return ++f->calls == f->cancel_at;
}

static void test_spool_names_are_plain(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"a/b", "..", ".", "", "/abs"};
	char out[256];
	struct ota_err err;
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ota_spool_path(f->spool, bad[i], out, sizeof(out), &err), OTA_EPATH);
	assert_int_equal(ota_spool_path(f->spool, "app.bundle", out, sizeof(out), &err), 0);
	assert_non_null(strstr(out, "/spool/app.bundle"));
	assert_int_equal(stat(f->spool, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(ota_spool_path(f->spool, "app.bundle", out, 10, &err), OTA_EPATH);
}

static void test_spool_copies_exactly_with_progress(void **state)
{
	struct fixture *f = *state;
	struct ota_progress p = {.fn = count_progress, .ctx = f};
	struct ota_buf a, b;
	char out[256];
	struct ota_err err = {0};
	int fd = open(f->src, O_RDONLY);

	assert_true(fd >= 0);
	/* Read from the start whatever the offset of the descriptor. */
	assert_int_equal(lseek(fd, 1000, SEEK_SET), 1000);
	if (ota_spool_copy(f->spool, fd, f->src, SRC_SIZE, "x.bundle", &p, out, sizeof(out), &err))
		fail_msg("%s", err.msg);
	close(fd);
	assert_true(f->calls >= 3);
	ota_buf_init(&a, 0);
	ota_buf_init(&b, 0);
	assert_int_equal(ota_buf_read_file(&a, f->src, &err), 0);
	assert_int_equal(ota_buf_read_file(&b, out, &err), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	ota_buf_free(&a);
	ota_buf_free(&b);
	assert_int_equal(spool_entries(f), 1);
}

static void test_spool_copy_cancelled_or_short_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct ota_progress p = {.fn = count_progress, .ctx = f};
	char out[256];
	struct ota_err err = {0};
	int fd = open(f->src, O_RDONLY);

	assert_true(fd >= 0);
	f->cancel_at = 2;
	assert_int_equal(ota_spool_copy(f->spool, fd, f->src, SRC_SIZE, "x.bundle", &p, out,
					sizeof(out), &err), OTA_EIO);
	assert_non_null(strstr(err.msg, "copy interrupted"));
	assert_int_equal(spool_entries(f), 0);
	/* The medium said more bytes than it has (a stick pulled). */
	assert_int_equal(ota_spool_copy(f->spool, fd, f->src, SRC_SIZE + 1, "x.bundle", NULL, out,
					sizeof(out), &err), OTA_EIO);
	assert_non_null(strstr(err.msg, "shorter than it was"));
	assert_int_equal(spool_entries(f), 0);
	close(fd);
}

static void test_spool_space_check_and_clear(void **state)
{
	struct fixture *f = *state;
	char out[256];
	struct ota_err err = {0};

	assert_int_equal(ota_spool_path(f->spool, "x", out, sizeof(out), &err), 0);
	assert_int_equal(ota_spool_check_space(f->spool, 1024, 0, &err), 0);
	assert_int_equal(ota_spool_check_space(f->spool, 1ULL << 62, 0, &err), OTA_ENOSPC);
	assert_non_null(strstr(err.msg, "not enough space for a 4611686018427387904-byte bundle"));
	/* Bytes already had (a resumed download) count. */
	assert_int_equal(ota_spool_check_space(f->spool, 1ULL << 62, 1ULL << 62, &err), 0);
	assert_int_equal(ota_spool_clear(f->spool, &err), 0);
	assert_int_equal(access(f->spool, F_OK), -1);
	assert_int_equal(ota_spool_clear(f->spool, &err), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_spool_names_are_plain),
		T(test_spool_copies_exactly_with_progress),
		T(test_spool_copy_cancelled_or_short_leaves_nothing),
		T(test_spool_space_check_and_clear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
