/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_read.h - streaming reader of the bundle layout of bundle.h.
 *
 * First the head (manifest bytes and signatures) is read whole, with hard
 * size limits; then the payload streams entry by entry.  The reader checks
 * layout and entry safety (paths, types); policy (signatures, hashes,
 * file set) is verify.h's.  Memory stays flat whatever the bundle's size.
 * Callers run with a UTF-8 LC_CTYPE, as for bundle_write.h.
 */
#ifndef OTA_BUNDLE_READ_H
#define OTA_BUNDLE_READ_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/bundle.h"
#include "lib/err.h"
#include "lib/keys.h"
#include "lib/manifest.h"
#include "lib/sig.h"

struct ota_bundle_sig {
	char keyid[OTA_KEYID_HEX_LEN + 1];
	unsigned char sig[OTA_SIG_RAW_LEN];
};

struct ota_bundle_head {
	struct ota_buf manifest; /* exact bytes of manifest.json */
	/* Sorted by key id, or with a reserved entry in the order they
	 * were added; never a key twice. */
	struct ota_bundle_sig sigs[OTA_BUNDLE_MAX_SIGS];
	size_t n_sigs;
	enum ota_compress compress; /* of the whole stream */
	/* The reserved entry (bundle_slots.h): offset of its header in the
	 * stream (-1: none), its free slots and its mtime. */
	long long slots_at;
	unsigned int n_free;
	long long slots_mtime;
};

/* One payload entry; strings are borrowed until the next call. */
struct ota_bundle_item {
	const char *path; /* without "payload/" */
	enum ota_entry_type type;
	unsigned int mode;
	unsigned long long size;
	const char *link_target;
};

struct ota_bundle_reader;

/* Where a bundle's bytes come from: a file, or a stream that can be read
 * only once, in order (a download as it arrives: fetch_stream.h).  A
 * source that can give bytes it already gave again (reread; NULL when it
 * cannot) lets a reader go back to the head.  A source's own failure (a
 * pulled stick, a dropped server, a whole-bundle hash that differs) is
 * what the reader reports, with the source's code and message. */
struct ota_bundle_source {
	int fd; /* >= 0: the bundle is this file (not closed by the reader) */
	/* else: the next bytes, up to cap; *n = 0 at the end of the bundle */
	int (*read)(void *ctx, void *buf, size_t cap, size_t *n, struct ota_err *err);
	/* len bytes from offset off, all of them already read */
	int (*reread)(void *ctx, unsigned long long off, void *buf, size_t len,
		      struct ota_err *err);
	void *ctx;
};

/* Start reading the bundle on fd (not closed by the reader); name is for
 * errors.  *out owned by the caller. */
int ota_bundle_reader_new(struct ota_bundle_reader **out, int fd, const char *name,
			  struct ota_err *err);
/* The same from src (borrowed: it must outlive the reader). */
int ota_bundle_reader_open(struct ota_bundle_reader **out, const struct ota_bundle_source *src,
			   const char *name, struct ota_err *err);
void ota_bundle_reader_free(struct ota_bundle_reader *r);
/* Keep a manifest over OTA_BUF_MAP_MIN bytes in an unlinked file in dir
 * (borrowed: it must outlive the reader), mapped, rather than in the heap
 * (buf_map.c).  Before ota_bundle_read_head; NULL, the default: the heap. */
void ota_bundle_reader_spool(struct ota_bundle_reader *r, const char *dir);

/* Read manifest.json, every signature and the reserved entry, whose body
 * must be zeros but for what an interrupted in-place signing leaves in
 * its first slot (ota_slots_chunk_ok).  OTA_EFORMAT when the stream is
 * not a bundle, is truncated, or the head is out of layout or over limits.
 * The head stays valid until the reader is freed. */
int ota_bundle_read_head(struct ota_bundle_reader *r, const struct ota_bundle_head **head,
			 struct ota_err *err);

/* Next payload entry: 1 and *it filled, 0 at the end of the bundle, or a
 * negative code (OTA_EPATH for an unsafe name or a hard link, device, fifo
 * or socket; OTA_EFORMAT for an entry outside payload/ such as a signature
 * after the payload). */
int ota_bundle_next(struct ota_bundle_reader *r, struct ota_bundle_item *it, struct ota_err *err);

/* Read up to cap data bytes of the current file entry into buf; *n = 0 at
 * its end.  OTA_EFORMAT when the stream is truncated or corrupt. */
int ota_bundle_read_data(struct ota_bundle_reader *r, void *buf, size_t cap, size_t *n,
			 struct ota_err *err);

/* The same without a copy: *buf points into the reader's own buffer,
 * valid until the next call on r; *n = 0 at the end of the entry. */
int ota_bundle_read_block(struct ota_bundle_reader *r, const void **buf, size_t *n,
			  struct ota_err *err);

/* Move the manifest bytes of the head (after ota_bundle_read_head) into
 * out, which must be empty: the head's copy is left empty, so the manifest
 * is held once (ota_manifest_load takes it from there). */
void ota_bundle_take_manifest(struct ota_bundle_reader *r, struct ota_buf *out);

/* Byte offset, in the uncompressed stream, of the header of the payload
 * entry ota_bundle_next returned last: where the payload begins, for the
 * first one. */
long long ota_bundle_entry_offset(const struct ota_bundle_reader *r);

/* Read the manifest bytes of the bundle at path into out (capped at
 * OTA_MANIFEST_MAX); nothing else of the bundle is read. */
int ota_bundle_read_manifest(const char *path, struct ota_buf *out, struct ota_err *err);

#endif
