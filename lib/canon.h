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

#endif
