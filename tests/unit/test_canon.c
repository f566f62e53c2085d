/* SPDX-License-Identifier: Apache-2.0 */
/* test_canon.c - canonical JSON (lib/canon.c) against Python's json.dumps.
 * Runs every vector in $OTA_VECTORS/canon_{valid,invalid}.json (written by
 * tests/vectors/gen_canon.py), then the tricky cases one by one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/hash.h"

#define NAME "manifest.json"

/* The vector files are generated; a truncated or emptied one must fail. */
#define MIN_VALID_VECTORS 600
#define MIN_INVALID_VECTORS 70

static json_t *load_vectors(const char *file)
{
	const char *dir = getenv("OTA_VECTORS");
	char path[4096];
	json_error_t jerr;
	json_t *v;

	if (!dir || !*dir)
		fail_msg("OTA_VECTORS is not set (point it at tests/vectors)");
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, file) >= sizeof(path))
		fail_msg("OTA_VECTORS path too long");
	v = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!v)
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
	if (!json_is_array(v))
		fail_msg("%s: not an array", path);
	return v;
}

static const char *field(json_t *vec, const char *key, size_t *len)
{
	json_t *s = json_object_get(vec, key);

	if (!json_is_string(s))
		fail_msg("vector %s: no string \"%s\"",
			 json_string_value(json_object_get(vec, "name")), key);
	*len = json_string_length(s);
	return json_string_value(s);
}

/* The bytes under test: "input" as UTF-8, or "input_hex" decoded. */
static unsigned char *vector_input(json_t *vec, size_t *len)
{
	const char *hex;
	unsigned char *b;
	size_t hlen;

	if (json_object_get(vec, "input")) {
		hex = field(vec, "input", len);
		b = malloc(*len + 1);
		assert_non_null(b);
		memcpy(b, hex, *len);
		return b;
	}
	hex = field(vec, "input_hex", &hlen);
	*len = hlen / 2;
	b = malloc(*len + 1);
	assert_non_null(b);
	if (hlen % 2 || ota_unhex(hex, b, *len) != 0)
		fail_msg("bad input_hex \"%s\"", hex);
	return b;
}

/* A reason must be one line of printable ASCII starting with the name. */
static void assert_one_line_reason(const struct ota_err *err, const char *name)
{
	size_t i;

	assert_int_equal(strncmp(err->msg, name, strlen(name)), 0);
	assert_int_equal(strncmp(err->msg + strlen(name), ": ", 2), 0);
	for (i = 0; err->msg[i]; i++) {
		if ((unsigned char)err->msg[i] < 0x20 || (unsigned char)err->msg[i] > 0x7e)
			fail_msg("byte 0x%02x in reason \"%s\"", (unsigned char)err->msg[i],
				 err->msg);
	}
}

static void assert_dump(const json_t *v, const char *want, size_t want_len, const char *what)
{
	struct ota_err err = {0};
	struct ota_buf out;

	ota_buf_init(&out, 0);
	if (ota_canon_dump(v, &out, &err) != 0)
		fail_msg("%s: dump: %s", what, err.msg);
	if (out.len != want_len || memcmp(out.data, want, want_len) != 0)
		fail_msg("%s: dump gives %.200s, want %.200s", what, (const char *)out.data,
			 want);
	ota_buf_free(&out);
}

static void check_valid_vector(json_t *vec)
{
	const char *name = json_string_value(json_object_get(vec, "name"));
	size_t ilen, clen;
	const char *in = field(vec, "input", &ilen);
	const char *canon = field(vec, "canonical", &clen);
	struct ota_err err = {0};
	json_t *v = NULL, *v2 = NULL, *v3 = NULL;

	if (ota_canon_parse((const unsigned char *)in, ilen, NAME, &v, &err) != 0)
		fail_msg("%s: parse: %s", name, err.msg);
	assert_dump(v, canon, clen, name);
	if (ota_canon_parse_canonical((const unsigned char *)canon, clen, NAME, &v2, &err) != 0)
		fail_msg("%s: parse_canonical: %s", name, err.msg);
	if (!json_equal(v, v2))
		fail_msg("%s: input and canonical parse to different values", name);
	assert_dump(v2, canon, clen, name);
	if (ilen != clen || memcmp(in, canon, clen) != 0) {
		if (ota_canon_parse_canonical((const unsigned char *)in, ilen, NAME, &v3, &err) !=
		    OTA_EFORMAT)
			fail_msg("%s: non-canonical input accepted as canonical", name);
		assert_null(v3);
		assert_non_null(strstr(err.msg, "not canonical JSON (first difference at byte "));
	}
	json_decref(v);
	json_decref(v2);
}

