/* SPDX-License-Identifier: Apache-2.0 */
/* detached.c - detached signature files (see detached.h). */
#include "lib/detached.h"

#include <openssl/evp.h>
#include <string.h>

/* Strict base64 of exactly 32 bytes: 44 characters ending in one '='. */
static int decode_pub(const char *b64, size_t len, unsigned char out[OTA_KEY_RAW_LEN])
{
	unsigned char raw[48];
	char again[64];

	if (len != 44 || EVP_DecodeBlock(raw, (const unsigned char *)b64, 44) != 33)
		return -1;
	memcpy(out, raw, OTA_KEY_RAW_LEN);
	EVP_EncodeBlock((unsigned char *)again, out, OTA_KEY_RAW_LEN);
	return memcmp(again, b64, 44) ? -1 : 0;
}

int ota_detached_parse(const unsigned char *text, size_t len, const char *name,
		       struct ota_detached *out, struct ota_err *err)
{
	const unsigned char *nl = memchr(text, '\n', len);
	size_t first = nl ? (size_t)(nl - text) + 1 : len;
	const char *rest = (const char *)text + first;
	size_t rlen = len - first;
	size_t plen = strlen(OTA_DETACHED_PUB_PREFIX);
	int rc;

	memset(out, 0, sizeof(*out));
	rc = ota_sig_decode(text, first, name, out->sig, err);
	if (rc || rlen == 0)
		return rc;
	if (rlen < plen + 45 || memcmp(rest, OTA_DETACHED_PUB_PREFIX, plen) ||
	    rest[rlen - 1] != '\n' || rlen != plen + 45 ||
	    decode_pub(rest + plen, 44, out->pub))
		return ota_err_set(err, OTA_EFORMAT, "%s: bad second line: expected \"%s<base64 "
				   "key>\"", name, OTA_DETACHED_PUB_PREFIX);
	out->has_pub = true;
	return 0;
}

int ota_detached_format(const struct ota_detached *d, struct ota_buf *out, struct ota_err *err)
{
	char sig[OTA_SIG_B64_LEN + 1];
	char pub[45];
	int rc;

	ota_sig_encode(d->sig, sig);
	rc = ota_buf_puts(out, sig, err);
	if (rc == 0)
		rc = ota_buf_putc(out, '\n', err);
	if (rc || !d->has_pub)
		return rc;
	EVP_EncodeBlock((unsigned char *)pub, d->pub, OTA_KEY_RAW_LEN);
	if ((rc = ota_buf_puts(out, OTA_DETACHED_PUB_PREFIX, err)) ||
	    (rc = ota_buf_puts(out, pub, err)))
		return rc;
	return ota_buf_putc(out, '\n', err);
}
