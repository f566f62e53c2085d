/* SPDX-License-Identifier: Apache-2.0 */
/* test_share.c - the text of share files (lib/share.c): round trips, the
 * exact layout, and every one-character typo and every swap of two
 * neighbouring characters found at the line where it was made. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/rand.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/share.h"

#define NAME "s.share"
#define ALPHABET "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

static void random_share(struct ota_share *s, unsigned int m, unsigned int n, unsigned int x)
{
	memset(s, 0, sizeof(*s));
	s->threshold = m;
	s->shares = n;
	s->index = x;
	assert_int_equal(RAND_bytes(s->split_id, sizeof(s->split_id)), 1);
	assert_int_equal(RAND_bytes(s->key_id, sizeof(s->key_id)), 1);
	assert_int_equal(RAND_bytes(s->value, sizeof(s->value)), 1);
}

/* The text of s, NUL-terminated, owned by the caller (free). */
static char *text_of(const struct ota_share *s)
{
	struct ota_buf b;
	char *t;

	ota_buf_init(&b, OTA_SHARE_FILE_MAX);
	assert_int_equal(ota_share_format(s, &b, NULL), 0);
	t = strdup((const char *)b.data);
	ota_buf_cleanse(&b);
	assert_non_null(t);
	return t;
}

static int parse(const char *text, struct ota_share *s, struct ota_err *err)
{
	return ota_share_parse((const unsigned char *)text, strlen(text), NAME, s, err);
}

static void assert_refused(const char *text, const char *why)
{
	struct ota_err err = {0};
	struct ota_share s;

	assert_int_equal(parse(text, &s, &err), OTA_EFORMAT);
	if (!strstr(err.msg, why))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, why);
}

/* Pointer to the start of the text of file line no (1-based). */
static char *file_line(char *text, unsigned int no)
{
	while (--no)
		text = strchr(text, '\n') + 1;
	return text;
}

/* The file line of share line k: after the 6 comment lines. */
#define SHARE_LINE(k) (6u + (k))

