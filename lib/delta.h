/* SPDX-License-Identifier: Apache-2.0 */
/* delta.h - delta bundles: a payload that leaves out every file whose bytes
 * a base release already has (schema/manifest.md, "delta").  The manifest
 * still lists the whole release, and says, signed, which files are left
 * out and which release it was made against.
 *
 * Build side: ota_delta_mark marks the files of a manifest being built
 * whose SHA-256 the base manifest lists.
 *
 * Where the release is unpacked, the omitted files come from the base
 * releases on the device (base.h).
 */
#ifndef OTA_DELTA_H
#define OTA_DELTA_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/hash.h"
#include "lib/manifest.h"

/* Mark every file of m (built, checked) whose SHA-256 some file of base
 * has, and record base's version and the SHA-256 of its manifest bytes.
 * m->delta.n_omitted counts the files marked (0 leaves m a full manifest). */
int ota_delta_mark(struct ota_manifest *m, const struct ota_manifest *base,
		   const unsigned char base_sha256[OTA_SHA256_LEN], struct ota_err *err);

#endif
