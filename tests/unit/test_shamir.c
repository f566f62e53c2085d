/* SPDX-License-Identifier: Apache-2.0 */
/* test_shamir.c - GF(2^8) arithmetic and Shamir split/combine
 * (lib/shamir.c): the field against a plain reference, and every subset of
 * shares of every m-of-n split up to 9 shares. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/rand.h>
#include <stdbool.h>
#include <string.h>

#include "lib/shamir.h"

#define LEN 32

/* Textbook multiplication with branches: the reference, not the code. */
static uint8_t ref_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;

	while (b) {
		if (b & 1)
			r ^= a;
		a = (uint8_t)((a & 0x80) ? (a << 1) ^ 0x1b : a << 1);
		b >>= 1;
	}
	return r;
}

static void test_gf256_mul_matches_the_reference_for_every_pair(void **state)
{
	unsigned int a, b;

	(void)state;
	/* FIPS-197 section 4.2: {57} . {83} = {c1}, {57} . {13} = {fe} */
	assert_int_equal(ota_gf256_mul(0x57, 0x83), 0xc1);
	assert_int_equal(ota_gf256_mul(0x57, 0x13), 0xfe);
	for (a = 0; a < 256; a++)
		for (b = 0; b < 256; b++)
			if (ota_gf256_mul((uint8_t)a, (uint8_t)b) !=
			    ref_mul((uint8_t)a, (uint8_t)b))
				fail_msg("%02x * %02x", a, b);
}

static void test_gf256_inv_inverts_every_nonzero_byte(void **state)
{
	unsigned int a;

	(void)state;
	assert_int_equal(ota_gf256_inv(0), 0);
	for (a = 1; a < 256; a++)
		assert_int_equal(ota_gf256_mul((uint8_t)a, ota_gf256_inv((uint8_t)a)), 1);
}

/* Combine the shares of split (n shares of LEN bytes) named by the bits of
 * mask, in ascending or descending index order. */
static int combine_subset(const uint8_t *split, unsigned int n, unsigned int mask, bool down,
			  uint8_t out[LEN])
{
	uint8_t xs[9], ys[9 * LEN];
	unsigned int i, k = 0, x;

	for (i = 0; i < n; i++) {
		x = down ? n - i : i + 1;
		if (!(mask & 1U << (x - 1)))
			continue;
		xs[k] = (uint8_t)x;
		memcpy(ys + k * LEN, split + (x - 1) * LEN, LEN);
		k++;
	}
	return ota_shamir_combine(xs, ys, k, LEN, out, NULL);
}

/* Every m-of-n with 1 <= m <= n <= 9, every subset of its shares: m or
 * more rebuild the secret, in any order; fewer give something else. */
static void test_shamir_every_subset_of_every_split_up_to_9_shares(void **state)
{
	uint8_t secret[LEN], split[9 * LEN], got[LEN];
	unsigned int n, m, mask, rebuilt = 0;
	struct ota_err err = {0};

	(void)state;
	for (n = 1; n <= 9; n++)
		for (m = 1; m <= n; m++) {
			assert_int_equal(RAND_bytes(secret, LEN), 1);
			assert_int_equal(ota_shamir_split(secret, LEN, m, n, split, &err), 0);
			for (mask = 1; mask < 1U << n; mask++) {
				bool enough = (unsigned int)__builtin_popcount(mask) >= m;
				int down;
				for (down = 0; down < 2; down++) {
					assert_int_equal(
					    combine_subset(split, n, mask, down, got), 0);
					if (enough != (memcmp(got, secret, LEN) == 0))
						fail_msg("%u-of-%u, shares %#x: %s", m, n,
							 mask, enough ? "not rebuilt"
								      : "rebuilt by too few");
					rebuilt += enough;
				}
			}
		}
	/* sum over n of n 2^(n-1) subsets of size >= m, in two orders */
	assert_int_equal(rebuilt, 2 * 4097);
}

