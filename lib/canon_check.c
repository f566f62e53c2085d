/* SPDX-License-Identifier: Apache-2.0 */
/* canon_check.c - canonical JSON read straight from its bytes (canon.h):
 * a check that text is exactly the canonical form of a value, in one pass
 * and without building the value, and a cursor that reads values out of
 * text so checked.  This is how the manifest, up to 16 MiB, is read on a
 * device with little memory: no tree, no second copy, no re-dump. */
#include "lib/canon.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define CANON_MAX_DEPTH 32

struct chk {
	const unsigned char *start, *p, *end;
	const char *name;
	struct ota_err *err;
	const struct ota_buf *map; /* see ota_canon_check_buf */
	unsigned steps;
};

/* One more member read: every OTA_CANON_DROP_EVERY, a mapped buffer's
 * pages are dropped (canon.h). */
static void tick(const struct ota_buf *map, unsigned *steps)
{
	if (map && ++*steps % OTA_CANON_DROP_EVERY == 0)
		ota_buf_drop_pages(map);
}

/* Past a ',' between members. */
static void next_member(struct chk *c)
{
	c->p++;
	tick(c->map, &c->steps);
}

static int not_canonical(struct chk *c, const unsigned char *at, const char *why)
{
	return ota_err_set(c->err, OTA_EFORMAT, "%s: not canonical JSON at byte %zu: %s", c->name,
			   (size_t)(at - c->start), why);
}

static int invalid(struct chk *c, const unsigned char *at, const char *why)
{
	return ota_err_set(c->err, OTA_EFORMAT, "%s: invalid JSON at byte %zu: %s", c->name,
			   (size_t)(at - c->start), why);
}

static bool is_space(unsigned char b)
{
	return b == ' ' || b == '\t' || b == '\n' || b == '\r';
}

/* What a byte that cannot start or continue a token here is. */
static int unexpected(struct chk *c, const char *want)
{
	if (c->p == c->end)
		return invalid(c, c->p, "unexpected end of text");
	if (is_space(*c->p))
		return not_canonical(c, c->p, "whitespace");
	return invalid(c, c->p, want);
}

static int hex4(const unsigned char *p, uint32_t *u, bool *upper)
{
	int i, d;

	*u = 0;
	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10, *upper = true;
		else
			return -1;
		*u = *u << 4 | (uint32_t)d;
	}
	return 0;
}

/* A \uXXXX escape (and its low half, for a high surrogate) at c->p, which
 * points at the 'u'.  Canonical only where Python would write it: for a
 * control character without a short escape, DEL, or anything not ASCII. */
static int check_u_escape(struct chk *c, bool key)
{
	const unsigned char *at = c->p - 1;
	bool upper = false;
	uint32_t u, lo;

	if (c->end - c->p < 5 || hex4(c->p + 1, &u, &upper))
		return invalid(c, at, "bad \\u escape");
	c->p += 5;
	if (u >= 0xdc00 && u <= 0xdfff)
		return invalid(c, at, "invalid Unicode: lone low surrogate");
	if (u >= 0xd800 && u <= 0xdbff) {
		if (c->end - c->p < 6 || c->p[0] != '\\' || c->p[1] != 'u' ||
		    hex4(c->p + 2, &lo, &upper) || lo < 0xdc00 || lo > 0xdfff)
			return invalid(c, at, "invalid Unicode: lone high surrogate");
		c->p += 6;
	}
	if (upper)
		return not_canonical(c, at, "uppercase hex in \\u escape");
	if (u == 0 && key)
		return invalid(c, at, "NUL byte in object key");
	if (u == '\b' || u == '\t' || u == '\n' || u == '\f' || u == '\r')
		return not_canonical(c, at, "\\u escape of a character with a short escape");
	if (u >= 0x20 && u < 0x7f)
		return not_canonical(c, at, "needless \\u escape");
	return 0;
}

