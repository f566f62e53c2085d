/* SPDX-License-Identifier: Apache-2.0 */
/* test_antirollback.c - lib/antirollback.c: newer than installed (semver
 * order), and a rollback index not below the device's floor, in that
 * order, with the message each refusal gives. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/antirollback.h"

static void test_anything_is_newer_than_nothing(void **state)
{
	(void)state;
	assert_int_equal(ota_antirollback_judge("", 0, "0.0.1", 0), OTA_NEWER);
	assert_int_equal(ota_antirollback_judge("", 0, "1.0.0", 7), OTA_NEWER);
}

static void test_same_or_older_version_is_not_newer(void **state)
{
	(void)state;
	assert_int_equal(ota_antirollback_judge("1.2.0", 0, "1.2.0", 0), OTA_NOT_NEWER);
	assert_int_equal(ota_antirollback_judge("1.2.0", 0, "1.1.9", 5), OTA_NOT_NEWER);
	assert_int_equal(ota_antirollback_judge("1.10.0", 0, "1.9.0", 0), OTA_NOT_NEWER);
	assert_int_equal(ota_antirollback_judge("1.9.0", 0, "1.10.0", 0), OTA_NEWER);
}

/* Installed by an older agent under a version that does not parse ("v2",
 * what git describe gives): any valid release its floor allows is newer. */
static void test_an_unparsable_installed_version_locks_nothing_out(void **state)
{
	(void)state;
	assert_int_equal(ota_antirollback_judge("v2", 0, "1.3.0", 0), OTA_NEWER);
	assert_int_equal(ota_antirollback_judge("beta", 0, "0.0.1", 0), OTA_NEWER);
	assert_int_equal(ota_antirollback_judge("v2", 2, "1.3.0", 1), OTA_INDEX_LOWER);
}

static void test_index_below_the_floor_is_refused_even_when_newer(void **state)
{
	(void)state;
	assert_int_equal(ota_antirollback_judge("1.0.0", 3, "9.0.0", 2), OTA_INDEX_LOWER);
	assert_int_equal(ota_antirollback_judge("", 3, "9.0.0", 2), OTA_INDEX_LOWER);
	assert_int_equal(ota_antirollback_judge("1.0.0", 3, "9.0.0", 3), OTA_NEWER);
	assert_int_equal(ota_antirollback_judge("1.0.0", 3, "9.0.0", 4), OTA_NEWER);
}

/* Both wrong: the version is judged first, as the messages promise. */
static void test_version_is_judged_before_the_index(void **state)
{
	(void)state;
	assert_int_equal(ota_antirollback_judge("2.0.0", 5, "1.0.0", 0), OTA_NOT_NEWER);
}

static void test_check_names_the_bundle_and_the_reason(void **state)
{
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_antirollback_check("2.0.0", 0, "2.0.0", 0, "b.bundle", &err),
			 OTA_EROLLBACK);
	assert_string_equal(err.msg, "b.bundle: version 2.0.0 is not newer than the installed "
				     "2.0.0");
	assert_int_equal(ota_antirollback_check("1.0.0", 4, "2.0.0", 1, "b.bundle", &err),
			 OTA_EROLLBACK);
	assert_string_equal(err.msg, "b.bundle: rollback index 1 is lower than 4, the highest "
				     "this device accepted");
	assert_int_equal(ota_antirollback_check("1.0.0", 4, "2.0.0", 4, "b.bundle", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_anything_is_newer_than_nothing),
		cmocka_unit_test(test_same_or_older_version_is_not_newer),
		cmocka_unit_test(test_an_unparsable_installed_version_locks_nothing_out),
		cmocka_unit_test(test_index_below_the_floor_is_refused_even_when_newer),
		cmocka_unit_test(test_version_is_judged_before_the_index),
		cmocka_unit_test(test_check_names_the_bundle_and_the_reason),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
