/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of buf_map.c: a big buffer kept in an unlinked file and
 * mapped.  Its bytes read back the same after every drop of its pages, it
 * ends in a NUL like any buffer (also when its length is a whole number of
 * pages), it never grows, and a manifest read from it walks, and fails its
 * checks, exactly as one read into the heap. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/manifest.h"

struct fixture {
	char dir[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-bufmap-XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ota_rm_tree(f->dir, NULL);
	free(f);
	return 0;
}

/* len bytes of a pattern no two pages share, spooled and mapped into b. */
static void spool(const struct fixture *f, struct ota_buf *b, size_t len)
{
	struct ota_err err = {0};
	unsigned char *data = malloc(len);
	size_t i;
	int fd;

	assert_non_null(data);
	for (i = 0; i < len; i++)
		data[i] = (unsigned char)('a' + (i * 7 + i / 4096) % 26);
	assert_int_equal(ota_buf_spool_open(f->dir, "test", &fd, &err), 0);
	assert_int_equal(ota_write_all(fd, data, len, "test", &err), 0);
	assert_int_equal(ota_buf_map_fd(b, fd, len, "test", &err), 0);
	close(fd);
	assert_true(b->mapped);
	assert_int_equal(b->len, len);
	assert_memory_equal(b->data, data, len);
	free(data);
}

static void test_spool_leaves_nothing_in_the_directory(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;
	char cmd[128];

	ota_buf_init(&b, 0);
	spool(f, &b, 100000);
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", f->dir);
	assert_int_equal(system(cmd), 0);
	ota_buf_free(&b);
	assert_null(b.data);
	assert_false(b.mapped);
}

static void test_nul_past_len_even_on_a_page_boundary(void **state)
{
	struct fixture *f = *state;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t lens[] = {1, page - 1, page, 3 * page, 3 * page + 1};
	struct ota_buf b;
	size_t i;

	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		ota_buf_init(&b, 0);
		spool(f, &b, lens[i]);
		assert_int_equal(b.data[lens[i]], 0);
		ota_buf_free(&b);
	}
}

static void test_bytes_read_back_after_drop(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b, copy;
	struct ota_err err = {0};

	ota_buf_init(&b, 0);
	ota_buf_init(&copy, 0);
	spool(f, &b, 3 * 1024 * 1024 + 5);
	assert_int_equal(ota_buf_append(&copy, b.data, b.len, &err), 0);
	ota_buf_drop_pages(&b);
	assert_memory_equal(b.data, copy.data, copy.len);
	ota_buf_drop_pages(&b);
	ota_buf_drop_pages(&copy); /* a heap buffer: nothing, and nothing lost */
	assert_memory_equal(b.data, copy.data, copy.len);
	assert_int_equal(b.data[b.len], 0);
	ota_buf_free(&b);
	ota_buf_free(&copy);
}

static void test_a_mapped_buffer_never_grows(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;
	struct ota_err err = {0};

	ota_buf_init(&b, 0);
	spool(f, &b, 10);
	assert_int_equal(ota_buf_append(&b, "x", 1, &err), OTA_EINTERNAL);
	assert_int_equal(ota_buf_reserve(&b, 100, &err), OTA_EINTERNAL);
	assert_int_equal(b.len, 10);
	ota_buf_cleanse(&b); /* read-only pages: unmapped, not wiped */
	assert_null(b.data);
}

static void test_spool_open_names_a_missing_directory(void **state)
{
	struct ota_err err = {0};
	int fd = -1;

	(void)state;
	assert_int_equal(ota_buf_spool_open("/nonexistent/ota-spool", "manifest.json", &fd, &err),
			 OTA_EIO);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(err.msg, "/nonexistent/ota-spool"));
	assert_non_null(strstr(err.msg, "manifest.json"));
}

static void write_file(const struct fixture *f, const char *name, size_t len, char *path,
		       size_t cap)
{
	struct ota_err err = {0};
	char *data = malloc(len);

	assert_non_null(data);
	memset(data, 'z', len);
	snprintf(path, cap, "%s/%s", f->dir, name);
	assert_int_equal(ota_write_file_atomic(path, data, len, true, &err), 0);
	free(data);
}

