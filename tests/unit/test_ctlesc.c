/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of ctlesc.c: the one escaper of text from input on its way
 * to a terminal, the journal or the history. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "lib/ctlesc.h"

static void esc_is(const char *in, size_t max, const char *want)
{
	struct ota_buf b;

	ota_buf_init(&b, 0);
	assert_int_equal(ota_ctlesc(in, max, &b, NULL), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.data ? (const char *)b.data : "", want, b.len);
	ota_buf_free(&b);
}

static void test_ctlesc_escape_sequences_and_newlines_become_text(void **state)
{
	(void)state;
	esc_is("a\033]0;PWNED\a\033[2J\nota-agent: FAKE\r\tb.bundle", SIZE_MAX,
	       "a\\x1b]0;PWNED\\x07\\x1b[2J\\x0aota-agent: FAKE\\x0d\\x09b.bundle");
}

static void test_ctlesc_c1_controls_del_and_bidi_overrides_are_escaped(void **state)
{
	(void)state;
	/* U+0085 (NEL), DEL, U+202E (RLO), U+2066 (LRI) */
	esc_is("x\xc2\x85y\x7fz\xe2\x80\xaeq\xe2\x81\xa6", SIZE_MAX,
	       "x\\xc2\\x85y\\x7fz\\xe2\\x80\\xaeq\\xe2\\x81\\xa6");
}

static void test_ctlesc_keeps_printable_utf8_and_escapes_invalid_bytes(void **state)
{
	(void)state;
	esc_is("caf\xc3\xa9 cafe\xcc\x81 \xf0\x9f\x98\x80", SIZE_MAX,
	       "caf\xc3\xa9 cafe\xcc\x81 \xf0\x9f\x98\x80");
	esc_is("a\xff" "b\xc0\xaf" "c\xed\xa0\x80", SIZE_MAX,
	       "a\\xffb\\xc0\\xafc\\xed\\xa0\\x80");
}

static void test_ctlesc_stops_before_max_never_mid_character(void **state)
{
	(void)state;
	esc_is("ab\xc3\xa9", 3, "ab");
	esc_is("ab\n", 4, "ab");
	esc_is(NULL, SIZE_MAX, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctlesc_escape_sequences_and_newlines_become_text),
		cmocka_unit_test(test_ctlesc_c1_controls_del_and_bidi_overrides_are_escaped),
		cmocka_unit_test(test_ctlesc_keeps_printable_utf8_and_escapes_invalid_bytes),
		cmocka_unit_test(test_ctlesc_stops_before_max_never_mid_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
