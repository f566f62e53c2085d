/* SPDX-License-Identifier: Apache-2.0 */
/* ed25519_verify.h - pure Ed25519 (RFC 8032) verification with the message
 * streamed, for messages too big to hold (OpenSSL's EVP_DigestVerify takes
 * a pure Ed25519 message in one piece).
 *
 * The verdict is OpenSSL's, decision for decision (tests/unit/
 * test_ed25519_verify.c holds it to EVP_DigestVerify and to Wycheproof):
 * S must be below the group order L; A is decoded as OpenSSL decodes it
 * (y taken modulo p, so the 19 non-canonical y are read, and an x of 0
 * with its sign bit set is read as 0); the equation is the cofactorless
 * one, encode([S]B - [k]A) == R byte for byte, with k = SHA-512(R || A ||
 * M) mod L, so a non-canonical R never verifies.  All inputs are public:
 * nothing here needs to run in constant time.  Weak (small-order) keys
 * are the caller's to refuse (keys.h), as they are for OpenSSL's path.
 *
 *   struct ota_ed25519 v;
 *   ota_ed25519_start(&v, sig, pub, err);      R || A hashed
 *   ota_ed25519_update(&v, piece, n, err);     M, in pieces of any size
 *   rc = ota_ed25519_final(&v, err);           0, or OTA_EBADSIG
 *
 * _final frees the context; after a failed _start or _update, or to give
 * up early, call ota_ed25519_abort (safe to call more than once).
 */
#ifndef OTA_ED25519_VERIFY_H
#define OTA_ED25519_VERIFY_H

#include <openssl/evp.h>
#include <stddef.h>

#include "lib/err.h"

#define OTA_ED25519_SIG_LEN 64
#define OTA_ED25519_PUB_LEN 32

struct ota_ed25519 {
	EVP_MD_CTX *md; /* owned: SHA-512 over R || A || M */
	unsigned char sig[OTA_ED25519_SIG_LEN];
	unsigned char pub[OTA_ED25519_PUB_LEN];
};

/* Begin verifying sig (R || S) by pub: R and A go into SHA-512.  0, or
 * OTA_EINTERNAL (out of memory, OpenSSL failure) with v left empty. */
int ota_ed25519_start(struct ota_ed25519 *v, const unsigned char sig[OTA_ED25519_SIG_LEN],
		      const unsigned char pub[OTA_ED25519_PUB_LEN], struct ota_err *err);

/* The next len bytes of the message. */
int ota_ed25519_update(struct ota_ed25519 *v, const void *data, size_t len, struct ota_err *err);

/* The verdict: 0 if the signature holds, OTA_EBADSIG "signature does not
 * verify" if not, OTA_EINTERNAL on a library failure.  Frees v. */
int ota_ed25519_final(struct ota_ed25519 *v, struct ota_err *err);

/* Free v without a verdict. */
void ota_ed25519_abort(struct ota_ed25519 *v);

#endif
