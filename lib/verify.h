/* SPDX-License-Identifier: Apache-2.0 */
/* verify.h - the verification policy: what must hold before a single byte
 * of a bundle is trusted.
 *
 * In this order: at least `threshold` signatures by distinct trusted keys
 * over the exact manifest bytes (checked before the manifest is parsed and
 * before any payload is read); a canonical, well-formed manifest; the
 * device class; then, streaming, every payload entry in manifest order
 * with its type, size and SHA-256, and nothing else.  Verification only
 * reads: the payload goes to a sink the caller gives (stage.h writes it
 * into a release tree).
 */
#ifndef OTA_VERIFY_H
#define OTA_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/bundle_read.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/manifest.h"
#include "lib/progress.h"

struct ota_verify_opts {
	const struct ota_keyring *keys; /* trusted keys */
	const char *device_class;       /* required target */
	unsigned int threshold;         /* distinct trusted signatures; 0 = 1 */
	struct ota_progress *progress;  /* of the payload; may be NULL */
	/* A directory on a disk for a manifest over OTA_BUF_MAP_MIN bytes,
	 * kept there in an unlinked file and mapped, not in the heap
	 * (buf_map.c); NULL: the heap, whatever its size. */
	const char *spool_dir;
};

struct ota_verify_result {
	struct ota_manifest *manifest; /* owned */
	char signed_by[OTA_BUNDLE_MAX_SIGS][OTA_KEYID_HEX_LEN + 1]; /* trusted signers */
	size_t n_signed;
	enum ota_compress compress;
	unsigned char manifest_sha256[OTA_SHA256_LEN]; /* of the exact signed manifest
							  bytes (set by ota_verify_open) */
};

void ota_verify_result_free(struct ota_verify_result *res);

/* Where a verified payload goes as it streams: each entry in manifest
 * order, then (for a file) its data in chunks.  Data reaches the sink
 * before the file's hash is known, so a sink must be able to throw it
 * all away: the caller does that when ota_verify_payload fails.  A
 * delta's omitted files are not in the payload: they go to omitted,
 * which must then check their hash itself (NULL: they are passed over). */
struct ota_payload_sink {
	int (*entry)(void *ctx, const struct ota_entry *e, struct ota_err *err);
	int (*data)(void *ctx, const void *buf, size_t len, struct ota_err *err);
	void *ctx;
	int (*omitted)(void *ctx, const struct ota_entry *e, struct ota_err *err);
};

/* Stream the payload of r (whose head was read) against m: every entry in
 * order with its type, size, link target and SHA-256, nothing after the
 * last, and none of those a delta omits.  sink and progress may be NULL;
 * a progress hook that cancels fails it with OTA_EIO "interrupted". */
int ota_verify_payload(struct ota_bundle_reader *r, const struct ota_manifest *m,
		       const char *name, const struct ota_payload_sink *sink,
		       struct ota_progress *progress, struct ota_err *err);

/* Check the signatures of a bundle head against opts (keys, threshold).
 * A signature by an unknown key is ignored; one by a trusted key that
 * does not verify is OTA_EBADSIG; too few trusted ones OTA_EUNTRUSTED. */
int ota_verify_signatures(const struct ota_bundle_head *head, const char *name,
			  const struct ota_verify_opts *opts, struct ota_verify_result *res,
			  struct ota_err *err);

/* A bundle verification in two steps, for callers that act between them
 * (the agent checks anti-rollback and space, and records its state):
 * _open checks the head, signatures, manifest and target; _finish streams
 * and checks the payload into sink (NULL: verify only).  The progress
 * totals count a delta's omitted files only when sink takes them. */
struct ota_verify_session {
	struct ota_bundle_reader *r;
	const char *name;
	struct ota_verify_result res;  /* res.manifest valid after _open */
	struct ota_progress *progress; /* from the opts */
};

int ota_verify_open(struct ota_verify_session *v, int fd, const char *name,
		    const struct ota_verify_opts *opts, struct ota_err *err);
/* The same from a source that is not a file (bundle_read.h: a download
 * as it arrives), borrowed until the session is closed. */
int ota_verify_open_source(struct ota_verify_session *v, const struct ota_bundle_source *src,
			   const char *name, const struct ota_verify_opts *opts,
			   struct ota_err *err);
int ota_verify_finish(struct ota_verify_session *v, const struct ota_payload_sink *sink,
		      struct ota_err *err);
/* Free everything, including the manifest unless taken from v->res. */
void ota_verify_close(struct ota_verify_session *v);

/* Verify the bundle at path (or open as fd).  On success res holds the
 * manifest (lean: manifest.h) and the signers; free it with _result_free.
 * On failure res holds nothing. */
int ota_verify_bundle(const char *path, const struct ota_verify_opts *opts,
		      struct ota_verify_result *res, struct ota_err *err);
int ota_verify_bundle_fd(int fd, const char *name, const struct ota_verify_opts *opts,
			 struct ota_verify_result *res, struct ota_err *err);

/* The design's own form: a manifest file, its detached signature file
 * (detached.h) and an unpacked tree that must match it exactly. */
int ota_verify_detached(const char *manifest_path, const char *sig_path, const char *tree,
			const struct ota_verify_opts *opts, struct ota_verify_result *res,
			struct ota_err *err);

#endif
