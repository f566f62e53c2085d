/* SPDX-License-Identifier: Apache-2.0 */
/* http_none.c - an HTTP=0 build (no libcurl, the smallest device): the
 * HTTP functions, each refusing with one line that says this build has no
 * HTTP client.  USB import, install, rollback and the other health checks
 * are unchanged; `poll`, `watch.http` and `health.http_url` fail (the last
 * one's install is rolled back: configure no http_url for such a build). */
#include "lib/fetch.h"
#include "lib/fetch_stream.h"
#include "lib/http_probe.h"

#define NOT_BUILT "not built: an HTTP=0 build has no HTTP client (libcurl)"

int ota_http_probe(const char *url, unsigned int timeout_ms, long *status, struct ota_err *err)
{
	(void)url;
	(void)timeout_ms;
	*status = 0;
	return ota_err_set(err, OTA_EFETCH, NOT_BUILT);
}

int ota_fetch_to_buf(const char *url, const struct ota_fetch_opts *o, struct ota_buf *b,
		     struct ota_err *err)
{
	(void)o;
	(void)b;
	return ota_err_set(err, OTA_EFETCH, "%s: " NOT_BUILT, url);
}

int ota_fetch_to_file(const char *url, const char *path, unsigned long long size,
		      const unsigned char sha256[OTA_SHA256_LEN], const struct ota_fetch_opts *o,
		      struct ota_err *err)
{
	(void)path;
	(void)size;
	(void)sha256;
	(void)o;
	return ota_err_set(err, OTA_EFETCH, "%s: " NOT_BUILT, url);
}

int ota_fetch_stream_open(struct ota_fetch_stream **out, const char *url,
			  unsigned long long size, const unsigned char sha256[OTA_SHA256_LEN],
			  const struct ota_fetch_opts *o, struct ota_err *err)
{
	(void)size;
	(void)sha256;
	(void)o;
	*out = NULL;
	return ota_err_set(err, OTA_EFETCH, "%s: " NOT_BUILT, url);
}

void ota_fetch_stream_free(struct ota_fetch_stream *s)
{
	(void)s;
}

/* Never reached: no stream is ever opened in this build. */
int ota_fetch_stream_read(struct ota_fetch_stream *s, void *buf, size_t cap, size_t *n,
			  struct ota_err *err)
{
	(void)s;
	(void)buf;
	(void)cap;
	*n = 0;
	return ota_err_set(err, OTA_EFETCH, NOT_BUILT);
}

int ota_fetch_stream_reread(struct ota_fetch_stream *s, unsigned long long off, void *buf,
			    size_t len, struct ota_err *err)
{
	(void)s;
	(void)off;
	(void)buf;
	(void)len;
	return ota_err_set(err, OTA_EFETCH, NOT_BUILT);
}

unsigned int ota_fetch_stream_resumes(const struct ota_fetch_stream *s)
{
	(void)s;
	return 0;
}
