/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_read.c - reading a bundle stream with libarchive: the head whole
 * and bounded, the payload streamed (see bundle_read.h). */
#include "lib/bundle_read.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/bundle_slots.h"
#include "lib/fsutil.h"
#include "lib/path.h"

/* Bytes after the end-of-archive marker that may still be zeros (a tar
 * writer's padding to its record size: 10240 for most). */
#define TRAILING_ZEROS_MAX (1024 * 1024)

/* Two archives: `raw` undoes the compression, `a` reads the tar from what
 * raw gives.  Owning the bytes between them is what lets the reader see
 * what follows the tar's end-of-archive marker, which libarchive's tar
 * reader stops at and never shows. */
struct ota_bundle_reader {
	struct archive *raw; /* filters only: the decompressed stream */
	struct archive *a;   /* the tar, fed by feed() from raw */
	unsigned char *blk[2];  /* the last two blocks fed to a, alternating */
	size_t blk_len[2];
	int cur;                /* blk[cur] is the last one fed */
	unsigned long long fed; /* bytes fed to a */
	struct archive_entry *ae; /* current entry, owned by a */
	const char *name;
	bool pending; /* ae is a payload entry the head reader stopped at */
	bool unsorted; /* signatures out of key id order (read_signature) */
	bool at_end;
	unsigned long long data_off; /* of the current entry's next data block */
	struct ota_bundle_head head;
	const char *spool_dir; /* where a big manifest is kept (buf_map.c), or NULL */
	const struct ota_bundle_source *src; /* when not a file */
	unsigned char *src_buf;   /* what src->read last gave */
	int src_rc;               /* src's failure, reported as it is */
	struct ota_err src_err;
	char dir_name[OTA_PATH_MAX + sizeof(OTA_BUNDLE_PAYLOAD_DIR) + 1];
};

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
static int next_header(struct ota_bundle_reader *r, struct ota_err *err)
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

static const char *entry_name(struct archive_entry *ae)
{
	const char *n = archive_entry_pathname_utf8(ae);

	return n ? n : archive_entry_pathname(ae);
}

static bool is_plain_file(struct archive_entry *ae)
{
	return archive_entry_filetype(ae) == AE_IFREG && !archive_entry_hardlink(ae) &&
	       !archive_entry_sparse_count(ae);
}

/* Read the whole data of the current entry into b (which has a cap). */
static int slurp(struct ota_bundle_reader *r, struct ota_buf *b, struct ota_err *err)
{
	unsigned char chunk[4096];
	size_t n;
	int rc;

	for (;;) {
		rc = ota_bundle_read_data(r, chunk, sizeof(chunk), &n, err);
		if (rc || n == 0)
			return rc;
		rc = ota_buf_append(b, chunk, n, err);
		if (rc)
			return ota_err_set(err, OTA_EFORMAT, "%s: %s: too large", r->name,
					   entry_name(r->ae));
	}
}

/* A spool file that fails part way (a full disk, a file size limit):
 * the done bytes read back from it, then chunk, then the rest of the
 * entry, into the heap as without a spool directory. */
static int unspool(struct ota_bundle_reader *r, int fd, size_t done, const unsigned char *chunk,
		   size_t n, size_t size, struct ota_err *err)
{
	struct ota_buf *b = &r->head.manifest;
	ssize_t k;

	if (ota_buf_reserve(b, size, err))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	b->len = 0;
	while (b->len < done) {
		k = pread(fd, b->data + b->len, done - b->len, (off_t)b->len);
		if (k <= 0 && !(k < 0 && errno == EINTR))
			return ota_err_errno(err, OTA_EIO, k < 0 ? errno : EIO, "%s: read back",
					     r->spool_dir);
		b->len += k > 0 ? (size_t)k : 0;
	}
	b->data[b->len] = '\0';
	if (ota_buf_append(b, chunk, n, err))
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: too large", r->name,
				   OTA_BUNDLE_MANIFEST);
	return slurp(r, b, err);
}

/* The current entry's data, size bytes, into a private file in the spool
 * directory (fd), then mapped as r->head.manifest (buf_map.c says why). */
static int spool_manifest(struct ota_bundle_reader *r, int fd, size_t size,
			  struct ota_err *err)
{
	unsigned char chunk[65536];
	size_t n, got = 0;
	int rc;

