/* semver.c - the order of release versions: SemVer 2.0.0 precedence, and
 * the same rules stretched over any version name, so that every pair of
 * versions, semver or not, falls in one consistent order. */
#include "lib/semver.h"

#include <stddef.h>
#include <string.h>

/* One order for every pair, not semver for some and a fallback for the
 * rest: a mix is not transitive ("1.0.0-rc.1" < "1.0.0" == "1.0", yet
 * "1.0" < "1.0.0-rc.1" field by field), and qsort over a non-transitive
 * comparison misorders or worse.  So every version reads as
 * CORE[-PRERELEASE][+BUILD]: the build is ignored, the core compares
 * dot-field by field with a missing field as "0", the prerelease as
 * semver says (absent beats present, identifier by identifier, the longer
 * list winning a tie).  On strict semver this is exactly section 11; on
 * "2024.05" or "1.2" it is the field-by-field fallback. */

struct cursor {
	const char *s;
	size_t n;
	bool done;
};

static bool take(struct cursor *c, const char **f, size_t *fn)
{
	const char *dot;

	if (c->done)
		return false;
	dot = memchr(c->s, '.', c->n);
	*f = c->s;
	*fn = dot ? (size_t)(dot - c->s) : c->n;
	if (dot) {
		c->n -= *fn + 1;
		c->s = dot + 1;
	} else {
		c->done = true;
	}
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return n > 0;
}

static int sign(int r)
{
	return (r > 0) - (r < 0);
}

/* Numbers by value, compared as digit strings (shorter is smaller once
 * leading zeros are gone) so no size overflows; numbers before words,
 * as semver orders prerelease identifiers; words by byte order. */
static int cmp_field(const char *a, size_t an, const char *b, size_t bn)
{
	bool ad = all_digits(a, an), bd = all_digits(b, bn);
	int r;

	if (ad != bd)
		return ad ? -1 : 1;
	if (ad) {
		while (an > 1 && *a == '0')
			a++, an--;
		while (bn > 1 && *b == '0')
			b++, bn--;
		if (an != bn)
			return an < bn ? -1 : 1;
		return sign(memcmp(a, b, an));
	}
	r = memcmp(a, b, an < bn ? an : bn);
	if (r)
		return sign(r);
	return (an > bn) - (an < bn);
}

static int cmp_core(struct cursor a, struct cursor b)
{
	const char *fa, *fb;
	size_t na, nb;
	bool ha, hb;
	int r;

	for (;;) {
		ha = take(&a, &fa, &na);
		hb = take(&b, &fb, &nb);
		if (!ha && !hb)
			return 0;
		if (!ha)
			fa = "0", na = 1;
		if (!hb)
			fb = "0", nb = 1;
		if ((r = cmp_field(fa, na, fb, nb)))
			return r;
	}
}

static int cmp_prerelease(struct cursor a, struct cursor b)
{
	const char *fa, *fb;
	size_t na, nb;
	bool ha, hb;
	int r;

	/* A release follows its own prereleases. */
	if (a.done != b.done)
		return a.done ? 1 : -1;
	for (;;) {
		ha = take(&a, &fa, &na);
		hb = take(&b, &fb, &nb);
		if (!ha || !hb)
			return ha - hb;
		if ((r = cmp_field(fa, na, fb, nb)))
			return r;
	}
}

/* Split v into its core and prerelease; build metadata is dropped.  A
 * cursor that is done from the start means "none". */
static void split(const char *v, struct cursor *core, struct cursor *pre)
{
	size_t end = strcspn(v, "+"), c = strcspn(v, "-+");

	core->s = v;
	core->n = c;
	core->done = false;
	pre->s = v + c + (c < end);
	pre->n = c < end ? end - c - 1 : 0;
	pre->done = c == end;
}

int ota_semver_cmp(const char *a, const char *b)
{
	struct cursor ca, pa, cb, pb;
	int r;

	split(a ? a : "", &ca, &pa);
	split(b ? b : "", &cb, &pb);
	if ((r = cmp_core(ca, cb)))
		return r;
	return cmp_prerelease(pa, pb);
}

static bool ident_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-';
}

/* Dot-separated, non-empty identifiers of [0-9A-Za-z-] up to one of the
 * stop bytes (or the end); numeric ones without a leading zero if
 * strict.  Returns the length taken, or 0 if malformed. */
static size_t idents(const char *s, const char *stop, bool strict)
{
	size_t i = 0, start;

	for (;;) {
		start = i;
		while (s[i] && ident_char(s[i]))
			i++;
		if (i == start)
			return 0;
		if (strict && s[start] == '0' && i - start > 1 && all_digits(s + start, i - start))
			return 0;
		if (s[i] != '.')
			return (!s[i] || strchr(stop, s[i])) ? i : 0;
		i++;
	}
}

static size_t number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return (n > 1 && s[0] == '0') ? 0 : n;
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
		if (!(n = idents(s + 1, "+", true)))
			return false;
		s += n + 1;
	}
	if (*s == '+') {
		if (!(n = idents(s + 1, "", false)))
			return false;
		s += n + 1;
	}
	return *s == '\0';
}