static int check_string(struct chk *c, bool key)
{
	const unsigned char *at;

	c->p++; /* the opening quote */
	for (;;) {
		if (c->p == c->end)
			return invalid(c, c->p, "unterminated string");
		at = c->p;
		if (*at == '"') {
			c->p++;
			return 0;
		}
		if (*at < 0x20)
			return invalid(c, at, "control character in string");
		if (*at == 0x7f || *at >= 0x80)
			return not_canonical(c, at, "raw byte outside printable ASCII in string");
		if (*at != '\\') {
			c->p++;
			continue;
		}
		if (c->end - at < 2)
			return invalid(c, at, "unterminated string");
		c->p += 2;
		switch (at[1]) {
		case '"': case '\\': case 'b': case 'f': case 'n': case 'r': case 't':
			continue;
		case '/':
			return not_canonical(c, at, "needless escape \\/");
		case 'u':
			c->p = at + 1;
			if (check_u_escape(c, key))
				return -1;
			continue;
		default:
			return invalid(c, at, "invalid escape");
		}
	}
}

static int check_number(struct chk *c)
{
	const unsigned char *at = c->p;
	bool neg = *c->p == '-';
	uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	unsigned d;

	if (neg)
		c->p++;
	if (c->p == c->end || *c->p < '0' || *c->p > '9')
		return invalid(c, at, "bad number");
	if (*c->p == '0' && c->end - c->p > 1 && c->p[1] >= '0' && c->p[1] <= '9')
		return invalid(c, at, "leading zero");
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		d = (unsigned)(*c->p++ - '0');
		if (v > (limit - d) / 10)
			return invalid(c, at, "too big integer");
		v = v * 10 + d;
	}
	if (c->p < c->end && (*c->p == '.' || *c->p == 'e' || *c->p == 'E'))
		return ota_err_set(c->err, OTA_EFORMAT, "%s: real numbers are not allowed (byte %zu)",
				   c->name, (size_t)(at - c->start));
	if (neg && v == 0)
		return not_canonical(c, at, "-0");
	return 0;
}

static int check_literal(struct chk *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return invalid(c, c->p, "invalid literal");
	if (word[0] == 'n')
		return ota_err_set(c->err, OTA_EFORMAT, "%s: null is not allowed (byte %zu)",
				   c->name, (size_t)(c->p - c->start));
	c->p += n;
	return 0;
}

static int check_value(struct chk *c, int depth);

static int check_array(struct chk *c, int depth)
{
	c->p++;
	if (c->p < c->end && *c->p == ']') {
		c->p++;
		return 0;
	}
	for (;;) {
		if (check_value(c, depth + 1))
			return -1;
		if (c->p < c->end && *c->p == ']') {
			c->p++;
			return 0;
		}
		if (c->p == c->end || *c->p != ',')
			return unexpected(c, "expected ',' or ']'");
		next_member(c);
	}
}

static int check_object(struct chk *c, int depth)
{
	const unsigned char *prev = NULL, *key;
	int cmp;

	c->p++;
	if (c->p < c->end && *c->p == '}') {
		c->p++;
		return 0;
	}
	for (;;) {
		if (c->p == c->end || *c->p != '"')
			return unexpected(c, "expected a string as object key");
		key = c->p;
		if (check_string(c, true))
			return -1;
		/* Sorted by code point, which is UTF-8 byte order; an equal key
		 * is a duplicate, which some parsers keep first, some last. */
		cmp = prev ? ota_canon_string_cmp(prev, key, c->end) : -1;
		if (cmp == 0)
			return ota_err_set(c->err, OTA_EFORMAT, "%s: duplicate object key at byte %zu",
					   c->name, (size_t)(key - c->start));
		if (cmp > 0)
			return not_canonical(c, key, "object keys out of order");
		prev = key;
		if (c->p == c->end || *c->p != ':')
			return unexpected(c, "expected ':'");
		c->p++;
		if (check_value(c, depth + 1))
			return -1;
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return 0;
		}
		if (c->p == c->end || *c->p != ',')
			return unexpected(c, "expected ',' or '}'");
		next_member(c);
	}
}