static void test_share_round_trips(void **state)
{
	struct ota_share s, back;
	char *t;

	(void)state;
	random_share(&s, 3, 5, 2);
	t = text_of(&s);
	assert_int_equal(parse(t, &back, NULL), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	free(t);
	random_share(&s, 255, 255, 255);
	t = text_of(&s);
	assert_int_equal(parse(t, &back, NULL), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	free(t);
}

/* Six comment lines naming the share, then "N: XXXX XXXX XXXX XXXX  CC". */
static void test_share_text_layout(void **state)
{
	struct ota_share s;
	char *t, want[96], *line;
	unsigned int k;

	(void)state;
	random_share(&s, 3, 5, 2);
	memset(s.key_id, 0xab, sizeof(s.key_id));
	memset(s.split_id, 0x01, sizeof(s.split_id));
	t = text_of(&s);
	assert_true(strncmp(t, "# ota escrow share 2 of 5: any 3 of the 5 shares rebuild the key\n"
			       "# key id   abababab", 80) == 0);
	assert_non_null(strstr(t, "\n# split id 0101010101010101\n"));
	for (k = 1; k <= OTA_SHARE_LINES; k++) {
		line = file_line(t, SHARE_LINE(k));
		snprintf(want, sizeof(want), "%u: ", k);
		assert_true(strncmp(line, want, 3) == 0);
		assert_int_equal(strchr(line, '\n') - line, 3 + 4 * 5 + 1 + 2);
		assert_int_equal(strspn(line + 3, ALPHABET " "), 4 * 5 + 1 + 2);
	}
	assert_int_equal(strlen(file_line(t, SHARE_LINE(8) + 1)), 0);
	free(t);
}

/* The share lines in lower case, O for 0 and I or L for 1, doubled
 * spaces, CRLF line ends: the same share. */
static void test_share_reading_forgives_case_spaces_lookalikes_and_crlf(void **state)
{
	struct ota_share s, back;
	char *t, *u, *p, *q;
	bool data = false;

	(void)state;
	random_share(&s, 2, 3, 1);
	t = text_of(&s);
	u = calloc(1, strlen(t) * 3 + 1);
	assert_non_null(u);
	for (p = t, q = u; *p; p++) {
		if (*p == '\n') {
			*q++ = '\r';
			data = false;
		}
		if (!data)
			*q++ = *p;
		else if (*p == '0')
			*q++ = 'o';
		else if (*p == '1')
			*q++ = (p - t) % 2 ? 'I' : 'l';
		else if (*p >= 'A' && *p <= 'Z')
			*q++ = (char)(*p + 32);
		else
			*q++ = *p;
		if (*p == ' ')
			*q++ = ' ';
		if (*p == ':' && p[-1] >= '1' && p[-1] <= '8' && (p - 1 == t || p[-2] == '\n'))
			data = true;
	}
	assert_int_equal(parse(u, &back, NULL), 0);
	assert_memory_equal(&s, &back, sizeof(s));
	free(t);
	free(u);
}

/* Every character of every share line changed to every other character
 * of the alphabet: refused, at that very line. */
static void test_share_every_one_character_typo_is_found_at_its_line(void **state)
{
	struct ota_share s;
	char *t, *line, want[64], orig;
	unsigned int k, pos, tried = 0;
	const char *c;

	(void)state;
	random_share(&s, 3, 5, 4);
	t = text_of(&s);
	for (k = 1; k <= OTA_SHARE_LINES; k++) {
		snprintf(want, sizeof(want), NAME ":%u: share line %u does not match its check",
			 SHARE_LINE(k), k);
		line = file_line(t, SHARE_LINE(k));
		for (pos = 3; line[pos] != '\n'; pos++) {
			if (line[pos] == ' ')
				continue;
			orig = line[pos];
			for (c = ALPHABET; *c; c++) {
				if (*c == orig)
					continue;
				line[pos] = *c;
				assert_refused(t, want);
				tried++;
			}
			line[pos] = orig;
		}
	}
	assert_int_equal(tried, OTA_SHARE_LINES * 18 * 31);
	free(t);
}

/* Two neighbouring characters swapped (where they differ), across group
 * gaps too: refused at that line. */
static void test_share_every_swap_of_neighbours_is_found_at_its_line(void **state)
{
	struct ota_share s;
	char *t, *line, want[64], tmp;
	unsigned int k, i, j, n, pos[18] = {0};

	(void)state;
	random_share(&s, 2, 2, 1);
	t = text_of(&s);
	for (k = 1; k <= OTA_SHARE_LINES; k++) {
		snprintf(want, sizeof(want), NAME ":%u: share line %u does not match",
			 SHARE_LINE(k), k);
		line = file_line(t, SHARE_LINE(k));
		for (i = 3, n = 0; line[i] != '\n'; i++) {
			if (line[i] == ' ')
				continue;
			if (n == 18)
				fail_msg("share line %u: more than 18 characters", k);
			pos[n++] = i;
		}
		assert_int_equal(n, 18);
		for (j = 0; j + 1 < n; j++) {
			if (line[pos[j]] == line[pos[j + 1]])
				continue;
			tmp = line[pos[j]];
			line[pos[j]] = line[pos[j + 1]];
			line[pos[j + 1]] = tmp;
			assert_refused(t, want);
			line[pos[j + 1]] = line[pos[j]];
			line[pos[j]] = tmp;
		}
	}
	free(t);
}

static void test_share_missing_swapped_and_extra_lines(void **state)
{
	struct ota_share s;
	char *t, *l4, *l5, *l6, buf[4096], want[96];
	size_t a, b;

	(void)state;
	random_share(&s, 3, 5, 3);
	t = text_of(&s);
	l4 = file_line(t, SHARE_LINE(4));
	l5 = file_line(t, SHARE_LINE(5));
	l6 = file_line(t, SHARE_LINE(6));
	a = (size_t)(l4 - t);
	b = (size_t)(l5 - l4);
	/* line 4 left out */
	snprintf(buf, sizeof(buf), "%.*s%s", (int)a, t, l5);
	snprintf(want, sizeof(want), NAME ":%u: share line 5 where line 4 was expected",
		 SHARE_LINE(4));
	assert_refused(buf, want);
	/* lines 4 and 5 swapped, numbers and all */
	snprintf(buf, sizeof(buf), "%.*s%.*s%.*s%s", (int)a, t, (int)(l6 - l5), l5, (int)b, l4,
		 l6);
	assert_refused(buf, want);
	/* the text of lines 4 and 5 swapped under their numbers */
	snprintf(buf, sizeof(buf), "%.*s4:%.*s5:%.*s%s", (int)a, t, (int)(l6 - l5 - 2), l5 + 2,
		 (int)(b - 2), l4 + 2, l6);
	snprintf(want, sizeof(want), NAME ":%u: share line 4 does not match", SHARE_LINE(4));
	assert_refused(buf, want);
	/* the last line left out; a ninth line */
	snprintf(buf, sizeof(buf), "%.*s", (int)(file_line(t, SHARE_LINE(8)) - t), t);
	assert_refused(buf, NAME ": share line 8 missing");
	snprintf(buf, sizeof(buf), "%s9: 0000 0000 0000 0000  00\n", t);
	assert_refused(buf, NAME ":15: more than 8 share lines");
	free(t);
}

/* Line 4 of another share of the same split passes its own check but not
 * the share's checksum. */
static void test_share_a_line_from_another_share_fails_the_checksum(void **state)
{
	struct ota_share s1, s2;
	char *t1, *t2, *l1, *l2;

	(void)state;
	random_share(&s1, 2, 3, 1);
	s2 = s1;
	s2.index = 2;
	assert_int_equal(RAND_bytes(s2.value, sizeof(s2.value)), 1);
	t1 = text_of(&s1);
	t2 = text_of(&s2);
	l1 = file_line(t1, SHARE_LINE(6));
	l2 = file_line(t2, SHARE_LINE(6));
	memcpy(l1, l2, (size_t)(strchr(l2, '\n') - l2));
	assert_refused(t1, NAME ": share checksum does not match");
	free(t1);
	free(t2);
}

static void test_share_refuses_what_is_not_a_share(void **state)
{
	struct ota_share s;
	char *t, *line;

	(void)state;
	assert_refused("", NAME ": not a share file (no numbered share lines)");
	assert_refused("# only a comment\n\n", NAME ": not a share file");
	assert_refused("-----BEGIN PRIVATE KEY-----\n", NAME ":1: not a share line");
	random_share(&s, 2, 3, 1);
	t = text_of(&s);
	line = file_line(t, SHARE_LINE(2));
	line[5] = 'U';
	assert_refused(t, NAME ":8: 'U' is not a share character");
	line[5] = '\x01';
	assert_refused(t, NAME ":8: byte 0x01 is not a share character");
	line[5] = ' ';
	assert_refused(t, NAME ":8: share line 2 has 17 characters, expected 18");
	free(t);
}

static void test_share_format_refuses_bad_fields(void **state)
{
	struct ota_share s;
	struct ota_buf b;

	(void)state;
	ota_buf_init(&b, OTA_SHARE_FILE_MAX);
	random_share(&s, 3, 2, 1);
	assert_int_equal(ota_share_format(&s, &b, NULL), OTA_EUSAGE);
	random_share(&s, 2, 3, 4);
	assert_int_equal(ota_share_format(&s, &b, NULL), OTA_EUSAGE);
	random_share(&s, 1, 256, 1);
	assert_int_equal(ota_share_format(&s, &b, NULL), OTA_EUSAGE);
	ota_buf_cleanse(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share_round_trips),
		cmocka_unit_test(test_share_text_layout),
		cmocka_unit_test(test_share_reading_forgives_case_spaces_lookalikes_and_crlf),
		cmocka_unit_test(test_share_every_one_character_typo_is_found_at_its_line),
		cmocka_unit_test(test_share_every_swap_of_neighbours_is_found_at_its_line),
		cmocka_unit_test(test_share_missing_swapped_and_extra_lines),
		cmocka_unit_test(test_share_a_line_from_another_share_fails_the_checksum),
		cmocka_unit_test(test_share_refuses_what_is_not_a_share),
		cmocka_unit_test(test_share_format_refuses_bad_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
