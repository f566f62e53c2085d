/* SPDX-License-Identifier: Apache-2.0 */
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
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/ed25519_verify.h"
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

/* The same check with the message read in pieces, for one too big to hold
 * (ed25519_verify.h: OpenSSL's verdicts, decision for decision):
 * _start, then _update with the message bytes in order, then _final,
 * which gives exactly ota_sig_verify's result and messages (a weak key is
 * refused there) and frees s.  _abort frees s without a verdict. */
struct ota_sig_stream {
	const struct ota_pubkey *pk; /* borrowed */
	struct ota_ed25519 ed;
	bool weak;
};

int ota_sig_stream_start(struct ota_sig_stream *s, const struct ota_pubkey *pk,
			 const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err);
int ota_sig_stream_update(struct ota_sig_stream *s, const void *data, size_t len,
			  struct ota_err *err);
int ota_sig_stream_final(struct ota_sig_stream *s, struct ota_err *err);
void ota_sig_stream_abort(struct ota_sig_stream *s);

/* Encode 64 raw bytes as the 88-character base64 text plus NUL. */
void ota_sig_encode(const unsigned char sig[OTA_SIG_RAW_LEN], char out[OTA_SIG_B64_LEN + 1]);

/* Decode the contents of a signature file (see above); the base64 must be
 * canonical (re-encoding gives the same text).  name is for errors. */
int ota_sig_decode(const unsigned char *text, size_t len, const char *name,
		   unsigned char out[OTA_SIG_RAW_LEN], struct ota_err *err);

#endif
