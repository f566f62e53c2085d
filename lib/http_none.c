/* SPDX-License-Identifier: Apache-2.0 */
/* http_none.c - an HTTP=0 build (no libcurl, the smallest device): the
 * HTTP functions, each refusing with one line that says this build has no
 * HTTP client.  USB import, install, rollback and the other health checks
 * are unchanged; `poll`, `watch.http` and `health.http_url` fail (the last
 * one's install is rolled back: configure no http_url for such a build). */
#include "lib/fetch.h"
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
