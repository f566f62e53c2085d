/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of buf.c: the size cap holds exactly, whatever the growth
 * pattern, since it is what bounds hostile manifests and signatures. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/buf.h"

static void test_buf_refuses_one_byte_past_small_cap(void **state)
{
	struct ota_buf b;
	struct ota_err err = {0};

	(void)state;
	ota_buf_init(&b, 6);
	assert_int_equal(ota_buf_append(&b, "abcdef", 6, &err), 0);
	assert_int_equal(ota_buf_append(&b, "g", 1, &err), OTA_EFORMAT);
	assert_int_equal(b.len, 6);
	assert_string_equal((char *)b.data, "abcdef");
	ota_buf_free(&b);
}

static void test_buf_cap_holds_across_growth(void **state)
{
	struct ota_buf b;
	struct ota_err err = {0};
	size_t i;

	(void)state;
	/* 1000 is not a power of two: a cap checked only on growth lets 1023 in. */
	ota_buf_init(&b, 1000);
	for (i = 0; i < 1000; i++)
		assert_int_equal(ota_buf_putc(&b, 'x', &err), 0);
	assert_int_equal(ota_buf_putc(&b, 'x', &err), OTA_EFORMAT);
	assert_non_null(strstr(err.msg, "limit of 1000 bytes"));
	assert_int_equal(b.len, 1000);
	ota_buf_free(&b);
}

static void test_buf_without_cap_grows_and_stays_terminated(void **state)
{
	struct ota_buf b;
	struct ota_err err = {0};
	size_t i;

	(void)state;
	ota_buf_init(&b, 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(ota_buf_puts(&b, "ab", &err), 0);
	assert_int_equal(b.len, 10000);
	assert_int_equal(b.data[b.len], '\0');
	ota_buf_cleanse(&b);
	assert_null(b.data);
}

/* An uncapped buffer asked for an impossible length: the capacity must
 * not double past SIZE_MAX (it wrapped to 0 and looped forever). */
static void test_buf_impossible_length_fails_instead_of_looping(void **state)
{
	struct ota_buf b;
	struct ota_err err = {0};

	(void)state;
	ota_buf_init(&b, 0);
	assert_int_equal(ota_buf_putc(&b, 'x', &err), 0);
	assert_int_equal(ota_buf_append(&b, "y", SIZE_MAX - 300, &err), OTA_EINTERNAL);
	assert_int_equal(b.len, 1);
	assert_string_equal((char *)b.data, "x");
	ota_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_refuses_one_byte_past_small_cap),
		cmocka_unit_test(test_buf_cap_holds_across_growth),
		cmocka_unit_test(test_buf_without_cap_grows_and_stays_terminated),
		cmocka_unit_test(test_buf_impossible_length_fails_instead_of_looping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
