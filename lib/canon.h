/* SPDX-License-Identifier: Apache-2.0 */
/* canon.h - the one canonical JSON form of libota.
 *
 * Canonical form is byte-identical to Python's
 *   json.dumps(obj, sort_keys=True, separators=(",", ":"))   (ensure_ascii)
 * for every value of the manifest's data model: objects, arrays, strings
 * (any Unicode, including U+0000), integers, true/false.  Reals and null
 * are not part of the model and are refused.  Strings are written with
 * \" \\ \b \f \n \r \t, every other byte outside 0x20..0x7e as \u00xx
 * (lowercase hex, so DEL is \u007f), and non-ASCII code points as \uxxxx,
 * non-BMP ones as a lowercase surrogate pair.  Keys sort by code point,
 * which is the byte order of their UTF-8.
 */
#ifndef OTA_CANON_H
#define OTA_CANON_H

#include <jansson.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Append the canonical encoding of v to out.  OTA_EFORMAT for a real, a
 * null, or an object key containing U+0000. */
int ota_canon_dump(const json_t *v, struct ota_buf *out, struct ota_err *err);

/* Parse JSON text strictly: valid UTF-8, no duplicate object keys, no
 * trailing data, no reals, no null, nesting at most 32 deep.  On success
 * *out is a new reference the caller must json_decref.  name is used in
 * the error message.  OTA_EFORMAT on any violation. */
int ota_canon_parse(const unsigned char *data, size_t len, const char *name,
		    json_t **out, struct ota_err *err);

/* Parse strictly and require that the text is exactly its own canonical
 * form (re-dumping gives the same bytes).  OTA_EFORMAT otherwise, with a
 * reason saying "not canonical" and the byte offset of the first
 * difference.  *out as for ota_canon_parse. */
int ota_canon_parse_canonical(const unsigned char *data, size_t len, const char *name,
			      json_t **out, struct ota_err *err);

/* Append the canonical encoding of the UTF-8 string s (len bytes; U+0000
 * allowed) to out: the one string escaper, for writers that build
 * canonical text without a jansson tree (manifest_json.c).  OTA_EFORMAT if
 * s is not valid UTF-8; out is left as it was on failure. */
int ota_canon_put_string(struct ota_buf *out, const char *s, size_t len, struct ota_err *err);

/* Check, byte by byte and without building anything, that data is exactly
 * the canonical form of a value: the same texts ota_canon_parse_canonical
 * accepts (tests/unit/test_canon_check.c holds the two to it), in one pass
 * and constant memory, for documents too big for a tree (the manifest on
 * a small device).  OTA_EFORMAT with the byte offset and the reason. */
int ota_canon_check(const unsigned char *data, size_t len, const char *name,
		    struct ota_err *err);
/* The same over a buffer, which may be mapped (buf.h): then the pages
 * passed are dropped as the check goes, every OTA_CANON_DROP_EVERY
 * members, so the check holds a few pages of a 16 MiB manifest, not all. */
int ota_canon_check_buf(const struct ota_buf *b, const char *name, struct ota_err *err);
#define OTA_CANON_DROP_EVERY 2048u

/* Reading values out of text that passed ota_canon_check, in place.  The
 * functions return 0, or -1 when the text at p is not what was asked for
 * (which checked text never is, if read in its own structure). */
struct ota_canon_cur {
	const unsigned char *p; /* next byte */
	const unsigned char *end;
	const struct ota_buf *map; /* the bytes' buffer if it may be mapped, else NULL */
	unsigned steps;            /* members read since the cursor was made */
};

/* A cursor at the next member of an object or array: counted, and every
 * OTA_CANON_DROP_EVERY members the pages of a mapped buffer dropped. */
void ota_canon_tick(struct ota_canon_cur *cur);

/* Consume the byte c. */
int ota_canon_eat(struct ota_canon_cur *cur, char c);
/* Decode the string at p into out (cap bytes with its NUL; out may be NULL
 * to skip it); *len gets its full UTF-8 length.  Returns -1, or 0 with
 * these bits: OTA_CANON_CUT when it did not fit (out then holds a
 * NUL-terminated prefix cut at a character boundary), OTA_CANON_NUL when
 * it holds U+0000 (which a C string cannot). */
#define OTA_CANON_CUT 1
#define OTA_CANON_NUL 2
int ota_canon_get_string(struct ota_canon_cur *cur, char *out, size_t cap, size_t *len);
/* The integer at p. */
int ota_canon_get_int(struct ota_canon_cur *cur, long long *v);
/* Step over one value of any kind. */
int ota_canon_skip(struct ota_canon_cur *cur);
/* Order of the checked strings starting at a and b (their opening quotes),
 * both ending before end: <0, 0, >0 as a's code points sort before, equal
 * or after b's, which is also the byte order of their UTF-8. */
int ota_canon_string_cmp(const unsigned char *a, const unsigned char *b,
			 const unsigned char *end);
/* The same for the checked string at a against the n UTF-8 bytes of s. */
int ota_canon_string_cmp_utf8(const unsigned char *a, const unsigned char *end, const char *s,
			      size_t n);

#endif
