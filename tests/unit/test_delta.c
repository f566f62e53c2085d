/* SPDX-License-Identifier: Apache-2.0 */
/* test_delta.c - delta bundles in lib/delta.c: the build side marks the
 * files a base release has by SHA-256; where the release is unpacked, a
 * source is found for each omitted file (by path in the release the delta
 * names, else by hash in any listed tree, with or without its manifest),
 * and each is copied and hashed again, never trusted for what a manifest
 * says; with sharing, every file of a release is planned for and a base
 * file is hashed before it is taken.  Trees and manifests are made here
 * with lib/tree.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/base.h"
#include "lib/delta.h"
#include "lib/fsutil.h"
#include "lib/tree.h"

#define NAME "d.bundle"

/* The base release 1.0.0 and the new release 2.0.0 made against it. */
static const char *const base_files[][2] = {
	{"bin/app", "app one"},	    {"etc/conf", "x=1\n"},   {"lib/old-name", "moved bytes"},
	{"share/data", "data data"}, {"share/twin", "data data"},
};
static const char *const new_files[][2] = {
	{"bin/app", "app two"},	   /* changed: shipped */
	{"etc/conf", "x=1\n"},	   /* same path: omitted */
	{"lib/new-name", "moved bytes"}, /* moved: omitted, found by hash */
	{"new/file", "brand new"}, /* new: shipped */
	{"share/data", "data data"},	   /* same path: omitted */
};
#define N_BASE (sizeof(base_files) / sizeof(base_files[0]))
#define N_NEW (sizeof(new_files) / sizeof(new_files[0]))

struct fixture {
	char dir[64];			   /* mkdtemp */
	char base[128], base_json[128];	   /* dir/1.0.0/ and dir/1.0.0.json */
	char other[128];		   /* dir/0.9.0/, made by some tests */
	struct ota_manifest *bm, *m;	   /* base's, and the new release's, marked */
	unsigned char base_sha[OTA_SHA256_LEN]; /* of base_json's bytes */
	struct ota_base *b;
	struct ota_buf got; /* what fill wrote */
	struct ota_err err;
};

static void put(const char *root, const char *rel, const char *data)
{
	char path[PATH_MAX], *slash;
	FILE *fp;

	assert_true((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) < sizeof(path));
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(path, 0755); /* EEXIST for the second file of a dir */
		*slash = '/';
	}
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(data, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static struct ota_manifest *scan(const char *tree, const char *version)
{
	struct ota_manifest *m = ota_manifest_new();
	struct ota_err err;

	assert_non_null(m);
	if (ota_manifest_set(m, version, "dev", 1, 1700000000, &err) || ota_tree_scan(tree, m, &err))
		fail_msg("%s: %s", tree, err.msg);
	return m;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	ota_buf_init(&f->got, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-delta.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return -1;
	}
	snprintf(f->base, sizeof(f->base), "%s/1.0.0", f->dir);
	snprintf(f->base_json, sizeof(f->base_json), "%s/1.0.0.json", f->dir);
	snprintf(f->other, sizeof(f->other), "%s/0.9.0", f->dir);
	return ota_base_new(&f->b, &f->err);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;

	if (f->dir[0])
		ota_rm_tree(f->dir, &err);
	ota_manifest_free(f->bm);
	ota_manifest_free(f->m);
	ota_base_free(f->b);
	ota_buf_free(&f->got);
	free(f);
	return 0;
}

/* The base tree, its manifest file, and the new release's manifest
 * marked against it (the new tree itself is not kept). */
static void make_delta(struct fixture *f)
{
	char tree[128];
	struct ota_buf bytes;
	size_t i;

	assert_int_equal(mkdir(f->base, 0755), 0);
	for (i = 0; i < N_BASE; i++)
		put(f->base, base_files[i][0], base_files[i][1]);
	f->bm = scan(f->base, "1.0.0");
	ota_buf_init(&bytes, 0);
	if (ota_manifest_serialize(f->bm, &bytes, &f->err) ||
	    ota_sha256(bytes.data, bytes.len, f->base_sha, &f->err) ||
	    ota_manifest_write_file(f->bm, f->base_json, &f->err))
		fail_msg("%s", f->err.msg);
	ota_buf_free(&bytes);
	snprintf(tree, sizeof(tree), "%s/new", f->dir);
	assert_int_equal(mkdir(tree, 0755), 0);
	for (i = 0; i < N_NEW; i++)
		put(tree, new_files[i][0], new_files[i][1]);
	f->m = scan(tree, "2.0.0");
	if (ota_delta_mark(f->m, f->bm, f->base_sha, &f->err))
		fail_msg("%s", f->err.msg);
	assert_int_equal(ota_rm_tree(tree, &f->err), 0);
}

static const struct ota_entry *entry(const struct fixture *f, const char *path)
{
	const struct ota_entry *e = ota_manifest_find(f->m, path);

	assert_non_null(e);
	return e;
}

static const char *new_content(const char *path)
{
	size_t i;

	for (i = 0; i < N_NEW; i++)
		if (!strcmp(new_files[i][0], path))
			return new_files[i][1];
	fail_msg("no such file: %s", path);
	return NULL;
}

static int collect(void *ctx, const void *buf, size_t len, struct ota_err *err)
{
	return ota_buf_append(ctx, buf, len, err);
}

static int fill(struct fixture *f, const struct ota_entry *e)
{
	f->got.len = 0;
	return ota_base_fill(f->b, e, collect, &f->got, NAME, &f->err);
}

/* Fill every omitted file in manifest order; each must be its bytes. */
static void fill_all(struct fixture *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->m->n_entries; i++) {
		const struct ota_entry *e = &f->m->entries[i];
		const char *want;

		if (!e->omitted)
			continue;
		if (fill(f, e))
			fail_msg("%s: %s", e->path, f->err.msg);
		want = new_content(e->path);
		assert_int_equal(f->got.len, strlen(want));
		assert_memory_equal(f->got.data, want, f->got.len);
		n++;
	}
	assert_int_equal(n, 3);
}

