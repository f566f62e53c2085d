/* SPDX-License-Identifier: Apache-2.0 */
/* canon.c - the one canonical JSON form (canon.h): strict parsing on top of
 * jansson, and a writer that matches Python's json.dumps(sort_keys=True,
 * separators=(",", ":")) byte for byte. */
#include "lib/canon.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/path.h"

#define CANON_MAX_DEPTH 32
#define PARSE_FLAGS (JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY)

static const char hexdig[] = "0123456789abcdef";

/* Where canonical bytes go: appended to a buffer, or compared on the fly
 * with the text being checked, so checking a manifest never needs a second
 * copy of it and the first difference is known exactly. */
struct sink {
	struct ota_buf *out;       /* append here, or else */
	const unsigned char *want; /* compare with want_len bytes */
	size_t want_len;
	size_t pos; /* bytes compared so far */
	const char *name;
};

struct member {
	const char *key;
	size_t len;
	json_t *value;
};

static int dump_value(const json_t *v, int depth, struct sink *s, struct ota_err *err);

static int not_canonical(const struct sink *s, size_t at, struct ota_err *err)
{
	return ota_err_set(err, OTA_EFORMAT,
			   "%s: not canonical JSON (first difference at byte %zu)", s->name, at);
}

static int too_deep(const char *who, struct ota_err *err)
{
	return ota_err_set(err, OTA_EFORMAT, "%s: nested more than %d levels deep", who,
			   CANON_MAX_DEPTH);
}

static int emit(struct sink *s, const void *data, size_t n, struct ota_err *err)
{
	const unsigned char *p = data;
	size_t i;

	if (s->out)
		return ota_buf_append(s->out, data, n, err);
	for (i = 0; i < n; i++) {
		if (s->pos + i >= s->want_len || s->want[s->pos + i] != p[i])
			return not_canonical(s, s->pos + i, err);
	}
	s->pos += n;
	return 0;
}

static int emit_u16(struct sink *s, uint32_t u, struct ota_err *err)
{
	char e[6] = {'\\', 'u', hexdig[(u >> 12) & 15], hexdig[(u >> 8) & 15],
		     hexdig[(u >> 4) & 15], hexdig[u & 15]};

	return emit(s, e, sizeof(e), err);
}

/* The letter of Python's two-character escape for c, or 0 if it has none. */
static char short_escape(uint32_t c)
{
	switch (c) {
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '\b':
		return 'b';
	case '\f':
		return 'f';
	case '\n':
		return 'n';
	case '\r':
		return 'r';
	case '\t':
		return 't';
	}
	return 0;
}

/* A code point that is not plain printable ASCII: a short escape, else
 * \uxxxx, else (beyond the BMP) a surrogate pair, as Python writes them. */
static int emit_escape(struct sink *s, uint32_t c, struct ota_err *err)
{
	char e[2] = {'\\', short_escape(c)};
	int rc;

	if (e[1])
		return emit(s, e, 2, err);
	if (c < 0x10000)
		return emit_u16(s, c, err);
	c -= 0x10000;
	rc = emit_u16(s, 0xd800 | (c >> 10), err);
	if (rc)
		return rc;
	return emit_u16(s, 0xdc00 | (c & 0x3ff), err);
}

/* Decode the code point at p[*i] and step past it; the string has already
 * passed ota_utf8_valid, so the sequence is complete and well-formed. */
static uint32_t utf8_next(const unsigned char *p, size_t *i)
{
	uint32_t c = p[(*i)++];
	int more = 0;

	if (c >= 0xf0) {
		c &= 0x07;
		more = 3;
	} else if (c >= 0xe0) {
		c &= 0x0f;
		more = 2;
	} else if (c >= 0x80) {
		c &= 0x1f;
		more = 1;
	}
	while (more-- > 0)
		c = (c << 6) | (p[(*i)++] & 0x3f);
	return c;
}

