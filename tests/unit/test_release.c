/* SPDX-License-Identifier: Apache-2.0 */
/* test_release.c - the release layout of lib/release.c: the current and
 * .last-good links (relative, removable, refused when they point anywhere
 * but releases/<version>), paths, listing in version order, removal by
 * rename first, pruning that spares the linked releases, and the sweep of
 * what an interrupted run leaves. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/release.h"

struct fixture {
	char app[64]; /* mkdtemp: the app_dir, releases/ made */
	struct ota_err err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char rel[128];

	if (!f)
		return -1;
	snprintf(f->app, sizeof(f->app), "/tmp/ota-test-release.XXXXXX");
	if (!mkdtemp(f->app)) {
		free(f);
		return -1;
	}
	snprintf(rel, sizeof(rel), "%s/" OTA_RELEASES_DIR, f->app);
	if (mkdir(rel, 0755)) {
		rmdir(f->app);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;

	ota_rm_tree(f->app, &err);
	free(f);
	return 0;
}

/* app/<rel> as a path. */
static void at(const struct fixture *f, const char *rel, char *out, size_t len)
{
	assert_true((size_t)snprintf(out, len, "%s/%s", f->app, rel) < len);
}

/* releases/<version>/ with one file in it. */
static void make_release(const struct fixture *f, const char *version)
{
	char path[PATH_MAX];
	FILE *fp;

	assert_int_equal(ota_release_path(f->app, version, path, sizeof(path)), 0);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(strlen(path) + 6 < sizeof(path));
	strcat(path, "/file");
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(version, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void make_link(const struct fixture *f, const char *name, const char *target)
{
	char path[PATH_MAX];

	at(f, name, path, sizeof(path));
	assert_int_equal(symlink(target, path), 0);
}

static bool present(const struct fixture *f, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	at(f, rel, path, sizeof(path));
	return lstat(path, &st) == 0;
}

/* The versions in releases/, joined with spaces. */
static void listed(struct fixture *f, char *out, size_t len)
{
	char **v = NULL;
	size_t n = 0, i;

	if (ota_release_list(f->app, &v, &n, &f->err))
		fail_msg("%s", f->err.msg);
	out[0] = '\0';
	for (i = 0; i < n; i++) {
		assert_true(strlen(out) + strlen(v[i]) + 2 < len);
		if (i)
			strcat(out, " ");
		strcat(out, v[i]);
	}
	ota_release_list_free(v, n);
}

static void test_release_link_set_is_relative_and_get_reads_it_back(void **state)
{
	struct fixture *f = *state;
	char version[OTA_VERSION_MAX + 1], path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	make_release(f, "1.0.0");
	make_release(f, "2.0.0");
	if (ota_release_link_set(f->app, OTA_LINK_CURRENT, "1.0.0", &f->err))
		fail_msg("%s", f->err.msg);
	at(f, OTA_LINK_CURRENT, path, sizeof(path));
	n = readlink(path, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "releases/1.0.0");
	assert_int_equal(ota_release_link_get(f->app, OTA_LINK_CURRENT, version, &f->err), 0);
	assert_string_equal(version, "1.0.0");
	/* Switched over the old link, no temporary left beside it. */
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_CURRENT, "2.0.0", &f->err), 0);
	assert_int_equal(ota_release_link_get(f->app, OTA_LINK_CURRENT, version, &f->err), 0);
	assert_string_equal(version, "2.0.0");
	assert_int_equal(ota_release_clean(f->app, &f->err), 0);
	assert_true(present(f, OTA_LINK_CURRENT));
}

static void test_release_link_set_empty_removes_and_get_of_absent_is_empty(void **state)
{
	struct fixture *f = *state;
	char version[OTA_VERSION_MAX + 1] = "x";

	make_release(f, "1.0.0");
	assert_int_equal(ota_release_link_get(f->app, OTA_LINK_LAST_GOOD, version, &f->err), 0);
	assert_string_equal(version, "");
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_LAST_GOOD, "1.0.0", &f->err), 0);
	assert_true(present(f, OTA_LINK_LAST_GOOD));
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_LAST_GOOD, "", &f->err), 0);
	assert_false(present(f, OTA_LINK_LAST_GOOD));
	/* Removing what is not there is not an error. */
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_LAST_GOOD, "", &f->err), 0);
	strcpy(version, "x");
	assert_int_equal(ota_release_link_get(f->app, OTA_LINK_LAST_GOOD, version, &f->err), 0);
	assert_string_equal(version, "");
}

static void test_release_link_not_at_a_release_is_eformat(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"/etc",			     /* absolute */
		"../releases/1.0.0",	     /* not under releases/ */
		"releases/../../etc",	     /* a path, not a version */
		"releases/1.0.0/sub",	     /* below a release */
		"releases/",		     /* no version */
		"releases/1.0.0.tmp-42",     /* a temporary */
		"elsewhere/1.0.0",	     /* another directory */
	};
	char version[OTA_VERSION_MAX + 1];
	size_t i;

	make_release(f, "1.0.0");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char path[PATH_MAX];

		make_link(f, OTA_LINK_CURRENT, bad[i]);
		strcpy(version, "x");
		assert_int_equal(ota_release_link_get(f->app, OTA_LINK_CURRENT, version, &f->err),
				 OTA_EFORMAT);
		assert_string_equal(version, "");
		assert_non_null(strstr(f->err.msg, bad[i]));
		at(f, OTA_LINK_CURRENT, path, sizeof(path));
		assert_int_equal(unlink(path), 0);
	}
}

