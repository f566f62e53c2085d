/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11_uri.c - RFC 7512 PKCS#11 URIs, the part that names a key:
 *
 *   pkcs11:<path attributes, ';'-separated>[?<query attributes, '&'-separated>]
 *
 * Path: token, manufacturer, model, serial, slot-id, object, id, type
 * (library-* and slot-* are accepted and not used).  Query: pin-value,
 * pin-source, module-path (module-name is p11-kit's: the proxy resolves
 * it; not used here).  Anything else is refused rather than ignored: a
 * typo in "objcet=" must not quietly pick another key. */
#include "lib/pkcs11_uri.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/keys.h"

bool ota_pkcs11_is_uri(const char *s)
{
	return s && strncasecmp(s, OTA_PKCS11_SCHEME, strlen(OTA_PKCS11_SCHEME)) == 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %-decode s[0..n) into a new string (len in *out_len); NULL on a bad
 * escape.  An embedded NUL is allowed only where bytes are wanted (id). */
static char *decode(const char *s, size_t n, size_t *out_len)
{
	char *o = malloc(n + 1);
	size_t i, k = 0;

	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] != '%') {
			o[k++] = s[i];
			continue;
		}
		int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
		int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;

		if (hi < 0 || lo < 0) {
			free(o);
			return NULL;
		}
		o[k++] = (char)(hi << 4 | lo);
		i += 2;
	}
	o[k] = '\0';
	*out_len = k;
	return o;
}

static int set_string(char **slot, const char *name, char *v, size_t len, struct ota_err *err)
{
	if (*slot) {
		free(v);
		return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: %s given twice", name);
	}
	if (strlen(v) != len) {
		free(v);
		return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: %s holds a NUL byte", name);
	}
	*slot = v;
	return 0;
}

/* The string attributes: where each goes, and whether it is a query one. */
static char **string_slot(struct ota_pkcs11_uri *u, const char *name, bool query)
{
	const struct {
		const char *name;
		bool query;
		char **slot;
	} table[] = {
		{"token", false, &u->token},         {"manufacturer", false, &u->manufacturer},
		{"model", false, &u->model},         {"serial", false, &u->serial},
		{"object", false, &u->object},       {"type", false, &u->type},
		{"pin-value", true, &u->pin_value},  {"pin-source", true, &u->pin_source},
		{"module-path", true, &u->module_path},
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].query == query && !strcmp(name, table[i].name))
			return table[i].slot;
	return NULL;
}

static int set_id(struct ota_pkcs11_uri *u, char *v, size_t len, struct ota_err *err)
{
	if (u->id_len || len == 0 || len > sizeof(u->id)) {
		free(v);
		return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: id given twice, empty or over %zu bytes",
				   sizeof(u->id));
	}
	memcpy(u->id, v, len);
	u->id_len = len;
	free(v);
	return 0;
}

static int set_slot_id(struct ota_pkcs11_uri *u, char *v, struct ota_err *err)
{
	char *end;
	long long n = strtoll(v, &end, 10);
	bool bad = u->slot_id >= 0 || end == v || *end || n < 0;

	free(v);
	if (bad)
		return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: bad slot-id");
	u->slot_id = n;
	return 0;
}

static int set_attr(struct ota_pkcs11_uri *u, const char *name, char *v, size_t len, bool query,
		    struct ota_err *err)
{
	static const char *const unused[] = {"library-description", "library-manufacturer",
					     "library-version", "slot-description",
					     "slot-manufacturer"};
	char **slot = string_slot(u, name, query);
	size_t i;

	if (slot)
		return set_string(slot, name, v, len, err);
	if (!query && !strcmp(name, "id"))
		return set_id(u, v, len, err);
	if (!query && !strcmp(name, "slot-id"))
		return set_slot_id(u, v, err);
	for (i = 0; !query && i < sizeof(unused) / sizeof(unused[0]); i++)
		if (!strcmp(name, unused[i])) {
			free(v);
			return 0;
		}
	free(v);
	return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: unknown %s attribute \"%s\"",
			   query ? "query" : "path", name);
}

/* One "name=value" of n bytes at s. */
static int parse_attr(struct ota_pkcs11_uri *u, const char *s, size_t n, bool query,
		      struct ota_err *err)
{
	const char *eq = memchr(s, '=', n);
	char name[32];
	size_t len;
	char *v;

	if (n == 0)
		return 0; /* "pkcs11:" alone, or a trailing ';' */
	if (!eq || eq == s || (size_t)(eq - s) >= sizeof(name))
		return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: \"%.*s\" is not name=value",
				   (int)(n > 40 ? 40 : n), s);
	memcpy(name, s, (size_t)(eq - s));
	name[eq - s] = '\0';
	v = decode(eq + 1, n - (size_t)(eq - s) - 1, &len);
	if (!v)
		return ota_err_set(err, OTA_EKEY, "PKCS#11 URI: bad %%-escape in %s", name);
	return set_attr(u, name, v, len, query, err);
}

int ota_pkcs11_uri_parse(const char *s, struct ota_pkcs11_uri *u, struct ota_err *err)
{
	const char *p, *q, *end;
	int rc = 0;

	memset(u, 0, sizeof(*u));
	u->slot_id = -1;
	if (!ota_pkcs11_is_uri(s))
		return ota_err_set(err, OTA_EKEY, "not a PKCS#11 URI (pkcs11:...)");
	p = s + strlen(OTA_PKCS11_SCHEME);
	q = strchr(p, '?');
	end = q ? q : p + strlen(p);
	while (rc == 0 && p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *stop = semi ? semi : end;

		rc = parse_attr(u, p, (size_t)(stop - p), false, err);
		p = stop + (semi ? 1 : 0);
	}
	for (p = q ? q + 1 : NULL; rc == 0 && p && *p;) {
		const char *amp = strchr(p, '&');
		const char *stop = amp ? amp : p + strlen(p);

		rc = parse_attr(u, p, (size_t)(stop - p), true, err);
		p = amp ? amp + 1 : NULL;
	}
	if (rc == 0 && u->type && strcmp(u->type, "private"))
		rc = ota_err_set(err, OTA_EKEY, "PKCS#11 URI: type=%s: a signing key is "
				 "type=private", u->type);
	if (rc)
		ota_pkcs11_uri_free(u);
	return rc;
}

void ota_pkcs11_uri_free(struct ota_pkcs11_uri *u)
{
	char **s[] = {&u->token, &u->manufacturer, &u->model, &u->serial, &u->object,
		      &u->type, &u->pin_source, &u->module_path};
	size_t i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
	ota_passphrase_free(u->pin_value);
	u->pin_value = NULL;
}

int ota_pkcs11_uri_pin(const struct ota_pkcs11_uri *u, char **pin, struct ota_err *err)
{
	const char *src = u->pin_source;

	*pin = NULL;
	if (u->pin_value) {
		if (!(*pin = strdup(u->pin_value)))
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		return 0;
	}
	if (!src)
		return 0;
	/* RFC 7512 leaves pin-source's form to the application; p11-kit and
	 * GnuTLS take a file, with or without "file:". */
	if (!strncmp(src, "file:", 5))
		src += 5;
	return ota_passphrase_read_file(src, pin, err);
}
