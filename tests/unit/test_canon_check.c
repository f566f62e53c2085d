/* SPDX-License-Identifier: Apache-2.0 */
/* test_canon_check.c - the byte-level canonical check and cursor
 * (lib/canon_check.c) against the tree-based parse (lib/canon.c): they must
 * accept exactly the same texts.  Every vector of canon_{valid,invalid}.json,
 * every Unicode scalar value as string and as key, the tricky cases one by
 * one, then 200,000 seeded mutations of canonical texts, each judged by both. */
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
#define MUTATIONS 200000

static json_t *load_vectors(const char *file)
{
	const char *dir = getenv("OTA_VECTORS");
	char path[4096];
	json_error_t jerr;
	json_t *v;

	if (!dir || !*dir)
		fail_msg("OTA_VECTORS is not set (point it at tests/vectors)");
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	v = json_load_file(path, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!v || !json_is_array(v))
		fail_msg("%s: %s", path, v ? "not an array" : jerr.text);
	return v;
}

/* Both judges' verdict on text; they must agree. */
static bool accepted(const unsigned char *text, size_t len, const char *what)
{
	struct ota_err e1 = {0}, e2 = {0};
	json_t *v = NULL;
	int lean = ota_canon_check(text, len, NAME, &e1);
	int tree = ota_canon_parse_canonical(text, len, NAME, &v, &e2);

	json_decref(v);
	if ((lean == 0) != (tree == 0))
		fail_msg("%s: check says %d (%s), parse_canonical says %d (%s): %.*s", what, lean,
			 e1.msg, tree, e2.msg, (int)(len < 200 ? len : 200), (const char *)text);
	if (lean != 0 && lean != OTA_EFORMAT)
		fail_msg("%s: check returned %d, not OTA_EFORMAT", what, lean);
	if (lean && strncmp(e1.msg, NAME ": ", strlen(NAME) + 2))
		fail_msg("%s: reason \"%s\" does not start with the name", what, e1.msg);
	return lean == 0;
}

static void test_canon_check_agrees_on_every_vector(void **state)
{
	json_t *valid = load_vectors("canon_valid.json"), *invalid = load_vectors(
								 "canon_invalid.json"), *vec, *s;
	size_t i, ilen, clen;
	const char *in, *canon, *hex;
	unsigned char *b;

	(void)state;
	json_array_foreach(valid, i, vec) {
		in = json_string_value(json_object_get(vec, "input"));
		ilen = json_string_length(json_object_get(vec, "input"));
		canon = json_string_value(json_object_get(vec, "canonical"));
		clen = json_string_length(json_object_get(vec, "canonical"));
		assert_true(accepted((const unsigned char *)canon, clen, "canonical vector"));
		assert_int_equal(accepted((const unsigned char *)in, ilen, "input vector"),
				 ilen == clen && memcmp(in, canon, clen) == 0);
	}
	json_array_foreach(invalid, i, vec) {
		if ((s = json_object_get(vec, "input"))) {
			assert_false(accepted((const unsigned char *)json_string_value(s),
					      json_string_length(s), "invalid vector"));
			continue;
		}
		hex = json_string_value(json_object_get(vec, "input_hex"));
		b = malloc(strlen(hex) / 2 + 1);
		assert_non_null(b);
		assert_int_equal(ota_unhex(hex, b, strlen(hex) / 2), 0);
		assert_false(accepted(b, strlen(hex) / 2, "invalid hex vector"));
		free(b);
	}
	json_decref(valid);
	json_decref(invalid);
}