static bool plain_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static int dump_string(const char *str, size_t len, struct sink *s, struct ota_err *err)
{
	const unsigned char *p = (const unsigned char *)str;
	size_t i = 0, end;
	int rc;

	/* jansson checks what it parses, but json_stringn_nocheck() exists. */
	if (!ota_utf8_valid(str, len))
		return ota_err_set(err, OTA_EFORMAT, "canonical JSON: string is not valid UTF-8");
	rc = emit(s, "\"", 1, err);
	while (!rc && i < len) {
		end = i;
		while (end < len && plain_ascii(p[end]))
			end++;
		if (end > i) {
			rc = emit(s, p + i, end - i, err);
			i = end;
		} else {
			rc = emit_escape(s, utf8_next(p, &i), err);
		}
	}
	if (rc)
		return rc;
	return emit(s, "\"", 1, err);
}

static int dump_integer(const json_t *v, struct sink *s, struct ota_err *err)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));

	if (n < 0 || (size_t)n >= sizeof(num))
		return ota_err_set(err, OTA_EINTERNAL, "canonical JSON: cannot format integer");
	return emit(s, num, (size_t)n, err);
}

/* Memcmp order of the UTF-8 keys, shorter first on a tie: that is code
 * point order, which Python's sort_keys uses (UTF-16 order would put
 * U+10000.. before U+E000..U+FFFF). */
static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* The members of object v sorted by key, in *out (caller frees). */
static int sorted_members(const json_t *v, struct member **out, size_t *n,
			  struct ota_err *err)
{
	json_t *obj = (json_t *)v; /* jansson's iterators are not const-correct */
	size_t size = json_object_size(v), klen;
	struct member *m;
	const char *key;
	json_t *value;

	*out = NULL;
	*n = 0;
	if (size == 0)
		return 0;
	m = calloc(size, sizeof(*m));
	if (!m)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	json_object_keylen_foreach(obj, key, klen, value) {
		if (*n == size)
			break;
		m[(*n)++] = (struct member){key, klen, value};
	}
	qsort(m, *n, sizeof(*m), member_cmp);
	*out = m;
	return 0;
}

static int dump_member(const struct member *m, bool first, int depth, struct sink *s,
		       struct ota_err *err)
{
	int rc;

	/* Python would write it, but jansson cannot parse it back. */
	if (memchr(m->key, '\0', m->len))
		return ota_err_set(err, OTA_EFORMAT, "canonical JSON: object key contains U+0000");
	rc = first ? 0 : emit(s, ",", 1, err);
	if (!rc)
		rc = dump_string(m->key, m->len, s, err);
	if (!rc)
		rc = emit(s, ":", 1, err);
	if (!rc)
		rc = dump_value(m->value, depth, s, err);
	return rc;
}

static int dump_object(const json_t *v, int depth, struct sink *s, struct ota_err *err)
{
	struct member *m = NULL;
	size_t n, i;
	int rc;

	rc = sorted_members(v, &m, &n, err);
	if (!rc)
		rc = emit(s, "{", 1, err);
	for (i = 0; !rc && i < n; i++)
		rc = dump_member(&m[i], i == 0, depth, s, err);
	if (!rc)
		rc = emit(s, "}", 1, err);
	free(m);
	return rc;
}

static int dump_array(const json_t *v, int depth, struct sink *s, struct ota_err *err)
{
	size_t i, n = json_array_size(v);
	int rc;

	rc = emit(s, "[", 1, err);
	for (i = 0; !rc && i < n; i++) {
		if (i)
			rc = emit(s, ",", 1, err);
		if (!rc)
			rc = dump_value(json_array_get(v, i), depth, s, err);
	}
	if (!rc)
		rc = emit(s, "]", 1, err);
	return rc;
}

/* depth counts the containers around v; the limit also stops a value
 * built with a reference cycle from recursing forever. */
static int dump_value(const json_t *v, int depth, struct sink *s, struct ota_err *err)
{
	if (!v)
		return ota_err_set(err, OTA_EINTERNAL, "canonical JSON: missing value");
	if ((json_is_object(v) || json_is_array(v)) && depth >= CANON_MAX_DEPTH)
		return too_deep("canonical JSON", err);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return dump_object(v, depth + 1, s, err);
	case JSON_ARRAY:
		return dump_array(v, depth + 1, s, err);
	case JSON_STRING:
		return dump_string(json_string_value(v), json_string_length(v), s, err);
	case JSON_INTEGER:
		return dump_integer(v, s, err);
	case JSON_TRUE:
		return emit(s, "true", 4, err);
	case JSON_FALSE:
		return emit(s, "false", 5, err);
	case JSON_REAL:
		return ota_err_set(err, OTA_EFORMAT,
				   "canonical JSON: real numbers are not allowed");
	case JSON_NULL:
		return ota_err_set(err, OTA_EFORMAT, "canonical JSON: null is not allowed");
	}
	return ota_err_set(err, OTA_EINTERNAL, "canonical JSON: unknown value type");
}

