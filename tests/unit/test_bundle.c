/* SPDX-License-Identifier: Apache-2.0 */
/* test_bundle.c - the bundle container (lib/bundle_write.c,
 * lib/bundle_read.c) and the payload check of lib/verify.c: what is
 * written reads back field by field, and damaged bundles are refused. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle_read.h"
#include "lib/bundle_write.h"
#include "lib/fsutil.h"
#include "lib/tree.h"
#include "lib/verify.h"

#define NAME "test.bundle"
#define CREATED 1700000000
#define APP_DATA "PAYLOAD-APP-CONTENT-0123456789"
#define KEY_A "1111111111111111111111111111111111111111111111111111111111111111"
#define KEY_B "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct fixture {
	char root[64];
	char src[96];    /* the tree */
	char bundle[96]; /* the bundle file */
	char path[256];
	struct ota_manifest *m;
	struct ota_buf manifest; /* its canonical bytes */
	unsigned char sig[2][OTA_SIG_RAW_LEN];
};

static const char *at(struct fixture *f, const char *rel)
{
	snprintf(f->path, sizeof(f->path), "%s/%s", f->src, rel);
	return f->path;
}

static int put_file(struct fixture *f, const char *rel, const char *data, mode_t mode)
{
	int fd = open(at(f, rel), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	if (fchmod(fd, mode) || close(fd) || n != (ssize_t)strlen(data))
		return -1;
	return 0;
}

/* src: bin/ (app, start -> app), empty/, etc/ (conf, café); scanned into
 * f->m and serialized into f->manifest. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ota_err err = {0};
	int i;

	if (!f)
		return -1;
	*state = f;
	ota_buf_init(&f->manifest, 0);
	strcpy(f->root, "/tmp/test_bundle.XXXXXX");
	if (!mkdtemp(f->root))
		return -1;
	snprintf(f->src, sizeof(f->src), "%s/src", f->root);
	snprintf(f->bundle, sizeof(f->bundle), "%s/b.bundle", f->root);
	for (i = 0; i < OTA_SIG_RAW_LEN; i++) {
		f->sig[0][i] = (unsigned char)i;
		f->sig[1][i] = (unsigned char)(255 - 3 * i);
	}
	if (mkdir(f->src, 0755) || mkdir(at(f, "bin"), 0755) ||
	    put_file(f, "bin/app", APP_DATA, 0755) || symlink("app", at(f, "bin/start")) ||
	    mkdir(at(f, "empty"), 0700) || mkdir(at(f, "etc"), 0750) ||
	    put_file(f, "etc/conf", "x=1\n", 0644) || put_file(f, "etc/caf\xc3\xa9", "", 0600))
		return -1;
	f->m = ota_manifest_new();
	if (!f->m || ota_manifest_set(f->m, "1.0.0", "dev", 1, CREATED, &err) ||
	    ota_tree_scan(f->src, f->m, &err) || ota_manifest_serialize(f->m, &f->manifest, &err))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = f->root[0] ? ota_rm_tree(f->root, NULL) : 0;

	ota_manifest_free(f->m);
	ota_buf_free(&f->manifest);
	free(f);
	return rc;
}

static void write_bundle(struct fixture *f, const char *path, enum ota_compress c)
{
	struct ota_bundle_writer *w = NULL;
	struct ota_err err = {0};
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	if (ota_bundle_writer_new(&w, fd, NAME, c, CREATED, &err) ||
	    ota_bundle_write_manifest(w, f->manifest.data, f->manifest.len, &err) ||
	    ota_bundle_write_signature(w, KEY_A, f->sig[0], &err) ||
	    ota_bundle_write_signature(w, KEY_B, f->sig[1], &err) ||
	    ota_bundle_write_tree(w, f->m, f->src, &err) || ota_bundle_writer_finish(w, &err))
		fail_msg("writing %s: %s", path, err.msg);
	ota_bundle_writer_free(w);
	assert_int_equal(close(fd), 0);
}

struct reading {
	int fd;
	struct ota_bundle_reader *r;
	const struct ota_bundle_head *head;
};

static void open_bundle(struct reading *rd, const char *path)
{
	struct ota_err err = {0};

	rd->fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(rd->fd >= 0);
	if (ota_bundle_reader_new(&rd->r, rd->fd, NAME, &err) ||
	    ota_bundle_read_head(rd->r, &rd->head, &err))
		fail_msg("reading %s: %s", path, err.msg);
}

static void close_bundle(struct reading *rd)
{
	ota_bundle_reader_free(rd->r);
	close(rd->fd);
}

static void assert_head(struct fixture *f, const struct ota_bundle_head *h, enum ota_compress c)
{
	assert_int_equal(h->manifest.len, f->manifest.len);
	assert_memory_equal(h->manifest.data, f->manifest.data, f->manifest.len);
	assert_int_equal(h->n_sigs, 2);
	assert_string_equal(h->sigs[0].keyid, KEY_A);
	assert_memory_equal(h->sigs[0].sig, f->sig[0], OTA_SIG_RAW_LEN);
	assert_string_equal(h->sigs[1].keyid, KEY_B);
	assert_memory_equal(h->sigs[1].sig, f->sig[1], OTA_SIG_RAW_LEN);
	assert_int_equal(h->compress, c);
}

/* Every payload item matches the manifest entry and the file on disk. */
static void assert_payload(struct fixture *f, struct ota_bundle_reader *r)
{
	struct ota_bundle_item it;
	struct ota_err err = {0};
	char data[256], want[256];
	size_t i, n, len;
	int fd;

	for (i = 0; i < f->m->n_entries; i++) {
		const struct ota_entry *e = &f->m->entries[i];
		if (ota_bundle_next(r, &it, &err) != 1)
			fail_msg("entry %zu (%s): %s", i, e->path, err.msg);
		assert_string_equal(it.path, e->path);
		assert_int_equal(it.type, e->type);
		if (e->type == OTA_ENTRY_SYMLINK) {
			assert_string_equal(it.link_target, e->link_target);
			continue;
		}
		assert_int_equal(it.mode, e->mode);
		if (e->type != OTA_ENTRY_FILE)
			continue;
		assert_int_equal(it.size, e->size);
		for (len = 0;; len += n) {
			assert_true(len + 7 <= sizeof(data));
			assert_int_equal(ota_bundle_read_data(r, data + len, 7, &n, &err), 0);
			if (n == 0)
				break;
		}
		fd = open(at(f, e->path), O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(read(fd, want, sizeof(want)), (ssize_t)len);
		close(fd);
		assert_memory_equal(data, want, len);
	}
	assert_int_equal(ota_bundle_next(r, &it, &err), 0);
}

static void round_trip(struct fixture *f, enum ota_compress c)
{
	struct reading rd;

	write_bundle(f, f->bundle, c);
	open_bundle(&rd, f->bundle);
	assert_head(f, rd.head, c);
	assert_payload(f, rd.r);
	close_bundle(&rd);
}

/* A source standing for a stream read in order (bundle_read.h): the
 * file's bytes at most `step` at a time, failing with OTA_EHASH (as a
 * download whose bytes changed) once `fail` bytes were given (0: never). */
struct trickle {
	int fd;
	size_t step, given, fail;
};

static int trickle_read(void *ctx, void *buf, size_t cap, size_t *n, struct ota_err *err)
{
	struct trickle *t = ctx;
	ssize_t got;

	*n = 0;
	if (t->fail && t->given >= t->fail)
		return ota_err_set(err, OTA_EHASH, "wire: other bytes after %zu", t->given);
	got = read(t->fd, buf, cap < t->step ? cap : t->step);
	if (got < 0)
		return ota_err_set(err, OTA_EIO, "stick: read failed");
	t->given += (size_t)got;
	*n = (size_t)got;
	return 0;
}

static void source_round_trip(struct fixture *f, enum ota_compress c)
{
	struct trickle t = {.step = 1000};
	struct ota_bundle_source src = {.fd = -1, .read = trickle_read, .ctx = &t};
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r;
	struct ota_err err = {0};

	write_bundle(f, f->bundle, c);
	t.fd = open(f->bundle, O_RDONLY | O_CLOEXEC);
	assert_true(t.fd >= 0);
	if (ota_bundle_reader_open(&r, &src, NAME, &err) || ota_bundle_read_head(r, &head, &err))
		fail_msg("reading %s: %s", f->bundle, err.msg);
	assert_head(f, head, c);
	assert_payload(f, r);
	ota_bundle_reader_free(r);
	close(t.fd);
	assert_int_equal(unlink(f->bundle), 0);
}

static void test_bundle_reads_the_same_from_a_source_read_in_order(void **state)
{
	struct fixture *f = *state;

	source_round_trip(f, OTA_COMPRESS_NONE);
	source_round_trip(f, OTA_COMPRESS_GZIP);
}

/* A source failing in the middle of the payload: its own code and reason,
 * not libarchive's. */
static void test_bundle_source_failure_is_reported_as_the_source_said(void **state)
{
	struct fixture *f = *state;
	struct trickle t = {.step = 512};
	struct ota_bundle_source src = {.fd = -1, .read = trickle_read, .ctx = &t};
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r;
	struct ota_bundle_item it;
	struct ota_err err = {0};
	char data[256];
	size_t n;
	int rc = 0;

	write_bundle(f, f->bundle, OTA_COMPRESS_NONE);
	t.fd = open(f->bundle, O_RDONLY | O_CLOEXEC);
	assert_true(t.fd >= 0);
	/* The reader reads ahead as it likes: half the bundle in, wherever
	 * the reader is then, the failure is the source's. */
	t.fail = (size_t)lseek(t.fd, 0, SEEK_END) / 2;
	assert_int_equal(lseek(t.fd, 0, SEEK_SET), 0);
	rc = ota_bundle_reader_open(&r, &src, NAME, &err);
	if (rc == 0)
		rc = ota_bundle_read_head(r, &head, &err);
	while (rc == 0 && (rc = ota_bundle_next(r, &it, &err)) == 1)
		while ((rc = ota_bundle_read_data(r, data, sizeof(data), &n, &err)) == 0 && n)
			;
	assert_int_equal(rc, OTA_EHASH);
	assert_true(strncmp(err.msg, "wire: other bytes after ", 24) == 0);
	ota_bundle_reader_free(r);
	close(t.fd);
}

static void test_bundle_round_trips_head_and_payload(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->m->n_entries, 7);
	round_trip(f, OTA_COMPRESS_NONE);
}

static void test_bundle_round_trips_compressed(void **state)
{
	struct fixture *f = *state;
	static const enum ota_compress cs[] = {OTA_COMPRESS_GZIP, OTA_COMPRESS_XZ,
					       OTA_COMPRESS_ZSTD};
	size_t i;

	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		round_trip(f, cs[i]);
		assert_int_equal(unlink(f->bundle), 0);
	}
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct ota_buf b;
	struct ota_err err = {0};

	ota_buf_init(&b, 0);
	if (ota_buf_read_file(&b, path, &err))
		fail_msg("%s", err.msg);
	*len = b.len;
	return b.data;
}

