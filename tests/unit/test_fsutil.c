/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of fsutil.c's reading side: ota_open_regular never blocks on
 * a FIFO and refuses whatever is not a regular file; ota_rm_tree's
 * refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ota-test-fsutil-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	return ota_rm_tree(dir, NULL);
}

static void test_open_regular_refuses_a_fifo_without_blocking(void **state)
{
	struct ota_err err = {0};
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/k.pub", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* Without O_NONBLOCK this open would wait for a writer forever. */
	alarm(10);
	assert_int_equal(ota_open_regular(AT_FDCWD, path, 0, NULL, NULL, &err), OTA_EIO);
	alarm(0);
	assert_non_null(strstr(err.msg, "k.pub: not a regular file"));
}

static void test_open_regular_says_a_directory_is_a_directory(void **state)
{
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_open_regular(AT_FDCWD, dir, 0, "app.bundle", NULL, &err), OTA_EIO);
	assert_string_equal(err.msg, "app.bundle: is a directory");
}

static void test_open_regular_nofollow_refuses_a_symlink(void **state)
{
	struct ota_err err = {0};
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/lock", dir);
	assert_int_equal(symlink("/etc/hostname", path), 0);
	assert_int_equal(ota_open_regular(AT_FDCWD, path, O_NOFOLLOW, "lock", NULL, &err),
			 OTA_EIO);
	assert_string_equal(err.msg, "lock: a symbolic link, not followed");
}

static void test_open_regular_gives_a_blocking_descriptor_of_a_regular_file(void **state)
{
	struct ota_err err = {0};
	struct stat st;
	char path[128], c = 0;
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	fd = ota_open_regular(AT_FDCWD, path, O_NOFOLLOW | O_NOATIME, NULL, &st, &err);
	assert_true(fd >= 0);
	assert_int_equal(st.st_size, 1);
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(c, 'x');
	close(fd);
}

static void test_rm_tree_reports_an_lstat_failure_other_than_enoent(void **state)
{
	struct ota_err err = {0};
	char path[512];

	(void)state;
	/* A component longer than NAME_MAX: lstat fails with ENAMETOOLONG,
	 * and st must not be read. */
	snprintf(path, sizeof(path), "%s/%0300d", dir, 0);
	assert_int_equal(ota_rm_tree(path, &err), OTA_EIO);
	assert_non_null(strstr(err.msg, "too long"));
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(ota_rm_tree(path, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_regular_refuses_a_fifo_without_blocking,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_open_regular_says_a_directory_is_a_directory,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(test_open_regular_nofollow_refuses_a_symlink,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(
			test_open_regular_gives_a_blocking_descriptor_of_a_regular_file, make_dir,
			remove_dir),
		cmocka_unit_test_setup_teardown(test_rm_tree_reports_an_lstat_failure_other_than_enoent,
						make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
