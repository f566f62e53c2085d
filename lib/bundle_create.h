/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_create.h - a release tree into a bundle: what ota-bundle create
 * does, and CI's one step (create and sign at once).
 *
 * An uncompressed full bundle is made in one pass over the tree: the tree
 * is listed (lstat only), which gives the manifest's exact length (hashes
 * are fixed-width hex), so manifest.json and the signature entries are
 * reserved at the start; each file is then read once, hashed (on a second
 * thread, hashq.h) and written; at the end the manifest and signatures are
 * written into their places.  A compressed stream cannot be written into
 * afterwards, and a delta must know the hashes before it knows what to
 * leave out, so those hash the tree first and stream it second, hashing
 * again to catch a file that changed in between.  Either way the bytes
 * are the same as bundle_write.h's layout gives for the same tree.
 */
#ifndef OTA_BUNDLE_CREATE_H
#define OTA_BUNDLE_CREATE_H

#include <openssl/evp.h>
#include <stddef.h>

#include "lib/bundle.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/manifest.h"
#include "lib/progress.h"

struct ota_create {
	const char *tree;           /* the release tree */
	int fd;                     /* output: a new, empty file */
	const char *name;           /* of the output, for messages */
	enum ota_compress compress;
	EVP_PKEY *const *keys;      /* sign with each of these (any order) */
	size_t n_keys;
	unsigned int slots;         /* uncompressed: signatures the head holds
				       (keys included), the rest reserved as
				       free slots; 0: no reserved entry */
	const struct ota_manifest *base; /* delta against this release; NULL: full */
	const unsigned char *base_sha256; /* of base's manifest bytes */
	struct ota_progress *progress;    /* may be NULL */
};

/* Write the bundle of c->tree to c->fd.  m has its header set (version,
 * target, rollback index, created) and no entries; it gets them, and its
 * delta fields when some files were left out.  The caller commits or
 * throws away the output.  OTA_EIO for a file that changed while being
 * bundled, OTA_EPATH for what a release cannot hold (tree.h). */
int ota_bundle_create(const struct ota_create *c, struct ota_manifest *m, struct ota_err *err);

#endif
