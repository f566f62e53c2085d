/* SPDX-License-Identifier: Apache-2.0 */
/* ed25519_verify.c - the verification equation of pure Ed25519 over
 * GF(2^255 - 19), with the message streamed through SHA-512 (see
 * ed25519_verify.h for the exact verdicts, which are OpenSSL's).
 *
 * Small rather than fast: field elements are five 51-bit limbs multiplied
 * through 128-bit products; points are extended twisted Edwards
 * coordinates added with one complete formula (it doubles too, and needs
 * no special case for the identity or for points of small order); powers
 * are plain square-and-multiply; the scalar k is reduced bit by bit.
 * A verification takes well under a millisecond, once per signature.
 */
#include "lib/ed25519_verify.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MASK51 ((UINT64_C(1) << 51) - 1)

/* A 128-bit sum of limb products, in two 64-bit halves: 32-bit targets
 * (armhf) have no __int128, and one code path is the one tested. */
struct u128 {
	uint64_t lo, hi;
};

/* r += a * b, the product formed from 32-bit halves. */
static void u128_mul_add(struct u128 *r, uint64_t a, uint64_t b)
{
	uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
	uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
	uint64_t lo = mid << 32 | (uint32_t)p00;
	uint64_t hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);

	r->lo += lo;
	r->hi += hi + (r->lo < lo);
}

/* r += a. */
static void u128_add(struct u128 *r, uint64_t a)
{
	r->lo += a;
	r->hi += r->lo < a;
}

/* The bits of r above the low 51 (below 2^64 here: r < 2^115), leaving
 * the low 51 in r. */
static uint64_t u128_carry51(struct u128 *r)
{
	uint64_t c = r->lo >> 51 | r->hi << 13;

	r->lo &= MASK51;
	r->hi = 0;
	return c;
}

/* An element of GF(p), p = 2^255 - 19, as h[0] + h[1] 2^51 + ... +
 * h[4] 2^204; limbs may exceed 51 bits between operations (every
 * operation below leaves them under 2^52). */
typedef uint64_t fe[5];

/* A point (X:Y:Z:T) with x = X/Z, y = Y/Z, x y = T/Z. */
struct point {
	fe X, Y, Z, T;
};

/* Exponents, little-endian: p - 2 (inversion), (p - 5) / 8 (the square
 * root candidate of RFC 8032 5.1.3) and (p - 1) / 4 (sqrt(-1) = 2^that). */
