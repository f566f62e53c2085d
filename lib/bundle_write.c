/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_write.c - writing a bundle with libarchive, enforcing the entry
 * order of bundle.h and deterministic headers. */
#include "lib/bundle_write.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/path.h"
#include "lib/fsutil.h"

enum stage { NEED_MANIFEST, SIGNATURES, SLOTTED, PAYLOAD, FINISHED };

struct ota_bundle_writer {
	struct archive *a;
	const char *name;
	long long mtime;
	enum stage stage;
	enum ota_compress compress;
	long long start; /* offset of the stream in the output file */
	char last_keyid[OTA_KEYID_HEX_LEN + 1];
	unsigned long long remaining; /* data bytes owed to the current file */
	unsigned char *chunk;
	locale_t c_locale; /* for writing headers (put_header) */
};

int ota_compress_parse(const char *name)
{
	static const char *const names[] = {"none", "gzip", "xz", "zstd"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

const char *ota_compress_name(enum ota_compress c)
{
	switch (c) {
	case OTA_COMPRESS_NONE: return "none";
	case OTA_COMPRESS_GZIP: return "gzip";
	case OTA_COMPRESS_XZ: return "xz";
	case OTA_COMPRESS_ZSTD: return "zstd";
	}
	return "?";
}

static int arch_err(struct ota_bundle_writer *w, struct ota_err *err, const char *what)
{
	return ota_err_set(err, OTA_EIO, "%s: %s: %s", w->name, what,
			   archive_error_string(w->a) ? archive_error_string(w->a) : "write failed");
}

static int add_filter(struct archive *a, enum ota_compress c)
{
	switch (c) {
	case OTA_COMPRESS_NONE:
		return archive_write_add_filter_none(a);
	case OTA_COMPRESS_GZIP:
		if (archive_write_add_filter_gzip(a) != ARCHIVE_OK)
			return ARCHIVE_FATAL;
		/* No timestamp in the gzip header: bundles must be reproducible. */
		return archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	case OTA_COMPRESS_XZ:
		return archive_write_add_filter_xz(a);
	case OTA_COMPRESS_ZSTD:
		return archive_write_add_filter_zstd(a);
	}
	return ARCHIVE_FATAL;
}

int ota_bundle_writer_new(struct ota_bundle_writer **out, int fd, const char *name,
			  enum ota_compress compress, long long mtime, struct ota_err *err)
{
	struct ota_bundle_writer *w = calloc(1, sizeof(*w));
	int rc = 0;

	*out = NULL;
	if (!w || !(w->a = archive_write_new()) || !(w->chunk = malloc(OTA_BUNDLE_IO_CHUNK)) ||
	    (w->c_locale = newlocale(LC_CTYPE_MASK, "C", (locale_t)0)) == (locale_t)0) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	w->name = name;
	w->mtime = mtime;
	w->compress = compress;
	w->start = lseek(fd, 0, SEEK_CUR);
	/* Big blocks, fewer write(2)s; the last one is not padded, so the
	 * bytes are the same whatever the block size. */
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    add_filter(w->a, compress) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(w->a, OTA_BUNDLE_IO_CHUNK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w->a, 1) != ARCHIVE_OK ||
	    archive_write_open_fd(w->a, fd) != ARCHIVE_OK) {
		rc = arch_err(w, err, "cannot start the tar stream");
		goto out;
	}
	*out = w;
	w = NULL;
out:
	ota_bundle_writer_free(w);
	return rc;
}

void ota_bundle_writer_free(struct ota_bundle_writer *w)
{
	if (!w)
		return;
	if (w->a)
		archive_write_free(w->a);
	if (w->c_locale != (locale_t)0)
		freelocale(w->c_locale);
	free(w->chunk);
	free(w);
}

static bool ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* One header: type, mode, size, link target; everything else fixed. */
static int put_header(struct ota_bundle_writer *w, const char *path, mode_t type,
		      unsigned int mode, unsigned long long size, const char *link,
		      struct ota_err *err)
{
	struct archive_entry *ae = archive_entry_new();
	locale_t old;
	int rc = 0, st;

	if (!ae)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	archive_entry_copy_pathname(ae, path);
	archive_entry_set_filetype(ae, type);
	archive_entry_set_perm(ae, mode);
	archive_entry_set_size(ae, (la_int64_t)size);
	archive_entry_set_mtime(ae, w->mtime, 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	if (link)
		archive_entry_copy_symlink(ae, link);
	/* Names go into the tar byte for byte as the manifest has them.  A
	 * UTF-8 "path" record would be composed (NFC) by libarchive's reader,
	 * so an NFD name would no longer be the manifest's.  Under the C
	 * locale libarchive cannot convert a non-ASCII name to UTF-8, and
	 * writes that entry, and that entry only, with hdrcharset=BINARY and
	 * its raw bytes (a warning), which every reader takes as they are;
	 * ASCII names stay in the plain ustar header. */
	old = uselocale(w->c_locale);
	st = archive_write_header(w->a, ae);
	uselocale(old);
	if (st != ARCHIVE_OK && !(st == ARCHIVE_WARN && (!ascii(path) || (link && !ascii(link)))))
		rc = arch_err(w, err, path);
	archive_entry_free(ae);
	w->remaining = type == AE_IFREG ? size : 0;
	return rc;
}

int ota_bundle_write_data(struct ota_bundle_writer *w, const void *data, size_t len,
			  struct ota_err *err)
{
	la_ssize_t n;

	if (len > w->remaining)
		return ota_err_set(err, OTA_EINTERNAL, "%s: more data than the entry's size", w->name);
	n = archive_write_data(w->a, data, len);
	if (n < 0 || (size_t)n != len)
		return arch_err(w, err, "write");
	w->remaining -= len;
	return 0;
}

int ota_bundle_write_manifest(struct ota_bundle_writer *w, const unsigned char *data,
			      size_t len, struct ota_err *err)
{
	int rc;

	if (w->stage != NEED_MANIFEST)
		return ota_err_set(err, OTA_EINTERNAL, "%s: manifest written twice", w->name);
	rc = put_header(w, OTA_BUNDLE_MANIFEST, AE_IFREG, 0644, len, NULL, err);
	if (rc == 0)
		rc = ota_bundle_write_data(w, data, len, err);
	w->stage = SIGNATURES;
	return rc;
}

/* Header for len bytes, then len zero bytes; *offset gets where they are
 * in the output file. */
static int reserve(struct ota_bundle_writer *w, const char *path, size_t len, long long *offset,
		   struct ota_err *err)
{
	size_t n;
	int rc;

	if (w->compress != OTA_COMPRESS_NONE || w->start < 0)
		return ota_err_set(err, OTA_EINTERNAL, "%s: reserving in a compressed stream", w->name);
	if ((rc = put_header(w, path, AE_IFREG, 0644, len, NULL, err)))
		return rc;
	*offset = w->start + (long long)archive_filter_bytes(w->a, 0);
	memset(w->chunk, 0, OTA_BUNDLE_IO_CHUNK);
	for (; len && rc == 0; len -= n) {
		n = len < OTA_BUNDLE_IO_CHUNK ? len : OTA_BUNDLE_IO_CHUNK;
		rc = ota_bundle_write_data(w, w->chunk, n, err);
	}
	return rc;
}

int ota_bundle_reserve_manifest(struct ota_bundle_writer *w, size_t len, long long *offset,
				struct ota_err *err)
{
	int rc;

	if (w->stage != NEED_MANIFEST)
		return ota_err_set(err, OTA_EINTERNAL, "%s: manifest written twice", w->name);
	rc = reserve(w, OTA_BUNDLE_MANIFEST, len, offset, err);
	w->stage = SIGNATURES;
	return rc;
}

int ota_bundle_reserve_signature(struct ota_bundle_writer *w, const char *keyid,
				 long long *offset, struct ota_err *err)
{
	char name[sizeof(OTA_BUNDLE_SIG_DIR) + OTA_KEYID_HEX_LEN + sizeof(OTA_BUNDLE_SIG_EXT)];
	int rc;

	if (w->stage != SIGNATURES || strcmp(keyid, w->last_keyid) <= 0 ||
	    strlen(keyid) != OTA_KEYID_HEX_LEN)
		return ota_err_set(err, OTA_EINTERNAL, "%s: signatures out of order", w->name);
	snprintf(name, sizeof(name), "%s%s%s", OTA_BUNDLE_SIG_DIR, keyid, OTA_BUNDLE_SIG_EXT);
	rc = reserve(w, name, OTA_SIG_B64_LEN + 1, offset, err);
	memcpy(w->last_keyid, keyid, OTA_KEYID_HEX_LEN + 1);
	return rc;
}

int ota_bundle_write_slots(struct ota_bundle_writer *w, unsigned int n, struct ota_err *err)
{
	int rc;

	if (w->stage != SIGNATURES || n > OTA_BUNDLE_MAX_SIGS)
		return ota_err_set(err, OTA_EINTERNAL, "%s: signature slots out of order", w->name);
	if ((rc = put_header(w, OTA_BUNDLE_SLOTS, AE_IFREG, 0644,
			     (unsigned long long)n * OTA_BUNDLE_SLOT_SIZE, NULL, err)))
		return rc;
	w->stage = SLOTTED;
	memset(w->chunk, 0, OTA_BUNDLE_SLOT_SIZE);
	for (; n && rc == 0; n--)
		rc = ota_bundle_write_data(w, w->chunk, OTA_BUNDLE_SLOT_SIZE, err);
	return rc;
}

int ota_bundle_write_signature(struct ota_bundle_writer *w, const char *keyid,
			       const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	char name[sizeof(OTA_BUNDLE_SIG_DIR) + OTA_KEYID_HEX_LEN + sizeof(OTA_BUNDLE_SIG_EXT)];
	char text[OTA_SIG_B64_LEN + 2];
	int rc;

	if (w->stage != SIGNATURES || strcmp(keyid, w->last_keyid) <= 0 ||
	    strlen(keyid) != OTA_KEYID_HEX_LEN)
		return ota_err_set(err, OTA_EINTERNAL, "%s: signatures out of order", w->name);
	snprintf(name, sizeof(name), "%s%s%s", OTA_BUNDLE_SIG_DIR, keyid, OTA_BUNDLE_SIG_EXT);
	ota_sig_encode(sig, text);
	text[OTA_SIG_B64_LEN] = '\n';
	rc = put_header(w, name, AE_IFREG, 0644, OTA_SIG_B64_LEN + 1, NULL, err);
	if (rc == 0)
		rc = ota_bundle_write_data(w, text, OTA_SIG_B64_LEN + 1, err);
	memcpy(w->last_keyid, keyid, OTA_KEYID_HEX_LEN + 1);
	return rc;
}

int ota_bundle_write_entry(struct ota_bundle_writer *w, const struct ota_entry *e,
			   struct ota_err *err)
{
	char name[sizeof(OTA_BUNDLE_PAYLOAD_DIR) + OTA_PATH_MAX + 1];

	if (w->stage == NEED_MANIFEST || w->stage == FINISHED || w->remaining)
		return ota_err_set(err, OTA_EINTERNAL, "%s: payload out of order", w->name);
	w->stage = PAYLOAD;
	if (snprintf(name, sizeof(name), "%s%s", OTA_BUNDLE_PAYLOAD_DIR, e->path) >=
	    (int)sizeof(name))
		return ota_err_set(err, OTA_EPATH, "%s: path too long: %s", w->name, e->path);
	switch (e->type) {
	case OTA_ENTRY_FILE:
		return put_header(w, name, AE_IFREG, e->mode, e->size, NULL, err);
	case OTA_ENTRY_DIR:
		return put_header(w, name, AE_IFDIR, e->mode, 0, NULL, err);
	case OTA_ENTRY_SYMLINK:
		return put_header(w, name, AE_IFLNK, 0777, 0, e->link_target, err);
	}
	return ota_err_set(err, OTA_EINTERNAL, "bad entry type");
}

/* Stream one file of the tree into the bundle, hashing it again. */
static int copy_file(struct ota_bundle_writer *w, int root, const char *dir,
		     const struct ota_entry *e, struct ota_err *err)
{
	unsigned char digest[OTA_SHA256_LEN];
	struct ota_sha256 *h = ota_sha256_new();
	struct ota_quoted q;
	int fd = ota_open_regular(root, e->path, O_NOFOLLOW, ota_path_quote(e->path, &q), NULL,
				  err);
	ssize_t n;
	int rc = 0;

	if (!h) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	if (fd < 0) {
		rc = ota_err_prefix(err, fd, "%s", dir);
		goto out;
	}
	while (w->remaining) {
		size_t want = w->remaining < OTA_BUNDLE_IO_CHUNK ? w->remaining : OTA_BUNDLE_IO_CHUNK;
		n = read(fd, w->chunk, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n ? ota_err_errno(err, OTA_EIO, errno, "%s/%s", dir, e->path)
			       : ota_err_set(err, OTA_EIO, "%s/%s: shrank while bundling", dir, e->path);
			goto out;
		}
		if ((rc = ota_sha256_update(h, w->chunk, (size_t)n, err)) ||
		    (rc = ota_bundle_write_data(w, w->chunk, (size_t)n, err)))
			goto out;
	}
	rc = ota_sha256_final(h, digest, err);
	if (rc == 0 && (memcmp(digest, e->sha256, OTA_SHA256_LEN) || read(fd, w->chunk, 1) != 0))
		rc = ota_err_set(err, OTA_EIO, "%s/%s: changed while bundling", dir, e->path);
out:
	if (fd >= 0)
		close(fd);
	ota_sha256_free(h);
	return rc;
}

int ota_bundle_write_tree(struct ota_bundle_writer *w, const struct ota_manifest *m,
			  const char *dir, struct ota_err *err)
{
	int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t i;
	int rc = 0;

	if (root < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", dir);
	for (i = 0; i < m->n_entries && rc == 0; i++) {
		rc = ota_bundle_write_entry(w, &m->entries[i], err);
		if (rc == 0 && m->entries[i].type == OTA_ENTRY_FILE)
			rc = copy_file(w, root, dir, &m->entries[i], err);
	}
	close(root);
	return rc;
}

int ota_bundle_writer_finish(struct ota_bundle_writer *w, struct ota_err *err)
{
	if (w->stage == NEED_MANIFEST || w->remaining)
		return ota_err_set(err, OTA_EINTERNAL, "%s: incomplete bundle", w->name);
	w->stage = FINISHED;
	if (archive_write_close(w->a) != ARCHIVE_OK)
		return arch_err(w, err, "finishing the tar stream");
	return 0;
}
