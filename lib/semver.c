/* SPDX-License-Identifier: Apache-2.0 */
/* semver.c - Semantic Versioning 2.0.0: what parses (section 2, 9, 10 and
 * the BNF) and precedence (section 11); every version that does not
 * parse orders before every one that does (semver.h). */
#include "lib/semver.h"

#include <stddef.h>
#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return n > 0;
}

/* A numeric field: digits, no leading zero unless it is "0".  Its length,
 * or 0 if malformed. */
static size_t number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return (n > 1 && s[0] == '0') ? 0 : n;
}

/* Dot-separated non-empty identifiers up to the end or stop (a byte, or
 * '\0' for none); numeric ones without a leading zero when strict (the
 * prerelease; build metadata allows them).  The length, or 0. */
static size_t idents(const char *s, char stop, bool strict)
{
	size_t i = 0, start;

	for (;;) {
		start = i;
		while (ident_char(s[i]))
			i++;
		if (i == start)
			return 0;
		if (strict && s[start] == '0' && i - start > 1 && all_digits(s + start, i - start))
			return 0;
		if (s[i] != '.')
			return (!s[i] || (stop && s[i] == stop)) ? i : 0;
		i++;
	}
}

bool ota_semver_valid(const char *s)
{
	size_t i, n;

	if (!s)
		return false;
	for (i = 0; i < 3; i++) {
		if (!(n = number(s)))
			return false;
		s += n;
		if (i < 2 && *s++ != '.')
			return false;
	}
	if (*s == '-') {
		if (!(n = idents(s + 1, '+', true)))
			return false;
		s += n + 1;
	}
	if (*s == '+') {
		if (!(n = idents(s + 1, '\0', false)))
			return false;
		s += n + 1;
	}
	return *s == '\0';
}

const char *ota_semver_suggest(const char *s)
{
	if (s && (s[0] == 'v' || s[0] == 'V') && ota_semver_valid(s + 1))
		return s + 1;
	return NULL;
}

static int sign(int r)
{
	return (r > 0) - (r < 0);
}

/* Two numbers given as digit strings without leading zeros: the longer
 * is larger, else byte order; no size overflows. */
static int cmp_num(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return an < bn ? -1 : 1;
	return sign(memcmp(a, b, an));
}

/* One identifier against another: numbers by value, numbers before
 * words, words by ASCII order (the shorter first on a common prefix). */
static int cmp_ident(const char *a, size_t an, const char *b, size_t bn)
{
	bool ad = all_digits(a, an), bd = all_digits(b, bn);
	int r;

	if (ad != bd)
		return ad ? -1 : 1;
	if (ad)
		return cmp_num(a, an, b, bn);
	r = memcmp(a, b, an < bn ? an : bn);
	if (r)
		return sign(r);
	return (an > bn) - (an < bn);
}

/* Length of the field at s up to the next of stops. */
static size_t field(const char *s, const char *stops)
{
	return strcspn(s, stops);
}

/* Both valid: section 11. */
static int cmp_valid(const char *a, const char *b)
{
	size_t an, bn, i;
	int r;

	for (i = 0; i < 3; i++) {
		an = field(a, ".-+");
		bn = field(b, ".-+");
		if ((r = cmp_num(a, an, b, bn)))
			return r;
		a += an + (i < 2);
		b += bn + (i < 2);
	}
	/* A release follows its own prereleases. */
	if ((*a == '-') != (*b == '-'))
		return *a == '-' ? -1 : 1;
	if (*a != '-')
		return 0;
	for (;;) {
		a++, b++; /* past '-' or '.' */
		an = field(a, ".+");
		bn = field(b, ".+");
		if ((r = cmp_ident(a, an, b, bn)))
			return r;
		a += an;
		b += bn;
		if (*a != '.' || *b != '.')
			return (*a == '.') - (*b == '.');
	}
}

int ota_semver_cmp(const char *a, const char *b)
{
	bool va, vb;

	a = a ? a : "";
	b = b ? b : "";
	va = ota_semver_valid(a);
	vb = ota_semver_valid(b);
	if (va && vb)
		return cmp_valid(a, b);
	if (va != vb)
		return va ? 1 : -1;
	return sign(strcmp(a, b));
}
