/* sig.h - Ed25519 signatures over canonical manifest bytes.
 *
 * Encoding as in the design: base64 (standard alphabet, padded) of the 64
 * raw signature bytes, i.e. 88 characters.  A signature file holds those
 * 88 characters followed by one newline; a missing final newline is also
 * accepted, anything else is OTA_EFORMAT.
 */
#ifndef OTA_SIG_H
#define OTA_SIG_H

#include <openssl/evp.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/keys.h"

#define OTA_SIG_RAW_LEN 64
#define OTA_SIG_B64_LEN 88
#define OTA_SIG_FILE_MAX 128

/* Sign msg with key; out gets the 64 raw bytes. */
int ota_sig_sign(EVP_PKEY *key, const unsigned char *msg, size_t len,
		 unsigned char out[OTA_SIG_RAW_LEN], struct ota_err *err);

/* 0 if sig is a valid signature of msg by pk, OTA_EBADSIG if not. */
int ota_sig_verify(const struct ota_pubkey *pk, const unsigned char *msg, size_t len,
		   const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err);

/* Encode 64 raw bytes as the 88-character base64 text plus NUL. */
void ota_sig_encode(const unsigned char sig[OTA_SIG_RAW_LEN], char out[OTA_SIG_B64_LEN + 1]);

/* Decode the contents of a signature file (see above); the base64 must be
 * canonical (re-encoding gives the same text).  name is for errors. */
int ota_sig_decode(const unsigned char *text, size_t len, const char *name,
		   unsigned char out[OTA_SIG_RAW_LEN], struct ota_err *err);

#endif