static void test_release_link_get_of_a_plain_file_is_not_a_version(void **state)
{
	struct fixture *f = *state;
	char version[OTA_VERSION_MAX + 1] = "x", path[PATH_MAX];
	FILE *fp;

	at(f, OTA_LINK_CURRENT, path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	assert_true(ota_release_link_get(f->app, OTA_LINK_CURRENT, version, &f->err) < 0);
	assert_string_equal(version, "");
}

static void test_release_dangling_link_names_its_version(void **state)
{
	struct fixture *f = *state;
	char version[OTA_VERSION_MAX + 1];

	/* What the link says, whether or not the tree is there (recover decides). */
	make_link(f, OTA_LINK_CURRENT, "releases/9.9.9");
	assert_int_equal(ota_release_link_get(f->app, OTA_LINK_CURRENT, version, &f->err), 0);
	assert_string_equal(version, "9.9.9");
	assert_false(ota_release_exists(f->app, "9.9.9"));
}

/* The writer fails closed like its reader: what _get would refuse as not
 * a release ("releases/../../etc") is never written, the old link kept. */
static void test_release_link_set_refuses_what_link_get_would_refuse(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {"../../etc", "1.0.0/sub", "2.0.0" OTA_TMP_MARK "1"};
	char version[OTA_VERSION_MAX + 1];
	size_t i;

	make_release(f, "1.0.0");
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_CURRENT, "1.0.0", &f->err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(ota_release_link_set(f->app, OTA_LINK_CURRENT, bad[i], &f->err) < 0);
		assert_int_equal(ota_release_link_get(f->app, OTA_LINK_CURRENT, version, &f->err), 0);
		assert_string_equal(version, "1.0.0");
	}
}

static void test_release_path_refuses_what_does_not_fit(void **state)
{
	struct fixture *f = *state;
	char out[PATH_MAX];
	size_t need = strlen(f->app) + strlen("/releases/1.2.3");

	assert_int_equal(ota_release_path(f->app, "1.2.3", out, sizeof(out)), 0);
	assert_int_equal(strlen(out), need);
	assert_int_equal(ota_release_path(f->app, "1.2.3", out, need + 1), 0);
	assert_int_equal(ota_release_path(f->app, "1.2.3", out, need), -1);
	assert_int_equal(ota_release_path(f->app, "1.2.3", out, 1), -1);
}

static void test_release_exists_only_for_what_is_there(void **state)
{
	struct fixture *f = *state;
	char big[PATH_MAX + 10];

	make_release(f, "1.0.0");
	assert_true(ota_release_exists(f->app, "1.0.0"));
	assert_false(ota_release_exists(f->app, "1.0.1"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_false(ota_release_exists(f->app, big));
}

static void test_release_list_is_in_version_order_without_temporaries(void **state)
{
	struct fixture *f = *state;
	char out[256], path[PATH_MAX];
	FILE *fp;

	make_release(f, "1.10.0");
	make_release(f, "1.2.0");
	make_release(f, "1.9.0");
	make_release(f, "0.9.0");
	make_release(f, "1.2.0-rc.1");
	make_release(f, "2.0.0" OTA_TMP_MARK "123");
	make_release(f, "1.0.0" OTA_TMP_MARK "removing");
	/* A name that is no version at all. */
	at(f, OTA_RELEASES_DIR "/not a version", path, sizeof(path));
	assert_int_equal(mkdir(path, 0755), 0);
	at(f, OTA_RELEASES_DIR "/.hidden", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "0.9.0 1.2.0-rc.1 1.2.0 1.9.0 1.10.0");
}

static void test_release_list_of_no_releases_dir_is_empty(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], out[64] = "x";

	at(f, OTA_RELEASES_DIR, path, sizeof(path));
	assert_int_equal(rmdir(path), 0);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_release_remove_deletes_the_tree_and_tolerates_absence(void **state)
{
	struct fixture *f = *state;
	char out[64];

	make_release(f, "1.0.0");
	make_release(f, "2.0.0");
	if (ota_release_remove(f->app, "1.0.0", &f->err))
		fail_msg("%s", f->err.msg);
	assert_false(ota_release_exists(f->app, "1.0.0"));
	assert_false(present(f, OTA_RELEASES_DIR "/1.0.0" OTA_TMP_MARK "removing"));
	listed(f, out, sizeof(out));
	assert_string_equal(out, "2.0.0");
	assert_int_equal(ota_release_remove(f->app, "1.0.0", &f->err), 0);
}

static void test_release_remove_finishes_a_cut_removal_first(void **state)
{
	struct fixture *f = *state;
	char out[64];

	/* A removal cut short after its rename: the doomed tree is still there. */
	make_release(f, "1.0.0" OTA_TMP_MARK "removing");
	make_release(f, "1.0.0");
	assert_int_equal(ota_release_remove(f->app, "1.0.0", &f->err), 0);
	assert_false(present(f, OTA_RELEASES_DIR "/1.0.0"));
	assert_false(present(f, OTA_RELEASES_DIR "/1.0.0" OTA_TMP_MARK "removing"));
	/* And _clean sweeps one left on its own. */
	make_release(f, "3.0.0" OTA_TMP_MARK "removing");
	assert_int_equal(ota_release_clean(f->app, &f->err), 0);
	assert_false(present(f, OTA_RELEASES_DIR "/3.0.0" OTA_TMP_MARK "removing"));
	listed(f, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_release_prune_keeps_the_newest(void **state)
{
	struct fixture *f = *state;
	char out[64];

	make_release(f, "1.0.0");
	make_release(f, "2.0.0");
	make_release(f, "3.0.0");
	make_release(f, "10.0.0");
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_CURRENT, "10.0.0", &f->err), 0);
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_LAST_GOOD, "10.0.0", &f->err), 0);
	if (ota_release_prune(f->app, 2, &f->err))
		fail_msg("%s", f->err.msg);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "3.0.0 10.0.0");
	/* Already within keep: nothing goes. */
	assert_int_equal(ota_release_prune(f->app, 5, &f->err), 0);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "3.0.0 10.0.0");
}

