/* SPDX-License-Identifier: Apache-2.0 */
/* test_extract_race.c - extraction against someone changing the tree under
 * it (lib/extract.c): between two steps of an extraction the test swaps a
 * directory of the temporary tree for a symlink to a directory outside,
 * or puts a symlink where the release is about to be renamed to.  The
 * extraction must fail rather than write, create or chmod anything
 * through the link, and leave nothing of its own behind. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/extract.h"
#include "lib/fsutil.h"

struct fixture {
	char root[64];	   /* holds out, its temp sibling, and outside */
	char dest[128];	   /* root/out */
	char outside[128]; /* root/outside: what the attacker points at */
	char tmp[256];	   /* the extraction's temporary tree, once begun */
	struct ota_manifest *m;
};

static const struct ota_entry release[] = {
    {.path = "a", .type = OTA_ENTRY_DIR, .mode = 0755},
    {.path = "a/b", .type = OTA_ENTRY_DIR, .mode = 0755},
    {.path = "a/b/f", .type = OTA_ENTRY_FILE, .mode = 0644, .size = 3},
    {.path = "a/l", .type = OTA_ENTRY_SYMLINK, .link_target = "b/f"},
    {.path = "a/sub", .type = OTA_ENTRY_DIR, .mode = 0750},
    {.path = "c", .type = OTA_ENTRY_FILE, .mode = 0600, .size = 3},
};
#define N_RELEASE (sizeof(release) / sizeof(release[0]))

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ota_err err = {0};
	size_t i;

	if (!f)
		return -1;
	*state = f;
	strcpy(f->root, "/tmp/test_extract_race.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->dest, sizeof(f->dest), "%s/out", f->root);
	snprintf(f->outside, sizeof(f->outside), "%s/outside", f->root);
	if (mkdir(f->outside, 0700))
		return -1;
	f->m = ota_manifest_new();
	if (!f->m || ota_manifest_set(f->m, "1.0.0", "t", 0, 0, &err))
		return -1;
	for (i = 0; i < N_RELEASE; i++)
		if (ota_manifest_add(f->m, &release[i], &err))
			return -1;
	return ota_manifest_check(f->m, &err);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = ota_rm_tree(f->root, NULL);

	ota_manifest_free(f->m);
	free(f);
	return rc;
}

/* The temporary tree of the extraction in progress: "out.tmp-XXXXXX". */
static void find_tmp(struct fixture *f)
{
	char pattern[160];
	glob_t g;

	snprintf(pattern, sizeof(pattern), "%s.tmp-*", f->dest);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	snprintf(f->tmp, sizeof(f->tmp), "%s", g.gl_pathv[0]);
	globfree(&g);
}

/* The attacker's move: tmp/rel becomes a symlink to outside. */
static void swap_for_link(struct fixture *f, const char *rel)
{
	char path[320], moved[330];

	snprintf(path, sizeof(path), "%s/%s", f->tmp, rel);
	snprintf(moved, sizeof(moved), "%s.moved", path);
	assert_int_equal(rename(path, moved), 0);
	assert_int_equal(symlink(f->outside, path), 0);
}

static size_t entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* outside is as the test made it, and root holds only it: no dest, no tmp. */
static void assert_nothing_written(struct fixture *f)
{
	struct stat st;

	assert_int_equal(entries_in(f->outside), 0);
	assert_int_equal(stat(f->outside, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(entries_in(f->root), 1);
}

/* Extract entries [0, upto) of the release; file data is "hi\n". */
static struct ota_extract *extract_upto(struct fixture *f, size_t upto)
{
	struct ota_extract *x = NULL;
	struct ota_err err = {0};
	size_t i;

	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), 0);
	for (i = 0; i < upto; i++) {
		const struct ota_entry *e = ota_manifest_find(f->m, release[i].path);
		assert_int_equal(ota_extract_entry(x, e, &err), 0);
		if (e->type == OTA_ENTRY_FILE)
			assert_int_equal(ota_extract_write(x, "hi\n", 3, &err), 0);
	}
	find_tmp(f);
	return x;
}

static void test_extract_file_under_a_dir_swapped_for_a_link_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = extract_upto(f, 2); /* a, a/b */
	struct ota_err err = {0};

	swap_for_link(f, "a/b");
	assert_int_equal(ota_extract_entry(x, ota_manifest_find(f->m, "a/b/f"), &err), OTA_EIO);
	ota_extract_free(x);
	assert_nothing_written(f);
}

static void test_extract_dir_and_link_under_a_swapped_dir_are_refused(void **state)
{
	static const char *const after[] = {"a/l", "a/sub"};
	struct fixture *f = *state;
	struct ota_err err = {0};
	struct ota_extract *x;
	size_t i;

	for (i = 0; i < 2; i++) {
		x = extract_upto(f, 3); /* a, a/b, a/b/f */
		swap_for_link(f, "a");
		assert_int_equal(ota_extract_entry(x, ota_manifest_find(f->m, after[i]), &err),
				 OTA_EIO);
		ota_extract_free(x);
		assert_nothing_written(f);
	}
}

/* Modes are applied at commit, by path: a swapped directory must not
 * have them applied to what it now points at. */
static void test_extract_commit_refuses_a_dir_swapped_for_a_link(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = extract_upto(f, N_RELEASE);
	struct ota_err err = {0};

	swap_for_link(f, "a/sub");
	assert_int_equal(ota_extract_commit(x, &err), OTA_EIO);
	ota_extract_free(x);
	assert_nothing_written(f);
}

/* A symlink planted at dest after the check that it is absent: the
 * rename must not replace it, nor write through it. */
static void test_extract_commit_refuses_a_link_planted_at_dest(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = extract_upto(f, N_RELEASE);
	struct ota_err err = {0};

	assert_int_equal(symlink(f->outside, f->dest), 0);
	assert_int_equal(ota_extract_commit(x, &err), OTA_EEXIST);
	ota_extract_free(x);
	assert_int_equal(unlink(f->dest), 0);
	assert_nothing_written(f);
}

/* The temporary tree itself renamed away and replaced by the attacker's
 * tree just before the commit: that tree must not become the release. */
static void test_extract_commit_refuses_a_replaced_temporary_tree(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = extract_upto(f, N_RELEASE);
	struct ota_err err = {0};
	char moved[300];

	snprintf(moved, sizeof(moved), "%s.moved", f->tmp);
	assert_int_equal(rename(f->tmp, moved), 0);
	assert_int_equal(mkdir(f->tmp, 0755), 0);
	assert_int_equal(ota_extract_commit(x, &err), OTA_EIO);
	assert_non_null(strstr(err.msg, "replaced while being extracted"));
	ota_extract_free(x);
	assert_int_equal(ota_rm_tree(moved, NULL), 0);
	assert_int_equal(ota_rm_tree(f->tmp, NULL), 0);
	assert_nothing_written(f);
}

/* The control: untouched, the same steps commit the whole release. */
static void test_extract_race_control_commits_when_left_alone(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = extract_upto(f, N_RELEASE);
	struct ota_err err = {0};
	char path[200];

	assert_int_equal(ota_extract_commit(x, &err), 0);
	ota_extract_free(x);
	snprintf(path, sizeof(path), "%s/a/b/f", f->dest);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(entries_in(f->outside), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_extract_race_control_commits_when_left_alone,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_extract_file_under_a_dir_swapped_for_a_link_is_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_extract_dir_and_link_under_a_swapped_dir_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extract_commit_refuses_a_dir_swapped_for_a_link,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extract_commit_refuses_a_link_planted_at_dest,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extract_commit_refuses_a_replaced_temporary_tree,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