static void test_bundle_writer_is_deterministic(void **state)
{
	struct fixture *f = *state;
	char second[128];
	unsigned char *a, *b;
	size_t alen, blen;

	snprintf(second, sizeof(second), "%s/again.bundle", f->root);
	write_bundle(f, f->bundle, OTA_COMPRESS_GZIP);
	write_bundle(f, second, OTA_COMPRESS_GZIP);
	a = slurp(f->bundle, &alen);
	b = slurp(second, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(a);
	free(b);
}

/* A writer with the manifest written, on /dev/null. */
static struct ota_bundle_writer *writer_after_manifest(struct fixture *f, int *fd)
{
	struct ota_bundle_writer *w = NULL;
	struct ota_err err = {0};

	*fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(*fd >= 0);
	assert_int_equal(ota_bundle_writer_new(&w, *fd, NAME, OTA_COMPRESS_NONE, 0, &err), 0);
	assert_int_equal(ota_bundle_write_manifest(w, f->manifest.data, f->manifest.len, &err), 0);
	return w;
}

static void assert_sig_refused(struct ota_bundle_writer *w, const char *keyid,
			       const unsigned char *sig)
{
	struct ota_err err = {0};

	assert_int_equal(ota_bundle_write_signature(w, keyid, sig, &err), OTA_EINTERNAL);
	assert_non_null(strstr(err.msg, "out of order"));
}

static void test_bundle_writer_refuses_signatures_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct ota_err err = {0};
	struct ota_bundle_writer *w;
	int fd;

	w = writer_after_manifest(f, &fd);
	assert_int_equal(ota_bundle_write_signature(w, KEY_B, f->sig[1], &err), 0);
	assert_sig_refused(w, KEY_A, f->sig[0]);
	assert_sig_refused(w, KEY_B, f->sig[0]); /* the same key twice */
	ota_bundle_writer_free(w);
	close(fd);

	w = writer_after_manifest(f, &fd);
	assert_sig_refused(w, "abc", f->sig[0]); /* not 64 hex digits */
	assert_int_equal(ota_bundle_write_entry(w, &f->m->entries[0], &err), 0);
	assert_sig_refused(w, KEY_A, f->sig[0]); /* after the payload began */
	ota_bundle_writer_free(w);
	close(fd);
}

