/* SPDX-License-Identifier: Apache-2.0 */
/* detached.h - the detached signature file of the signing box.
 *
 *   line 1: base64 of the 64-byte Ed25519 signature (sig.h), "\n"
 *   line 2: "public-key: " base64 of the signer's raw 32-byte key, "\n"
 *
 * Line 1 alone is the design's own encoding (what its sign_manifest
 * returns) and is accepted as well.  Line 2 lets `ota-sign attach` name the
 * signature in a bundle and check it before attaching; trust never comes
 * from it, only from the keys the verifier holds.
 */
#ifndef OTA_DETACHED_H
#define OTA_DETACHED_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/keys.h"
#include "lib/sig.h"

#define OTA_DETACHED_PUB_PREFIX "public-key: "
#define OTA_DETACHED_FILE_MAX 256

struct ota_detached {
	unsigned char sig[OTA_SIG_RAW_LEN];
	bool has_pub;
	unsigned char pub[OTA_KEY_RAW_LEN];
};

/* Parse a detached signature file's bytes; name is for errors. */
int ota_detached_parse(const unsigned char *text, size_t len, const char *name,
		       struct ota_detached *out, struct ota_err *err);
/* Append the two-line form to out. */
int ota_detached_format(const struct ota_detached *d, struct ota_buf *out, struct ota_err *err);

#endif
