/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_sign.h - adding a signature to an existing bundle, safely. */
#ifndef OTA_BUNDLE_SIGN_H
#define OTA_BUNDLE_SIGN_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/progress.h"
#include "lib/keys.h"
#include "lib/sig.h"

/* Add sig, made by the key whose raw public key is pub, to the bundle at
 * path, replacing an earlier signature by the same key.  Before anything
 * is written the signature must verify over the bundle's manifest
 * (OTA_EBADSIG), and the manifest must be well-formed.
 *
 * In place when the bundle has a free signature slot (bundle_slots.h):
 * two writes of 1024 and 512 bytes in its head, each made durable, and
 * the payload neither read nor written (the verifier hashes it).  A crash
 * leaves the bundle as it was or signed, never in between.  The bundle is
 * locked (flock) meanwhile.  *rewrote is then NULL.
 *
 * Otherwise (no slots, slots full, compressed, not writable, another
 * signature by the same key) *rewrote says why, and the bundle is
 * rewritten: every payload hash is checked again, so a damaged bundle is
 * never signed; the new bundle goes to a temporary file that is fsynced
 * and renamed over path, so on any failure path is untouched.  An
 * uncompressed payload is copied in the kernel (copy_file_range) once its
 * hashes are checked; a compressed one is decompressed, checked and
 * compressed again.  The payload checked is counted into progress (may
 * be NULL).  A slotted bundle keeps the room it had in all. */
int ota_bundle_add_signature(const char *path, const unsigned char pub[OTA_KEY_RAW_LEN],
			     const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_progress *progress,
			     const char **rewrote, struct ota_err *err);

/* Who signs for ota_bundle_sign: sign() gets the manifest bytes once they
 * are read and checked, under the bundle's lock, and gives the signature
 * and the signer's raw public key (or an error, which ota_bundle_sign
 * returns, the bundle untouched). */
struct ota_bundle_signer {
	int (*sign)(void *ctx, const unsigned char *msg, size_t len,
		    unsigned char sig[OTA_SIG_RAW_LEN], unsigned char pub[OTA_KEY_RAW_LEN],
		    struct ota_err *err);
	void *ctx;
};

/* ota_bundle_add_signature with the signature made here, over the
 * manifest read once: no signature is made over bytes that are not a
 * manifest.  pub gets the signer's raw public key. */
int ota_bundle_sign(const char *path, const struct ota_bundle_signer *s,
		    struct ota_progress *progress, const char **rewrote,
		    unsigned char pub[OTA_KEY_RAW_LEN], struct ota_err *err);

#endif