/* Read everything, data included; the first failure's code, or 0. */
static int read_all(const char *path, struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	struct ota_bundle_item it;
	char buf[4096];
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	assert_true(fd >= 0);
	rc = ota_bundle_reader_new(&r, fd, NAME, err);
	if (rc == 0)
		rc = ota_bundle_read_head(r, &head, err);
	while (rc == 0 && (rc = ota_bundle_next(r, &it, err)) == 1) {
		rc = 0;
		do
			rc = ota_bundle_read_data(r, buf, sizeof(buf), &n, err);
		while (rc == 0 && n);
	}
	ota_bundle_reader_free(r);
	close(fd);
	return rc;
}

static void put_bytes(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void assert_not_a_bundle(const char *path, const char *why)
{
	struct ota_err err = {0};
	int rc = read_all(path, &err);

	if (rc != OTA_EFORMAT)
		fail_msg("%s: got %d, want OTA_EFORMAT (%s)", path, rc, err.msg);
	if (!strstr(err.msg, NAME) || !strstr(err.msg, why))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, why);
}

static void test_bundle_reader_refuses_empty_file(void **state)
{
	struct fixture *f = *state;

	put_bytes(f->bundle, "", 0);
	assert_not_a_bundle(f->bundle, "");
}

static void test_bundle_reader_refuses_random_bytes(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[8192];
	uint32_t x = 2463534242u;
	size_t i;

	for (i = 0; i < sizeof(junk); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		junk[i] = (unsigned char)x;
	}
	put_bytes(f->bundle, junk, sizeof(junk));
	assert_not_a_bundle(f->bundle, "");
}

