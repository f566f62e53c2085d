/* SPDX-License-Identifier: Apache-2.0 */
/* test_extract.c - all-or-nothing extraction (lib/extract.c): a commit
 * gives the whole tree with its modes and links; anything short of a
 * commit leaves neither the destination nor a temporary sibling.  A
 * release's tree read-only; a file shared only with the inode hashed and
 * of its own mode. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/extract.h"
#include "lib/fsutil.h"

struct fixture {
	char root[64];  /* parent of dest */
	char dest[128]; /* root/out */
	char path[256];
	struct ota_manifest *m;
};

/* The release, in manifest order once checked; data for files. */
static const struct {
	struct ota_entry e;
	const char *data;
} release[] = {
	{{.path = "bin", .type = OTA_ENTRY_DIR, .mode = 0755}, NULL},
	{{.path = "bin/app", .type = OTA_ENTRY_FILE, .mode = 0755, .size = 4}, "test"},
	{{.path = "bin/start", .type = OTA_ENTRY_SYMLINK, .link_target = "app"}, NULL},
	{{.path = "empty", .type = OTA_ENTRY_DIR, .mode = 0700}, NULL},
	{{.path = "ro", .type = OTA_ENTRY_DIR, .mode = 0555}, NULL},
	{{.path = "ro/f", .type = OTA_ENTRY_FILE, .mode = 0444, .size = 6}, "hello\n"},
	{{.path = "ro/up", .type = OTA_ENTRY_SYMLINK, .link_target = "../bin/app"}, NULL},
	{{.path = "z", .type = OTA_ENTRY_FILE, .mode = 0600, .size = 0}, ""},
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
	strcpy(f->root, "/tmp/test_extract.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->dest, sizeof(f->dest), "%s/out", f->root);
	f->m = ota_manifest_new();
	if (!f->m || ota_manifest_set(f->m, "1.0.0", "t", 0, 0, &err))
		return -1;
	for (i = 0; i < N_RELEASE; i++)
		if (ota_manifest_add(f->m, &release[i].e, &err))
			return -1;
	return ota_manifest_check(f->m, &err);
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = f->root[0] ? ota_rm_tree(f->root, NULL) : 0;

	ota_manifest_free(f->m);
	free(f);
	return rc;
}

static const char *in_dest(struct fixture *f, const char *rel)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dest, rel);
	return f->path;
}

/* Names in f->root starting with "out": dest and any "out.tmp-*". */
static size_t count_out_names(struct fixture *f, char *first, size_t cap)
{
	DIR *d = opendir(f->root);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "out", 3) == 0 && n++ == 0 && first)
			snprintf(first, cap, "%s", de->d_name);
	closedir(d);
	return n;
}

static void assert_nothing_left(struct fixture *f)
{
	char name[256] = "";

	if (count_out_names(f, name, sizeof(name)))
		fail_msg("left behind in %s: %s", f->root, name);
}

/* The data for the manifest entry e (in release[]). */
static const char *data_of(const struct ota_entry *e)
{
	size_t i;

	for (i = 0; i < N_RELEASE; i++)
		if (strcmp(release[i].e.path, e->path) == 0)
			return release[i].data;
	fail_msg("no data for %s", e->path);
	return NULL;
}

/* Create the first n entries of f->m, writing file data in two parts. */
static void extract_entries(struct fixture *f, struct ota_extract *x, size_t n)
{
	struct ota_err err = {0};
	const char *data;
	size_t i, len;

	for (i = 0; i < n; i++) {
		const struct ota_entry *e = &f->m->entries[i];
		if (ota_extract_entry(x, e, &err))
			fail_msg("entry %s: %s", e->path, err.msg);
		if (e->type != OTA_ENTRY_FILE)
			continue;
		data = data_of(e);
		len = strlen(data);
		assert_int_equal(ota_extract_write(x, data, len / 2, &err), 0);
		assert_int_equal(ota_extract_write(x, data + len / 2, len - len / 2, &err), 0);
	}
}

static void assert_mode(const char *path, mode_t type, mode_t mode)
{
	struct stat st;

	if (lstat(path, &st))
		fail_msg("%s: missing", path);
	assert_int_equal(st.st_mode & S_IFMT, type);
	if (type != S_IFLNK && (st.st_mode & 07777) != mode)
		fail_msg("%s: mode %o, want %o", path, st.st_mode & 07777, mode);
}

static void assert_content(const char *path, const char *want)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		fail_msg("%s: cannot open", path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, (ssize_t)strlen(want));
	assert_memory_equal(buf, want, strlen(want));
}

