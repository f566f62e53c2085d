/* SPDX-License-Identifier: Apache-2.0 */
/* test_ed25519_verify.c - the streamed Ed25519 verifier (lib/ed25519_verify.c)
 * gives OpenSSL's verdict, decision for decision: every Wycheproof vector
 * ($OTA_TESTDATA/wycheproof/ed25519_test.json) as Wycheproof says and as
 * EVP_DigestVerify says; thousands of keys and messages signed by OpenSSL
 * (seeded, so a failure can be replayed), each fed in random pieces, and
 * every one with one bit of its signature, key or message flipped; and
 * every pairing of the encodings where implementations part ways (small-
 * order points, y of p or more, an x of 0 with its sign bit set) as R and
 * as A, with S at 0, 1, L - 1, L and beyond. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ed25519_verify.h"
#include "lib/hash.h"
#include "tests/unit/wycheproof.h"

#define SEED UINT64_C(0x16d5eed)
#define RANDOM_KEYS 2000
#define MSG_MAX 300

/* splitmix64: a reproducible stream for keys, messages and bit choices. */
static uint64_t next_u64(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void fill(uint64_t *s, unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)next_u64(s);
}

/* OpenSSL's verdict. */
static bool openssl_verifies(const unsigned char sig[64], const unsigned char pub[32],
			     const unsigned char *msg, size_t len)
{
	static const unsigned char empty[1];
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok;

	assert_non_null(ctx);
	ok = pk && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk) == 1 &&
	     EVP_DigestVerify(ctx, sig, 64, len ? msg : empty, len) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ok;
}

/* Ours, the message fed in pieces cut at random (one piece if s is NULL). */
static bool ours_verifies(const unsigned char sig[64], const unsigned char pub[32],
			  const unsigned char *msg, size_t len, uint64_t *s)
{
	struct ota_ed25519 v;
	struct ota_err err = {0};
	size_t at = 0, n;
	int rc;

	assert_int_equal(ota_ed25519_start(&v, sig, pub, &err), 0);
	while (at < len) {
		n = s ? 1 + next_u64(s) % (len - at) : len - at;
		assert_int_equal(ota_ed25519_update(&v, msg + at, n, &err), 0);
		at += n;
	}
	rc = ota_ed25519_final(&v, &err);
	if (rc != 0 && rc != OTA_EBADSIG)
		fail_msg("ota_ed25519_final: %d %s", rc, err.msg);
	assert_null(v.md);
	return rc == 0;
}

/* One vector: 1 if judged as Wycheproof and OpenSSL judge it.  A
 * signature that is not 64 bytes cannot be stated to either. */
static int one_vector(const unsigned char *pub, json_t *t, size_t *valid)
{
	unsigned char *msg, *sig;
	size_t mlen = wycheproof_unhex(json_string_value(json_object_get(t, "msg")), &msg);
	size_t slen = wycheproof_unhex(json_string_value(json_object_get(t, "sig")), &sig);
	bool want = strcmp(json_string_value(json_object_get(t, "result")), "valid") == 0;
	bool ours = false, theirs = false;
	uint64_t s = SEED ^ (uint64_t)json_integer_value(json_object_get(t, "tcId"));

	if (slen == 64) {
		ours = ours_verifies(sig, pub, msg, mlen, &s);
		theirs = openssl_verifies(sig, pub, msg, mlen);
	}
	*valid += want;
	if (ours != want || ours != theirs)
		print_message("# tcId %lld (%s): wycheproof %s, openssl %s, ours %s\n",
			      json_integer_value(json_object_get(t, "tcId")),
			      json_string_value(json_object_get(t, "comment")),
			      want ? "valid" : "invalid", theirs ? "accepts" : "refuses",
			      ours ? "accepts" : "refuses");
	free(msg);
	free(sig);
	return ours == want && ours == theirs;
}