static void test_load_maps_big_files_only(void **state)
{
	struct fixture *f = *state;
	struct ota_buf b;
	struct ota_err err = {0};
	char path[128];

	write_file(f, "small", OTA_BUF_MAP_MIN, path, sizeof(path));
	ota_buf_init(&b, OTA_MANIFEST_MAX);
	assert_int_equal(ota_buf_load_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, &err), 0);
	assert_false(b.mapped);
	assert_int_equal(b.len, OTA_BUF_MAP_MIN);
	ota_buf_free(&b);

	write_file(f, "big", OTA_BUF_MAP_MIN + 1, path, sizeof(path));
	assert_int_equal(ota_buf_load_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, &err), 0);
	assert_true(b.mapped);
	assert_int_equal(b.len, OTA_BUF_MAP_MIN + 1);
	assert_int_equal(b.data[0], 'z');
	assert_int_equal(b.data[b.len - 1], 'z');
	assert_int_equal(b.data[b.len], 0);
	ota_buf_free(&b);

	/* The cap holds for a mapped file as for a read one. */
	ota_buf_init(&b, OTA_BUF_MAP_MIN);
	assert_int_equal(ota_buf_load_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, &err), OTA_EFORMAT);
	assert_non_null(strstr(err.msg, "big"));
	assert_null(b.data);
}

/* A manifest of n files in n / 100 directories, serialized canonical. */
static void big_manifest(struct ota_buf *out, size_t n)
{
	struct ota_manifest *m = ota_manifest_new();
	struct ota_err err = {0};
	char path[64];
	size_t i;

	assert_non_null(m);
	assert_int_equal(ota_manifest_set(m, "1.0.0", "test", 0, 1700000000, &err), 0);
	for (i = 0; i < n; i++) {
		struct ota_entry e = {.path = path, .mode = 0644, .size = i};

		if (i % 100 == 0) {
			snprintf(path, sizeof(path), "d%04zu", i / 100);
			e.type = OTA_ENTRY_DIR;
			e.mode = 0755;
			e.size = 0;
			assert_int_equal(ota_manifest_add(m, &e, &err), 0);
			e.mode = 0644;
			e.size = i;
		}
		snprintf(path, sizeof(path), "d%04zu/f%03zu.bin", i / 100, i % 100);
		e.type = OTA_ENTRY_FILE;
		memset(e.sha256, (int)(i & 0xff), sizeof(e.sha256));
		assert_int_equal(ota_manifest_add(m, &e, &err), 0);
	}
	assert_int_equal(ota_manifest_check(m, &err), 0);
	ota_buf_init(out, OTA_MANIFEST_MAX);
	assert_int_equal(ota_manifest_serialize(m, out, &err), 0);
	ota_manifest_free(m);
}