static void test_canon_valid_vectors_match_python(void **state)
{
	json_t *vecs = load_vectors("canon_valid.json"), *vec;
	size_t i;

	(void)state;
	assert_true(json_array_size(vecs) >= MIN_VALID_VECTORS);
	json_array_foreach(vecs, i, vec)
		check_valid_vector(vec);
	json_decref(vecs);
}

static void check_invalid_vector(json_t *vec)
{
	const char *name = json_string_value(json_object_get(vec, "name"));
	size_t len, wlen;
	const char *why = field(vec, "why", &wlen);
	unsigned char *in = vector_input(vec, &len);
	struct ota_err err = {0};
	json_t *v = NULL;
	int rc;

	rc = ota_canon_parse(in, len, NAME, &v, &err);
	if (strcmp(why, "syntax") == 0) {
		if (rc != OTA_EFORMAT)
			fail_msg("%s: parse returned %d, want OTA_EFORMAT", name, rc);
		assert_null(v);
	} else if (strcmp(why, "noncanonical") == 0) {
		if (rc != 0)
			fail_msg("%s: parse: %s", name, err.msg);
		json_decref(v);
		v = NULL;
	} else {
		fail_msg("%s: unknown why \"%s\"", name, why);
	}
	rc = ota_canon_parse_canonical(in, len, NAME, &v, &err);
	if (rc != OTA_EFORMAT)
		fail_msg("%s: parse_canonical returned %d, want OTA_EFORMAT", name, rc);
	assert_null(v);
	assert_one_line_reason(&err, NAME);
	if (strcmp(why, "noncanonical") == 0 && !strstr(err.msg, "not canonical JSON"))
		fail_msg("%s: reason \"%s\" does not say why", name, err.msg);
	free(in);
}

static void test_canon_invalid_vectors_fail_where_expected(void **state)
{
	json_t *vecs = load_vectors("canon_invalid.json"), *vec;
	size_t i;

	(void)state;
	assert_true(json_array_size(vecs) >= MIN_INVALID_VECTORS);
	json_array_foreach(vecs, i, vec)
		check_invalid_vector(vec);
	json_decref(vecs);
}

/* Dump the string of len bytes s and compare with want. */
static void assert_string_dump(const char *s, size_t len, const char *want)
{
	json_t *v = json_stringn(s, len);

	assert_non_null(v);
	assert_dump(v, want, strlen(want), want);
	json_decref(v);
}

static void test_canon_escapes_del_as_u007f(void **state)
{
	(void)state;
	assert_string_dump("\x7f", 1, "\"\\u007f\"");
	assert_string_dump("~\x7f", 2, "\"~\\u007f\"");
}

static void test_canon_escapes_controls_with_lowercase_hex(void **state)
{
	(void)state;
	assert_string_dump("\x1f\x0b\x1b", 3, "\"\\u001f\\u000b\\u001b\"");
	assert_string_dump("\0", 1, "\"\\u0000\"");
}

static void test_canon_uses_python_short_escapes(void **state)
{
	(void)state;
	assert_string_dump("\"\\\b\f\n\r\t", 7, "\"\\\"\\\\\\b\\f\\n\\r\\t\"");
}

static void test_canon_does_not_escape_slash(void **state)
{
	(void)state;
	assert_string_dump("a/b", 3, "\"a/b\"");
}

static void test_canon_escapes_bmp_as_lowercase_u(void **state)
{
	(void)state;
	assert_string_dump("\xc3\xa9", 2, "\"\\u00e9\"");
	assert_string_dump("\xe2\x80\xa8", 3, "\"\\u2028\"");
	assert_string_dump("\xef\xbb\xbf", 3, "\"\\ufeff\"");
	assert_string_dump("\xef\xbf\xbf", 3, "\"\\uffff\"");
}

static void test_canon_writes_non_bmp_as_lowercase_surrogate_pair(void **state)
{
	(void)state;
	assert_string_dump("\xf0\x9f\x98\x80", 4, "\"\\ud83d\\ude00\"");
	assert_string_dump("\xf0\x90\x80\x80", 4, "\"\\ud800\\udc00\"");
	assert_string_dump("\xf4\x8f\xbf\xbf", 4, "\"\\udbff\\udfff\"");
}