static void assert_link(const char *path, const char *want)
{
	char buf[256];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void assert_release_on_disk(struct fixture *f)
{
	size_t i;

	assert_mode(f->dest, S_IFDIR, 0755);
	for (i = 0; i < N_RELEASE; i++) {
		const struct ota_entry *e = &release[i].e;
		switch (e->type) {
		case OTA_ENTRY_DIR:
			assert_mode(in_dest(f, e->path), S_IFDIR, e->mode);
			break;
		case OTA_ENTRY_FILE:
			assert_mode(in_dest(f, e->path), S_IFREG, e->mode);
			assert_content(f->path, release[i].data);
			break;
		case OTA_ENTRY_SYMLINK:
			assert_mode(in_dest(f, e->path), S_IFLNK, 0);
			assert_link(f->path, e->link_target);
			break;
		}
	}
}

static void commit_all(struct fixture *f, bool durable)
{
	struct ota_extract *x = NULL;
	struct ota_err err = {0};

	assert_int_equal(ota_extract_new(&x, f->dest, f->m, durable, &err), 0);
	assert_non_null(x);
	extract_entries(f, x, f->m->n_entries);
	if (ota_extract_commit(x, &err))
		fail_msg("commit: %s", err.msg);
	ota_extract_free(x);
	assert_release_on_disk(f);
	/* Only dest itself: no temporary sibling stays beside it. */
	assert_int_equal(count_out_names(f, NULL, 0), 1);
}

static void test_extract_commit_writes_tree_with_modes_and_links(void **state)
{
	commit_all(*state, false);
}

static void test_extract_durable_commit_writes_the_same_tree(void **state)
{
	commit_all(*state, true);
}

static void test_extract_refuses_existing_dest(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = (struct ota_extract *)f; /* must be reset */
	struct ota_err err = {0};

	assert_int_equal(mkdir(f->dest, 0755), 0);
	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), OTA_EEXIST);
	assert_null(x);
	assert_non_null(strstr(err.msg, f->dest));
	/* Only the squatter: no temporary sibling was made. */
	assert_int_equal(count_out_names(f, NULL, 0), 1);
}

static void test_extract_refuses_dangling_symlink_as_dest(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = NULL;
	struct ota_err err = {0};

	assert_int_equal(symlink("nowhere", f->dest), 0);
	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), OTA_EEXIST);
	assert_null(x);
	assert_int_equal(count_out_names(f, NULL, 0), 1);
}

/* Free after n entries (the last file still open if n ends on one). */
static void free_after(struct fixture *f, size_t n)
{
	struct ota_extract *x = NULL;
	struct ota_err err = {0};

	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), 0);
	assert_int_equal(count_out_names(f, NULL, 0), 1); /* the temporary tree */
	extract_entries(f, x, n);
	ota_extract_free(x);
	assert_nothing_left(f);
}

static void test_extract_free_before_any_entry_leaves_nothing(void **state)
{
	free_after(*state, 0);
}

static void test_extract_free_uncommitted_leaves_nothing(void **state)
{
	struct fixture *f = *state;

	/* Up to and including ro/f, a file inside the 0555 directory. */
	assert_string_equal(f->m->entries[5].path, "ro/f");
	free_after(f, 6);
}

static void test_extract_free_after_all_entries_leaves_nothing(void **state)
{
	struct fixture *f = *state;

	free_after(f, f->m->n_entries);
}

static void test_extract_commit_refuses_dest_created_meanwhile(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = NULL;
	struct ota_err err = {0};

	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), 0);
	extract_entries(f, x, f->m->n_entries);
	assert_int_equal(mkdir(f->dest, 0700), 0);
	assert_int_equal(ota_extract_commit(x, &err), OTA_EEXIST);
	ota_extract_free(x);
	/* The squatter is untouched, and the temporary tree is gone. */
	assert_mode(f->dest, S_IFDIR, 0700);
	assert_int_equal(count_out_names(f, NULL, 0), 1);
	assert_int_equal(rmdir(f->dest), 0);
	assert_nothing_left(f);
}

static void test_extract_free_null_is_safe(void **state)
{
	(void)state;
	ota_extract_free(NULL);
}

static void test_extract_readonly_commit_drops_every_write_bit(void **state)
{
	struct fixture *f = *state;
	struct ota_extract *x = NULL;
	struct ota_err err = {0};
	size_t i;

	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), 0);
	ota_extract_set_readonly(x);
	extract_entries(f, x, f->m->n_entries);
	assert_int_equal(ota_extract_commit(x, &err), 0);
	ota_extract_free(x);
	assert_mode(f->dest, S_IFDIR, 0555);
	for (i = 0; i < f->m->n_entries; i++) {
		const struct ota_entry *e = &f->m->entries[i];

		if (e->type != OTA_ENTRY_SYMLINK)
			assert_mode(in_dest(f, e->path), e->type == OTA_ENTRY_DIR ? S_IFDIR : S_IFREG,
				    e->mode & ~0222u);
	}
}

/* Sharing: bin/app (entry 1, "test", 0755) taken from the file
 * root/src/app of the given mode and bytes, opened (and, the caller
 * says, hashed) before `meanwhile` runs; the rest extracted as usual.
 * What ota_extract_share returned. */
