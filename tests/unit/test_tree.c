/* SPDX-License-Identifier: Apache-2.0 */
/* test_tree.c - scanning a tree on disk into manifest entries and
 * comparing two scans (lib/tree.c).  Every test builds its own tree in a
 * fresh mkdtemp directory, removed afterwards. */
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

#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/tree.h"

#define H_TEST "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define H_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define H_HELLO "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

struct fixture {
	char root[64];
	char path[4200];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	strcpy(f->root, "/tmp/test_tree.XXXXXX");
	if (!mkdtemp(f->root)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = ota_rm_tree(f->root, NULL);

	free(f);
	return rc;
}

/* f->root "/" rel, in f->path. */
static const char *at(struct fixture *f, const char *rel)
{
	if ((size_t)snprintf(f->path, sizeof(f->path), "%s/%s", f->root, rel) >= sizeof(f->path))
		fail_msg("path too long");
	return f->path;
}

static void put_file(struct fixture *f, const char *rel, const char *data, mode_t mode)
{
	int fd = open(at(f, rel), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		fail_msg("create %s", f->path);
	assert_int_equal(write(fd, data, strlen(data)), (ssize_t)strlen(data));
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static void put_dir(struct fixture *f, const char *rel, mode_t mode)
{
	assert_int_equal(mkdir(at(f, rel), 0700), 0);
	assert_int_equal(chmod(f->path, mode), 0);
}

static void put_link(struct fixture *f, const char *rel, const char *target)
{
	assert_int_equal(symlink(target, at(f, rel)), 0);
}

static struct ota_manifest *new_manifest(void)
{
	struct ota_manifest *m = ota_manifest_new();
	struct ota_err err = {0};

	assert_non_null(m);
	assert_int_equal(ota_manifest_set(m, "1.0.0", "t", 0, 0, &err), 0);
	return m;
}

static struct ota_manifest *scan_ok(struct fixture *f)
{
	struct ota_manifest *m = new_manifest();
	struct ota_err err = {0};

	if (ota_tree_scan(f->root, m, &err))
		fail_msg("scan refused: %s", err.msg);
	return m;
}

static void assert_scan_refused(struct fixture *f, int code, const char *why)
{
	struct ota_manifest *m = new_manifest();
	struct ota_err err = {0};
	int rc = ota_tree_scan(f->root, m, &err);

	if (rc != code)
		fail_msg("scan gave %d, want %d (%s)", rc, code, err.msg);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, why))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, why);
	ota_manifest_free(m);
}

static void assert_entry(const struct ota_entry *e, const char *path, enum ota_entry_type type,
			 unsigned int mode)
{
	assert_string_equal(e->path, path);
	assert_int_equal(e->type, type);
	if (type != OTA_ENTRY_SYMLINK)
		assert_int_equal(e->mode, mode);
}

static void assert_file(const struct ota_entry *e, const char *path, unsigned int mode,
			unsigned long long size, const char *hex)
{
	char got[OTA_SHA256_HEX_LEN + 1];

	assert_entry(e, path, OTA_ENTRY_FILE, mode);
	assert_int_equal(e->size, size);
	ota_hex(e->sha256, OTA_SHA256_LEN, got);
	assert_string_equal(got, hex);
}

/* bin/ (0755): app (0755, "test"), start -> app; empty/ (0700);
 * etc/ (0555): conf (0644, empty); z (0600, "hello\n"). */
static void make_tree(struct fixture *f)
{
	put_dir(f, "bin", 0755);
	put_file(f, "bin/app", "test", 0755);
	put_link(f, "bin/start", "app");
	put_dir(f, "empty", 0700);
	put_dir(f, "etc", 0755);
	put_file(f, "etc/conf", "", 0644);
	assert_int_equal(chmod(at(f, "etc"), 0555), 0);
	put_file(f, "z", "hello\n", 0600);
}

static void test_tree_scan_records_entries_modes_sizes_and_hashes(void **state)
{
	struct fixture *f = *state;
	struct ota_manifest *m;
	const struct ota_entry *e;

	make_tree(f);
	m = scan_ok(f);
	e = m->entries;
	assert_int_equal(m->n_entries, 7);
	assert_entry(&e[0], "bin", OTA_ENTRY_DIR, 0755);
	assert_file(&e[1], "bin/app", 0755, 4, H_TEST);
	assert_entry(&e[2], "bin/start", OTA_ENTRY_SYMLINK, 0);
	assert_string_equal(e[2].link_target, "app");
	assert_entry(&e[3], "empty", OTA_ENTRY_DIR, 0700);
	assert_entry(&e[4], "etc", OTA_ENTRY_DIR, 0555);
	assert_file(&e[5], "etc/conf", 0644, 0, H_EMPTY);
	assert_file(&e[6], "z", 0600, 6, H_HELLO);
	assert_int_equal(m->n_files, 3);
	assert_int_equal(m->payload_bytes, 10);
	ota_manifest_free(m);
}

static void test_tree_scan_of_empty_dir_has_no_entries(void **state)
{
	struct fixture *f = *state;
	struct ota_manifest *m = scan_ok(f);

	assert_int_equal(m->n_entries, 0);
	assert_int_equal(m->n_files, 0);
	ota_manifest_free(m);
}