static void test_canon_keeps_nul_inside_string_value(void **state)
{
	static const char in[] = "\"a\\u0000b\"";
	struct ota_err err = {0};
	json_t *v = NULL;

	(void)state;
	assert_int_equal(ota_canon_parse_canonical((const unsigned char *)in, strlen(in), NAME,
						   &v, &err),
			 0);
	assert_int_equal(json_string_length(v), 3);
	assert_memory_equal(json_string_value(v), "a\0b", 3);
	assert_dump(v, in, strlen(in), "NUL in value");
	json_decref(v);
}

/* Python sorts str keys by code point; sorting UTF-16 units (as JavaScript
 * does) would put U+1F600 (d83d) before U+E000. */
static void test_canon_sorts_keys_by_code_point_not_utf16(void **state)
{
	static const char want[] = "{\"\\ue000\":2,\"\\uffff\":3,\"\\ud83d\\ude00\":1}";
	json_t *o = json_object();

	(void)state;
	assert_int_equal(json_object_set_new(o, "\xf0\x9f\x98\x80", json_integer(1)), 0);
	assert_int_equal(json_object_set_new(o, "\xee\x80\x80", json_integer(2)), 0);
	assert_int_equal(json_object_set_new(o, "\xef\xbf\xbf", json_integer(3)), 0);
	assert_dump(o, want, strlen(want), "UTF-16 order");
	json_decref(o);
}

static void test_canon_sorts_shorter_key_first(void **state)
{
	static const char want[] = "{\"\":0,\"a\":1,\"a\\u0001\":3,\"ab\":2,\"b\":4}";
	json_t *o = json_object();

	(void)state;
	assert_int_equal(json_object_set_new(o, "b", json_integer(4)), 0);
	assert_int_equal(json_object_set_new(o, "ab", json_integer(2)), 0);
	assert_int_equal(json_object_set_new(o, "a\x01", json_integer(3)), 0);
	assert_int_equal(json_object_set_new(o, "a", json_integer(1)), 0);
	assert_int_equal(json_object_set_new(o, "", json_integer(0)), 0);
	assert_dump(o, want, strlen(want), "prefix order");
	json_decref(o);
}

static void test_canon_dumps_integer_limits(void **state)
{
	static const char want[] = "[9223372036854775807,-9223372036854775808,0,-1]";
	json_t *a = json_pack("[IIII]", (json_int_t)INT64_MAX, (json_int_t)INT64_MIN,
			      (json_int_t)0, (json_int_t)-1);

	(void)state;
	assert_non_null(a);
	assert_dump(a, want, strlen(want), "integer limits");
	json_decref(a);
}

/* Parse text; expect OTA_EFORMAT with a reason containing part. */
static void assert_parse_refused(const char *text, size_t len, const char *part)
{
	struct ota_err err = {0};
	json_t *v = (json_t *)&err; /* must be reset to NULL */

	if (ota_canon_parse((const unsigned char *)text, len, NAME, &v, &err) != OTA_EFORMAT)
		fail_msg("%s: parsed", text);
	assert_null(v);
	assert_one_line_reason(&err, NAME);
	if (!strstr(err.msg, part))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, part);
}

#define REFUSED(lit, part) assert_parse_refused(lit, sizeof(lit) - 1, part)

static void test_canon_refuses_integer_overflow(void **state)
{
	(void)state;
	REFUSED("9223372036854775808", "too big integer");
	REFUSED("[-9223372036854775809]", "too big negative integer");
}

static void test_canon_refuses_reals_and_null_anywhere(void **state)
{
	(void)state;
	REFUSED("{\"a\":[1,[2.5]]}", "real numbers are not allowed");
	REFUSED("-0.0", "real numbers are not allowed");
	REFUSED("{\"a\":{\"b\":null}}", "null is not allowed");
}

static void test_canon_refuses_duplicate_key_naming_file(void **state)
{
	(void)state;
	REFUSED("{\"files\":1,\"files\":2}", "duplicate object key");
	REFUSED("{\"files\":1,\"files\":2}", "\"files\"");
	REFUSED("{\"a\":{\"b\":1,\"\\u0062\":2}}", "duplicate object key");
}

static void test_canon_refuses_nul_in_key_when_parsing(void **state)
{
	(void)state;
	REFUSED("{\"a\\u0000\":1}", "NUL byte in object key");
}

static void test_canon_refuses_lone_surrogate_escape(void **state)
{
	(void)state;
	REFUSED("\"\\ud800\"", "invalid Unicode");
	REFUSED("\"\\udfff\"", "invalid Unicode");
}

/* jansson quotes the raw input in its reason; hostile bytes must not get
 * into the one-line message as they are. */
static void test_canon_reason_stays_one_line_for_raw_bytes(void **state)
{
	(void)state;
	REFUSED("\xef\xbb\xbf{}", "\\xef\\xbb\\xbf");
	REFUSED("{\"\xe2\x80\xa8\":1,\"\xe2\x80\xa8\":2}", "\\xe2\\x80\\xa8");
}

