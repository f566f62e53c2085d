/* SPDX-License-Identifier: Apache-2.0 */
/* test_semver.c - lib/semver.c: what is a Semantic Version 2.0.0, its
 * precedence (section 11), versions that do not parse ordered first, and
 * that the whole is one consistent order (what qsort over releases needs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/semver.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int sgn(int r)
{
	return (r > 0) - (r < 0);
}

/* cmp(a, b) has sign want, and cmp(b, a) the opposite. */
static void assert_order(const char *a, const char *b, int want)
{
	int ab = sgn(ota_semver_cmp(a, b)), ba = sgn(ota_semver_cmp(b, a));

	if (ab != want || ba != -want)
		fail_msg("cmp(\"%s\", \"%s\") = %d, reverse %d; want %d", a, b, ab, ba, want);
}

/* Every earlier element precedes every later one, and each equals itself. */
static void assert_chain(const char *const *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		assert_order(v[i], v[i], 0);
		for (j = i + 1; j < n; j++)
			assert_order(v[i], v[j], -1);
	}
}

static void test_semver_orders_semver_org_example_chain(void **state)
{
	static const char *const v[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",      "1.0.0",
	};

	(void)state;
	assert_chain(v, N(v));
}

static void test_semver_orders_numeric_fields_by_value(void **state)
{
	static const char *const v[] = {
		"0.0.0", "0.0.9", "0.0.10", "0.9.0", "1.0.0", "1.9.0", "1.10.0", "1.10.1", "2.0.0",
		"10.0.0",
	};

	(void)state;
	assert_chain(v, N(v));
}

static void test_semver_prerelease_identifiers(void **state)
{
	static const char *const v[] = {
		/* numeric < alphanumeric; numeric by value; words by ASCII */
		"1.0.0-0", "1.0.0-2", "1.0.0-10", "1.0.0-0a", "1.0.0-A", "1.0.0-a", "1.0.0-a.0",
		"1.0.0-a.0.0", "1.0.0-a.1", "1.0.0-a-b", "1.0.0-b", "1.0.0-rc.9", "1.0.0-rc.10",
		"1.0.0",
	};

	(void)state;
	assert_chain(v, N(v));
	/* A prerelease of a later core still follows the earlier release. */
	assert_order("1.0.1-alpha", "1.0.0", 1);
}

static void test_semver_ignores_build_metadata(void **state)
{
	(void)state;
	assert_order("1.0.0+a", "1.0.0+b", 0);
	assert_order("1.0.0+a", "1.0.0", 0);
	assert_order("1.0.0-rc.1+build.1", "1.0.0-rc.1+build.2", 0);
	assert_order("1.0.0+zzz", "1.0.1+aaa", -1);
	assert_order("1.0.0-rc.1+zzz", "1.0.0+aaa", -1);
	/* A '-' inside the build is not a prerelease. */
	assert_order("1.0.0+build-1", "1.0.0", 0);
}

static void test_semver_compares_huge_numbers_without_overflow(void **state)
{
	static const char *const v[] = {
		"1.0.0",
		"99999999999999999999999999999.0.0",            /* 29 digits */
		"123456789012345678901234567890.0.0",           /* 30 digits */
		"123456789012345678901234567890.0.1",
		"123456789012345678901234567890.18446744073709551616.0",
		"123456789012345678901234567891.0.0-1",
		"123456789012345678901234567891.0.0-999999999999999999999999999999",
		"123456789012345678901234567891.0.0-1000000000000000000000000000000",
		"123456789012345678901234567891.0.0-alpha",
		"123456789012345678901234567891.0.0",
		"900000000000000000000000000000.0.0",
	};

	(void)state;
	assert_chain(v, N(v));
	/* 2^64 + 1 against 1: a wrap to 64 bits would call them equal. */
	assert_order("1.18446744073709551617.0", "1.1.0", 1);
}