/* Offset of needle in the bundle file, which holds it exactly once. */
static size_t find_in(const unsigned char *data, size_t len, const char *needle)
{
	const unsigned char *p = memmem(data, len, needle, strlen(needle));

	assert_non_null(p);
	assert_null(memmem(p + 1, len - (size_t)(p - data) - 1, needle, strlen(needle)));
	return (size_t)(p - data);
}

static void test_bundle_reader_refuses_truncated_bundle(void **state)
{
	struct fixture *f = *state;
	unsigned char *data;
	size_t len, i, cut[4];
	struct ota_err err = {0};

	write_bundle(f, f->bundle, OTA_COMPRESS_NONE);
	assert_int_equal(read_all(f->bundle, &err), 0); /* control: whole, it reads */
	data = slurp(f->bundle, &len);
	cut[0] = 100;                                /* inside the first header */
	cut[1] = 512 + f->manifest.len / 2;          /* inside manifest.json */
	cut[2] = find_in(data, len, "\"files\":{");  /* still inside the manifest */
	cut[3] = find_in(data, len, APP_DATA) + 5;   /* inside bin/app's data */
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		put_bytes(f->bundle, data, cut[i]);
		assert_not_a_bundle(f->bundle, "");
	}
	free(data);
}

static void tar_add(struct archive *a, const char *name, const void *data, size_t len)
{
	struct archive_entry *ae = archive_entry_new();

	archive_entry_set_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, (la_int64_t)len);
	assert_int_equal(archive_write_header(a, ae), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
	archive_entry_free(ae);
}