/* n nested arrays ("[[...]]"), as text. */
static char *nested_arrays(int n)
{
	char *s = malloc(2 * (size_t)n + 1);
	int i;

	assert_non_null(s);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	s[2 * n] = '\0';
	return s;
}

static void test_canon_accepts_depth_32_refuses_33(void **state)
{
	char *ok = nested_arrays(32), *deep = nested_arrays(33);
	struct ota_err err = {0};
	json_t *v = NULL;

	(void)state;
	assert_int_equal(ota_canon_parse_canonical((unsigned char *)ok, 64, NAME, &v, &err), 0);
	assert_dump(v, ok, 64, "depth 32");
	json_decref(v);
	assert_parse_refused(deep, 66, "nested more than 32 levels deep");
	free(ok);
	free(deep);
}

static void test_canon_dump_refuses_depth_33_built_in_memory(void **state)
{
	struct ota_err err = {0};
	struct ota_buf out;
	json_t *root = json_array(), *cur = root, *next;
	int i;

	(void)state;
	for (i = 1; i < 33; i++) {
		next = json_array();
		assert_int_equal(json_array_append_new(cur, next), 0);
		cur = next;
	}
	ota_buf_init(&out, 0);
	assert_int_equal(ota_canon_dump(root, &out, &err), OTA_EFORMAT);
	assert_non_null(strstr(err.msg, "nested more than 32 levels deep"));
	assert_int_equal(out.len, 0);
	ota_buf_free(&out);
	json_decref(root);
}

/* jansson only refuses a direct self-reference; a longer cycle must hit
 * the depth limit instead of recursing until the stack runs out. */
static void test_canon_dump_stops_on_reference_cycle(void **state)
{
	struct ota_err err = {0};
	struct ota_buf out;
	json_t *a = json_array(), *b = json_array();

	(void)state;
	assert_int_equal(json_array_append(a, b), 0);
	assert_int_equal(json_array_append(b, a), 0);
	ota_buf_init(&out, 0);
	assert_int_equal(ota_canon_dump(a, &out, &err), OTA_EFORMAT);
	ota_buf_free(&out);
	json_array_clear(b);
	json_decref(a);
	json_decref(b);
}

static void assert_dump_refused(json_t *v, const char *part)
{
	struct ota_err err = {0};
	struct ota_buf out;

	assert_non_null(v);
	ota_buf_init(&out, 0);
	assert_int_equal(ota_buf_puts(&out, "keep", &err), 0);
	assert_int_equal(ota_canon_dump(v, &out, &err), OTA_EFORMAT);
	if (!strstr(err.msg, part))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, part);
	/* A failed dump leaves the buffer as it was. */
	assert_int_equal(out.len, 4);
	assert_string_equal((char *)out.data, "keep");
	ota_buf_free(&out);
	json_decref(v);
}

static void test_canon_dump_refuses_real_and_null(void **state)
{
	(void)state;
	assert_dump_refused(json_pack("[i,f]", 1, 1.0), "real");
	assert_dump_refused(json_pack("{s:[n]}", "a"), "null");
}

static void test_canon_dump_refuses_nul_in_key(void **state)
{
	json_t *o = json_object();

	(void)state;
	assert_int_equal(json_object_setn_new(o, "a\0b", 3, json_true()), 0);
	assert_dump_refused(o, "U+0000");
}

static void test_canon_dump_refuses_invalid_utf8_string(void **state)
{
	(void)state;
	assert_dump_refused(json_pack("[o]", json_stringn_nocheck("\xff", 1)), "UTF-8");
	assert_dump_refused(json_stringn_nocheck("\xed\xa0\x80", 3), "UTF-8");
	assert_dump_refused(json_stringn_nocheck("\xc0\x80", 2), "UTF-8");
}

static void test_canon_dump_appends_to_buffer(void **state)
{
	struct ota_err err = {0};
	struct ota_buf out;
	json_t *v = json_true();

	(void)state;
	ota_buf_init(&out, 0);
	assert_int_equal(ota_buf_puts(&out, "x", &err), 0);
	assert_int_equal(ota_canon_dump(v, &out, &err), 0);
	assert_string_equal((char *)out.data, "xtrue");
	ota_buf_free(&out);
}

