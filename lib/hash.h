/* SPDX-License-Identifier: Apache-2.0 */
/* hash.h - streaming SHA-256 and lowercase hex, over OpenSSL EVP. */
#ifndef OTA_HASH_H
#define OTA_HASH_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define OTA_SHA256_LEN 32
#define OTA_SHA256_HEX_LEN 64

struct ota_sha256; /* opaque streaming context */

/* New context ready for updates; NULL on allocation failure. Caller frees. */
struct ota_sha256 *ota_sha256_new(void);
void ota_sha256_free(struct ota_sha256 *h);
/* Start over, so one context can hash many files. */
int ota_sha256_reset(struct ota_sha256 *h, struct ota_err *err);
int ota_sha256_update(struct ota_sha256 *h, const void *data, size_t len, struct ota_err *err);
int ota_sha256_final(struct ota_sha256 *h, unsigned char out[OTA_SHA256_LEN], struct ota_err *err);

/* One-shot digest of a memory block. */
int ota_sha256(const void *data, size_t len, unsigned char out[OTA_SHA256_LEN], struct ota_err *err);

/* Hash everything readable from fd (64 KiB at a time); *size gets the byte
 * count when not NULL.  name is for errors. */
int ota_sha256_fd(int fd, const char *name, unsigned char out[OTA_SHA256_LEN],
		  unsigned long long *size, struct ota_err *err);

/* Lowercase hex of n bytes into out, which holds 2n+1 bytes. */
void ota_hex(const unsigned char *in, size_t n, char *out);
/* Parse exactly 2n lowercase hex digits; -1 on anything else. */
int ota_unhex(const char *in, unsigned char *out, size_t n);
/* s (may be NULL) is a SHA-256 in lowercase hex: exactly 64 digits. */
bool ota_sha256_hex_ok(const char *s);

#endif