static size_t utf8(unsigned long c, char *out)
{
	if (c < 0x80)
		return out[0] = (char)c, 1;
	if (c < 0x800)
		return out[0] = (char)(0xc0 | c >> 6), out[1] = (char)(0x80 | (c & 0x3f)), 2;
	if (c < 0x10000)
		return out[0] = (char)(0xe0 | c >> 12), out[1] = (char)(0x80 | (c >> 6 & 0x3f)),
		       out[2] = (char)(0x80 | (c & 0x3f)), 3;
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

/* The plane's first and last scalar values as keys, last first: refused. */
static void check_swapped(unsigned long plane)
{
	unsigned long lo = plane ? plane << 16 : 1, hi = ((plane + 1) << 16) - 1;
	struct ota_err err = {0};
	struct ota_buf obj;
	char k[4];

	ota_buf_init(&obj, 0);
	assert_int_equal(ota_buf_putc(&obj, '{', &err), 0);
	assert_int_equal(ota_canon_put_string(&obj, k, utf8(hi, k), &err), 0);
	assert_int_equal(ota_buf_puts(&obj, ":0,", &err), 0);
	assert_int_equal(ota_canon_put_string(&obj, k, utf8(lo, k), &err), 0);
	assert_int_equal(ota_buf_puts(&obj, ":0}", &err), 0);
	assert_false(accepted(obj.data, obj.len, "swapped keys"));
	ota_buf_free(&obj);
}

/* Every scalar value of a plane: its canonical string is accepted and
 * decodes back to the same UTF-8; as keys (in code point order) accepted,
 * and refused with two neighbours swapped. */
static void check_plane(unsigned long plane, bool keys)
{
	char *s = malloc(4 * 0x10000), *back = malloc(4 * 0x10000 + 1);
	struct ota_err err = {0};
	struct ota_canon_cur cur;
	struct ota_buf out, obj;
	size_t len = 0, blen, n;
	unsigned long c;
	char k[4];

	assert_non_null(s);
	assert_non_null(back);
	ota_buf_init(&out, 0);
	ota_buf_init(&obj, 0);
	assert_int_equal(ota_buf_putc(&obj, '{', &err), 0);
	for (c = plane << 16; c < (plane + 1) << 16; c++) {
		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		n = utf8(c, k);
		memcpy(s + len, k, n);
		len += n;
		if (!keys || c == 0)
			continue;
		if (obj.len > 1)
			assert_int_equal(ota_buf_putc(&obj, ',', &err), 0);
		assert_int_equal(ota_canon_put_string(&obj, k, n, &err), 0);
		assert_int_equal(ota_buf_puts(&obj, ":0", &err), 0);
	}
	assert_int_equal(ota_buf_putc(&obj, '}', &err), 0);
	assert_int_equal(ota_canon_put_string(&out, s, len, &err), 0);
	assert_int_equal(ota_canon_check(out.data, out.len, NAME, &err), 0);
	cur = (struct ota_canon_cur){.p = out.data, .end = out.data + out.len};
	assert_int_equal(ota_canon_get_string(&cur, back, 4 * 0x10000 + 1, &blen),
			 plane == 0 ? OTA_CANON_NUL : 0);
	assert_int_equal(blen, len);
	assert_memory_equal(back, s, len);
	assert_ptr_equal(cur.p, cur.end);
	if (keys) {
		if (ota_canon_check(obj.data, obj.len, NAME, &err))
			fail_msg("plane %lu keys: %s", plane, err.msg);
		check_swapped(plane);
	}
	ota_buf_free(&out);
	ota_buf_free(&obj);
	free(s);
	free(back);
}

static void test_canon_check_accepts_every_scalar_value(void **state)
{
	unsigned long plane;

	(void)state;
	for (plane = 0; plane < 17; plane++)
		check_plane(plane, plane == 0 || plane == 1 || plane == 14 || plane == 16);
}

#define ACCEPTED(lit, what) accepted((const unsigned char *)(lit), sizeof(lit) - 1, what)

/* Python sorts keys by code point; UTF-16 order would put U+10000 first. */
static void test_canon_check_orders_keys_by_code_point(void **state)
{
	(void)state;
	assert_true(ACCEPTED("{\"\\ue000\":1,\"\\ud800\\udc00\":2}",
			     "code point order"));
	assert_false(ACCEPTED("{\"\\ud800\\udc00\":2,\"\\ue000\":1}",
			      "UTF-16 order"));
	assert_true(ACCEPTED("{\"\":1,\"a\":2,\"a\\u0001\":3,\"ab\":4}",
			     "shorter first"));
	assert_false(ACCEPTED("{\"ab\":4,\"a\":2}", "longer first"));
	assert_true(ACCEPTED("{\"\\n\":1,\"~\":2,\"\\u007f\":3}",
			     "escaped keys in code point order"));
}

struct reason {
	const char *text;
	const char *why; /* must appear in the reason */
};

static void test_canon_check_says_why(void **state)
{
	static const struct reason t[] = {
		{"{\"a\":1 }", "not canonical JSON at byte 6: whitespace"},
		{"{}\n", "not canonical JSON at byte 2: whitespace"},
		{"{\"b\":1,\"a\":2}", "not canonical JSON at byte 7: object keys out of order"},
		{"{\"a\":1,\"a\":2}", "duplicate object key at byte 7"},
		{"{\"a\":1,\"\\u0061\":2}", "needless \\u escape"},
		{"[\"\\u00E9\"]", "uppercase hex"},
		{"\"a\\/b\"", "needless escape \\/"},
		{"\"\\u000a\"", "short escape"},
		{"\"\xc3\xa9\"", "raw byte outside printable ASCII"},
		{"\"\x7f\"", "raw byte outside printable ASCII"},
		{"\"\\ud800\"", "lone high surrogate"},
		{"\"\\udc00\"", "lone low surrogate"},
		{"-0", "-0"},
		{"01", "leading zero"},
		{"9223372036854775808", "too big integer"},
		{"-9223372036854775809", "too big integer"},
		{"[1.5]", "real numbers are not allowed"},
		{"1e3", "real numbers are not allowed"},
		{"{\"a\":null}", "null is not allowed"},
		{"{\"a\\u0000\":1}", "NUL byte in object key"},
		{"", "unexpected end"},
		{"[1]x", "data after the value"},
		{"[1,]", "unexpected byte"},
		{"\"abc", "unterminated string"},
		{"\"a\tb\"", "control character"},
		{"tru", "invalid literal"},
	};
	struct ota_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (accepted((const unsigned char *)t[i].text, strlen(t[i].text), t[i].text))
			fail_msg("accepted %s", t[i].text);
		ota_canon_check((const unsigned char *)t[i].text, strlen(t[i].text), NAME, &err);
		if (!strstr(err.msg, t[i].why))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", t[i].text, err.msg, t[i].why);
	}
}

