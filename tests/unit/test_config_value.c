/* SPDX-License-Identifier: Apache-2.0 */
/* test_config_value.c - the scalar grammar of lib/config_value.c: what the
 * config accepts as an integer, a duration in seconds and a URL, and how
 * durations are written back in messages. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "lib/config_value.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool uint_of(const char *s, unsigned long long *out)
{
	return ota_config_parse_uint(s, strlen(s), out);
}

static void test_config_value_uint_takes_plain_decimals(void **state)
{
	unsigned long long n;

	(void)state;
	assert_true(uint_of("0", &n));
	assert_int_equal(n, 0);
	assert_true(uint_of("8080", &n));
	assert_int_equal(n, 8080);
	assert_true(uint_of("999999999999", &n)); /* 12 digits: the longest */
	assert_int_equal(n, 999999999999ULL);
}

static void test_config_value_uint_refuses_everything_else(void **state)
{
	static const char *const bad[] = {
		"", "-1", "+1", "01", "00", " 1", "1 ", "1e3", "0x10", "1.0", "1_000", "١",
		"1000000000000", /* 13 digits */
	};
	unsigned long long n;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		if (uint_of(bad[i], &n))
			fail_msg("\"%s\" was taken as %llu", bad[i], n);
}

static void test_config_value_uint_reads_only_len_bytes(void **state)
{
	unsigned long long n;

	(void)state;
	assert_true(ota_config_parse_uint("12.5", 2, &n)); /* the seconds' whole part */
	assert_int_equal(n, 12);
}

static void test_config_value_seconds_up_to_three_decimals(void **state)
{
	static const struct {
		const char *text;
		unsigned long long ms;
	} ok[] = {
		{"0", 0}, {"60", 60000}, {"0.5", 500}, {"0.05", 50}, {"0.001", 1},
		{"1.250", 1250}, {"3600", 3600000},
	};
	unsigned long long ms;
	size_t i;

	(void)state;
	for (i = 0; i < N(ok); i++) {
		if (!ota_config_parse_seconds(ok[i].text, &ms) || ms != ok[i].ms)
			fail_msg("\"%s\": want %llu ms", ok[i].text, ok[i].ms);
	}
}

static void test_config_value_seconds_refuses_other_forms(void **state)
{
	static const char *const bad[] = {
		"", ".", "1.", ".5", "0.0001", "1.2.3", "-1", "1s", "1,5", "01", "1e3", " 1",
	};
	unsigned long long ms;
	size_t i;

	(void)state;
	for (i = 0; i < N(bad); i++)
		if (ota_config_parse_seconds(bad[i], &ms))
			fail_msg("\"%s\" was taken as %llu ms", bad[i], ms);
}

static void test_config_value_url_is_plain_http_on_one_line(void **state)
{
	static const char *const bad[] = {
		"",
		"http://",
		"https://127.0.0.1/",
		"HTTP://127.0.0.1/",
		"file:///etc/passwd",
		"ftp://host/",
		"http://host/a b",
		"http://host/\tx",
		"http://host/\nHost: evil",
		"http://host/\x7f",
		" http://host/",
	};
	size_t i;

	(void)state;
	assert_true(ota_config_url_ok("http://127.0.0.1:8080/health"));
	assert_true(ota_config_url_ok("http://[::1]:8480/bundles/"));
	for (i = 0; i < N(bad); i++)
		if (ota_config_url_ok(bad[i]))
			fail_msg("URL %zu was accepted", i);
}

static void test_config_value_format_seconds_as_written(void **state)
{
	static const struct {
		unsigned int ms;
		const char *text;
	} v[] = {
		{0, "0"}, {50, "0.05"}, {500, "0.5"}, {1, "0.001"}, {1000, "1"},
		{60000, "60"}, {1250, "1.25"}, {3600000, "3600"},
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++)
		assert_string_equal(ota_config_format_seconds(v[i].ms, buf, sizeof(buf)),
				    v[i].text);
}

/* What is written back parses to the same value: messages quote a bound
 * the user can paste into the config. */
static void test_config_value_format_then_parse_is_identity(void **state)
{
	unsigned long long ms;
	char buf[32];
	unsigned int i;

	(void)state;
	for (i = 0; i <= 3600000; i += 997) {
		assert_true(ota_config_parse_seconds(ota_config_format_seconds(i, buf, sizeof(buf)),
						     &ms));
		assert_int_equal(ms, i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_value_uint_takes_plain_decimals),
		cmocka_unit_test(test_config_value_uint_refuses_everything_else),
		cmocka_unit_test(test_config_value_uint_reads_only_len_bytes),
		cmocka_unit_test(test_config_value_seconds_up_to_three_decimals),
		cmocka_unit_test(test_config_value_seconds_refuses_other_forms),
		cmocka_unit_test(test_config_value_url_is_plain_http_on_one_line),
		cmocka_unit_test(test_config_value_format_seconds_as_written),
		cmocka_unit_test(test_config_value_format_then_parse_is_identity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
