/* SPDX-License-Identifier: Apache-2.0 */
/* test_fault_class.c - ota_code_fault (lib/err.c): whose fault each code of
 * err.h is, decided once for install, import, poll, the history and the
 * dashboard.  Every code is listed, so a new one must be classed here. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/err.h"

static const struct {
	int code;
	enum ota_fault fault;
} table[] = {
	{OTA_OK, OTA_FAULT_NONE},
	{OTA_EINTERNAL, OTA_FAULT_DEVICE},
	{OTA_EUSAGE, OTA_FAULT_DEVICE},
	{OTA_EIO, OTA_FAULT_SOURCE},
	{OTA_EFORMAT, OTA_FAULT_BUNDLE},
	{OTA_EBADSIG, OTA_FAULT_BUNDLE},
	{OTA_EUNTRUSTED, OTA_FAULT_BUNDLE},
	{OTA_EHASH, OTA_FAULT_BUNDLE},
	{OTA_ETARGET, OTA_FAULT_BUNDLE},
	{OTA_EPATH, OTA_FAULT_BUNDLE},
	{OTA_EFILESET, OTA_FAULT_BUNDLE},
	{OTA_EKEY, OTA_FAULT_DEVICE},
	{OTA_EEXIST, OTA_FAULT_DEVICE},
	{OTA_EBUSY, OTA_FAULT_DEVICE},
	{OTA_EROLLBACK, OTA_FAULT_BUNDLE},
	{OTA_EHEALTH, OTA_FAULT_RELEASE},
	{OTA_ECONFIG, OTA_FAULT_DEVICE},
	{OTA_ENOSPC, OTA_FAULT_DEVICE},
	{OTA_EFETCH, OTA_FAULT_SOURCE},
	{OTA_ESHARE, OTA_FAULT_DEVICE},
	{OTA_EVERSION, OTA_FAULT_BUNDLE},
	{OTA_EAUDIT, OTA_FAULT_DEVICE},
	{OTA_EINTR, OTA_FAULT_DEVICE},
	{OTA_EEXPIRED, OTA_FAULT_BUNDLE},
	{OTA_ERECEIPT, OTA_FAULT_DEVICE},
};

static void test_every_code_has_its_class(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (ota_code_fault(table[i].code) != table[i].fault)
			fail_msg("%d (%s): class %d, want %d", table[i].code,
				 ota_code_name(table[i].code), ota_code_fault(table[i].code),
				 table[i].fault);
}

/* The table above names every code err.h has: each has a name of its own. */
static void test_the_table_covers_every_code(void **state)
{
	int code;
	size_t i, named = 0;

	(void)state;
	for (code = 0; code >= -64; code--) {
		if (code != OTA_OK && !strcmp(ota_code_name(code), "error"))
			continue;
		named++;
		for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
			if (table[i].code == code)
				break;
		if (i == sizeof(table) / sizeof(table[0]))
			fail_msg("code %d (%s) is not classed in this test", code,
				 ota_code_name(code));
	}
	assert_int_equal(named, sizeof(table) / sizeof(table[0]));
}

/* A bundle's verdicts are exactly the exit statuses ota-verify documents
 * for a refused bundle, 4-10, anti-rollback's 14 and a version that is
 * not semantic, 20. */
static void test_bundle_faults_are_the_refusal_statuses(void **state)
{
	int code;

	(void)state;
	for (code = -1; code >= -24; code--) {
		int st = ota_exit_status(code);
		int refused = (st >= 4 && st <= 10) || st == 14 || st == 20 || st == 23;
		assert_int_equal(ota_code_fault(code) == OTA_FAULT_BUNDLE, refused);
	}
}

static void test_codes_not_ours_are_the_devices(void **state)
{
	(void)state;
	assert_int_equal(ota_code_fault(-99), OTA_FAULT_DEVICE);
	assert_int_equal(ota_code_fault(-25), OTA_FAULT_DEVICE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_code_has_its_class),
		cmocka_unit_test(test_the_table_covers_every_code),
		cmocka_unit_test(test_bundle_faults_are_the_refusal_statuses),
		cmocka_unit_test(test_codes_not_ours_are_the_devices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