static void test_semver_valid_accepts_semver(void **state)
{
	static const char *const ok[] = {
		"0.0.0", "1.2.3", "10.20.30", "1.2.3-alpha", "1.2.3-alpha.1", "1.2.3-0",
		"1.2.3-0a", "1.2.3-x-y.0a", "1.2.3-rc.1+sha.5114f85", "1.2.3+build.001",
		"1.2.3+001", "1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
		"1.2.3----RC-SNAPSHOT.12.9.1--.12+788", "1.2.3--", "1.2.3+-",
		"99999999999999999999999.999999999999999999.99999999999999999",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(ok); i++) {
		if (!ota_semver_valid(ok[i]))
			fail_msg("refused \"%s\"", ok[i]);
	}
}

static void test_semver_valid_refuses_non_semver(void **state)
{
	static const char *const bad[] = {
		"",          "1",           "1.2",        "1.2.3.4",     "01.2.3",
		"1.02.3",    "1.2.03",      "1.2.3-",     "1.2.3-01",    "1.2.3-a..b",
		"1.2.3-a.",  "1.2.3+",      "1.2.3+a..b", "1.2.3-a+",    "v1.2.3",
		"1.2.3 ",    " 1.2.3",      "1.2.-3",     "1.2.3-a_b",   "1.2.3+a+b",
		"-1.2.3",    "1..3",        "1.2.3-\xc3\xa9", "2024.05", "1.2.3~rc1",
		"1.2.3-rc.1+", "+1.2.3",    "1.2.",       ".1.2.3",      "1.2.3.",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		if (ota_semver_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_false(ota_semver_valid(NULL));
}

/* Every form the issue saw accepted or misordered, refused. */
static void test_semver_valid_refuses_the_issues_forms(void **state)
{
	static const char *const bad[] = {
		"v2", "v1.0.0", "beta", "2.0.0~rc1", "1.0.0rc1", "1.0.0_old", "01.0.0",
		"1.0", "1.0.0-", "1.0.0+", "1.0.0-01", "V1.0.0", "1.0.0-rc.01",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++) {
		if (ota_semver_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

/* The spec's section 2, 9 and 10 examples, and its build examples. */
static void test_semver_valid_accepts_the_specs_examples(void **state)
{
	static const char *const ok[] = {
		"1.9.0", "1.10.0", "1.11.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-0.3.7",
		"1.0.0-x.7.z.92", "1.0.0-x-y-z.--", "1.0.0-alpha+001", "1.0.0+20130313144700",
		"1.0.0-beta+exp.sha.5114f85", "1.0.0+21AF26D3----117B344092BD",
	};
	size_t i;

	(void)state;
	for (i = 0; i < N(ok); i++) {
		if (!ota_semver_valid(ok[i]))
			fail_msg("refused \"%s\"", ok[i]);
	}
}

/* Section 11's own examples: 1.0.0 < 2.0.0 < 2.1.0 < 2.1.1, and a
 * prerelease before its release. */
static void test_semver_orders_the_specs_section_11_examples(void **state)
{
	static const char *const v[] = {"1.0.0-alpha", "1.0.0", "2.0.0", "2.1.0", "2.1.1"};

	(void)state;
	assert_chain(v, N(v));
}

/* What does not parse is older than anything that does: an installed
 * "v2" takes 1.3.0; after 2.0.0 and 1.0.5 the issue's names are older. */
static void test_semver_invalid_versions_order_before_every_valid_one(void **state)
{
	static const char *const bad[] = {"v2", "v1.0.0", "beta", "2.0.0~rc1", "1.0.0rc1",
					  "1.0.0_old", "2024.05", "99", ""};
	static const char *const good[] = {"0.0.0", "0.0.1-0", "1.0.5", "1.3.0", "2.0.0"};
	size_t i, j;

	(void)state;
	for (i = 0; i < N(bad); i++)
		for (j = 0; j < N(good); j++)
			assert_order(bad[i], good[j], -1);
	assert_order(NULL, "0.0.0", -1);
	assert_order(NULL, "", 0);
	/* Among themselves by byte order. */
	assert_order("2024.05", "2024.11", -1);
	assert_order("v10", "v2", -1);
	assert_order("v2", "v2", 0);
}

/* Two bundles differing only in build metadata are the same version,
 * also with a prerelease and against one without build. */
static void test_semver_build_only_differences_are_equal(void **state)
{
	(void)state;
	assert_order("1.4.2+ci.7", "1.4.2+ci.8", 0);
	assert_order("1.4.2+ci.7", "1.4.2", 0);
	assert_order("1.4.2-rc.1+a", "1.4.2-rc.1+b.c", 0);
	assert_order("1.4.2-rc.1+a", "1.4.2-rc.2+a", -1);
}

static void test_semver_suggest_strips_a_leading_v(void **state)
{
	(void)state;
	assert_string_equal(ota_semver_suggest("v1.4.2"), "1.4.2");
	assert_string_equal(ota_semver_suggest("V2.0.0-rc.1"), "2.0.0-rc.1");
	assert_null(ota_semver_suggest("v2"));
	assert_null(ota_semver_suggest("1.4.2"));
	assert_null(ota_semver_suggest("beta"));
	assert_null(ota_semver_suggest(NULL));
}

/* Sign of cmp is a total preorder over a mixed set: antisymmetric and
 * transitive, so sorting it is well defined. */
static void test_semver_is_one_consistent_order(void **state)
{
	static const char *const v[] = {
		"1.0.0-alpha", "1.0", "1.0.0", "1.0.0-rc.1", "1.0.0+b", "1.0.x", "1.0.0.0",
		"2024.05", "2024.5", "1.10", "1.9.9", "0.9", "1.0.0-alpha.1", "1.0-rc1",
		"1.0.0-1", "1.0.0-01", "1", "1.0.0-a.b", "1.0.0~1", "1.0.0-x+y", "1.2",
		"1.2.0-beta", "2024.05-hotfix", "1.a", "1.01", "1.0.1", "v2", "beta",
		"1.0.0-beta.11", "1.0.0-beta.2", "1.0.0+zz",
	};
	size_t i, j, k;
	int ij, jk, ik;

	(void)state;
	for (i = 0; i < N(v); i++) {
		for (j = 0; j < N(v); j++) {
			ij = sgn(ota_semver_cmp(v[i], v[j]));
			if (ij != -sgn(ota_semver_cmp(v[j], v[i])))
				fail_msg("not antisymmetric: \"%s\", \"%s\"", v[i], v[j]);
			for (k = 0; k < N(v); k++) {
				jk = sgn(ota_semver_cmp(v[j], v[k]));
				ik = sgn(ota_semver_cmp(v[i], v[k]));
				if (ij <= 0 && jk <= 0 && ik > 0)
					fail_msg("not transitive: %s <= %s <= %s", v[i], v[j],
						 v[k]);
				if (ij == 0 && jk == 0 && ik != 0)
					fail_msg("== not transitive: %s, %s, %s", v[i], v[j],
						 v[k]);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semver_orders_semver_org_example_chain),
		cmocka_unit_test(test_semver_orders_numeric_fields_by_value),
		cmocka_unit_test(test_semver_prerelease_identifiers),
		cmocka_unit_test(test_semver_ignores_build_metadata),
		cmocka_unit_test(test_semver_compares_huge_numbers_without_overflow),
		cmocka_unit_test(test_semver_valid_accepts_semver),
		cmocka_unit_test(test_semver_valid_refuses_non_semver),
		cmocka_unit_test(test_semver_valid_refuses_the_issues_forms),
		cmocka_unit_test(test_semver_valid_accepts_the_specs_examples),
		cmocka_unit_test(test_semver_orders_the_specs_section_11_examples),
		cmocka_unit_test(test_semver_invalid_versions_order_before_every_valid_one),
		cmocka_unit_test(test_semver_build_only_differences_are_equal),
		cmocka_unit_test(test_semver_suggest_strips_a_leading_v),
		cmocka_unit_test(test_semver_is_one_consistent_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