static int share_app(struct fixture *f, mode_t mode, const char *data, void (*meanwhile)(struct fixture *))
{
	char src[160];
	struct ota_extract *x = NULL;
	struct ota_err err = {0};
	struct stat st;
	int fd, root, rc;
	size_t i;

	snprintf(src, sizeof(src), "%s/src", f->root);
	assert_int_equal(mkdir(src, 0755), 0);
	snprintf(src, sizeof(src), "%s/src/app", f->root);
	fd = open(src, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0 && write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	fd = open(src, O_RDONLY);
	root = open(f->root, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0 && root >= 0 && fstat(fd, &st) == 0);
	if (meanwhile)
		meanwhile(f);
	assert_int_equal(ota_extract_new(&x, f->dest, f->m, false, &err), 0);
	ota_extract_set_readonly(x);
	extract_entries(f, x, 1);
	assert_string_equal(f->m->entries[1].path, "bin/app");
	rc = ota_extract_share(x, &f->m->entries[1], fd, root, "src/app", &st, &err);
	assert_true(rc >= 0);
	for (i = 1 + (rc == 1); i < f->m->n_entries; i++) {
		const struct ota_entry *e = &f->m->entries[i];
		const char *d = e->type == OTA_ENTRY_FILE ? data_of(e) : NULL;

		assert_int_equal(ota_extract_entry(x, e, &err), 0);
		if (d)
			assert_int_equal(ota_extract_write(x, d, strlen(d), &err), 0);
	}
	assert_int_equal(ota_extract_commit(x, &err), 0);
	ota_extract_free(x);
	close(fd);
	close(root);
	return rc;
}

/* Where the file system clones (FICLONE), sharing makes a clone, never a
 * link: the link rules below are not reached there. */
static bool clones(struct fixture *f)
{
	char a[160], b[160];
	int fa, fb;
	bool yes;

	snprintf(a, sizeof(a), "%s/probe-a", f->root);
	snprintf(b, sizeof(b), "%s/probe-b", f->root);
	fa = open(a, O_RDWR | O_CREAT, 0600);
	fb = open(b, O_RDWR | O_CREAT, 0600);
	assert_true(fa >= 0 && fb >= 0 && write(fa, "x", 1) == 1);
	yes = ioctl(fb, FICLONE, fa) == 0;
	close(fa);
	close(fb);
	unlink(a);
	unlink(b);
	return yes;
}

static void test_extract_share_links_the_file_hashed(void **state)
{
	struct fixture *f = *state;
	struct stat a, b;

	if (clones(f))
		skip();
	assert_int_equal(share_app(f, 0555, "test", NULL), 1);
	assert_int_equal(lstat(in_dest(f, "bin/app"), &a), 0);
	snprintf(f->path, sizeof(f->path), "%s/src/app", f->root);
	assert_int_equal(lstat(f->path, &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_nlink == 2);
}

static void test_extract_share_of_another_mode_is_declined(void **state)
{
	struct fixture *f = *state;
	struct stat a;

	if (clones(f))
		skip();
	/* 0444 on disk, where bin/app wants 0755 (0555 read-only). */
	assert_int_equal(share_app(f, 0444, "test", NULL), 0);
	assert_int_equal(lstat(in_dest(f, "bin/app"), &a), 0);
	assert_true(a.st_nlink == 1 && (a.st_mode & 07777) == 0555);
	assert_content(f->path, "test");
}

/* The file hashed replaced at its name by another (same mode, other
 * bytes) between the hash and the link. */
static void swap_src(struct fixture *f)
{
	char src[160], other[160];
	int fd;

	snprintf(src, sizeof(src), "%s/src/app", f->root);
	snprintf(other, sizeof(other), "%s/src/evil", f->root);
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0555);
	assert_true(fd >= 0 && write(fd, "evil", 4) == 4);
	close(fd);
	assert_int_equal(rename(other, src), 0);
}

static void test_extract_share_declines_a_file_swapped_since_it_was_hashed(void **state)
{
	struct fixture *f = *state;
	struct stat a;

	if (clones(f))
		skip();
	assert_int_equal(share_app(f, 0555, "test", swap_src), 0);
	/* Written from the bytes instead: the swapped-in file is not linked. */
	assert_int_equal(lstat(in_dest(f, "bin/app"), &a), 0);
	assert_int_equal(a.st_nlink, 1);
	assert_content(f->path, "test");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_extract_commit_writes_tree_with_modes_and_links),
		T(test_extract_durable_commit_writes_the_same_tree),
		T(test_extract_refuses_existing_dest),
		T(test_extract_refuses_dangling_symlink_as_dest),
		T(test_extract_free_before_any_entry_leaves_nothing),
		T(test_extract_free_uncommitted_leaves_nothing),
		T(test_extract_free_after_all_entries_leaves_nothing),
		T(test_extract_commit_refuses_dest_created_meanwhile),
		T(test_extract_readonly_commit_drops_every_write_bit),
		T(test_extract_share_links_the_file_hashed),
		T(test_extract_share_of_another_mode_is_declined),
		T(test_extract_share_declines_a_file_swapped_since_it_was_hashed),
		cmocka_unit_test(test_extract_free_null_is_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