static void test_a_mapped_manifest_walks_as_a_read_one(void **state)
{
	struct fixture *f = *state;
	struct ota_manifest *built = NULL, *lean = NULL;
	struct ota_manifest_walk *wb = malloc(sizeof(*wb)), *wl = malloc(sizeof(*wl));
	const struct ota_entry *eb, *el;
	struct ota_buf text, mapped;
	struct ota_err err = {0};
	char path[128];
	int rb, rl;

	assert_non_null(wb);
	assert_non_null(wl);
	big_manifest(&text, 12000);
	assert_true(text.len > OTA_BUF_MAP_MIN); /* the size that is mapped */
	snprintf(path, sizeof(path), "%s/m.json", f->dir);
	assert_int_equal(ota_write_file_atomic(path, text.data, text.len, true, &err), 0);
	assert_int_equal(ota_manifest_parse(text.data, text.len, "m.json", &built, &err), 0);
	ota_buf_init(&mapped, OTA_MANIFEST_MAX);
	assert_int_equal(ota_buf_load_file_at(&mapped, AT_FDCWD, path, O_NOFOLLOW, &err), 0);
	assert_true(mapped.mapped);
	assert_int_equal(ota_manifest_load(&mapped, "m.json", &lean, &err), 0);
	assert_true(lean->bytes.mapped);

	ota_manifest_walk_init(wb, built);
	ota_manifest_walk_init(wl, lean);
	do {
		rb = ota_manifest_walk_next(wb, &eb, &err);
		rl = ota_manifest_walk_next(wl, &el, &err);
		assert_int_equal(rb, rl);
		if (rb > 0) {
			assert_string_equal(eb->path, el->path);
			assert_int_equal(eb->type, el->type);
			assert_int_equal(eb->size, el->size);
			assert_memory_equal(eb->sha256, el->sha256, OTA_SHA256_LEN);
		}
	} while (rb > 0);
	ota_manifest_walk_init(wb, built);
	ota_manifest_walk_init(wl, lean);
	do {
		rb = ota_manifest_walk_dir_back(wb, &eb, &err);
		rl = ota_manifest_walk_dir_back(wl, &el, &err);
		assert_int_equal(rb, rl);
		if (rb > 0)
			assert_string_equal(eb->path, el->path);
	} while (rb > 0);

	/* Written back from the mapping: the same bytes. */
	snprintf(path, sizeof(path), "%s/copy.json", f->dir);
	assert_int_equal(ota_manifest_write_file(lean, path, &err), 0);
	ota_buf_init(&mapped, OTA_MANIFEST_MAX);
	assert_int_equal(ota_buf_read_file(&mapped, path, &err), 0);
	assert_int_equal(mapped.len, text.len);
	assert_memory_equal(mapped.data, text.data, text.len);

	ota_buf_free(&mapped);
	ota_buf_free(&text);
	ota_manifest_free(built);
	ota_manifest_free(lean);
	free(wb);
	free(wl);
}

/* A fault deep in the bytes, past many drops of the pages: the same
 * verdict and the same message as from the heap. */
static void test_a_mapped_manifest_fails_as_a_read_one(void **state)
{
	struct fixture *f = *state;
	/* A mode out of range, an invalid number, a key out of order. */
	static const char *const from[] = {"f050.bin\":{\"mode\":420", "\"size\":9000,", "d0100\""};
	static const char *const to[] = {"f050.bin\":{\"mode\":-20", "\"size\":9e00,", "d0099\""};
	struct ota_manifest *m = NULL;
	struct ota_buf text, mapped;
	struct ota_err eh = {0}, em = {0};
	char path[128], *at;
	size_t i;
	int rh, rm;

	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		big_manifest(&text, 12000);
		at = strstr((char *)text.data + text.len / 2, from[i]);
		if (!at)
			at = strstr((char *)text.data, from[i]);
		assert_non_null(at);
		assert_int_equal(strlen(to[i]), strlen(from[i]));
		memcpy(at, to[i], strlen(to[i]));
		snprintf(path, sizeof(path), "%s/bad.json", f->dir);
		assert_int_equal(ota_write_file_atomic(path, text.data, text.len, true, &eh), 0);
		rh = ota_manifest_parse(text.data, text.len, "bad.json", &m, &eh);
		assert_null(m);
		ota_buf_init(&mapped, OTA_MANIFEST_MAX);
		assert_int_equal(ota_buf_load_file_at(&mapped, AT_FDCWD, path, O_NOFOLLOW, &em), 0);
		assert_true(mapped.mapped);
		rm = ota_manifest_load(&mapped, "bad.json", &m, &em);
		assert_null(m);
		assert_null(mapped.data); /* freed on failure, as a heap one */
		assert_int_not_equal(rh, 0);
		assert_int_equal(rm, rh);
		assert_string_equal(em.msg, eh.msg);
		ota_buf_free(&text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spool_leaves_nothing_in_the_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_nul_past_len_even_on_a_page_boundary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bytes_read_back_after_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_mapped_buffer_never_grows, setup, teardown),
		cmocka_unit_test(test_spool_open_names_a_missing_directory),
		cmocka_unit_test_setup_teardown(test_load_maps_big_files_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_mapped_manifest_walks_as_a_read_one, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_mapped_manifest_fails_as_a_read_one, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
