/* SPDX-License-Identifier: Apache-2.0 */
/* test_canon_planes.c - every Unicode scalar value through lib/canon.c,
 * against Python's json.dumps.  $OTA_VECTORS/canon_planes.json (written by
 * tests/vectors/gen_canon.py) holds, per plane, the SHA-256 of the canonical
 * form of a string of every scalar value of the plane and of an object with
 * one key per scalar value: 1,112,064 code points, as value and as key. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/hash.h"

#define PLANES 17

/* Append the UTF-8 of scalar value c to out; returns the byte count. */
static size_t utf8(unsigned long c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | c >> 12);
		out[1] = (char)(0x80 | (c >> 6 & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | c >> 18);
	out[1] = (char)(0x80 | (c >> 12 & 0x3f));
	out[2] = (char)(0x80 | (c >> 6 & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

static int is_surrogate(unsigned long c)
{
	return c >= 0xd800 && c <= 0xdfff;
}

static void assert_dump_sha256(const json_t *v, const char *want_hex, const char *what)
{
	unsigned char md[OTA_SHA256_LEN];
	char hex[OTA_SHA256_HEX_LEN + 1];
	struct ota_err err = {0};
	struct ota_buf out;

	ota_buf_init(&out, 0);
	if (ota_canon_dump(v, &out, &err) != 0)
		fail_msg("%s: dump: %s", what, err.msg);
	assert_int_equal(ota_sha256(out.data, out.len, md, &err), 0);
	ota_hex(md, sizeof(md), hex);
	if (strcmp(hex, want_hex) != 0)
		fail_msg("%s: canonical form differs from Python's (sha256 %s, want %s)", what,
			 hex, want_hex);
	ota_buf_free(&out);
}

/* The plane as one string value, code points in ascending order. */
static json_t *plane_string(unsigned long plane, size_t *count)
{
	char *s = malloc(4 * 0x10000);
	size_t len = 0;
	unsigned long c;
	json_t *v;

	assert_non_null(s);
	*count = 0;
	for (c = plane << 16; c < (plane + 1) << 16; c++) {
		if (is_surrogate(c))
			continue;
		len += utf8(c, s + len);
		(*count)++;
	}
	v = json_stringn(s, len);
	free(s);
	assert_non_null(v);
	return v;
}

/* The plane as object keys, inserted in descending order so that the
 * dump's sort does all the work. */
static json_t *plane_keys(unsigned long plane)
{
	json_t *obj = json_object();
	unsigned long c;
	char key[5];
	size_t n;

	assert_non_null(obj);
	for (c = (plane + 1) << 16; c-- > plane << 16;) {
		if (is_surrogate(c) || c == 0)
			continue;
		n = utf8(c, key);
		key[n] = '\0';
		assert_int_equal(json_object_set_new(obj, key, json_integer(0)), 0);
	}
	return obj;
}

static void test_canon_matches_python_for_every_scalar_value(void **state)
{
	const char *dir = getenv("OTA_VECTORS");
	char path[4096], what[64];
	json_error_t jerr;
	json_t *vecs, *vec, *v;
	size_t i, count;

	(void)state;
	if (!dir || !*dir)
		fail_msg("OTA_VECTORS is not set (point it at tests/vectors)");
	snprintf(path, sizeof(path), "%s/canon_planes.json", dir);
	vecs = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!vecs)
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
	assert_int_equal(json_array_size(vecs), PLANES);
	json_array_foreach(vecs, i, vec) {
		assert_int_equal(json_integer_value(json_object_get(vec, "plane")), i);
		snprintf(what, sizeof(what), "plane %zu as a string", i);
		v = plane_string(i, &count);
		assert_int_equal(json_integer_value(json_object_get(vec, "count")), count);
		assert_dump_sha256(v, json_string_value(json_object_get(vec, "string_sha256")),
				   what);
		json_decref(v);
		snprintf(what, sizeof(what), "plane %zu as keys", i);
		v = plane_keys(i);
		assert_dump_sha256(v, json_string_value(json_object_get(vec, "keys_sha256")),
				   what);
		json_decref(v);
	}
	json_decref(vecs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canon_matches_python_for_every_scalar_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
