/* SPDX-License-Identifier: Apache-2.0 */
/* hash.c - streaming SHA-256 over OpenSSL EVP, and hex encoding. */
#include "lib/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <openssl/evp.h>
#include <unistd.h>

struct ota_sha256 {
	EVP_MD_CTX *ctx;
};

struct ota_sha256 *ota_sha256_new(void)
{
	struct ota_sha256 *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL)) {
		ota_sha256_free(h);
		return NULL;
	}
	return h;
}

void ota_sha256_free(struct ota_sha256 *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int ota_sha256_reset(struct ota_sha256 *h, struct ota_err *err)
{
	if (!EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL))
		return ota_err_openssl(err, OTA_EINTERNAL, "sha256 init");
	return 0;
}

int ota_sha256_update(struct ota_sha256 *h, const void *data, size_t len, struct ota_err *err)
{
	if (!EVP_DigestUpdate(h->ctx, data, len))
		return ota_err_openssl(err, OTA_EINTERNAL, "sha256 update");
	return 0;
}

int ota_sha256_final(struct ota_sha256 *h, unsigned char out[OTA_SHA256_LEN], struct ota_err *err)
{
	if (!EVP_DigestFinal_ex(h->ctx, out, NULL))
		return ota_err_openssl(err, OTA_EINTERNAL, "sha256 final");
	return 0;
}

int ota_sha256(const void *data, size_t len, unsigned char out[OTA_SHA256_LEN], struct ota_err *err)
{
	if (!EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL))
		return ota_err_openssl(err, OTA_EINTERNAL, "sha256");
	return 0;
}

int ota_sha256_fd(int fd, const char *name, unsigned char out[OTA_SHA256_LEN],
		  unsigned long long *size, struct ota_err *err)
{
	static const size_t chunk = 256 * 1024;
	struct ota_sha256 *h = ota_sha256_new();
	unsigned char *buf = malloc(chunk);
	unsigned long long total = 0;
	ssize_t n;
	int rc = 0;

	if (!h || !buf) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	for (;;) {
		n = read(fd, buf, chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ota_err_errno(err, OTA_EIO, errno, "%s: read", name);
			goto out;
		}
		if (n == 0)
			break;
		total += (unsigned long long)n;
		rc = ota_sha256_update(h, buf, (size_t)n, err);
		if (rc)
			goto out;
	}
	rc = ota_sha256_final(h, out, err);
	if (rc == 0 && size)
		*size = total;
out:
	free(buf);
	ota_sha256_free(h);
	return rc;
}

void ota_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/* Each lowercase hex digit's value plus one; 0 for every other byte (a
 * table: a 100,000-file manifest has 100,000 hashes to decode). */
static const unsigned char hex_value[256] = {
	['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
	['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

int ota_unhex(const char *in, unsigned char *out, size_t n)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < n; i++) {
		hi = hex_value[(unsigned char)in[2 * i]];
		lo = hi ? hex_value[(unsigned char)in[2 * i + 1]] : 0; /* not past a NUL */
		if (!hi || !lo)
			return -1;
		out[i] = (unsigned char)((hi - 1) << 4 | (lo - 1));
	}
	return in[2 * n] == '\0' ? 0 : -1;
}

bool ota_sha256_hex_ok(const char *s)
{
	unsigned char raw[OTA_SHA256_LEN];

	return s && ota_unhex(s, raw, sizeof(raw)) == 0;
}