	for (;;) {
		if ((rc = ota_bundle_read_data(r, chunk, sizeof(chunk), &n, err)) || n == 0)
			break;
		if (got + n > size) {
			rc = ota_err_set(err, OTA_EFORMAT, "%s: %s: more data than its size", r->name,
					 OTA_BUNDLE_MANIFEST);
			break;
		}
		/* Where the spool fails, memory does the job, not the verdict. */
		if (ota_write_all(fd, chunk, n, r->spool_dir, NULL)) {
			rc = unspool(r, fd, got, chunk, n, size, err);
			close(fd);
			return rc;
		}
		got += n;
	}
	if (rc == 0)
		rc = ota_buf_map_fd(&r->head.manifest, fd, got, r->spool_dir, err);
	close(fd);
	return rc;
}

static int read_manifest(struct ota_bundle_reader *r, struct ota_err *err)
{
	int fd, rc = next_header(r, err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: empty: not a bundle", r->name);
	if (strcmp(entry_name(r->ae), OTA_BUNDLE_MANIFEST) || !is_plain_file(r->ae))
		return ota_err_set(err, OTA_EFORMAT, "%s: first entry is not %s: not a bundle",
				   r->name, OTA_BUNDLE_MANIFEST);
	if (archive_entry_size(r->ae) > (la_int64_t)OTA_MANIFEST_MAX)
		return ota_err_set(err, OTA_EFORMAT, "%s: %s larger than %u bytes", r->name,
				   OTA_BUNDLE_MANIFEST, OTA_MANIFEST_MAX);
	switch (archive_filter_code(r->raw, 0)) {
	case ARCHIVE_FILTER_NONE: r->head.compress = OTA_COMPRESS_NONE; break;
	case ARCHIVE_FILTER_GZIP: r->head.compress = OTA_COMPRESS_GZIP; break;
	case ARCHIVE_FILTER_XZ: r->head.compress = OTA_COMPRESS_XZ; break;
	case ARCHIVE_FILTER_ZSTD: r->head.compress = OTA_COMPRESS_ZSTD; break;
	default: return ota_err_set(err, OTA_EFORMAT, "%s: unsupported compression", r->name);
	}
	/* A spool directory that cannot take the file costs memory, not the
	 * verdict: the heap, as without one. */
	if (r->spool_dir && archive_entry_size(r->ae) > (la_int64_t)OTA_BUF_MAP_MIN &&
	    ota_buf_spool_open(r->spool_dir, OTA_BUNDLE_MANIFEST, &fd, NULL) == 0)
		return spool_manifest(r, fd, (size_t)archive_entry_size(r->ae), err);
	/* Its size is known (and capped): one allocation, not a doubling. */
	if (ota_buf_reserve(&r->head.manifest, (size_t)archive_entry_size(r->ae), err))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	return slurp(r, &r->head.manifest, err);
}

/* "signatures/<64 hex>.sig" -> key id; -1 if the name is not that. */
static int sig_keyid(const char *name, char keyid[OTA_KEYID_HEX_LEN + 1])
{
	const char *id = name + strlen(OTA_BUNDLE_SIG_DIR);
	unsigned char raw[OTA_KEYID_HEX_LEN / 2];

	if (strlen(id) != OTA_KEYID_HEX_LEN + strlen(OTA_BUNDLE_SIG_EXT) ||
	    strcmp(id + OTA_KEYID_HEX_LEN, OTA_BUNDLE_SIG_EXT))
		return -1;
	memcpy(keyid, id, OTA_KEYID_HEX_LEN);
	keyid[OTA_KEYID_HEX_LEN] = '\0';
	return ota_unhex(keyid, raw, sizeof(raw));
}

/* A key counted twice could meet a threshold alone: never.  Out of key id
 * order is noted: only a head with a reserved entry may be (its
 * signatures come in the order they were added). */
static bool dup_or_unsorted(const struct ota_bundle_head *h, const char *id, bool *unsorted)
{
	size_t i;

	for (i = 0; i < h->n_sigs; i++)
		if (strcmp(h->sigs[i].keyid, id) == 0)
			return true;
	if (h->n_sigs && strcmp(h->sigs[h->n_sigs - 1].keyid, id) > 0)
		*unsorted = true;
	return false;
}

static int read_signature(struct ota_bundle_reader *r, struct ota_err *err)
{
	struct ota_bundle_sig *s = &r->head.sigs[r->head.n_sigs];
	const char *name = entry_name(r->ae);
	struct ota_quoted q;
	struct ota_buf text;
	int rc;

	if (r->head.n_sigs == OTA_BUNDLE_MAX_SIGS)
		return ota_err_set(err, OTA_EFORMAT, "%s: more than %d signatures", r->name,
				   OTA_BUNDLE_MAX_SIGS);
	if (sig_keyid(name, s->keyid) || !is_plain_file(r->ae))
		return ota_err_set(err, OTA_EFORMAT, "%s: bad signature entry %s", r->name, ota_path_quote(name, &q));
	if (dup_or_unsorted(&r->head, s->keyid, &r->unsorted))
		return ota_err_set(err, OTA_EFORMAT, "%s: signatures duplicated or out of order",
				   r->name);
	ota_buf_init(&text, OTA_SIG_FILE_MAX);
	rc = slurp(r, &text, err);
	/* One encoding in a bundle: the final newline is part of it (only a
	 * detached file carried by hand may lack it, schema/bundle.md). */
	if (rc == 0 && (text.len != OTA_SIG_B64_LEN + 1 || text.data[OTA_SIG_B64_LEN] != '\n'))
		rc = ota_err_set(err, OTA_EFORMAT, "%s: %s: not a signature (%d base64 characters "
				 "and a newline)", r->name, ota_path_quote(name, &q), OTA_SIG_B64_LEN);
	else if (rc == 0 && (rc = ota_sig_decode(text.data, text.len, name, s->sig, err)))
		ota_err_prefix(err, rc, "%s", r->name);
	ota_buf_free(&text);
	if (rc == 0)
		r->head.n_sigs++;
	return rc;
}

/* The reserved entry's body, chunk by chunk (ota_slots_chunk_ok). */
static int read_slot_body(struct ota_bundle_reader *r, unsigned long long size,
			  struct ota_err *err)
{
	unsigned char chunk[OTA_BUNDLE_SLOT_SIZE];
	unsigned long long off = 0, bad;
	size_t n;
	int rc;

	for (;; off += n) {
		if ((rc = ota_bundle_read_data(r, chunk, sizeof(chunk), &n, err)) || n == 0)
			return rc;
		if (ota_slots_chunk_ok(chunk, n, off, size, r->head.slots_mtime, &bad))
			continue;
		if (bad < OTA_BUNDLE_SLOT_SIZE)
			return ota_err_set(err, OTA_EFORMAT, "%s: %s: its first slot holds neither "
					   "zeros nor a signature being added", r->name,
					   OTA_BUNDLE_SLOTS);
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: not zero padding at byte %llu",
				   r->name, OTA_BUNDLE_SLOTS, bad);
	}
}

