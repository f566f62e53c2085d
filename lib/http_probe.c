/* SPDX-License-Identifier: Apache-2.0 */
/* http_probe.c - the health check's GET (see http_probe.h): libcurl with
 * http_client's restrictions, one overall timeout, the body dropped. */
#include "lib/http_probe.h"

#include <curl/curl.h>

#include "lib/http_client.h"

/* NOLINTNEXTLINE(readability-non-const-parameter): curl's write callback type */
static size_t discard(char *data, size_t size, size_t n, void *user)
{
	(void)data;
	(void)user;
	return size * n;
}

static CURLcode setup(CURL *h, const char *url, long ms, char *ebuf)
{
	CURLcode cc;

	if ((cc = ota_http_restrict(h, url, ebuf)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, ms)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard)))
		return cc;
	return CURLE_OK;
}

int ota_http_probe(const char *url, unsigned int timeout_ms, long *status, struct ota_err *err)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	CURLcode cc;
	CURL *h;
	int rc = 0;

	if ((rc = ota_http_global_init(err)))
		return rc;
	h = curl_easy_init();
	if (!h)
		return ota_err_set(err, OTA_EINTERNAL, "curl_easy_init failed");
	cc = setup(h, url, (long)timeout_ms, ebuf);
	if (cc == CURLE_OK)
		cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (cc != CURLE_OK)
		rc = ota_err_set(err, OTA_EFETCH, "%s", ebuf[0] ? ebuf : curl_easy_strerror(cc));
	curl_easy_cleanup(h);
	return rc;
}