static int check_value(struct chk *c, int depth)
{
	if (c->p == c->end)
		return invalid(c, c->p, "unexpected end of text");
	switch (*c->p) {
	case '{':
	case '[':
		if (depth >= CANON_MAX_DEPTH)
			return ota_err_set(c->err, OTA_EFORMAT, "%s: nested more than %d levels deep",
					   c->name, CANON_MAX_DEPTH);
		return *c->p == '{' ? check_object(c, depth) : check_array(c, depth);
	case '"':
		return check_string(c, false);
	case 't':
		return check_literal(c, "true");
	case 'f':
		return check_literal(c, "false");
	case 'n':
		return check_literal(c, "null");
	default:
		if (*c->p == '-' || (*c->p >= '0' && *c->p <= '9'))
			return check_number(c);
		return unexpected(c, "unexpected byte");
	}
}

static int check_text(const unsigned char *data, size_t len, const struct ota_buf *map,
		      const char *name, struct ota_err *err)
{
	struct chk c = {data, data, data + len, name, err, map, 0};

	if (check_value(&c, 0))
		return OTA_EFORMAT;
	if (c.p != c.end)
		return unexpected(&c, "data after the value");
	return 0;
}

int ota_canon_check(const unsigned char *data, size_t len, const char *name,
		    struct ota_err *err)
{
	return check_text(data, len, NULL, name, err);
}

int ota_canon_check_buf(const struct ota_buf *b, const char *name, struct ota_err *err)
{
	int rc = check_text(b->data, b->len, b, name, err);

	ota_buf_drop_pages(b);
	return rc;
}

void ota_canon_tick(struct ota_canon_cur *cur)
{
	tick(cur->map, &cur->steps);
}

/* The next code point of a checked string at *p (past its opening quote,
 * before end): -1 at its closing quote, -2 if the text is not checked
 * text after all; *p steps past it. */
static int32_t next_cp(const unsigned char **p, const unsigned char *end)
{
	const unsigned char *s = *p;
	uint32_t u, lo;
	bool upper = false;

	if (s >= end)
		return -2;
	if (*s == '"')
		return -1;
	if (*s != '\\') {
		*p = s + 1;
		return *s;
	}
	if (end - s < 2)
		return -2;
	*p = s + 2;
	switch (s[1]) {
	case 'b': return '\b';
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'u': break;
	default: return s[1];
	}
	if (end - s < 6 || hex4(s + 2, &u, &upper))
		return -2;
	*p = s + 6;
	if (u >= 0xd800 && u <= 0xdbff) {
		if (end - s < 12 || hex4(s + 8, &lo, &upper))
			return -2;
		*p = s + 12;
		u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
	}
	return (int32_t)u;
}

/* Both a and b are keys that check_string passed, so both end in '"'
 * before c->end; comparing code points compares their UTF-8 bytes. */
int ota_canon_string_cmp(const unsigned char *a, const unsigned char *b, const unsigned char *end)
{
	int32_t x, y;

	a++;
	b++;
	do {
		x = next_cp(&a, end);
		y = next_cp(&b, end);
	} while (x == y && x >= 0);
	return (x > y) - (x < y);
}

static size_t put_utf8(uint32_t u, unsigned char *o);

int ota_canon_string_cmp_utf8(const unsigned char *a, const unsigned char *end, const char *s,
			      size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char utf8[4];
	size_t i = 0, k, j;
	int32_t x;

	a++;
	while ((x = next_cp(&a, end)) >= 0) {
		k = put_utf8((uint32_t)x, utf8);
		for (j = 0; j < k; j++, i++) {
			if (i == n)
				return 1;
			if (utf8[j] != u[i])
				return utf8[j] < u[i] ? -1 : 1;
		}
	}
	return i == n ? 0 : -1;
}

