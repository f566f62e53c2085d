/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_read_head.c - reading a bundle's head (bundle_read.h): manifest.json
 * whole and bounded (in the heap, or kept in a spool file and mapped when
 * over OTA_BUF_MAP_MIN: buf_map.c), then every signature and the reserved
 * slots, before any payload entry. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "lib/bundle_read_impl.h"
#include "lib/bundle_slots.h"
#include "lib/fsutil.h"
#include "lib/path.h"

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
					   bundle_entry_name(r->ae));
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
	int fd, rc = bundle_next_header(r, err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: empty: not a bundle", r->name);
	if (strcmp(bundle_entry_name(r->ae), OTA_BUNDLE_MANIFEST) || !bundle_is_plain_file(r->ae))
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
	const char *name = bundle_entry_name(r->ae);
	struct ota_quoted q;
	struct ota_buf text;
	int rc;

	if (r->head.n_sigs == OTA_BUNDLE_MAX_SIGS)
		return ota_err_set(err, OTA_EFORMAT, "%s: more than %d signatures", r->name,
				   OTA_BUNDLE_MAX_SIGS);
	if (sig_keyid(name, s->keyid) || !bundle_is_plain_file(r->ae))
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
	if (!bundle_is_plain_file(r->ae) || size < 0 || size % OTA_BUNDLE_SLOT_SIZE ||
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
	if (strcmp(bundle_entry_name(r->ae), OTA_BUNDLE_SLOTS) == 0)
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
		rc = bundle_next_header(r, err);
		if (rc <= 0)
			break;
		if (strncmp(bundle_entry_name(r->ae), OTA_BUNDLE_SIG_DIR, strlen(OTA_BUNDLE_SIG_DIR))) {
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