static void test_canon_check_accepts_the_edges_of_the_model(void **state)
{
	static const char *const ok[] = {
		"9223372036854775807", "-9223372036854775808", "0", "-1", "true", "false", "\"\"",
		"\"\\u0000\"", "{\"a\":\"\\u0000\"}", "\"\\\"\\\\\\b\\f\\n\\r\\t\"", "\"\\u001f\\u007f\"",
		"[[],{},[{}]]", "\"\\ud83d\\ude00\"", "\"\\uffff\"", "{\"\":0}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_true(accepted((const unsigned char *)ok[i], strlen(ok[i]), ok[i]));
}

static void test_canon_check_limits_depth_to_32(void **state)
{
	char deep[80];
	int n;

	(void)state;
	for (n = 32; n <= 33; n++) {
		memset(deep, '[', (size_t)n);
		memset(deep + n, ']', (size_t)n);
		assert_int_equal(accepted((unsigned char *)deep, 2 * (size_t)n, "depth"), n == 32);
	}
}

static void test_canon_cursor_reads_values(void **state)
{
	static const char text[] = "{\"a\\n\\u00e9\\ud83d\\ude00\":-9223372036854775808,"
				   "\"b\":[1,{\"c\":\"x\"}],\"d\":true}";
	struct ota_canon_cur cur = {.p = (const unsigned char *)text,
				    .end = (const unsigned char *)text + sizeof(text) - 1};
	struct ota_err err = {0};
	char s[16], small[4];
	long long v;
	size_t len;

	(void)state;
	assert_int_equal(ota_canon_check(cur.p, sizeof(text) - 1, NAME, &err), 0);
	assert_int_equal(ota_canon_eat(&cur, '{'), 0);
	assert_int_equal(ota_canon_get_string(&cur, s, sizeof(s), &len), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(s, "a\n\xc3\xa9\xf0\x9f\x98\x80", 9);
	assert_int_equal(ota_canon_eat(&cur, ':'), 0);
	assert_int_equal(ota_canon_get_int(&cur, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(ota_canon_eat(&cur, ','), 0);
	assert_int_equal(ota_canon_get_string(&cur, small, sizeof(small), &len), 0);
	assert_string_equal(small, "b");
	assert_int_equal(ota_canon_eat(&cur, ':'), 0);
	assert_int_equal(ota_canon_skip(&cur), 0);
	assert_int_equal(ota_canon_eat(&cur, ','), 0);
	assert_int_equal(ota_canon_skip(&cur), 0); /* a key */
	assert_int_equal(ota_canon_eat(&cur, ':'), 0);
	assert_int_equal(ota_canon_skip(&cur), 0);
	assert_int_equal(ota_canon_eat(&cur, '}'), 0);
	assert_ptr_equal(cur.p, cur.end);
	/* Too small a buffer: a prefix cut at a character boundary, and 1. */
	cur.p = (const unsigned char *)text + 1;
	assert_int_equal(ota_canon_get_string(&cur, small, 3, &len), 1);
	assert_string_equal(small, "a\n");
	assert_int_equal(ota_canon_eat(&cur, '{'), -1);
}

/* A few bytes that matter to JSON, and some that do not. */
static const char poke[] = "\"\\{}[],:0123456789-.eE aAfFuntl\x7f\x80\xc3\xa9\xed\xa0\x01";

static size_t mutate(unsigned char *t, size_t len, size_t cap, uint64_t *seed)
{
	size_t at, n;

	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	at = len ? (size_t)(*seed >> 33) % len : 0;
	switch ((*seed >> 20) % 4) {
	case 0: /* replace */
		if (len)
			t[at] = (unsigned char)poke[(*seed >> 40) % (sizeof(poke) - 1)];
		return len;
	case 1: /* insert */
		if (len + 1 > cap)
			return len;
		memmove(t + at + 1, t + at, len - at);
		t[at] = (unsigned char)poke[(*seed >> 40) % (sizeof(poke) - 1)];
		return len + 1;
	case 2: /* delete */
		if (!len)
			return len;
		memmove(t + at, t + at + 1, len - at - 1);
		return len - 1;
	default: /* duplicate a slice */
		n = 1 + (size_t)(*seed >> 45) % 8;
		if (at + n > len || len + n > cap)
			return len;
		memmove(t + at + n, t + at, len - at);
		return len + n;
	}
}

static void test_canon_check_agrees_on_mutations(void **state)
{
	json_t *valid = load_vectors("canon_valid.json");
	size_t nvec = json_array_size(valid), i, len, clen, took = 0;
	unsigned char t[1024];
	uint64_t seed = 7;
	const char *canon;
	size_t kept = 0;
	int k, rounds;

	(void)state;
	for (i = 0; took < MUTATIONS; i = (i + 1) % nvec) {
		canon = json_string_value(json_object_get(json_array_get(valid, i), "canonical"));
		clen = json_string_length(json_object_get(json_array_get(valid, i), "canonical"));
		if (clen > 512)
			continue;
		memcpy(t, canon, clen);
		len = clen;
		rounds = 1 + (int)((seed >> 50) % 3);
		for (k = 0; k < rounds; k++)
			len = mutate(t, len, sizeof(t), &seed);
		kept += accepted(t, len, "mutation");
		took++;
	}
	/* Both verdicts must be common, or the mutations test nothing. */
	assert_true(kept > MUTATIONS / 50 && kept < MUTATIONS / 2);
	json_decref(valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_check_agrees_on_every_vector),
		cmocka_unit_test(test_canon_check_accepts_every_scalar_value),
		cmocka_unit_test(test_canon_check_orders_keys_by_code_point),
		cmocka_unit_test(test_canon_check_says_why),
		cmocka_unit_test(test_canon_check_accepts_the_edges_of_the_model),
		cmocka_unit_test(test_canon_check_limits_depth_to_32),
		cmocka_unit_test(test_canon_cursor_reads_values),
		cmocka_unit_test(test_canon_check_agrees_on_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