static void test_delta_mark_omits_exactly_the_files_the_base_has(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	assert_false(entry(f, "bin/app")->omitted);
	assert_false(entry(f, "new/file")->omitted);
	assert_true(entry(f, "etc/conf")->omitted);
	assert_true(entry(f, "lib/new-name")->omitted);
	assert_true(entry(f, "share/data")->omitted);
	/* Directories are never omitted, even those the base has. */
	assert_false(entry(f, "etc")->omitted);
	assert_int_equal(f->m->delta.n_omitted, 3);
	assert_int_equal(f->m->delta.omitted_bytes, 4 + 11 + 9);
	assert_string_equal(f->m->delta.base, "1.0.0");
	assert_memory_equal(f->m->delta.base_manifest, f->base_sha, OTA_SHA256_LEN);
}

static void test_delta_mark_with_nothing_in_common_is_a_full_manifest(void **state)
{
	struct fixture *f = *state;
	struct ota_manifest *m;

	make_delta(f);
	assert_int_equal(mkdir(f->other, 0755), 0);
	put(f->other, "only/here", "nothing like the base");
	m = scan(f->other, "3.0.0");
	assert_int_equal(ota_delta_mark(m, f->bm, f->base_sha, &f->err), 0);
	assert_null(m->delta.base);
	assert_int_equal(m->delta.n_omitted, 0);
	assert_int_equal(m->delta.omitted_bytes, 0);
	assert_false(ota_manifest_find(m, "only/here")->omitted);
	ota_manifest_free(m);
}