static void test_tree_scan_refuses_fifo(void **state)
{
	struct fixture *f = *state;

	put_dir(f, "d", 0755);
	put_file(f, "d/a", "x", 0644);
	assert_int_equal(mkfifo(at(f, "d/pipe"), 0644), 0);
	assert_scan_refused(f, OTA_EPATH, "d/pipe");
}

static void test_tree_scan_refuses_symlink_climbing_out(void **state)
{
	struct fixture *f = *state;

	put_dir(f, "d", 0755);
	put_link(f, "d/l", "../../etc/passwd");
	assert_scan_refused(f, OTA_EPATH, "climbs above the release root");
}

static void test_tree_scan_refuses_absolute_symlink(void **state)
{
	struct fixture *f = *state;

	put_link(f, "l", "/etc/passwd");
	assert_scan_refused(f, OTA_EPATH, "absolute");
}

static void test_tree_scan_refuses_non_utf8_name(void **state)
{
	struct fixture *f = *state;

	put_dir(f, "d", 0755);
	put_file(f, "d/bad\xff", "x", 0644);
	assert_scan_refused(f, OTA_EPATH, "UTF-8");
}

static void test_tree_scan_refuses_missing_dir(void **state)
{
	struct fixture *f = *state;
	struct ota_manifest *m = new_manifest();
	struct ota_err err = {0};

	assert_int_equal(ota_tree_scan(at(f, "nope"), m, &err), OTA_EIO);
	ota_manifest_free(m);
}

/* Scan make_tree as "want", apply change, scan again as "have", compare. */
static void assert_compare(struct fixture *f, void (*change)(struct fixture *), int code,
			   const char *why)
{
	struct ota_manifest *want, *have;
	struct ota_err err = {0};
	int rc;

	make_tree(f);
	want = scan_ok(f);
	change(f);
	have = scan_ok(f);
	rc = ota_tree_compare(want, have, &err);
	if (rc != code)
		fail_msg("compare gave %d, want %d (%s)", rc, code, err.msg);
	if (code && !strstr(err.msg, why))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, why);
	ota_manifest_free(want);
	ota_manifest_free(have);
}

static void no_change(struct fixture *f)
{
	(void)f;
}

static void change_modes(struct fixture *f)
{
	assert_int_equal(chmod(at(f, "z"), 0644), 0);
	assert_int_equal(chmod(at(f, "bin"), 0700), 0);
}

static void remove_file(struct fixture *f)
{
	assert_int_equal(unlink(at(f, "bin/app")), 0);
}

static void add_file(struct fixture *f)
{
	put_file(f, "empty/new", "", 0644);
}

static void add_file_at_end(struct fixture *f)
{
	put_file(f, "zz", "", 0644);
}

static void change_content(struct fixture *f)
{
	put_file(f, "bin/app", "TEST", 0755); /* same size */
}

static void change_size(struct fixture *f)
{
	put_file(f, "z", "hello!\n", 0600);
}

static void file_to_symlink(struct fixture *f)
{
	assert_int_equal(unlink(at(f, "z")), 0);
	put_link(f, "z", "bin/app");
}

static void retarget_symlink(struct fixture *f)
{
	assert_int_equal(unlink(at(f, "bin/start")), 0);
	put_link(f, "bin/start", "../z");
}

static void test_tree_compare_accepts_same_tree(void **state)
{
	assert_compare(*state, no_change, 0, NULL);
}

static void test_tree_compare_ignores_modes(void **state)
{
	assert_compare(*state, change_modes, 0, NULL);
}

static void test_tree_compare_detects_missing_file(void **state)
{
	assert_compare(*state, remove_file, OTA_EFILESET, "missing from the tree: bin/app");
}

static void test_tree_compare_detects_extra_file(void **state)
{
	assert_compare(*state, add_file, OTA_EFILESET, "not in the manifest: empty/new");
}

static void test_tree_compare_detects_extra_file_after_the_last(void **state)
{
	assert_compare(*state, add_file_at_end, OTA_EFILESET, "not in the manifest: zz");
}

static void test_tree_compare_detects_changed_content(void **state)
{
	assert_compare(*state, change_content, OTA_EHASH, "bin/app");
}

static void test_tree_compare_detects_changed_size(void **state)
{
	assert_compare(*state, change_size, OTA_EHASH, "z");
}

static void test_tree_compare_detects_file_replaced_by_symlink(void **state)
{
	assert_compare(*state, file_to_symlink, OTA_EPATH, "type differs");
}

static void test_tree_compare_detects_retargeted_symlink(void **state)
{
	assert_compare(*state, retarget_symlink, OTA_EHASH, "bin/start");
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tree_scan_records_entries_modes_sizes_and_hashes),
		T(test_tree_scan_of_empty_dir_has_no_entries),
		T(test_tree_scan_refuses_fifo),
		T(test_tree_scan_refuses_symlink_climbing_out),
		T(test_tree_scan_refuses_absolute_symlink),
		T(test_tree_scan_refuses_non_utf8_name),
		T(test_tree_scan_refuses_missing_dir),
		T(test_tree_compare_accepts_same_tree),
		T(test_tree_compare_ignores_modes),
		T(test_tree_compare_detects_missing_file),
		T(test_tree_compare_detects_extra_file),
		T(test_tree_compare_detects_extra_file_after_the_last),
		T(test_tree_compare_detects_changed_content),
		T(test_tree_compare_detects_changed_size),
		T(test_tree_compare_detects_file_replaced_by_symlink),
		T(test_tree_compare_detects_retargeted_symlink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
