/* SPDX-License-Identifier: Apache-2.0 */
/* test_path.c - the path, symlink target and UTF-8 rules of lib/path.c.
 * Table-driven: one row per path, with the reason a refusal must give.
 * The UTF-8 check is also compared exhaustively with a plain decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/path.h"

/* A byte string that may hold NUL: literal and its length. */
struct bytes {
	const char *s;
	size_t len;
};
#define B(lit) {lit, sizeof(lit) - 1}

struct refusal {
	struct bytes path;
	const char *why;
};

struct link_case {
	const char *link;
	const char *target;
	const char *why; /* NULL: accepted */
};

static void assert_printable_line(const char *msg)
{
	size_t i;

	for (i = 0; msg[i]; i++) {
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
			fail_msg("byte 0x%02x in \"%s\"", (unsigned char)msg[i], msg);
	}
}

static void assert_path_ok(const char *s, size_t len)
{
	struct ota_err err = {0};

	if (ota_path_check(s, len, &err) != 0)
		fail_msg("refused \"%.*s\": %s", (int)(len < 60 ? len : 60), s, err.msg);
}

static void assert_refusals(const struct refusal *t, size_t n)
{
	struct ota_err err;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		if (ota_path_check(t[i].path.s, t[i].path.len, &err) != OTA_EPATH)
			fail_msg("row %zu: accepted \"%.60s\"", i, t[i].path.s);
		assert_int_equal(err.code, OTA_EPATH);
		assert_int_equal(strncmp(err.msg, "unsafe path \"", 13), 0);
		assert_printable_line(err.msg);
		if (!strstr(err.msg, t[i].why))
			fail_msg("row %zu: reason \"%s\" lacks \"%s\"", i, err.msg, t[i].why);
	}
}