static void test_prune_never_removes_current_or_last_good(void **state)
{
	struct fixture *f = *state;
	char out[64];

	make_release(f, "1.0.0");
	make_release(f, "2.0.0");
	make_release(f, "3.0.0");
	make_release(f, "4.0.0");
	make_release(f, "5.0.0");
	/* Rolled back: both links on the oldest releases. */
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_CURRENT, "2.0.0", &f->err), 0);
	assert_int_equal(ota_release_link_set(f->app, OTA_LINK_LAST_GOOD, "1.0.0", &f->err), 0);
	assert_int_equal(ota_release_prune(f->app, 3, &f->err), 0);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "1.0.0 2.0.0 5.0.0");
	/* keep below what the links hold: the links still win. */
	assert_int_equal(ota_release_prune(f->app, 0, &f->err), 0);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "1.0.0 2.0.0");
}

static void test_prune_refuses_when_a_link_is_damaged(void **state)
{
	struct fixture *f = *state;
	char out[64];

	make_release(f, "1.0.0");
	make_release(f, "2.0.0");
	make_link(f, OTA_LINK_CURRENT, "/etc");
	assert_int_equal(ota_release_prune(f->app, 0, &f->err), OTA_EFORMAT);
	listed(f, out, sizeof(out));
	assert_string_equal(out, "1.0.0 2.0.0");
}

static void test_release_clean_sweeps_temporaries_in_both_dirs_only(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], out[64];
	FILE *fp;

	make_release(f, "1.0.0");
	make_release(f, "2.0.0" OTA_TMP_MARK "77");         /* a staging tree */
	make_link(f, OTA_LINK_CURRENT OTA_TMP_MARK "77", "releases/1.0.0"); /* a half-made link */
	make_link(f, OTA_LINK_LAST_GOOD, "releases/1.0.0");
	at(f, "keep.me", path, sizeof(path));
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fclose(fp), 0);
	at(f, "scratch" OTA_TMP_MARK "1", path, sizeof(path));
	assert_int_equal(mkdir(path, 0700), 0);
	if (ota_release_clean(f->app, &f->err))
		fail_msg("%s", f->err.msg);
	assert_false(present(f, OTA_RELEASES_DIR "/2.0.0" OTA_TMP_MARK "77"));
	assert_false(present(f, OTA_LINK_CURRENT OTA_TMP_MARK "77"));
	assert_false(present(f, "scratch" OTA_TMP_MARK "1"));
	assert_true(present(f, "keep.me"));
	assert_true(present(f, OTA_LINK_LAST_GOOD));
	assert_true(present(f, OTA_RELEASES_DIR "/1.0.0/file"));
	listed(f, out, sizeof(out));
	assert_string_equal(out, "1.0.0");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_release_link_set_is_relative_and_get_reads_it_back),
		T(test_release_link_set_empty_removes_and_get_of_absent_is_empty),
		T(test_release_link_not_at_a_release_is_eformat),
		T(test_release_link_get_of_a_plain_file_is_not_a_version),
		T(test_release_dangling_link_names_its_version),
		T(test_release_link_set_refuses_what_link_get_would_refuse),
		T(test_release_path_refuses_what_does_not_fit),
		T(test_release_exists_only_for_what_is_there),
		T(test_release_list_is_in_version_order_without_temporaries),
		T(test_release_list_of_no_releases_dir_is_empty),
		T(test_release_remove_deletes_the_tree_and_tolerates_absence),
		T(test_release_remove_finishes_a_cut_removal_first),
		T(test_release_prune_keeps_the_newest),
		T(test_prune_never_removes_current_or_last_good),
		T(test_prune_refuses_when_a_link_is_damaged),
		T(test_release_clean_sweeps_temporaries_in_both_dirs_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
