/* SPDX-License-Identifier: Apache-2.0 */
/* ctlesc.c - text from input made safe to show: one line of valid UTF-8,
 * controls, invalid bytes and bidirectional formatting as \xNN (ctlesc.h).
 * The one escaper of the history and of every message a tool prints. */
#include "lib/ctlesc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/path.h"

/* The code point of a valid UTF-8 sequence of n bytes. */
static unsigned int code_point(const unsigned char *p, size_t n)
{
	static const unsigned char lead[] = {0, 0x7f, 0x1f, 0x0f, 0x07};
	unsigned int cp = p[0] & lead[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* Controls and the bidirectional formatting characters that could hide or
 * reorder text where the history is shown. */
static bool shown_as_is(unsigned int cp)
{
	return cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp < 0xa0) && cp != 0x061c &&
	       cp != 0x200e && cp != 0x200f && !(cp >= 0x202a && cp <= 0x202e) &&
	       !(cp >= 0x2066 && cp <= 0x2069);
}

/* Length of the valid UTF-8 sequence at p, 0 if there is none. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n;

	for (n = 1; n <= 4 && n <= left; n++)
		if (ota_utf8_valid((const char *)p, n))
			return n;
	return 0;
}

int ota_ctlesc(const char *s, size_t max, struct ota_buf *out, struct ota_err *err)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t len = strlen((const char *)p), i = 0, n, k, plen;
	char piece[20];
	int rc = 0;

	while (i < len && rc == 0) {
		n = utf8_len(p + i, len - i);
		if (n && shown_as_is(code_point(p + i, n))) {
			memcpy(piece, p + i, n);
			plen = n;
		} else {
			n = n ? n : 1;
			for (k = 0, plen = 0; k < n; k++)
				plen += (size_t)snprintf(piece + plen, sizeof(piece) - plen, "\\x%02x",
							 p[i + k]);
		}
		if (out->len + plen > max)
			break;
		rc = ota_buf_append(out, piece, plen, err);
		i += n;
	}
	return rc;
}