static size_t put_utf8(uint32_t u, unsigned char *o)
{
	if (u < 0x80) {
		o[0] = (unsigned char)u;
		return 1;
	}
	if (u < 0x800) {
		o[0] = (unsigned char)(0xc0 | u >> 6);
		o[1] = (unsigned char)(0x80 | (u & 0x3f));
		return 2;
	}
	if (u < 0x10000) {
		o[0] = (unsigned char)(0xe0 | u >> 12);
		o[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (u & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | u >> 18);
	o[1] = (unsigned char)(0x80 | ((u >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (u & 0x3f));
	return 4;
}

/* Append the k bytes of whole characters at s to out (cap bytes with its
 * NUL) at *w, as far as they fit; a run of ASCII may be cut anywhere, a
 * multi-byte character (one) only whole. */
static void put_chars(const unsigned char *s, size_t k, bool one, char *out, size_t cap,
		      size_t *w, bool *fits)
{
	size_t room = *fits && *w < cap ? cap - 1 - *w : 0;

	if (!out || !*fits)
		return;
	if (k > room) {
		*fits = false;
		k = one ? 0 : room;
	}
	memcpy(out + *w, s, k);
	*w += k;
}

int ota_canon_get_string(struct ota_canon_cur *cur, char *out, size_t cap, size_t *len)
{
	const unsigned char *p = cur->p, *run;
	unsigned char utf8[4];
	size_t n = 0, w = 0, k;
	bool fits = cap > 0, nul = false;
	int32_t u;

	if (p >= cur->end || *p != '"')
		return -1;
	p++;
	for (;;) {
		/* Most of a manifest is plain ASCII: copied a run at a time. */
		for (run = p; p < cur->end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\';)
			p++;
		put_chars(run, (size_t)(p - run), false, out, cap, &w, &fits);
		n += (size_t)(p - run);
		if ((u = next_cp(&p, cur->end)) < 0)
			break;
		k = put_utf8((uint32_t)u, utf8);
		nul |= u == 0;
		put_chars(utf8, k, true, out, cap, &w, &fits);
		n += k;
	}
	if (u == -2)
		return -1;
	cur->p = p + 1;
	if (out && cap)
		out[w] = '\0';
	*len = n;
	return (out && !fits ? OTA_CANON_CUT : 0) | (nul ? OTA_CANON_NUL : 0);
}

int ota_canon_get_int(struct ota_canon_cur *cur, long long *v)
{
	const unsigned char *p = cur->p;
	bool neg = p < cur->end && *p == '-';
	unsigned long long x = 0;

	p += neg;
	if (p >= cur->end || *p < '0' || *p > '9')
		return -1;
	while (p < cur->end && *p >= '0' && *p <= '9')
		x = x * 10 + (unsigned)(*p++ - '0');
	cur->p = p;
	/* Checked text fits a long long, INT64_MIN included. */
	*v = neg ? (long long)(0 - x) : (long long)x;
	return 0;
}

int ota_canon_skip(struct ota_canon_cur *cur)
{
	int depth = 0;
	unsigned char b;
	size_t len;

	while (cur->p < cur->end) {
		b = *cur->p;
		if (b == '"') {
			if (ota_canon_get_string(cur, NULL, 0, &len) < 0)
				return -1;
		} else if (b == '{' || b == '[') {
			depth++;
			cur->p++;
		} else if (b == '}' || b == ']') {
			if (depth == 0)
				return 0; /* the end of the container around a scalar */
			depth--;
			cur->p++;
		} else if ((b == ',' || b == ':') && depth == 0) {
			return 0;
		} else {
			cur->p++;
			if (b == ',') /* a big value is skipped a few pages at a time */
				ota_canon_tick(cur);
		}
		if (depth == 0 && (b == '"' || b == '}' || b == ']'))
			return 0;
	}
	return depth ? -1 : 0;
}

int ota_canon_eat(struct ota_canon_cur *cur, char c)
{
	if (cur->p >= cur->end || *cur->p != (unsigned char)c)
		return -1;
	cur->p++;
	return 0;
}