int ota_canon_dump(const json_t *v, struct ota_buf *out, struct ota_err *err)
{
	struct sink s = {.out = out};
	size_t old_len = out->len;
	int rc = dump_value(v, 0, &s, err);

	/* Leave out as it was rather than holding half a value. */
	if (rc && out->data) {
		out->len = old_len;
		out->data[old_len] = '\0';
	}
	return rc;
}

int ota_canon_put_string(struct ota_buf *out, const char *s, size_t len, struct ota_err *err)
{
	struct sink k = {.out = out};
	size_t old_len = out->len;
	int rc = dump_string(s, len, &k, err);

	if (rc && out->data) {
		out->len = old_len;
		out->data[old_len] = '\0';
	}
	return rc;
}

/* Refuse what parses as JSON but is outside the data model. */
static int check_value(json_t *v, int depth, const char *name, struct ota_err *err);

static int check_children(json_t *v, int depth, const char *name, struct ota_err *err)
{
	const char *key;
	json_t *child;
	size_t i;
	int rc;

	/* Keys need no check: jansson refuses U+0000 in them (tested). */
	if (json_is_array(v)) {
		json_array_foreach(v, i, child) {
			rc = check_value(child, depth, name, err);
			if (rc)
				return rc;
		}
		return 0;
	}
	json_object_foreach(v, key, child) {
		rc = check_value(child, depth, name, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int check_value(json_t *v, int depth, const char *name, struct ota_err *err)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		if (depth >= CANON_MAX_DEPTH)
			return too_deep(name, err);
		return check_children(v, depth + 1, name, err);
	case JSON_REAL:
		return ota_err_set(err, OTA_EFORMAT, "%s: real numbers are not allowed", name);
	case JSON_NULL:
		return ota_err_set(err, OTA_EFORMAT, "%s: null is not allowed", name);
	default:
		return 0;
	}
}

/* jansson's reason quotes the offending input ("near '...'"), which may
 * hold raw control or non-ASCII bytes; show those as \xNN to keep the
 * message on one line. */
static void clean_text(const char *in, char *out, size_t size)
{
	size_t o = 0;
	unsigned char c;

	for (; *in && o + 5 < size; in++) {
		c = (unsigned char)*in;
		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hexdig[c >> 4];
		out[o++] = hexdig[c & 15];
	}
	out[o] = '\0';
}

static int syntax_error(const json_error_t *jerr, const char *name, struct ota_err *err)
{
	char text[JSON_ERROR_TEXT_LENGTH * 4];

	if (json_error_code(jerr) == json_error_out_of_memory)
		return ota_err_set(err, OTA_EINTERNAL, "%s: out of memory", name);
	clean_text(jerr->text, text, sizeof(text));
	return ota_err_set(err, OTA_EFORMAT, "%s: %s (line %d, column %d)", name, text,
			   jerr->line, jerr->column);
}

int ota_canon_parse(const unsigned char *data, size_t len, const char *name, json_t **out,
		    struct ota_err *err)
{
	json_error_t jerr;
	json_t *v;
	int rc;

	*out = NULL;
	v = json_loadb((const char *)data, len, PARSE_FLAGS, &jerr);
	if (!v)
		return syntax_error(&jerr, name, err);
	rc = check_value(v, 0, name, err);
	if (rc) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

int ota_canon_parse_canonical(const unsigned char *data, size_t len, const char *name,
			      json_t **out, struct ota_err *err)
{
	struct sink s = {.want = data, .want_len = len, .name = name};
	json_t *v;
	int rc;

	rc = ota_canon_parse(data, len, name, out, err);
	if (rc)
		return rc;
	v = *out;
	rc = dump_value(v, 0, &s, err);
	if (!rc && s.pos != len)
		rc = not_canonical(&s, s.pos, err);
	if (rc) {
		json_decref(v);
		*out = NULL;
	}
	return rc;
}