static void test_shamir_one_of_n_shares_are_the_secret_itself(void **state)
{
	uint8_t secret[LEN], split[3 * LEN];

	(void)state;
	assert_int_equal(RAND_bytes(secret, LEN), 1);
	assert_int_equal(ota_shamir_split(secret, LEN, 1, 3, split, NULL), 0);
	assert_memory_equal(split, secret, LEN);
	assert_memory_equal(split + 2 * LEN, secret, LEN);
}

/* The coefficients are random: with m >= 2 the bytes of one share are
 * uniform whatever the secret (chi-squared over 65536 bytes of share 1 of
 * an all-zero secret; the bound is about 6 standard deviations out). */
static void test_shamir_a_share_below_threshold_is_uniform(void **state)
{
	static unsigned int count[256];
	uint8_t secret[LEN] = {0}, split[3 * LEN];
	double chi2 = 0, d;
	unsigned int i, b;

	(void)state;
	for (i = 0; i < 2048; i++) {
		assert_int_equal(ota_shamir_split(secret, LEN, 2, 3, split, NULL), 0);
		for (b = 0; b < LEN; b++)
			count[split[b]]++;
	}
	for (i = 0; i < 256; i++) {
		d = (double)count[i] - 256.0;
		chi2 += d * d / 256.0;
	}
	if (chi2 > 400)
		fail_msg("share bytes are not uniform: chi2 = %.1f over 255 degrees", chi2);
}

static void test_shamir_255_of_255_rebuilds(void **state)
{
	static uint8_t split[255 * LEN], xs[255];
	uint8_t secret[LEN], got[LEN];
	unsigned int i;

	(void)state;
	assert_int_equal(RAND_bytes(secret, LEN), 1);
	assert_int_equal(ota_shamir_split(secret, LEN, 255, 255, split, NULL), 0);
	for (i = 0; i < 255; i++)
		xs[i] = (uint8_t)(i + 1);
	assert_int_equal(ota_shamir_combine(xs, split, 255, LEN, got, NULL), 0);
	assert_memory_equal(got, secret, LEN);
	assert_int_equal(ota_shamir_combine(xs, split, 254, LEN, got, NULL), 0);
	assert_memory_not_equal(got, secret, LEN);
}

static void test_shamir_refuses_bad_parameters_and_indices(void **state)
{
	uint8_t secret[LEN] = {1}, split[3 * LEN], got[LEN];
	const uint8_t zero[2] = {0, 1}, twice[2] = {2, 2};
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_shamir_split(secret, LEN, 0, 3, split, &err), OTA_EUSAGE);
	assert_int_equal(ota_shamir_split(secret, LEN, 4, 3, split, &err), OTA_EUSAGE);
	assert_int_equal(ota_shamir_split(secret, LEN, 2, 256, split, &err), OTA_EUSAGE);
	/* (m - 1) * len wrapping to 0 once left no coefficients to read */
	assert_int_equal(ota_shamir_split(secret, SIZE_MAX / 2 + 1, 3, 3, split, &err), OTA_EUSAGE);
	assert_int_equal(ota_shamir_split(secret, OTA_SHAMIR_MAX_LEN + 1, 2, 3, split, &err),
			 OTA_EUSAGE);
	assert_int_equal(ota_shamir_combine(zero, split, 0, LEN, got, &err), OTA_ESHARE);
	assert_int_equal(ota_shamir_combine(zero, split, 2, LEN, got, &err), OTA_ESHARE);
	assert_non_null(strstr(err.msg, "index 0"));
	assert_int_equal(ota_shamir_combine(twice, split, 2, LEN, got, &err), OTA_ESHARE);
	assert_non_null(strstr(err.msg, "index 2 given twice"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gf256_mul_matches_the_reference_for_every_pair),
		cmocka_unit_test(test_gf256_inv_inverts_every_nonzero_byte),
		cmocka_unit_test(test_shamir_every_subset_of_every_split_up_to_9_shares),
		cmocka_unit_test(test_shamir_one_of_n_shares_are_the_secret_itself),
		cmocka_unit_test(test_shamir_a_share_below_threshold_is_uniform),
		cmocka_unit_test(test_shamir_255_of_255_rebuilds),
		cmocka_unit_test(test_shamir_refuses_bad_parameters_and_indices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
