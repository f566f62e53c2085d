/* SPDX-License-Identifier: Apache-2.0 */
/* shamir.h - Shamir's secret sharing over GF(2^8), for key escrow.
 *
 * Each byte of the secret is the constant term of its own random
 * polynomial of degree m - 1 over GF(2^8) (the AES field, polynomial
 * x^8 + x^4 + x^3 + x + 1); share x (1..255) holds the values of those
 * polynomials at x.  Any m shares give the polynomials back by Lagrange
 * interpolation, and so the secret; m - 1 shares say nothing about it.
 * The arithmetic runs in constant time: no branch and no table index ever
 * depends on a secret or a share (a log/exp table would leak through the
 * cache), only on the public share indices.
 */
#ifndef OTA_SHAMIR_H
#define OTA_SHAMIR_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

#define OTA_SHAMIR_MAX_SHARES 255
#define OTA_SHAMIR_MAX_LEN 4096 /* bytes of secret: (m - 1) * len fits an int */

/* a * b and a^-1 (0 for 0) in GF(2^8), in constant time. */
uint8_t ota_gf256_mul(uint8_t a, uint8_t b);
uint8_t ota_gf256_inv(uint8_t a);

/* Split the len-byte secret into n shares, any m of which rebuild it
 * (1 <= m <= n <= 255, 1 <= len <= OTA_SHAMIR_MAX_LEN).  Share i (x = i + 1)
 * is written to out + i * len; out holds n * len bytes.  The coefficients
 * come from RAND_priv_bytes and are wiped before return.  OTA_EUSAGE for
 * bad m, n or len; OTA_EINTERNAL if the random generator fails (out is
 * then wiped). */
int ota_shamir_split(const uint8_t *secret, size_t len, unsigned int m, unsigned int n,
		     uint8_t *out, struct ota_err *err);

/* Rebuild the secret from k shares: xs[i] (1..255, all distinct) and its
 * len bytes at ys + i * len.  With k at least the split's m the result is
 * the secret; with fewer it is a value unrelated to it (the caller proves
 * the result, e.g. against a key id).  OTA_ESHARE for no share, an index
 * 0 or the same index twice. */
int ota_shamir_combine(const uint8_t *xs, const uint8_t *ys, size_t k, size_t len,
		       uint8_t *secret, struct ota_err *err);

#endif