static void test_delta_plan_and_fill_from_the_named_release_with_its_manifest(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	if (ota_base_add(f->b, f->base, "1.0.0", f->base_json, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	/* Planned once: a second call does nothing. */
	assert_int_equal(ota_base_plan(f->b, f->m, NAME, &f->err), 0);
	fill_all(f);
}

static void test_delta_plan_and_fill_from_a_tree_without_a_manifest(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	/* ota-verify --base DIR: no version, no manifest; the tree is hashed. */
	if (ota_base_add(f->b, f->base, NULL, NULL, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	fill_all(f);
}

static void test_delta_moved_file_found_by_hash_in_another_release(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	make_delta(f);
	/* The named release lost the moved file; an older one still has it,
	 * under yet another name. */
	snprintf(path, sizeof(path), "%s/lib/old-name", f->base);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(f->other, 0755), 0);
	put(f->other, "elsewhere", "moved bytes");
	if (ota_base_add(f->b, f->base, "1.0.0", NULL, &f->err) ||
	    ota_base_add(f->b, f->other, "0.9.0", NULL, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	fill_all(f);
}

static void test_delta_plan_names_the_first_file_no_base_has(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	/* Only an unrelated release is here. */
	assert_int_equal(mkdir(f->other, 0755), 0);
	put(f->other, "share/data", "data data"); /* has one of the three */
	assert_int_equal(ota_base_add(f->b, f->other, "0.9.0", NULL, &f->err), 0);
	assert_int_equal(ota_base_plan(f->b, f->m, NAME, &f->err), OTA_EFILESET);
	assert_non_null(strstr(f->err.msg, NAME ": delta of 1.0.0: 2 of the files it leaves out "
					   "are in none of the base releases here (the first "
					   "\"etc/conf\")"));
}

static void test_delta_plan_with_no_base_at_all_is_efileset(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	assert_int_equal(ota_base_plan(f->b, f->m, NAME, &f->err), OTA_EFILESET);
	assert_non_null(strstr(f->err.msg, "no base release here to take its 3 omitted files from "
					   "(the first \"etc/conf\")"));
}

static void test_delta_fill_refuses_a_damaged_base_file(void **state)
{
	struct fixture *f = *state;
	const struct ota_entry *conf;

	make_delta(f);
	if (ota_base_add(f->b, f->base, "1.0.0", f->base_json, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	/* Same size, other bytes: the manifest beside it still vouches for it. */
	put(f->base, "etc/conf", "x=2\n");
	conf = entry(f, "etc/conf");
	assert_int_equal(fill(f, conf), OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "base file damaged"));
	assert_non_null(strstr(f->err.msg, "etc/conf"));
}

static void test_delta_plan_without_manifest_refuses_a_base_file_of_another_size(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	put(f->base, "etc/conf", "x=10\n");
	assert_int_equal(ota_base_add(f->b, f->base, "1.0.0", NULL, &f->err), 0);
	assert_int_equal(ota_base_plan(f->b, f->m, NAME, &f->err), OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "base file damaged"));
	assert_non_null(strstr(f->err.msg, "etc/conf"));
}

static void test_delta_fill_of_a_vanished_base_file_is_efileset(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX];

	make_delta(f);
	if (ota_base_add(f->b, f->base, "1.0.0", f->base_json, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	snprintf(path, sizeof(path), "%s/etc/conf", f->base);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(fill(f, entry(f, "etc/conf")), OTA_EFILESET);
	assert_non_null(strstr(f->err.msg, "etc/conf"));
}

static void test_delta_fill_does_not_follow_a_symlink_in_the_base(void **state)
{
	struct fixture *f = *state;
	char path[PATH_MAX], target[PATH_MAX];

	make_delta(f);
	if (ota_base_add(f->b, f->base, "1.0.0", f->base_json, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	/* The right bytes, but through a link swapped in after the plan. */
	snprintf(path, sizeof(path), "%s/etc/conf", f->base);
	snprintf(target, sizeof(target), "%s/copy", f->dir);
	put(f->dir, "copy", "x=1\n");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(target, path), 0);
	assert_true(fill(f, entry(f, "etc/conf")) < 0);
	assert_int_equal(f->got.len, 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

/* Sharing (ota_base_share): take the base file of every file of the new
 * release in manifest order; "path<-source" for each taken, "path-" for
 * each left to the payload, into out. */
static bool ahead; /* hashed on a second thread, as staging does */

static int take_all(struct fixture *f, char *out, size_t len)
{
	struct ota_base_file bf;
	size_t i, used = 0;
	int rc = 0;

	out[0] = '\0';
	if (ahead)
		ota_base_hash_ahead(f->b, NAME);
	for (i = 0; i < f->m->n_entries && rc >= 0; i++) {
		const struct ota_entry *e = &f->m->entries[i];

		if (e->type != OTA_ENTRY_FILE)
			continue;
		rc = ota_base_take(f->b, e, &bf, NAME, &f->err);
		if (rc == 1)
			used += (size_t)snprintf(out + used, len - used, "%s<-%s ", e->path, bf.path);
		else if (rc == 0)
			used += (size_t)snprintf(out + used, len - used, "%s- ", e->path);
		ota_base_file_close(&bf);
	}
	ota_base_hash_ahead_stop(f->b);
	return rc < 0 ? rc : 0;
}

/* The same release as a full manifest: nothing omitted. */
static void unmark(struct fixture *f)
{
	size_t i;

	for (i = 0; i < f->m->n_entries; i++)
		f->m->entries[i].omitted = false;
	free(f->m->delta.base);
	f->m->delta.base = NULL;
	f->m->delta.n_omitted = 0;
}

static void share_plan(struct fixture *f)
{
	assert_true(ota_base_share(f->b));
	if (ota_base_add(f->b, f->base, "1.0.0", f->base_json, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
}

static void test_share_full_release_takes_same_and_moved_files_not_changed_ones(void **state)
{
	struct fixture *f = *state;
	char got[512];

	make_delta(f);
	unmark(f);
	share_plan(f);
	assert_int_equal(take_all(f, got, sizeof(got)), 0);
	assert_string_equal(got, "bin/app- etc/conf<-etc/conf lib/new-name<-lib/old-name "
				 "new/file- share/data<-share/data ");
}

static void test_share_full_release_leaves_a_damaged_base_file_to_the_payload(void **state)
{
	struct fixture *f = *state;
	char got[512];

	make_delta(f);
	unmark(f);
	share_plan(f);
	put(f->base, "etc/conf", "x=2\n"); /* same size, other bytes */
	assert_int_equal(take_all(f, got, sizeof(got)), 0);
	assert_string_equal(got, "bin/app- etc/conf- lib/new-name<-lib/old-name "
				 "new/file- share/data<-share/data ");
}

static void test_share_delta_refuses_a_damaged_base_file_it_omits(void **state)
{
	struct fixture *f = *state;
	char got[512];

	make_delta(f);
	share_plan(f);
	put(f->base, "etc/conf", "x=2\n");
	assert_int_equal(take_all(f, got, sizeof(got)), OTA_EHASH);
	assert_non_null(strstr(f->err.msg, "base file damaged"));
	assert_string_equal(got, "bin/app- ");
}

/* The same three, the base files hashed ahead on a second thread. */
static void test_share_ahead_full_release_takes_same_and_moved_files(void **state)
{
	ahead = true;
	test_share_full_release_takes_same_and_moved_files_not_changed_ones(state);
	ahead = false;
}

static void test_share_ahead_full_release_leaves_a_damaged_base_file_to_the_payload(void **state)
{
	ahead = true;
	test_share_full_release_leaves_a_damaged_base_file_to_the_payload(state);
	ahead = false;
}

static void test_share_ahead_delta_refuses_a_damaged_base_file_it_omits(void **state)
{
	ahead = true;
	test_share_delta_refuses_a_damaged_base_file_it_omits(state);
	ahead = false;
}

static void test_share_is_refused_once_planned_without_it(void **state)
{
	struct fixture *f = *state;

	make_delta(f);
	if (ota_base_add(f->b, f->base, "1.0.0", f->base_json, &f->err) ||
	    ota_base_plan(f->b, f->m, NAME, &f->err))
		fail_msg("%s", f->err.msg);
	/* A plan for omitted files only cannot be followed file by file. */
	assert_false(ota_base_share(f->b));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_delta_mark_omits_exactly_the_files_the_base_has),
		T(test_delta_mark_with_nothing_in_common_is_a_full_manifest),
		T(test_delta_plan_and_fill_from_the_named_release_with_its_manifest),
		T(test_delta_plan_and_fill_from_a_tree_without_a_manifest),
		T(test_delta_moved_file_found_by_hash_in_another_release),
		T(test_delta_plan_names_the_first_file_no_base_has),
		T(test_delta_plan_with_no_base_at_all_is_efileset),
		T(test_delta_fill_refuses_a_damaged_base_file),
		T(test_delta_plan_without_manifest_refuses_a_base_file_of_another_size),
		T(test_delta_fill_of_a_vanished_base_file_is_efileset),
		T(test_delta_fill_does_not_follow_a_symlink_in_the_base),
		T(test_share_full_release_takes_same_and_moved_files_not_changed_ones),
		T(test_share_full_release_leaves_a_damaged_base_file_to_the_payload),
		T(test_share_delta_refuses_a_damaged_base_file_it_omits),
		T(test_share_is_refused_once_planned_without_it),
		T(test_share_ahead_full_release_takes_same_and_moved_files),
		T(test_share_ahead_full_release_leaves_a_damaged_base_file_to_the_payload),
		T(test_share_ahead_delta_refuses_a_damaged_base_file_it_omits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
