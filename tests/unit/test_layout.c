/* SPDX-License-Identifier: Apache-2.0 */
/* test_layout.c - lib/layout.c: the manifest path of a version, and the
 * agent's directories made once, wherever the config puts them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/layout.h"

static void test_manifest_path_of_a_version(void **state)
{
	struct ota_err err = {0};
	char out[64];

	(void)state;
	assert_int_equal(ota_layout_manifest("/var/lib/ota", "1.2.3", out, sizeof(out), &err), 0);
	assert_string_equal(out, "/var/lib/ota/manifests/1.2.3.json");
}

static void test_manifest_path_that_does_not_fit_is_an_error(void **state)
{
	struct ota_err err = {0};
	char out[24];

	(void)state;
	assert_int_equal(ota_layout_manifest("/var/lib/ota", "1.2.3", out, sizeof(out), &err),
			 OTA_EIO);
	assert_non_null(strstr(err.msg, "path too long"));
}

static void test_prepare_makes_both_trees_and_is_idempotent(void **state)
{
	char root[] = "/tmp/ota-test-layout.XXXXXX", app[96], st[96], path[128];
	struct ota_err err = {0};
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(app, sizeof(app), "%s/opt/app", root);
	snprintf(st, sizeof(st), "%s/var/lib/ota", root);
	if (ota_layout_prepare(app, st, &err))
		fail_msg("%s", err.msg);
	snprintf(path, sizeof(path), "%s/releases", app);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	snprintf(path, sizeof(path), "%s/manifests", st);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(ota_layout_prepare(app, st, &err), 0);
	assert_int_equal(ota_rm_tree(root, &err), 0);
}

static void test_prepare_fails_when_a_file_is_in_the_way(void **state)
{
	char root[] = "/tmp/ota-test-layout.XXXXXX", app[96], st[96];
	struct ota_err err = {0};
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(app, sizeof(app), "%s/app", root);
	snprintf(st, sizeof(st), "%s/state", root);
	assert_non_null(f = fopen(st, "w"));
	assert_int_equal(fclose(f), 0);
	assert_int_not_equal(ota_layout_prepare(app, st, &err), 0);
	assert_non_null(strstr(err.msg, st));
	assert_int_equal(ota_rm_tree(root, &err), 0);
}

static void test_spool_is_made_real_and_a_link_in_its_place_removed(void **state)
{
	char root[] = "/tmp/ota-test-layout.XXXXXX", st[96], other[96], link[128], out[160];
	struct ota_err err = {0};
	struct stat sb;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(st, sizeof(st), "%s/state", root);
	snprintf(other, sizeof(other), "%s/elsewhere", root);
	assert_int_equal(mkdir(st, 0755), 0);
	assert_int_equal(mkdir(other, 0755), 0);
	snprintf(link, sizeof(link), "%s/spool", st);
	assert_int_equal(symlink(other, link), 0);
	if (ota_layout_spool(st, "usb", out, sizeof(out), &err))
		fail_msg("%s", err.msg);
	assert_non_null(strstr(out, "/state/spool/usb"));
	assert_int_equal(lstat(link, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(lstat(out, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Nothing went where the link pointed. */
	assert_int_equal(rmdir(other), 0);
	assert_int_equal(ota_rm_tree(root, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_path_of_a_version),
		cmocka_unit_test(test_manifest_path_that_does_not_fit_is_an_error),
		cmocka_unit_test(test_prepare_makes_both_trees_and_is_idempotent),
		cmocka_unit_test(test_prepare_fails_when_a_file_is_in_the_way),
		cmocka_unit_test(test_spool_is_made_real_and_a_link_in_its_place_removed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