static void test_canon_dump_respects_buffer_cap(void **state)
{
	struct ota_err err = {0};
	struct ota_buf out;
	char big[400];
	json_t *v;

	(void)state;
	memset(big, 'a', sizeof(big));
	v = json_stringn(big, sizeof(big));
	assert_non_null(v);
	ota_buf_init(&out, 300);
	assert_int_equal(ota_canon_dump(v, &out, &err), OTA_EFORMAT);
	assert_true(out.len <= 300);
	ota_buf_free(&out);
	json_decref(v);
}

static void assert_first_difference(const char *text, const char *want)
{
	struct ota_err err = {0};
	json_t *v = (json_t *)&err;

	assert_int_equal(ota_canon_parse_canonical((const unsigned char *)text, strlen(text),
						   NAME, &v, &err),
			 OTA_EFORMAT);
	assert_null(v);
	assert_string_equal(err.msg, want);
}

static void test_canon_reports_first_difference_offset(void **state)
{
	(void)state;
	assert_first_difference("{\"a\":1 }",
				NAME ": not canonical JSON (first difference at byte 6)");
	assert_first_difference("{}\n", NAME ": not canonical JSON (first difference at byte 2)");
	assert_first_difference("{\"b\":1,\"a\":2}",
				NAME ": not canonical JSON (first difference at byte 2)");
	assert_first_difference("[\"\\u00E9\"]",
				NAME ": not canonical JSON (first difference at byte 6)");
	assert_first_difference("-0", NAME ": not canonical JSON (first difference at byte 0)");
}

static void test_canon_parse_accepts_any_top_level_value(void **state)
{
	struct ota_err err = {0};
	json_t *v = NULL;

	(void)state;
	assert_int_equal(ota_canon_parse_canonical((const unsigned char *)"\"s\"", 3, NAME, &v,
						   &err),
			 0);
	assert_true(json_is_string(v));
	json_decref(v);
	assert_int_equal(ota_canon_parse_canonical((const unsigned char *)"-5", 2, NAME, &v, &err),
			 0);
	assert_int_equal(json_integer_value(v), -5);
	json_decref(v);
}

/* The length, not a NUL, ends the input. */
static void test_canon_parse_uses_length_not_nul(void **state)
{
	struct ota_err err = {0};
	json_t *v = NULL;

	(void)state;
	assert_int_equal(ota_canon_parse((const unsigned char *)"[1]]", 3, NAME, &v, &err), 0);
	json_decref(v);
	REFUSED("[1]\0", "end of file expected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_valid_vectors_match_python),
		cmocka_unit_test(test_canon_invalid_vectors_fail_where_expected),
		cmocka_unit_test(test_canon_escapes_del_as_u007f),
		cmocka_unit_test(test_canon_escapes_controls_with_lowercase_hex),
		cmocka_unit_test(test_canon_uses_python_short_escapes),
		cmocka_unit_test(test_canon_does_not_escape_slash),
		cmocka_unit_test(test_canon_escapes_bmp_as_lowercase_u),
		cmocka_unit_test(test_canon_writes_non_bmp_as_lowercase_surrogate_pair),
		cmocka_unit_test(test_canon_keeps_nul_inside_string_value),
		cmocka_unit_test(test_canon_sorts_keys_by_code_point_not_utf16),
		cmocka_unit_test(test_canon_sorts_shorter_key_first),
		cmocka_unit_test(test_canon_dumps_integer_limits),
		cmocka_unit_test(test_canon_refuses_integer_overflow),
		cmocka_unit_test(test_canon_refuses_reals_and_null_anywhere),
		cmocka_unit_test(test_canon_refuses_duplicate_key_naming_file),
		cmocka_unit_test(test_canon_refuses_nul_in_key_when_parsing),
		cmocka_unit_test(test_canon_refuses_lone_surrogate_escape),
		cmocka_unit_test(test_canon_reason_stays_one_line_for_raw_bytes),
		cmocka_unit_test(test_canon_accepts_depth_32_refuses_33),
		cmocka_unit_test(test_canon_dump_refuses_depth_33_built_in_memory),
		cmocka_unit_test(test_canon_dump_stops_on_reference_cycle),
		cmocka_unit_test(test_canon_dump_refuses_real_and_null),
		cmocka_unit_test(test_canon_dump_refuses_nul_in_key),
		cmocka_unit_test(test_canon_dump_refuses_invalid_utf8_string),
		cmocka_unit_test(test_canon_dump_appends_to_buffer),
		cmocka_unit_test(test_canon_dump_respects_buffer_cap),
		cmocka_unit_test(test_canon_reports_first_difference_offset),
		cmocka_unit_test(test_canon_parse_accepts_any_top_level_value),
		cmocka_unit_test(test_canon_parse_uses_length_not_nul),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