/* A tar made without the writer (which refuses it): the manifest, then
 * signatures under these two key ids in this order. */
static void craft_two_sigs(struct fixture *f, const char *first, const char *second)
{
	struct archive *a = archive_write_new();
	char name[128], text[OTA_SIG_B64_LEN + 2];
	const char *ids[2] = {first, second};
	int i;

	assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, f->bundle), ARCHIVE_OK);
	tar_add(a, OTA_BUNDLE_MANIFEST, f->manifest.data, f->manifest.len);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "signatures/%s.sig", ids[i]);
		ota_sig_encode(f->sig[i], text);
		strcat(text, "\n");
		tar_add(a, name, text, strlen(text));
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
}

/* A key counted twice could meet a threshold of two on its own. */
static void test_bundle_reader_refuses_duplicate_or_unsorted_signatures(void **state)
{
	struct fixture *f = *state;
	struct ota_err err = {0};

	craft_two_sigs(f, KEY_A, KEY_B);
	assert_int_equal(read_all(f->bundle, &err), 0); /* control */
	assert_int_equal(unlink(f->bundle), 0);
	craft_two_sigs(f, KEY_A, KEY_A);
	assert_not_a_bundle(f->bundle, "out of order");
	assert_int_equal(unlink(f->bundle), 0);
	craft_two_sigs(f, KEY_B, KEY_A);
	assert_not_a_bundle(f->bundle, "out of order");
}

static void verify_file(struct fixture *f, int want, const char *why)
{
	struct ota_manifest *m = NULL;
	struct ota_err err = {0};
	struct reading rd;
	int rc;

	open_bundle(&rd, f->bundle);
	assert_int_equal(ota_manifest_parse(rd.head->manifest.data, rd.head->manifest.len, NAME,
					    &m, &err),
			 0);
	rc = ota_verify_payload(rd.r, m, NAME, NULL, NULL, &err);
	if (rc != want)
		fail_msg("verify gave %d, want %d (%s)", rc, want, err.msg);
	if (want && !strstr(err.msg, why))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, why);
	ota_manifest_free(m);
	close_bundle(&rd);
}

static void test_bundle_verify_payload_refuses_flipped_payload_byte(void **state)
{
	struct fixture *f = *state;
	unsigned char *data;
	size_t len, off;

	write_bundle(f, f->bundle, OTA_COMPRESS_NONE);
	verify_file(f, 0, NULL); /* control: the honest bundle verifies */
	data = slurp(f->bundle, &len);
	off = find_in(data, len, APP_DATA) + 3;
	data[off] ^= 0x01;
	put_bytes(f->bundle, data, len);
	free(data);
	verify_file(f, OTA_EHASH, "hash mismatch: bin/app");
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_bundle_round_trips_head_and_payload),
		T(test_bundle_round_trips_compressed),
		T(test_bundle_writer_is_deterministic),
		T(test_bundle_writer_refuses_signatures_out_of_order),
		T(test_bundle_reader_refuses_empty_file),
		T(test_bundle_reader_refuses_random_bytes),
		T(test_bundle_reader_refuses_truncated_bundle),
		T(test_bundle_reader_refuses_duplicate_or_unsorted_signatures),
		T(test_bundle_verify_payload_refuses_flipped_payload_byte),
		T(test_bundle_reads_the_same_from_a_source_read_in_order),
		T(test_bundle_source_failure_is_reported_as_the_source_said),
	};

	/* bundle_write.h: names go through the locale, which must be UTF-8. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
