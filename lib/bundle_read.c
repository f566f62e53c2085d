/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_read.c - reading a bundle stream with libarchive: the two
 * archives, the end of the tar, the payload streamed (see bundle_read.h;
 * the head is bundle_read_head.c's). */
#include "lib/bundle_read.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/bundle_read_impl.h"
#include "lib/fsutil.h"
#include "lib/path.h"

/* Bytes after the end-of-archive marker that may still be zeros (a tar
 * writer's padding to its record size: 10240 for most). */
#define TRAILING_ZEROS_MAX (1024 * 1024)

/* libarchive reports truncation and bad headers with its own codes, and
 * real read(2) failures with errno: only the latter are I/O errors. */
static int arch_err(struct ota_bundle_reader *r, struct ota_err *err, const char *what)
{
	int e = archive_errno(r->a);
	const char *why = archive_error_string(r->a);
	int code = (e > 0 && e != EILSEQ && e != EINVAL && e != ENOMEM) ? OTA_EIO : OTA_EFORMAT;

	/* The source's own reason (a dropped server, a pulled stick). */
	if (r->src_rc) {
		*err = r->src_err;
		return r->src_rc;
	}
	return ota_err_set(err, code, "%s: %s: %s", r->name, what,
			   why ? why : "truncated or not a bundle");
}

/* a's read callback: the next block of the decompressed stream, copied
 * into the older of the two blocks. */
static la_ssize_t feed(struct archive *a, void *data, const void **buf)
{
	struct ota_bundle_reader *r = data;
	int next = !r->cur;
	la_ssize_t n = archive_read_data(r->raw, r->blk[next], OTA_BUNDLE_IO_CHUNK);

	if (n < 0) {
		archive_set_error(a, archive_errno(r->raw), "%s",
				  archive_error_string(r->raw) ? archive_error_string(r->raw)
							       : "decompression failed");
		return -1;
	}
	r->cur = next;
	r->blk_len[next] = (size_t)n;
	r->fed += (unsigned long long)n;
	*buf = r->blk[next];
	return n;
}

/* raw's read callback for a source that is not a file. */
static la_ssize_t src_read(struct archive *a, void *data, const void **buf)
{
	struct ota_bundle_reader *r = data;
	size_t n = 0;
	int rc = r->src->read(r->src->ctx, r->src_buf, OTA_BUNDLE_IO_CHUNK, &n, &r->src_err);

	if (rc) {
		r->src_rc = rc;
		archive_set_error(a, EIO, "%s", r->src_err.msg);
		return -1;
	}
	*buf = r->src_buf;
	return (la_ssize_t)n;
}

static int open_raw(struct ota_bundle_reader *r, int fd)
{
	struct archive_entry *ae;

	/* Only these filters; whatever else (zip, bzip2) reaches the tar
	 * reader as it is, and is refused there. */
	if (archive_read_support_format_raw(r->raw) != ARCHIVE_OK ||
	    archive_read_support_filter_gzip(r->raw) < ARCHIVE_WARN ||
	    archive_read_support_filter_xz(r->raw) < ARCHIVE_WARN ||
	    archive_read_support_filter_zstd(r->raw) < ARCHIVE_WARN ||
	    (fd >= 0 ? archive_read_open_fd(r->raw, fd, OTA_BUNDLE_IO_CHUNK)
		     : archive_read_open(r->raw, r, NULL, src_read, NULL)) != ARCHIVE_OK ||
	    archive_read_next_header(r->raw, &ae) != ARCHIVE_OK)
		return -1;
	return 0;
}

int ota_bundle_reader_new(struct ota_bundle_reader **out, int fd, const char *name,
			  struct ota_err *err)
{
	struct ota_bundle_source src = {.fd = fd};

	return ota_bundle_reader_open(out, &src, name, err);
}

int ota_bundle_reader_open(struct ota_bundle_reader **out, const struct ota_bundle_source *src,
			   const char *name, struct ota_err *err)
{
	struct ota_bundle_reader *r = calloc(1, sizeof(*r));
	int fd = src->fd, rc = 0;

	*out = NULL;
	if (!r || !(r->raw = archive_read_new()) || !(r->a = archive_read_new()) ||
	    !(r->blk[0] = malloc(OTA_BUNDLE_IO_CHUNK)) || !(r->blk[1] = malloc(OTA_BUNDLE_IO_CHUNK)) ||
	    (fd < 0 && !(r->src_buf = malloc(OTA_BUNDLE_IO_CHUNK)))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	r->name = name;
	/* A file is read by libarchive itself; src is kept only when it is
	 * not (a file's may be a copy on the caller's stack). */
	r->src = fd < 0 ? src : NULL;
	ota_buf_init(&r->head.manifest, OTA_MANIFEST_MAX);
	if (open_raw(r, fd)) {
		rc = r->src_rc ? arch_err(r, err, "cannot open")
			       : ota_err_set(err, OTA_EFORMAT, "%s: cannot open: %s", name,
					     archive_error_string(r->raw)
						     ? archive_error_string(r->raw)
						     : "empty: not a bundle");
		goto out;
	}
	/* Only tar: every other format is refused. */
	if (archive_read_support_format_tar(r->a) != ARCHIVE_OK ||
	    archive_read_open(r->a, r, NULL, feed, NULL) != ARCHIVE_OK) {
		rc = arch_err(r, err, "cannot open");
		goto out;
	}
	*out = r;
	r = NULL;
out:
	ota_bundle_reader_free(r);
	return rc;
}

void ota_bundle_reader_spool(struct ota_bundle_reader *r, const char *dir)
{
	r->spool_dir = dir;
}

void ota_bundle_reader_free(struct ota_bundle_reader *r)
{
	if (!r)
		return;
	if (r->a)
		archive_read_free(r->a);
	if (r->raw)
		archive_read_free(r->raw);
	free(r->blk[0]);
	free(r->blk[1]);
	free(r->src_buf);
	ota_buf_free(&r->head.manifest);
	free(r);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* At the tar's end-of-archive marker: what follows it in the stream may
 * only be zeros (a record's padding), at most TRAILING_ZEROS_MAX bytes.
 * The bytes fed to the tar reader but not used lie in the last two
 * blocks (it reads ahead at most one header past a block's end). */
static int nothing_after_end(struct ota_bundle_reader *r, struct ota_err *err)
{
	unsigned long long end = (unsigned long long)archive_filter_bytes(r->a, 0);
	unsigned long long left = r->fed - end, extra = 0;
	size_t last = r->blk_len[r->cur], prev = r->blk_len[!r->cur];
	la_ssize_t n;

	if (r->fed < end || left > last + prev)
		return ota_err_set(err, OTA_EINTERNAL, "%s: lost track of the tar's end", r->name);
	if (left > last && !all_zero(r->blk[!r->cur] + prev - (left - last), left - last))
		goto after;
	if (!all_zero(r->blk[r->cur] + (left > last ? 0 : last - left), left > last ? last : left))
		goto after;
	while ((n = archive_read_data(r->raw, r->blk[!r->cur], OTA_BUNDLE_IO_CHUNK)) > 0) {
		extra += (unsigned long long)n;
		if (left + extra > TRAILING_ZEROS_MAX || !all_zero(r->blk[!r->cur], (size_t)n))
			goto after;
	}
	if (n < 0 && r->src_rc)
		return arch_err(r, err, "after the end of the archive");
	if (n < 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: after the end of the archive: %s",
				   r->name, archive_error_string(r->raw) ? archive_error_string(r->raw)
									 : "damaged");
	return 0;
after:
	return ota_err_set(err, OTA_EFILESET, "%s: data after the end of the archive "
			   "(offset %llu): nothing may follow the last entry", r->name, end);
}

/* 1 with r->ae set, 0 at the end of the archive, or an error. */
int bundle_next_header(struct ota_bundle_reader *r, struct ota_err *err)
{
	int st;

	if (r->at_end)
		return 0;
	st = archive_read_next_header(r->a, &r->ae);
	if (st == ARCHIVE_EOF) {
		r->at_end = true;
		return nothing_after_end(r, err);
	}
	if (st != ARCHIVE_OK)
		return arch_err(r, err, "bad tar header");
	return 1;
}

static int classify(struct ota_bundle_reader *r, const char *name, struct ota_bundle_item *it,
		    struct ota_err *err)
{
	mode_t type = archive_entry_filetype(r->ae);
	struct ota_quoted q;

	if (archive_entry_hardlink(r->ae))
		return ota_err_set(err, OTA_EPATH, "%s: hard link entry: %s", r->name, ota_path_quote(name, &q));
	if (type == AE_IFREG && !archive_entry_sparse_count(r->ae)) {
		it->type = OTA_ENTRY_FILE;
		it->size = (unsigned long long)archive_entry_size(r->ae);
	} else if (type == AE_IFDIR) {
		it->type = OTA_ENTRY_DIR;
	} else if (type == AE_IFLNK && archive_entry_symlink_utf8(r->ae)) {
		it->type = OTA_ENTRY_SYMLINK;
		it->link_target = archive_entry_symlink_utf8(r->ae);
	} else {
		return ota_err_set(err, OTA_EPATH, "%s: special file entry (device, fifo, socket "
				   "or sparse): %s", r->name, ota_path_quote(name, &q));
	}
	if (archive_entry_size(r->ae) < 0 || (it->type != OTA_ENTRY_FILE && archive_entry_size(r->ae)))
		return ota_err_set(err, OTA_EFORMAT, "%s: bad size for %s", r->name, ota_path_quote(name, &q));
	it->mode = archive_entry_perm(r->ae);
	return 1;
}

/* tar writes directory names with one trailing '/' (libarchive always
 * does); that slash, and only for a directory, is not part of the path. */
static const char *strip_dir_slash(struct ota_bundle_reader *r, const char *name)
{
	size_t len = strlen(name);

	if (archive_entry_filetype(r->ae) != AE_IFDIR || len < 2 || name[len - 1] != '/' ||
	    len >= sizeof(r->dir_name))
		return name;
	memcpy(r->dir_name, name, len - 1);
	r->dir_name[len - 1] = '\0';
	return r->dir_name;
}

int ota_bundle_next(struct ota_bundle_reader *r, struct ota_bundle_item *it, struct ota_err *err)
{
	struct ota_quoted q;
	const char *name;
	int rc;

	memset(it, 0, sizeof(*it));
	r->data_off = 0;
	if (r->pending) {
		r->pending = false;
	} else {
		rc = bundle_next_header(r, err);
		if (rc <= 0)
			return rc;
	}
	name = archive_entry_pathname_utf8(r->ae);
	if (!name)
		return ota_err_set(err, OTA_EPATH, "%s: entry name is not UTF-8", r->name);
	if (strcmp(name, OTA_BUNDLE_MANIFEST) == 0 ||
	    strncmp(name, OTA_BUNDLE_SIG_DIR, strlen(OTA_BUNDLE_SIG_DIR)) == 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: %s after the payload began", r->name, ota_path_quote(name, &q));
	if (strncmp(name, OTA_BUNDLE_PAYLOAD_DIR, strlen(OTA_BUNDLE_PAYLOAD_DIR)))
		return ota_err_set(err, OTA_EFORMAT, "%s: unexpected entry outside payload/: %s",
				   r->name, ota_path_quote(name, &q));
	/* "payload/" itself names nothing: an empty path, refused below.
	 * Stripped of its slash it would be shorter than the prefix. */
	if (name[strlen(OTA_BUNDLE_PAYLOAD_DIR)] == '\0') {
		it->path = name + strlen(OTA_BUNDLE_PAYLOAD_DIR);
	} else {
		name = strip_dir_slash(r, name);
		it->path = name + strlen(OTA_BUNDLE_PAYLOAD_DIR);
	}
	rc = ota_path_check(it->path, strlen(it->path), err);
	if (rc)
		return ota_err_prefix(err, rc, "%s", r->name);
	return classify(r, name, it, err);
}

int ota_bundle_read_data(struct ota_bundle_reader *r, void *buf, size_t cap, size_t *n,
			 struct ota_err *err)
{
	la_ssize_t got = archive_read_data(r->a, buf, cap);

	*n = 0;
	if (got < 0)
		return arch_err(r, err, "reading data");
	*n = (size_t)got;
	return 0;
}

int ota_bundle_read_block(struct ota_bundle_reader *r, const void **buf, size_t *n,
			  struct ota_err *err)
{
	la_int64_t off;
	int st = archive_read_data_block(r->a, buf, n, &off);

	if (st == ARCHIVE_EOF) {
		*n = 0;
		return 0;
	}
	if (st != ARCHIVE_OK)
		return arch_err(r, err, "reading data");
	/* Regular entries are never sparse (classify), so blocks follow on. */
	if (off < 0 || (unsigned long long)off != r->data_off)
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: data with holes", r->name,
				   bundle_entry_name(r->ae));
	r->data_off += *n;
	return 0;
}

void ota_bundle_take_manifest(struct ota_bundle_reader *r, struct ota_buf *out)
{
	*out = r->head.manifest;
	ota_buf_init(&r->head.manifest, OTA_MANIFEST_MAX);
}

long long ota_bundle_entry_offset(const struct ota_bundle_reader *r)
{
	return (long long)archive_read_header_position(r->a);
}

int ota_bundle_read_manifest(const char *path, struct ota_buf *out, struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	int fd = ota_open_regular(AT_FDCWD, path, 0, NULL, NULL, err);
	int rc;

	if (fd < 0)
		return fd;
	if ((rc = ota_bundle_reader_new(&r, fd, path, err)) == 0 &&
	    (rc = ota_bundle_read_head(r, &head, err)) == 0)
		rc = ota_buf_append(out, head->manifest.data, head->manifest.len, err);
	ota_bundle_reader_free(r);
	close(fd);
	return rc;
}
