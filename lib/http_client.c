/* http_client.c - libcurl's set-up shared by downloads (fetch.c) and health
 * checks (health.c), so that both are held to the same plain-http rules. */
#include "lib/http_client.h"

#include <stdbool.h>

int ota_http_global_init(struct ota_err *err)
{
	static bool ready;
	CURLcode cc;

	if (!ready && (cc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		return ota_err_set(err, OTA_EINTERNAL, "curl_global_init: %s",
				   curl_easy_strerror(cc));
	ready = true;
	return 0;
}

CURLcode ota_http_restrict(CURL *h, const char *url, char *ebuf)
{
	CURLcode cc;

	if ((cc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_URL, url)) ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    (cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http")) ||
#else
	    (cc = curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP)) ||
#endif
	    (cc = curl_easy_setopt(h, CURLOPT_NOPROXY, "*")) ||
	    (cc = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) ||
	    (cc = curl_easy_setopt(h, CURLOPT_USERAGENT, "ota-agent")))
		return cc;
	return CURLE_OK;
}
