/* SPDX-License-Identifier: Apache-2.0 */
/* share.h - the text of an escrow share file (schema/shares.md).
 *
 * A share is 80 bytes: format, threshold, shares, index, split id, key id,
 * the share of the 32-byte Ed25519 seed and a checksum.  Its text is made
 * to be printed and typed back from paper: comment lines for people, then
 * 8 numbered lines of 16 characters of Crockford's base32 (no I L O U;
 * case, spaces and the look-alikes O, I, L do not matter) in groups of 4,
 * each followed by 2 check characters of its own, so that a typo is
 * reported at the line where it was made.  Encoding and decoding run in
 * constant time in the bytes; only a refusal branches.
 */
#ifndef OTA_SHARE_H
#define OTA_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"

#define OTA_SHARE_FORMAT 1
#define OTA_SHARE_SECRET_LEN 32  /* the Ed25519 seed */
#define OTA_SHARE_SPLIT_ID_LEN 8
#define OTA_SHARE_KEY_ID_LEN 32  /* raw SHA-256 of the public key */
#define OTA_SHARE_BIN_LEN 80
#define OTA_SHARE_LINES 8        /* of 10 bytes each */
#define OTA_SHARE_FILE_MAX 16384 /* a share file is never larger */

struct ota_share {
	unsigned int threshold; /* m: shares needed, 1..shares */
	unsigned int shares;    /* n: shares made, 1..255 */
	unsigned int index;     /* x: this share, 1..shares */
	uint8_t split_id[OTA_SHARE_SPLIT_ID_LEN];
	uint8_t key_id[OTA_SHARE_KEY_ID_LEN];
	uint8_t value[OTA_SHARE_SECRET_LEN]; /* secret: ota_share_wipe */
};

/* Append the text of s to out.  The text is a secret: the caller wipes
 * out with ota_buf_cleanse.  OTA_EUSAGE if the fields are out of range. */
int ota_share_format(const struct ota_share *s, struct ota_buf *out, struct ota_err *err);

/* Parse the text of a share file into s.  OTA_EFORMAT, with the reason as
 * "NAME:LINE: ..." for a damaged line (a character outside the alphabet,
 * a wrong count, a check that does not match, a line missing or out of
 * order) or "NAME: ..." for the whole share (its checksum, its fields).
 * s is wiped on failure. */
int ota_share_parse(const unsigned char *text, size_t len, const char *name,
		    struct ota_share *s, struct ota_err *err);

/* Wipe s (OPENSSL_cleanse). */
void ota_share_wipe(struct ota_share *s);

#endif
