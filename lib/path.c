/* SPDX-License-Identifier: Apache-2.0 */
/* path.c - what a path or symlink target inside a release may look like.
 * Purely lexical: nothing here touches the file system, so the same rules
 * hold on the build host and on the device (rules in path.h). */
#include "lib/path.h"

#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* Length of the well-formed UTF-8 sequence at p (avail bytes left), or 0.
 * The allowed range of the second byte is what refuses overlong forms,
 * UTF-16 surrogates and code points past U+10FFFF (Unicode table 3-7). */
static size_t utf8_seq_len(const unsigned char *p, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

bool ota_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* Every byte outside printable ASCII is shown as \xNN, since paths may hold
 * newlines, escape sequences or bidi overrides that would forge or hide
 * part of the message. */
const char *ota_path_quote_n(const char *s, size_t len, struct ota_quoted *q)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char c;
	size_t i, o = 0;

	for (i = 0; i < len && i < OTA_QUOTE_MAX; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			q->s[o++] = '\\';
			q->s[o++] = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			q->s[o++] = (char)c;
		} else {
			q->s[o++] = '\\';
			q->s[o++] = 'x';
			q->s[o++] = hex[c >> 4];
			q->s[o++] = hex[c & 15];
		}
	}
	if (i < len) {
		memcpy(q->s + o, "...", 3);
		o += 3;
	}
	q->s[o] = '\0';
	return q->s;
}

static size_t component_len(const char *p, size_t left)
{
	const char *slash = memchr(p, '/', left);

	return slash ? (size_t)(slash - p) : left;
}

static bool is_dot(const char *c, size_t n)
{
	return n == 1 && c[0] == '.';
}

static bool is_dotdot(const char *c, size_t n)
{
	return n == 2 && c[0] == '.' && c[1] == '.';
}

/* The rules shared by release paths and link targets; NULL if p passes,
 * else the reason.  "." and ".." are left to the caller. */
static const char *check_form(const char *p, size_t len)
{
	size_t i, n;

	if (len == 0)
		return "empty";
	if (len > OTA_PATH_MAX)
		return "longer than " STR(OTA_PATH_MAX) " bytes";
	if (memchr(p, '\0', len))
		return "contains a NUL byte";
	if (!ota_utf8_valid(p, len))
		return "not valid UTF-8";
	if (p[0] == '/')
		return "absolute";
	for (i = 0; i <= len; i += n + 1) {
		n = component_len(p + i, len - i);
		if (n == 0)
			return i == len ? "trailing '/'" : "empty component";
		if (n > OTA_NAME_MAX)
			return "component longer than " STR(OTA_NAME_MAX) " bytes";
	}
	return NULL;
}

int ota_path_check(const char *path, size_t len, struct ota_err *err)
{
	const char *why = check_form(path, len);
	struct ota_quoted q;
	size_t i, n;

	for (i = 0; !why && i < len; i += n + 1) {
		n = component_len(path + i, len - i);
		if (is_dot(path + i, n))
			why = "\".\" component";
		else if (is_dotdot(path + i, n))
			why = "\"..\" component";
	}
	if (why)
		return ota_err_set(err, OTA_EPATH, "unsafe path \"%s\": %s", ota_path_quote_n(path, len, &q),
				   why);
	return 0;
}

/* Walk target from the link's directory (depth components below the
 * root); NULL if it never climbs above the root, else the reason. */
static const char *check_climb(const char *target, size_t len, size_t depth)
{
	bool named = false; /* a component other than "." or ".." was seen */
	size_t i, n;

	/* ".." is allowed only before the first named component.  Lexical and
	 * real resolution then agree, because everything ".." walks through
	 * is a parent of the link, which the manifest requires to be a real
	 * directory.  After a named component the kernel would follow that
	 * component if it were a symlink, and "s/.." could land anywhere. */
	for (i = 0; i < len; i += n + 1) {
		n = component_len(target + i, len - i);
		if (is_dot(target + i, n))
			continue;
		if (!is_dotdot(target + i, n))
			named = true;
		else if (named)
			return "\"..\" after a named component";
		else if (depth-- == 0)
			return "climbs above the release root";
	}
	return NULL;
}

int ota_path_check_link(const char *link_path, const char *target, struct ota_err *err)
{
	size_t link_len = strlen(link_path), len = strlen(target), depth = 0, i;
	struct ota_quoted ql, qt;
	const char *why;
	int rc;

	/* The link's own path decides where ".." leads, so it must be sound too. */
	rc = ota_path_check(link_path, link_len, err);
	if (rc)
		return rc;
	for (i = 0; i < link_len; i++)
		depth += link_path[i] == '/';
	why = check_form(target, len);
	if (!why)
		why = check_climb(target, len, depth);
	if (why)
		return ota_err_set(err, OTA_EPATH, "unsafe symlink \"%s\" -> \"%s\": %s",
				   ota_path_quote_n(link_path, link_len, &ql), ota_path_quote_n(target, len, &qt), why);
	return 0;
}

const char *ota_path_quote(const char *s, struct ota_quoted *q)
{
	return ota_path_quote_n(s, strlen(s), q);
}

size_t ota_path_parent_len(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? (size_t)(slash - path) : 0;
}

int ota_path_normalize_abs(const char *in, char *out, size_t size)
{
	size_t o = 0, n;
	const char *p = in, *end;

	if (in[0] != '/' || size < 2)
		return -1;
	while (*p) {
		while (*p == '/')
			p++;
		end = p + strcspn(p, "/");
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			if (o == 0)
				return -1;
			while (o > 0 && out[o - 1] != '/')
				o--;
			o--; /* the '/' before the component */
		} else {
			if (o + 1 + n + 1 > size)
				return -1;
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return 0;
}
