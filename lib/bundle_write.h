/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_write.h - writing a bundle stream in the layout of bundle.h.
 *
 * The caller writes, in order: the manifest, the signatures (sorted by key
 * id), then each payload entry in manifest order.  The writer enforces
 * that order, so it can never produce a bundle the verifier would refuse
 * for its layout.  libarchive converts names through the C library's
 * locale, so callers run with a UTF-8 LC_CTYPE (ota_cli_init sets one).
 */
#ifndef OTA_BUNDLE_WRITE_H
#define OTA_BUNDLE_WRITE_H

#include <stddef.h>

#include "lib/bundle.h"
#include "lib/err.h"
#include "lib/manifest.h"
#include "lib/sig.h"

struct ota_bundle_writer;

/* Start a bundle on fd (not closed by the writer); name is for errors.
 * mtime goes into every header.  *out owned by the caller. */
int ota_bundle_writer_new(struct ota_bundle_writer **out, int fd, const char *name,
			  enum ota_compress compress, long long mtime, struct ota_err *err);
void ota_bundle_writer_free(struct ota_bundle_writer *w);

int ota_bundle_write_manifest(struct ota_bundle_writer *w, const unsigned char *data,
			      size_t len, struct ota_err *err);
/* keyid: 64 hex chars; sig: the raw signature. */
int ota_bundle_write_signature(struct ota_bundle_writer *w, const char *keyid,
			       const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err);
/* For an uncompressed stream written in one pass, whose manifest is only
 * known at the end: the manifest.json entry for len bytes, written as
 * zeros, and *offset the file offset of those bytes, for the caller to
 * pwrite(2) the manifest there once the stream is finished.  Likewise one
 * signature entry (OTA_SIG_B64_LEN + 1 bytes: the base64 and "\n").  The
 * order rules are those of _write_manifest and _write_signature. */
int ota_bundle_reserve_manifest(struct ota_bundle_writer *w, size_t len, long long *offset,
				struct ota_err *err);
int ota_bundle_reserve_signature(struct ota_bundle_writer *w, const char *keyid,
				 long long *offset, struct ota_err *err);
/* After the signatures, before the payload: the reserved entry with n
 * free signature slots, zeros (bundle_slots.h); no signature may follow
 * it. */
int ota_bundle_write_slots(struct ota_bundle_writer *w, unsigned int n, struct ota_err *err);
/* Header of payload/<e->path>; for a file, then exactly e->size bytes of
 * ota_bundle_write_data. */
int ota_bundle_write_entry(struct ota_bundle_writer *w, const struct ota_entry *e,
			   struct ota_err *err);
int ota_bundle_write_data(struct ota_bundle_writer *w, const void *data, size_t len,
			  struct ota_err *err);
/* Write every entry of m from the tree at dir, hashing files again as
 * they stream: a file that changed since it was scanned is OTA_EIO. */
int ota_bundle_write_tree(struct ota_bundle_writer *w, const struct ota_manifest *m,
			  const char *dir, struct ota_err *err);
/* Finish the stream (tar end blocks, compressor flush). */
int ota_bundle_writer_finish(struct ota_bundle_writer *w, struct ota_err *err);

#endif
