/* SPDX-License-Identifier: Apache-2.0 */
/* test_fsck.c - lib/fsck.c on real trees: a release checked against the
 * manifest made of it (lib/tree.h) reports nothing; each kind of damage
 * is reported once, with its path, in path order; a huge file in a
 * file's place is judged by its size, never read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsck.h"
#include "lib/fsutil.h"
#include "lib/tree.h"

struct fixture {
	char dir[64];
	struct ota_manifest *m;
	struct ota_buf said; /* "path: why\n" for each damage */
};

static void put(const char *root, const char *rel, const char *data)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(data, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static char *at(struct fixture *f, const char *rel)
{
	static char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", f->dir, rel);
	return path;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ota_err err;

	if (!f)
		return -1;
	*state = f;
	ota_buf_init(&f->said, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-fsck.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (mkdir(at(f, "bin"), 0755) || mkdir(at(f, "etc"), 0755))
		return -1;
	put(f->dir, "bin/app", "the app");
	put(f->dir, "etc/conf", "x=1\n");
	if (symlink("app", at(f, "bin/start")))
		return -1;
	f->m = ota_manifest_new();
	if (!f->m || ota_manifest_set(f->m, "1.0.0", "dev", 1, 1700000000, &err) ||
	    ota_tree_scan(f->dir, f->m, &err))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ota_rm_tree(f->dir, NULL);
	ota_manifest_free(f->m);
	ota_buf_free(&f->said);
	free(f);
	return 0;
}

static void collect(void *ctx, const char *path, const char *why)
{
	struct ota_buf *b = ctx;

	assert_int_equal(ota_buf_append(b, path, strlen(path), NULL), 0);
	assert_int_equal(ota_buf_append(b, ": ", 2, NULL), 0);
	assert_int_equal(ota_buf_append(b, why, strlen(why), NULL), 0);
	assert_int_equal(ota_buf_append(b, "\n", 1, NULL), 0);
}

/* Run the check; what it reported, as one string, and the count. */
static const char *check(struct fixture *f, size_t *n)
{
	struct ota_err err;

	f->said.len = 0;
	assert_int_equal(ota_fsck_tree(f->dir, f->m, collect, &f->said, n, &err), 0);
	assert_int_equal(ota_buf_append(&f->said, "", 1, NULL), 0);
	return (const char *)f->said.data;
}

static void test_fsck_clean_tree_reports_nothing(void **state)
{
	struct fixture *f = *state;
	size_t n = 99;

	assert_string_equal(check(f, &n), "");
	assert_int_equal(n, 0);
}

static void test_fsck_same_size_change_is_a_hash_mismatch(void **state)
{
	struct fixture *f = *state;
	size_t n;

	put(f->dir, "bin/app", "the apq");
	assert_string_equal(check(f, &n), "bin/app: hash mismatch\n");
	assert_int_equal(n, 1);
}

static void test_fsck_each_kind_of_damage_once_in_path_order(void **state)
{
	struct fixture *f = *state;
	size_t n;

	put(f->dir, "bin/app", "the app, grown");
	assert_int_equal(unlink(at(f, "etc/conf")), 0);
	put(f->dir, "etc/planted", "extra");
	assert_int_equal(unlink(at(f, "bin/start")), 0);
	assert_int_equal(symlink("../etc/planted", at(f, "bin/start")), 0);
	assert_string_equal(check(f, &n), "bin/app: size differs from the manifest\n"
					  "bin/start: link target differs from the manifest\n"
					  "etc/conf: missing\n"
					  "etc/planted: not in the manifest\n");
	assert_int_equal(n, 4);
}

static void test_fsck_directory_swapped_for_a_file(void **state)
{
	struct fixture *f = *state;
	size_t n;

	assert_int_equal(ota_rm_tree(at(f, "etc"), NULL), 0);
	put(f->dir, "etc", "not a dir");
	assert_string_equal(check(f, &n), "etc: type differs from the manifest\n"
					  "etc/conf: missing\n");
	assert_int_equal(n, 2);
}

static void test_fsck_huge_sparse_file_is_judged_by_its_size_unread(void **state)
{
	struct fixture *f = *state;
	size_t n;

	/* 3 GiB of hole: read whole, the test would take seconds, not ms. */
	assert_int_equal(truncate(at(f, "bin/app"), 3LL << 30), 0);
	assert_string_equal(check(f, &n), "bin/app: size differs from the manifest\n");
	assert_int_equal(n, 1);
}

static void test_fsck_tree_that_cannot_be_listed_is_one_damage(void **state)
{
	struct fixture *f = *state;
	size_t n;

	assert_int_equal(symlink("/etc/passwd", at(f, "etc/out")), 0);
	check(f, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr((const char *)f->said.data, ": "));
	assert_true(f->said.data[0] == ':'); /* path "": the whole tree */
}

static void test_fsck_missing_tree_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;
	size_t n;

	assert_int_equal(ota_fsck_tree("/nonexistent/ota-fsck", f->m, collect, &f->said, &n, &err),
			 OTA_EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fsck_clean_tree_reports_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsck_same_size_change_is_a_hash_mismatch, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fsck_each_kind_of_damage_once_in_path_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsck_directory_swapped_for_a_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fsck_huge_sparse_file_is_judged_by_its_size_unread,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsck_tree_that_cannot_be_listed_is_one_damage,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsck_missing_tree_is_an_error, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