static void test_ed25519_judges_every_wycheproof_vector_as_wycheproof_and_openssl(void **state)
{
	json_t *root = wycheproof_load(), *groups = json_object_get(root, "testGroups"), *g, *t;
	size_t i, j, total = 0, agree = 0, valid = 0;
	unsigned char *pub;

	(void)state;
	json_array_foreach(groups, i, g) {
		assert_int_equal(wycheproof_unhex(json_string_value(json_object_get(
					     json_object_get(g, "publicKey"), "pk")), &pub), 32);
		json_array_foreach(json_object_get(g, "tests"), j, t) {
			agree += (size_t)one_vector(pub, t, &valid);
			total++;
		}
		free(pub);
	}
	print_message("# wycheproof ed25519: %zu vectors (%zu valid), %zu judged alike\n", total,
		      valid, agree);
	assert_int_equal(total, (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
	assert_true(valid > 0 && valid < total);
	assert_int_equal(agree, total);
	json_decref(root);
}

/* A key from a seed, its public half, and msg signed by it. */
static void sign_random(uint64_t *s, unsigned char pub[32], unsigned char sig[64],
			const unsigned char *msg, size_t len)
{
	static const unsigned char empty[1];
	unsigned char seed[32];
	size_t n = 32, siglen = 64;
	EVP_PKEY *k;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	fill(s, seed, sizeof(seed));
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	assert_true(k && ctx);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k, pub, &n), 1);
	assert_int_equal(EVP_DigestSignInit(ctx, NULL, NULL, NULL, k), 1);
	assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, len ? msg : empty, len), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
}

struct tally {
	size_t checked, accepted, differ;
};

static void judge(struct tally *t, const unsigned char sig[64], const unsigned char pub[32],
		  const unsigned char *msg, size_t len, uint64_t *s, const char *what)
{
	bool ours = ours_verifies(sig, pub, msg, len, s);
	bool theirs = openssl_verifies(sig, pub, msg, len);

	t->checked++;
	t->accepted += ours;
	if (ours != theirs) {
		t->differ++;
		print_message("# %s: openssl %s, ours %s\n", what, theirs ? "accepts" : "refuses",
			      ours ? "accepts" : "refuses");
	}
}