static const unsigned char EXP_INVERT[32] = {
	0xeb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
static const unsigned char EXP_SQRT[32] = {
	0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f};
static const unsigned char EXP_SQRTM1[32] = {
	0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f};
/* The base point B: y = 4/5, x even (RFC 8032 5.1). */
static const unsigned char BASE[32] = {
	0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
	0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};
/* The group order L = 2^252 + 27742317777372353535851937790883648493,
 * little-endian. */
static const unsigned char ORDER[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};

/* The curve's constants, computed from their definitions. */
struct curve {
	fe d, d2, sqrtm1;
	struct point base;
};

/* ---- the field ---------------------------------------------------------- */

static void fe_small(fe h, uint64_t v)
{
	memset(h, 0, sizeof(fe));
	h[0] = v;
}

/* Bring every limb under 2^51 (h[0] under 2^51 + 19 * 2^13). */
static void fe_carry(fe h)
{
	int i;

	for (i = 0; i < 4; i++) {
		h[i + 1] += h[i] >> 51;
		h[i] &= MASK51;
	}
	h[0] += 19 * (h[4] >> 51); /* 2^255 = 19 (mod p) */
	h[4] &= MASK51;
}

static void fe_add(fe h, const fe f, const fe g)
{
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
	fe_carry(h);
}

/* f - g computed as f + 4p - g, which no limb of g (< 2^52) can make
 * negative. */
static void fe_sub(fe h, const fe f, const fe g)
{
	static const uint64_t four_p[5] = {
		(MASK51 - 18) * 4, MASK51 * 4, MASK51 * 4, MASK51 * 4, MASK51 * 4};
	int i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + four_p[i] - g[i];
	fe_carry(h);
}

static void fe_neg(fe h, const fe f)
{
	fe zero;

	fe_small(zero, 0);
	fe_sub(h, zero, f);
}

/* Schoolbook product; a limb product past 2^255 wraps to 19 times it. */
static void fe_mul(fe h, const fe f, const fe g)
{
	struct u128 r[5] = {{0, 0}};
	uint64_t c;
	int i, j;

	for (i = 0; i < 5; i++)
		for (j = 0; j < 5; j++) {
			uint64_t gj = i + j < 5 ? g[j] : 19 * g[j];
			u128_mul_add(&r[(i + j) % 5], f[i], gj);
		}
	for (i = 0; i < 4; i++)
		u128_add(&r[i + 1], u128_carry51(&r[i]));
	c = u128_carry51(&r[4]);
	for (i = 0; i < 5; i++)
		h[i] = r[i].lo;
	h[0] += 19 * c;
	fe_carry(h);
}

/* f^e for a 256-bit little-endian exponent. */
static void fe_pow(fe h, const fe f, const unsigned char e[32])
{
	fe acc, base;
	int i;

	fe_small(acc, 1);
	memcpy(base, f, sizeof(fe));
	for (i = 255; i >= 0; i--) {
		fe_mul(acc, acc, acc);
		if (e[i / 8] >> (i % 8) & 1)
			fe_mul(acc, acc, base);
	}
	memcpy(h, acc, sizeof(fe));
}

/* The 32-byte little-endian encoding, bit 255 ignored, as OpenSSL reads
 * it: a y of p or more is taken modulo p, not refused. */
static void fe_frombytes(fe h, const unsigned char s[32])
{
	uint64_t w[4];
	int i, j;

	for (i = 0; i < 4; i++) {
		w[i] = 0;
		for (j = 7; j >= 0; j--)
			w[i] = w[i] << 8 | s[8 * i + j];
	}
	w[3] &= UINT64_MAX >> 1;
	h[0] = w[0] & MASK51;
	h[1] = (w[0] >> 51 | w[1] << 13) & MASK51;
	h[2] = (w[1] >> 38 | w[2] << 26) & MASK51;
	h[3] = (w[2] >> 25 | w[3] << 39) & MASK51;
	h[4] = w[3] >> 12;
}

/* The canonical encoding: the value reduced below p. */
static void fe_tobytes(unsigned char s[32], const fe f)
{
	uint64_t t[5], q, w[4];
	int i, j;

	memcpy(t, f, sizeof(t));
	fe_carry(t);
	fe_carry(t);
	/* Now t < 2p; q = 1 exactly when t >= p, i.e. t + 19 >= 2^255. */
	q = (t[0] + 19) >> 51;
	for (i = 1; i < 5; i++)
		q = (t[i] + q) >> 51;
	t[0] += 19 * q;
	for (i = 0; i < 4; i++) {
		t[i + 1] += t[i] >> 51;
		t[i] &= MASK51;
	}
	t[4] &= MASK51; /* dropping 2^255 finishes subtracting p */
	w[0] = t[0] | t[1] << 51;
	w[1] = t[1] >> 13 | t[2] << 38;
	w[2] = t[2] >> 26 | t[3] << 25;
	w[3] = t[3] >> 39 | t[4] << 12;
	for (i = 0; i < 4; i++)
		for (j = 0; j < 8; j++)
			s[8 * i + j] = (unsigned char)(w[i] >> (8 * j));
}

static bool fe_iszero(const fe f)
{
	static const unsigned char zero[32];
	unsigned char s[32];

	fe_tobytes(s, f);
	return memcmp(s, zero, sizeof(s)) == 0;
}

/* The "sign" of RFC 8032: the low bit of the canonical encoding. */
static int fe_isnegative(const fe f)
{
	unsigned char s[32];

	fe_tobytes(s, f);
	return s[0] & 1;
}

/* ---- the group ---------------------------------------------------------- */

static void pt_identity(struct point *p)
{
	fe_small(p->X, 0);
	fe_small(p->Y, 1);
	fe_small(p->Z, 1);
	fe_small(p->T, 0);
}

/* r = p + q by the extended-coordinates formula for a = -1 ("add-2008-
 * hwcd-3"): complete on this curve (a square, d not), so it also doubles,
 * and r may be p or q. */
static void pt_add(struct point *r, const struct point *p, const struct point *q,
		   const struct curve *c)
{
	fe a, b, cc, d, e, f, g, h, t;

	fe_sub(a, p->Y, p->X);
	fe_sub(t, q->Y, q->X);
	fe_mul(a, a, t);
	fe_add(b, p->Y, p->X);
	fe_add(t, q->Y, q->X);
	fe_mul(b, b, t);
	fe_mul(cc, p->T, q->T);
	fe_mul(cc, cc, c->d2);
	fe_mul(d, p->Z, q->Z);
	fe_add(d, d, d);
	fe_sub(e, b, a);
	fe_sub(f, d, cc);
	fe_add(g, d, cc);
	fe_add(h, b, a);
	fe_mul(r->X, e, f);
	fe_mul(r->Y, g, h);
	fe_mul(r->T, e, h);
	fe_mul(r->Z, f, g);
}

/* Decode as OpenSSL's ge_frombytes_vartime does (RFC 8032 5.1.3 without
 * its two refusals of non-canonical input): -1 when x^2 = (y^2 - 1) /
 * (d y^2 + 1) has no root. */
static int pt_decode(struct point *p, const unsigned char s[32], const struct curve *c)
{
	fe u, v, v3, x, vxx, t;

	fe_frombytes(p->Y, s);
	fe_small(p->Z, 1);
	fe_mul(u, p->Y, p->Y);
	fe_mul(v, u, c->d);
	fe_sub(u, u, p->Z); /* u = y^2 - 1 */
	fe_add(v, v, p->Z); /* v = d y^2 + 1 */
	fe_mul(v3, v, v);
	fe_mul(v3, v3, v);  /* v^3 */
	fe_mul(x, v3, v3);
	fe_mul(x, x, v);
	fe_mul(x, x, u);    /* u v^7 */
	fe_pow(x, x, EXP_SQRT);
	fe_mul(x, x, v3);
	fe_mul(x, x, u);    /* the candidate u v^3 (u v^7)^((p-5)/8) */
	fe_mul(vxx, x, x);
	fe_mul(vxx, vxx, v);
	fe_sub(t, vxx, u);
	if (!fe_iszero(t)) {
		fe_add(t, vxx, u);
		if (!fe_iszero(t))
			return -1;
		fe_mul(x, x, c->sqrtm1);
	}
	/* An x of 0 with the sign bit set stays 0: OpenSSL accepts it. */
	if (fe_isnegative(x) != (s[31] >> 7))
		fe_neg(x, x);
	memcpy(p->X, x, sizeof(fe));
	fe_mul(p->T, p->X, p->Y);
	return 0;
}

static void pt_encode(unsigned char s[32], const struct point *p)
{
	fe zi, x, y;

	fe_pow(zi, p->Z, EXP_INVERT);
	fe_mul(x, p->X, zi);
	fe_mul(y, p->Y, zi);
	fe_tobytes(s, y);
	s[31] |= (unsigned char)(fe_isnegative(x) << 7);
}

static int curve_init(struct curve *c)
{
	fe n, den;

	/* d = -121665 / 121666 */
	fe_small(n, 121665);
	fe_neg(n, n);
	fe_small(den, 121666);
	fe_pow(den, den, EXP_INVERT);
	fe_mul(c->d, n, den);
	fe_add(c->d2, c->d, c->d);
	fe_small(n, 2);
	fe_pow(c->sqrtm1, n, EXP_SQRTM1);
	return pt_decode(&c->base, BASE, c);
}

/* ---- the signature ------------------------------------------------------ */

/* s < L, compared from the top byte down (both little-endian). */
static bool scalar_below_order(const unsigned char s[32])
{
	int i;

	for (i = 31; i >= 0; i--)
		if (s[i] != ORDER[i])
			return s[i] < ORDER[i];
	return false;
}

/* Load 32 little-endian bytes as four 64-bit limbs. */
static void limbs_from(uint64_t w[4], const unsigned char b[32])
{
	int i, j;

	for (i = 0; i < 4; i++) {
		w[i] = 0;
		for (j = 7; j >= 0; j--)
			w[i] = w[i] << 8 | b[8 * i + j];
	}
}

/* k = h mod L, h the 64-byte little-endian digest: binary long division,
 * one bit of h at a time (r stays below L, so 2r + 1 fits in 254 bits). */
static void scalar_reduce(unsigned char k[32], const unsigned char h[64])
{
	uint64_t l[4], r[4] = {0}, borrow;
	int bit, i;

	limbs_from(l, ORDER);
	for (bit = 511; bit >= 0; bit--) {
		for (i = 3; i > 0; i--)
			r[i] = r[i] << 1 | r[i - 1] >> 63;
		r[0] = r[0] << 1 | (uint64_t)(h[bit / 8] >> (bit % 8) & 1);
		for (i = 3; i >= 0 && r[i] == l[i]; i--)
			;
		if (i >= 0 && r[i] < l[i])
			continue; /* r < L */
		for (i = 0, borrow = 0; i < 4; i++) {
			uint64_t d = r[i] - l[i], out = r[i] < l[i] || d < borrow;

			r[i] = d - borrow;
			borrow = out;
		}
	}
	for (i = 0; i < 32; i++)
		k[i] = (unsigned char)(r[i / 8] >> (8 * (i % 8)));
}

/* encode([s]B + [k](-A)) == r, by double-and-add over both scalars. */
static bool equation_holds(const unsigned char r[32], const unsigned char s[32],
			   const unsigned char k[32], const struct point *a, const struct curve *c)
{
	struct point neg_a = *a, acc;
	unsigned char got[32];
	int i;

	fe_neg(neg_a.X, a->X);
	fe_neg(neg_a.T, a->T);
	pt_identity(&acc);
	for (i = 255; i >= 0; i--) {
		pt_add(&acc, &acc, &acc, c);
		if (s[i / 8] >> (i % 8) & 1)
			pt_add(&acc, &acc, &c->base, c);
		if (k[i / 8] >> (i % 8) & 1)
			pt_add(&acc, &acc, &neg_a, c);
	}
	pt_encode(got, &acc);
	return memcmp(got, r, sizeof(got)) == 0;
}

int ota_ed25519_start(struct ota_ed25519 *v, const unsigned char sig[OTA_ED25519_SIG_LEN],
		      const unsigned char pub[OTA_ED25519_PUB_LEN], struct ota_err *err)
{
	memcpy(v->sig, sig, sizeof(v->sig));
	memcpy(v->pub, pub, sizeof(v->pub));
	v->md = EVP_MD_CTX_new();
	if (!v->md || EVP_DigestInit_ex(v->md, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestUpdate(v->md, sig, 32) != 1 || EVP_DigestUpdate(v->md, pub, 32) != 1) {
		ota_ed25519_abort(v);
		return ota_err_openssl(err, OTA_EINTERNAL, "SHA-512");
	}
	return 0;
}

int ota_ed25519_update(struct ota_ed25519 *v, const void *data, size_t len, struct ota_err *err)
{
	if (len && EVP_DigestUpdate(v->md, data, len) != 1)
		return ota_err_openssl(err, OTA_EINTERNAL, "SHA-512");
	return 0;
}

int ota_ed25519_final(struct ota_ed25519 *v, struct ota_err *err)
{
	unsigned char h[64], k[32];
	struct curve c;
	struct point a;
	int rc = 0;

	if (EVP_DigestFinal_ex(v->md, h, NULL) != 1 || curve_init(&c)) {
		rc = ota_err_openssl(err, OTA_EINTERNAL, "Ed25519 verification");
		goto out;
	}
	scalar_reduce(k, h);
	if (!scalar_below_order(v->sig + 32) || pt_decode(&a, v->pub, &c) ||
	    !equation_holds(v->sig, v->sig + 32, k, &a, &c)) {
		rc = ota_err_set(err, OTA_EBADSIG, "signature does not verify");
	}
out:
	ota_ed25519_abort(v);
	return rc;
}

void ota_ed25519_abort(struct ota_ed25519 *v)
{
	EVP_MD_CTX_free(v->md);
	v->md = NULL;
}