static int read_slots(struct ota_bundle_reader *r, struct ota_err *err)
{
	la_int64_t size = archive_entry_size(r->ae);

	if (r->head.slots_at >= 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: %s twice", r->name, OTA_BUNDLE_SLOTS);
	if (!is_plain_file(r->ae) || size < 0 || size % OTA_BUNDLE_SLOT_SIZE ||
	    r->head.n_sigs + (unsigned long long)size / OTA_BUNDLE_SLOT_SIZE > OTA_BUNDLE_MAX_SIGS)
		return ota_err_set(err, OTA_EFORMAT, "%s: bad %s entry: slots of %d bytes, room "
				   "for %d signatures at most in all", r->name, OTA_BUNDLE_SLOTS,
				   OTA_BUNDLE_SLOT_SIZE, OTA_BUNDLE_MAX_SIGS);
	r->head.slots_at = (long long)archive_read_header_position(r->a);
	r->head.n_free = (unsigned int)(size / OTA_BUNDLE_SLOT_SIZE);
	r->head.slots_mtime = (long long)archive_entry_mtime(r->ae);
	return read_slot_body(r, (unsigned long long)size, err);
}

/* A signature, or the reserved entry, which comes after every signature. */
static int read_head_entry(struct ota_bundle_reader *r, struct ota_err *err)
{
	if (strcmp(entry_name(r->ae), OTA_BUNDLE_SLOTS) == 0)
		return read_slots(r, err);
	if (r->head.slots_at >= 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: a signature after %s", r->name,
				   OTA_BUNDLE_SLOTS);
	return read_signature(r, err);
}

int ota_bundle_read_head(struct ota_bundle_reader *r, const struct ota_bundle_head **head,
			 struct ota_err *err)
{
	int rc;

	r->head.slots_at = -1;
	rc = read_manifest(r, err);
	while (rc == 0) {
		rc = next_header(r, err);
		if (rc <= 0)
			break;
		if (strncmp(entry_name(r->ae), OTA_BUNDLE_SIG_DIR, strlen(OTA_BUNDLE_SIG_DIR))) {
			r->pending = true; /* the first payload entry: next() takes it */
			rc = 0;
			break;
		}
		rc = read_head_entry(r, err);
	}
	if (rc == 0 && r->unsorted && r->head.slots_at < 0)
		rc = ota_err_set(err, OTA_EFORMAT, "%s: signatures duplicated or out of order",
				 r->name);
	if (rc == 0)
		*head = &r->head;
	return rc;
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
		rc = next_header(r, err);
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
				   entry_name(r->ae));
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