static void test_path_accepts_ordinary_paths(void **state)
{
	static const struct bytes ok[] = {
		B("a"), B("a/b"), B("a/b/c.txt"), B(".a"), B("..a"), B("a.."), B("..."),
		B("a/.b"), B("a/..b"), B("a b"), B("a\\b"), B("-"), B("\xc3\xa9"),
		B("\x01\x1f\x7f"), B("a\n/b"), B("\xf4\x8f\xbf\xbf"), B("\xef\xbb\xbf"),
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_path_ok(ok[i].s, ok[i].len);
}

static void test_path_refuses_dotdot(void **state)
{
	static const struct refusal t[] = {
		{B(".."), "\"..\" component"},       {B("../a"), "\"..\" component"},
		{B("a/.."), "\"..\" component"},     {B("a/../b"), "\"..\" component"},
		{B("a/b/../../.."), "\"..\" component"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_refuses_dot(void **state)
{
	static const struct refusal t[] = {
		{B("."), "\".\" component"},
		{B("./a"), "\".\" component"},
		{B("a/."), "\".\" component"},
		{B("a/./b"), "\".\" component"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_refuses_empty_absolute_and_empty_components(void **state)
{
	static const struct refusal t[] = {
		{B(""), "empty"},
		{B("/"), "absolute"},
		{B("/a"), "absolute"},
		{B("//a"), "absolute"},
		{B("a/"), "trailing '/'"},
		{B("a/b/"), "trailing '/'"},
		{B("a//b"), "empty component"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_refuses_nul_byte(void **state)
{
	static const struct refusal t[] = {
		{B("a\0b"), "NUL"},
		{B("\0"), "NUL"},
		{B("a/\0"), "NUL"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_refuses_invalid_utf8(void **state)
{
	static const struct refusal t[] = {
		{B("\xff"), "UTF-8"},          {B("a/\x80"), "UTF-8"},
		{B("\xc0\xaf"), "UTF-8"},      {B("\xc0\xae\xc0\xae/x"), "UTF-8"},
		{B("\xed\xa0\x80"), "UTF-8"},  {B("\xf4\x90\x80\x80"), "UTF-8"},
		{B("a\xe2\x82"), "UTF-8"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

/* n bytes: components of up to comp 'a's separated by '/'. */
static char *long_path(size_t n, size_t comp)
{
	char *s = malloc(n + 1);
	size_t i;

	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = (i % (comp + 1) == comp) ? '/' : 'a';
	s[n] = '\0';
	return s;
}

static void test_path_enforces_length_limits(void **state)
{
	char *name255 = long_path(255, 255), *name256 = long_path(256, 256);
	char *path4096 = long_path(4096, 200), *path4097 = long_path(4097, 200);
	struct refusal t[] = {
		{{name256, 256}, "component longer than 255 bytes"},
		{{path4097, 4097}, "longer than 4096 bytes"},
	};

	(void)state;
	assert_path_ok(name255, 255);
	assert_path_ok(path4096, 4096);
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
	free(name255);
	free(name256);
	free(path4096);
	free(path4097);
}

static void test_path_reason_escapes_hostile_bytes(void **state)
{
	struct ota_err err = {0};
	char *huge = long_path(5000, 100);

	(void)state;
	assert_int_equal(ota_path_check("\x1b[2J\n/..", 8, &err), OTA_EPATH);
	assert_string_equal(err.msg, "unsafe path \"\\x1b[2J\\x0a/..\": \"..\" component");
	assert_int_equal(ota_path_check("\"\\/..", 5, &err), OTA_EPATH);
	assert_string_equal(err.msg, "unsafe path \"\\\"\\\\/..\": \"..\" component");
	/* Long paths are cut, so the reason itself is still there. */
	assert_int_equal(ota_path_check(huge, 5000, &err), OTA_EPATH);
	assert_non_null(strstr(err.msg, "...\": longer than 4096 bytes"));
	free(huge);
}

static void assert_links(const struct link_case *t, size_t n)
{
	struct ota_err err;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		rc = ota_path_check_link(t[i].link, t[i].target, &err);
		if (!t[i].why) {
			if (rc != 0)
				fail_msg("refused %s -> %.60s: %s", t[i].link, t[i].target,
					 err.msg);
			continue;
		}
		if (rc != OTA_EPATH)
			fail_msg("accepted %s -> %.60s", t[i].link, t[i].target);
		assert_printable_line(err.msg);
		if (!strstr(err.msg, t[i].why))
			fail_msg("%s -> %.60s: reason \"%s\" lacks \"%s\"", t[i].link, t[i].target,
				 err.msg, t[i].why);
	}
}

static void test_path_link_accepts_targets_inside_release(void **state)
{
	static const struct link_case t[] = {
		{"a", "b", NULL},
		{"a", "./b", NULL},
		{"a", ".", NULL},
		{"a/b", "../c", NULL},
		{"a/b", "..", NULL},
		{"a/b/c", "../../d", NULL},
		{"a/b/c", "./../.././d/e", NULL},
		{"a/b", "c/d", NULL},
		{"a", "\xc3\xa9/\x01", NULL},
	};

	(void)state;
	assert_links(t, sizeof(t) / sizeof(t[0]));
}

#define CLIMBS "climbs above the release root"
#define AFTER_NAMED "\"..\" after a named component"

static void test_path_link_refuses_climbing_above_root(void **state)
{
	static const struct link_case t[] = {
		{"a", "..", CLIMBS},
		{"a", "../x", CLIMBS},
		{"a/b", "../../x", CLIMBS},
		{"x", "x/../../y", AFTER_NAMED},
		{"a", "b/../..", AFTER_NAMED},
		{"a", "./../a", CLIMBS},
		/* Above the root for a moment is refused, even if it comes back. */
		{"a/b", "../../a/c", CLIMBS},
		{"a/b/c", "../../../a", CLIMBS},
	};

	(void)state;
	assert_links(t, sizeof(t) / sizeof(t[0]));
}

/* "s/.." is resolved by the kernel through s, which may itself be a link:
 * with s -> "." and a/s -> ".", the target "s/../s/../y" of a/l stays
 * inside lexically but really lands above the root. */
static void test_path_link_refuses_dotdot_after_named_component(void **state)
{
	static const struct link_case t[] = {
		{"a/l", "s/../s/../y", AFTER_NAMED},
		{"a/b", "../c/../d", AFTER_NAMED},
		{"a/b", "c/..", AFTER_NAMED},
		{"a", "./x/./..", AFTER_NAMED},
	};

	(void)state;
	assert_links(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_link_refuses_malformed_targets(void **state)
{
	static const struct link_case t[] = {
		{"a", "", "empty"},
		{"a", "/etc/passwd", "absolute"},
		{"a", "/", "absolute"},
		{"a", "b/", "trailing '/'"},
		{"a/b", "../", "trailing '/'"},
		{"a", "b//c", "empty component"},
		{"a", "\xff", "UTF-8"},
		{"a", "\xed\xb0\x80", "UTF-8"},
		{"a", "\xc0\xae\xc0\xae", "UTF-8"},
	};

	(void)state;
	assert_links(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_link_refuses_long_targets(void **state)
{
	char *name256 = long_path(256, 256), *path4097 = long_path(4097, 200);
	struct link_case t[] = {
		{"a", name256, "component longer than 255 bytes"},
		{"a", path4097, "longer than 4096 bytes"},
	};

	(void)state;
	assert_links(t, sizeof(t) / sizeof(t[0]));
	free(name256);
	free(path4097);
}

/* The link's own path decides what ".." means, so it is checked too. */
static void test_path_link_refuses_unsafe_link_path(void **state)
{
	static const struct link_case t[] = {
		{"../a", "b", "\"..\" component"},
		{"a/../b/c", "..", "\"..\" component"},
		{"/a/b", "..", "absolute"},
		{"", "a", "empty"},
	};

	(void)state;
	assert_links(t, sizeof(t) / sizeof(t[0]));
}

static void test_path_link_reason_names_link_and_target(void **state)
{
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_path_check_link("a", "../\n", &err), OTA_EPATH);
	assert_string_equal(err.msg,
			    "unsafe symlink \"a\" -> \"../\\x0a\": climbs above the release root");
}

static void test_path_parent_len(void **state)
{
	static const struct {
		const char *path;
		size_t want;
	} t[] = {
		{"a/b/c", 3}, {"a", 0}, {"a/b", 1}, {"abc/def", 3}, {"", 0}, {"ab/cd/ef", 5},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (ota_path_parent_len(t[i].path) != t[i].want)
			fail_msg("parent_len(\"%s\") = %zu, want %zu", t[i].path,
				 ota_path_parent_len(t[i].path), t[i].want);
	}
}

static void assert_utf8(const struct bytes *t, size_t n, bool want)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ota_utf8_valid(t[i].s, t[i].len) != want)
			fail_msg("row %zu (%zu bytes): want %s", i, t[i].len,
				 want ? "valid" : "invalid");
	}
}

static void test_utf8_accepts_well_formed(void **state)
{
	static const struct bytes t[] = {
		B(""),
		B("plain ascii"),
		B("\0"),
		B("\x7f"),
		B("\xc2\x80"),         /* U+0080 */
		B("\xdf\xbf"),         /* U+07FF */
		B("\xe0\xa0\x80"),     /* U+0800 */
		B("\xed\x9f\xbf"),     /* U+D7FF */
		B("\xee\x80\x80"),     /* U+E000 */
		B("\xef\xbf\xbf"),     /* U+FFFF */
		B("\xf0\x90\x80\x80"), /* U+10000 */
		B("\xf4\x8f\xbf\xbf"), /* U+10FFFF */
	};

	(void)state;
	assert_utf8(t, sizeof(t) / sizeof(t[0]), true);
}

static void test_utf8_refuses_overlong_forms(void **state)
{
	static const struct bytes t[] = {
		B("\xc0\x80"),     B("\xc0\xaf"),         B("\xc1\xbf"),
		B("\xe0\x80\x80"), B("\xe0\x9f\xbf"),     B("\xf0\x80\x80\x80"),
		B("\xf0\x8f\xbf\xbf"),
	};

	(void)state;
	assert_utf8(t, sizeof(t) / sizeof(t[0]), false);
}

static void test_utf8_refuses_surrogates(void **state)
{
	static const struct bytes t[] = {
		B("\xed\xa0\x80"), B("\xed\xaf\xbf"), B("\xed\xb0\x80"),
		B("\xed\xbf\xbf"), B("\xed\xa0\xbd\xed\xb8\x80"), /* CESU-8 U+1F600 */
	};

	(void)state;
	assert_utf8(t, sizeof(t) / sizeof(t[0]), false);
}

static void test_utf8_refuses_above_u10ffff(void **state)
{
	static const struct bytes t[] = {
		B("\xf4\x90\x80\x80"), B("\xf5\x80\x80\x80"), B("\xf7\xbf\xbf\xbf"),
		B("\xf8\x88\x80\x80\x80"), B("\xfc\x84\x80\x80\x80\x80"),
	};

	(void)state;
	assert_utf8(t, sizeof(t) / sizeof(t[0]), false);
}

static void test_utf8_refuses_truncated_and_stray_bytes(void **state)
{
	static const struct bytes t[] = {
		B("\xc2"),     B("\xe2\x82"),     B("\xf0\x9f\x98"), B("a\xe2"),
		B("\x80"),     B("\xbf"),         B("\xc2\x41"),     B("\xe2\x28\xa1"),
		B("\xf0\x9f\x98\x41"), B("\xfe"), B("\xff"),
		/* Cut by the length, not by a bad byte: the rest must not be read. */
		{"\xc2\x80", 1}, {"\xe2\x82\xac", 2}, {"\xf0\x9f\x98\x80", 3},
	};

	(void)state;
	assert_utf8(t, sizeof(t) / sizeof(t[0]), false);
}

/* A decoder written the other way round (decode, then range-check), as an
 * independent reference for the exhaustive test. */
static bool ref_utf8_valid(const unsigned char *p, size_t len)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			n = 2;
			cp = p[i] & 0x1f;
		} else if ((p[i] & 0xf0) == 0xe0) {
			n = 3;
			cp = p[i] & 0x0f;
		} else if ((p[i] & 0xf8) == 0xf0) {
			n = 4;
			cp = p[i] & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (k = 1; k < n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n;
	}
	return true;
}

static void test_utf8_agrees_with_reference_on_all_short_strings(void **state)
{
	static const unsigned char last[] = {0x00, 0x7f, 0x80, 0x8f, 0x90, 0xbf, 0xc0, 0xff};
	unsigned char b[4];
	uint32_t x, j;
	size_t len;

	(void)state;
	/* Every string of 1 to 3 bytes. */
	for (len = 1; len <= 3; len++) {
		for (x = 0; x < (1u << (8 * len)); x++) {
			for (j = 0; j < len; j++)
				b[j] = (unsigned char)(x >> (8 * j));
			if (ota_utf8_valid((char *)b, len) != ref_utf8_valid(b, len))
				fail_msg("disagree on %zu bytes %06x", len, (unsigned)x);
		}
	}
	/* 4 bytes: every lead and middle, a sample of final bytes. */
	for (x = 0; x < (1u << 24); x++) {
		b[0] = (unsigned char)(0xf0 | (x >> 20));
		b[1] = (unsigned char)(x >> 8);
		b[2] = (unsigned char)x;
		b[3] = last[(x >> 16) & 7];
		if (ota_utf8_valid((char *)b, 4) != ref_utf8_valid(b, 4))
			fail_msg("disagree on %02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
	}
}

static void norm_is(const char *in, const char *want)
{
	char out[64];

	assert_int_equal(ota_path_normalize_abs(in, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

static void test_path_normalize_abs_never_climbs_above_root(void **state)
{
	char out[64];

	(void)state;
	norm_is("/opt/app", "/opt/app");
	norm_is("//opt/./app//", "/opt/app");
	norm_is("/opt/app/x/..", "/opt/app");
	norm_is("/opt/..", "/");
	norm_is("/", "/");
	assert_int_equal(ota_path_normalize_abs("/opt/../..", out, sizeof(out)), -1);
	assert_int_equal(ota_path_normalize_abs("/../etc", out, sizeof(out)), -1);
	assert_int_equal(ota_path_normalize_abs("/opt/../../../../tmp/x", out, sizeof(out)), -1);
	assert_int_equal(ota_path_normalize_abs("opt", out, sizeof(out)), -1);
	assert_int_equal(ota_path_normalize_abs("/a/b/c", out, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_accepts_ordinary_paths),
		cmocka_unit_test(test_path_refuses_dotdot),
		cmocka_unit_test(test_path_link_refuses_dotdot_after_named_component),
		cmocka_unit_test(test_path_refuses_dot),
		cmocka_unit_test(test_path_refuses_empty_absolute_and_empty_components),
		cmocka_unit_test(test_path_refuses_nul_byte),
		cmocka_unit_test(test_path_refuses_invalid_utf8),
		cmocka_unit_test(test_path_enforces_length_limits),
		cmocka_unit_test(test_path_reason_escapes_hostile_bytes),
		cmocka_unit_test(test_path_link_accepts_targets_inside_release),
		cmocka_unit_test(test_path_link_refuses_climbing_above_root),
		cmocka_unit_test(test_path_link_refuses_malformed_targets),
		cmocka_unit_test(test_path_link_refuses_long_targets),
		cmocka_unit_test(test_path_link_refuses_unsafe_link_path),
		cmocka_unit_test(test_path_link_reason_names_link_and_target),
		cmocka_unit_test(test_path_parent_len),
		cmocka_unit_test(test_path_normalize_abs_never_climbs_above_root),
		cmocka_unit_test(test_utf8_accepts_well_formed),
		cmocka_unit_test(test_utf8_refuses_overlong_forms),
		cmocka_unit_test(test_utf8_refuses_surrogates),
		cmocka_unit_test(test_utf8_refuses_above_u10ffff),
		cmocka_unit_test(test_utf8_refuses_truncated_and_stray_bytes),
		cmocka_unit_test(test_utf8_agrees_with_reference_on_all_short_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