static void test_ed25519_agrees_with_openssl_on_random_signatures_and_bit_flips(void **state)
{
	unsigned char pub[32], sig[64], msg[MSG_MAX], flipped[64];
	struct tally good = {0}, bad = {0};
	uint64_t s = SEED;
	size_t i, len, bit;

	(void)state;
	for (i = 0; i < RANDOM_KEYS; i++) {
		len = i < 3 ? i : next_u64(&s) % MSG_MAX;
		fill(&s, msg, len);
		sign_random(&s, pub, sig, msg, len);
		judge(&good, sig, pub, msg, len, &s, "as signed");

		memcpy(flipped, sig, 64);
		bit = next_u64(&s) % 512;
		flipped[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		judge(&bad, flipped, pub, msg, len, &s, "signature bit flipped");

		memcpy(flipped, pub, 32);
		bit = next_u64(&s) % 256;
		flipped[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		judge(&bad, sig, flipped, msg, len, &s, "key bit flipped");

		if (len) {
			bit = next_u64(&s) % (len * 8);
			msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
			judge(&bad, sig, pub, msg, len, &s, "message bit flipped");
		}
	}
	print_message("# %zu signed by OpenSSL: %zu accepted; %zu with a bit flipped: %zu "
		      "accepted; %zu verdicts differ from OpenSSL's\n", good.checked,
		      good.accepted, bad.checked, bad.accepted, good.differ + bad.differ);
	assert_int_equal(good.accepted, RANDOM_KEYS);
	assert_int_equal(good.differ + bad.differ, 0);
	assert_true(bad.checked > 3 * RANDOM_KEYS - 10);
}

/* The encodings where verifiers part ways: y = 0..18 and p-1..p-18 (the
 * small-order points among them), each also as y + p where that fits in
 * 255 bits, each with either sign bit; the order-8 points; B itself. */
static size_t edge_encodings(unsigned char (*out)[32], size_t cap)
{
	static const char *order8[] = {
		"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
		"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
		"5866666666666666666666666666666666666666666666666666666666666666",
	};
	/* p = 2^255 - 19, little-endian */
	unsigned char p[32];
	size_t n = 0, i;
	int y, sign, j, borrow;

	memset(p, 0xff, sizeof(p));
	p[0] = 0xed;
	p[31] = 0x7f;
	for (y = 0; y < 19; y++)
		for (sign = 0; sign < 2; sign++) {
			/* y, p + y (non-canonical), p - 1 - y */
			assert_true(n + 3 <= cap);
			memset(out[n], 0, 32);
			out[n][0] = (unsigned char)y;
			memcpy(out[n + 1], p, 32);
			out[n + 1][0] = (unsigned char)(p[0] + y); /* 0xed + 18 < 0x100 */
			memcpy(out[n + 2], p, 32);
			for (j = 0, borrow = 1 + y; j < 32; j++) {
				int v = out[n + 2][j] - borrow;
				borrow = v < 0;
				out[n + 2][j] = (unsigned char)(v + 256 * borrow);
				if (!borrow)
					break;
			}
			for (i = 0; i < 3; i++)
				out[n + i][31] = (unsigned char)((out[n + i][31] & 0x7f) | sign << 7);
			n += 3;
		}
	for (i = 0; i < sizeof(order8) / sizeof(order8[0]); i++)
		for (sign = 0; sign < 2; sign++) {
			assert_true(n < cap);
			assert_int_equal(ota_unhex(order8[i], out[n], 32), 0);
			out[n][31] = (unsigned char)((out[n][31] & 0x7f) | sign << 7);
			n++;
		}
	return n;
}

static void test_ed25519_agrees_with_openssl_on_edge_encodings_of_r_and_a(void **state)
{
	/* 0 and L give the same point, [0]B = [L]B: only the range check
	 * tells them apart.  The others only for a few R (time). */
	static const char *scalars[] = {
		"0000000000000000000000000000000000000000000000000000000000000000",
		"edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", /* L */
		"0100000000000000000000000000000000000000000000000000000000000000",
		"ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", /* L - 1 */
		"eed3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010", /* L + 1 */
		"0000000000000000000000000000000000000000000000000000000000000011",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	unsigned char enc[128][32], sig[64], msg[8] = "manifest";
	struct tally t = {0};
	size_t n = edge_encodings(enc, 128), r, a, k;
	uint64_t s = SEED;

	(void)state;
	for (r = 0; r < n; r++)
		for (a = 0; a < n; a++)
			for (k = 0; k < (r % 8 ? 2 : sizeof(scalars) / sizeof(scalars[0])); k++) {
				memcpy(sig, enc[r], 32);
				assert_int_equal(ota_unhex(scalars[k], sig + 32, 32), 0);
				judge(&t, sig, enc[a], msg, sizeof(msg), &s, "edge encoding");
			}
	print_message("# %zu edge signatures (%zu encodings as R and as A): %zu accepted, "
		      "%zu verdicts differ from OpenSSL's\n", t.checked, n, t.accepted, t.differ);
	/* Small-order R and A with S = 0 verify for any message, in both. */
	assert_true(t.accepted > 0);
	assert_int_equal(t.differ, 0);
}

static void test_ed25519_abort_is_safe_twice_and_after_final(void **state)
{
	unsigned char sig[64] = {0}, pub[32] = {1};
	struct ota_ed25519 v;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_ed25519_start(&v, sig, pub, &err), 0);
	ota_ed25519_abort(&v);
	ota_ed25519_abort(&v);
	assert_int_equal(ota_ed25519_start(&v, sig, pub, &err), 0);
	assert_int_equal(ota_ed25519_final(&v, &err), OTA_EBADSIG);
	assert_string_equal(err.msg, "signature does not verify");
	ota_ed25519_abort(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ed25519_judges_every_wycheproof_vector_as_wycheproof_and_openssl),
	    cmocka_unit_test(test_ed25519_agrees_with_openssl_on_random_signatures_and_bit_flips),
	    cmocka_unit_test(test_ed25519_agrees_with_openssl_on_edge_encodings_of_r_and_a),
	    cmocka_unit_test(test_ed25519_abort_is_safe_twice_and_after_final),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
