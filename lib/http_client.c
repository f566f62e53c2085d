/* SPDX-License-Identifier: Apache-2.0 */
/* http_client.c - libcurl's set-up shared by downloads (fetch.c) and health
 * checks (health.c), so that both are held to the same plain-http rules. */
#include "lib/http_client.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* The decimal number at s (digits only: no sign, no space) into *v; the
 * end of it, or NULL when there is none or it overflows. */
static const char *number(const char *s, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return NULL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno ? NULL : end;
}

bool ota_http_content_range(const char *s, unsigned long long *first, unsigned long long *total)
{
	unsigned long long last;

	*total = 0;
	if (strncmp(s, "bytes ", 6) || !(s = number(s + 6, first)) || *s != '-' ||
	    !(s = number(s + 1, &last)) || *s != '/' || last < *first)
		return false;
	if (!strcmp(s + 1, "*"))
		return true;
	return (s = number(s + 1, total)) && !*s && *total > last;
}

void ota_http_note_range(const char *p, size_t len, char *range, size_t cap)
{
	size_t k;

	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		range[0] = '\0';
	} else if (len > 14 && strncasecmp(p, "content-range:", 14) == 0) {
		for (p += 14, k = len - 14; k && (*p == ' ' || *p == '\t'); p++, k--)
			;
		while (k && (p[k - 1] == '\r' || p[k - 1] == '\n' || p[k - 1] == ' '))
			k--;
		snprintf(range, cap, "%.*s", (int)k, p);
	}
}

bool ota_http_transient(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
		return true;
	default:
		return false;
	}
}
