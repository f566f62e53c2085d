/* bundle_sign.h - adding a signature to an existing bundle, safely. */
#ifndef OTA_BUNDLE_SIGN_H
#define OTA_BUNDLE_SIGN_H

#include "lib/err.h"
#include "lib/progress.h"
#include "lib/keys.h"
#include "lib/sig.h"

/* Add sig, made by the key whose raw public key is pub, to the bundle at
 * path, replacing an earlier signature by the same key.  Before anything
 * is written the signature must verify over the bundle's manifest
 * (OTA_EBADSIG), and the manifest must be well-formed; while the bundle
 * is rewritten every payload hash is checked again, so a damaged bundle
 * is never signed.  The new bundle goes to a temporary file that is
 * fsynced and renamed over path: on any failure path is untouched.  An
 * uncompressed bundle's payload is copied in the kernel (copy_file_range)
 * once its hashes are checked; a compressed one is decompressed, checked
 * and compressed again.  The payload checked is counted into progress (may be NULL). */
int ota_bundle_add_signature(const char *path, const unsigned char pub[OTA_KEY_RAW_LEN],
			     const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_progress *progress,
			     struct ota_err *err);

#endif
