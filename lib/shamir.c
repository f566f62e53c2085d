/* SPDX-License-Identifier: Apache-2.0 */
/* shamir.c - the GF(2^8) arithmetic and Shamir split/combine of shamir.h.
 * Multiplication is shift-and-xor with masks, the inverse a fixed chain of
 * squarings: the same instructions whatever the bytes. */
#include "lib/shamir.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>

/* All ones if the low bit of v is set, else 0, without a branch. */
static unsigned int bit_mask(unsigned int v)
{
	return 0U - (v & 1U);
}

uint8_t ota_gf256_mul(uint8_t a, uint8_t b)
{
	unsigned int x = a, r = 0, i;

	for (i = 0; i < 8; i++) {
		r ^= x & bit_mask((unsigned int)b >> i);
		/* x * 2, reduced by x^8 + x^4 + x^3 + x + 1 when it overflows */
		x = (x << 1) ^ (0x11bU & bit_mask(x >> 7));
	}
	return (uint8_t)r;
}

/* a^254 = a^-1 (Fermat: a^255 = 1): the squares a^2 .. a^128, multiplied. */
uint8_t ota_gf256_inv(uint8_t a)
{
	uint8_t r = 1, p = a;
	int i;

	for (i = 0; i < 7; i++) {
		p = ota_gf256_mul(p, p);
		r = ota_gf256_mul(r, p);
	}
	return r;
}

int ota_shamir_split(const uint8_t *secret, size_t len, unsigned int m, unsigned int n,
		     uint8_t *out, struct ota_err *err)
{
	size_t ncoef = (size_t)(m ? m - 1 : 0) * len, b;
	uint8_t *coef = NULL, x, y;
	unsigned int i, k;
	int rc = 0;

	if (m < 1 || n < m || n > OTA_SHAMIR_MAX_SHARES || len == 0)
		return ota_err_set(err, OTA_EUSAGE, "shares: need 1 <= threshold <= shares <= %d",
				   OTA_SHAMIR_MAX_SHARES);
	if (len > OTA_SHAMIR_MAX_LEN)
		return ota_err_set(err, OTA_EUSAGE, "shares: a secret of at most %d bytes",
				   OTA_SHAMIR_MAX_LEN);
	/* coef[(k - 1) * len + b] is the x^k coefficient of byte b's polynomial */
	if (m > 1 && !(coef = OPENSSL_malloc(ncoef)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (m > 1 && RAND_priv_bytes(coef, (int)ncoef) != 1) {
		rc = ota_err_openssl(err, OTA_EINTERNAL, "random coefficients");
		OPENSSL_cleanse(out, (size_t)n * len);
		goto out;
	}
	for (i = 0; i < n; i++) {
		x = (uint8_t)(i + 1);
		for (b = 0; b < len; b++) {
			/* Horner: ((c[m-1] x + c[m-2]) x + ...) x + secret */
			y = 0;
			for (k = m - 1; k >= 1; k--)
				y = ota_gf256_mul(y, x) ^ coef[(k - 1) * len + b];
			out[(size_t)i * len + b] = ota_gf256_mul(y, x) ^ secret[b];
		}
	}
out:
	OPENSSL_clear_free(coef, ncoef);
	return rc;
}

/* The Lagrange basis polynomial of share i, at 0: the product over the
 * other shares j of x_j / (x_j - x_i); minus is xor in GF(2^8). */
static uint8_t basis_at_zero(const uint8_t *xs, size_t k, size_t i)
{
	uint8_t l = 1;
	size_t j;

	for (j = 0; j < k; j++)
		if (j != i)
			l = ota_gf256_mul(l, ota_gf256_mul(xs[j], ota_gf256_inv(xs[j] ^ xs[i])));
	return l;
}

int ota_shamir_combine(const uint8_t *xs, const uint8_t *ys, size_t k, size_t len,
		       uint8_t *secret, struct ota_err *err)
{
	size_t i, j, b;
	uint8_t l;

	if (k == 0 || k > OTA_SHAMIR_MAX_SHARES)
		return ota_err_set(err, OTA_ESHARE, "shares: %zu given, 1..%d expected", k,
				   OTA_SHAMIR_MAX_SHARES);
	/* The indices are public: checking them may branch. */
	for (i = 0; i < k; i++) {
		if (xs[i] == 0)
			return ota_err_set(err, OTA_ESHARE, "shares: index 0 is not a share");
		for (j = 0; j < i; j++)
			if (xs[j] == xs[i])
				return ota_err_set(err, OTA_ESHARE, "shares: index %u given twice",
						   xs[i]);
	}
	for (b = 0; b < len; b++)
		secret[b] = 0;
	for (i = 0; i < k; i++) {
		l = basis_at_zero(xs, k, i);
		for (b = 0; b < len; b++)
			secret[b] ^= ota_gf256_mul(l, ys[i * len + b]);
	}
	return 0;
}
