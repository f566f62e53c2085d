/* test_semver.c - version order of lib/semver.c: SemVer 2.0.0 precedence,
 * the field-by-field fallback for other release names, and that the two
 * together are one consistent order (what qsort over releases needs). */
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

static void test_semver_fallback_orders_non_semver_versions(void **state)
{
	(void)state;
	assert_order("1.2", "1.10", -1);
	assert_order("2024.05", "2024.11", -1);
	assert_order("2023.12", "2024.01", -1);
	assert_order("1.2", "1.2.0", 0);
	assert_order("1", "1.0.0", 0);
	assert_order("2024.5", "2024.05", 0);
	assert_order("1.2", "1.2.0.1", -1);
	assert_order("1.2.3.4", "1.2.3.10", -1);
	assert_order("1.9", "1.10.0", -1);
	/* Words by byte order, after numbers. */
	assert_order("1.a", "1.b", -1);
	assert_order("1.9", "1.a", -1);
	assert_order("1.B", "1.a", -1);
}

/* Sign of cmp is a total preorder over a mixed set: antisymmetric and
 * transitive, so sorting it is well defined. */
static void test_semver_is_one_consistent_order(void **state)
{
	static const char *const v[] = {
		"1.0.0-alpha", "1.0", "1.0.0", "1.0.0-rc.1", "1.0.0+b", "1.0.x", "1.0.0.0",
		"2024.05", "2024.5", "1.10", "1.9.9", "0.9", "1.0.0-alpha.1", "1.0-rc1",
		"1.0.0-1", "1.0.0-01", "1", "1.0.0-a.b", "1.0.0~1", "1.0.0-x+y", "1.2",
		"1.2.0-beta", "2024.05-hotfix", "1.a", "1.01", "1.0.1",
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

/* The prerelease of a fallback name orders like semver's too, and agrees
 * with the release it precedes. */
static void test_semver_mixed_pairs_respect_prerelease(void **state)
{
	(void)state;
	assert_order("1.0.0-rc.1", "1.0", -1);
	assert_order("1.0", "1.0.0", 0);
	assert_order("2024.05-rc1", "2024.05", -1);
	assert_order("2024.05-rc1", "2024.04", 1);
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
		cmocka_unit_test(test_semver_fallback_orders_non_semver_versions),
		cmocka_unit_test(test_semver_is_one_consistent_order),
		cmocka_unit_test(test_semver_mixed_pairs_respect_prerelease),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
