/* http_client.h - what every HTTP request of the agent (bundle downloads,
 * health checks) shares: libcurl started once, and a handle held to plain
 * http to the one URL it is given. */
#ifndef OTA_HTTP_CLIENT_H
#define OTA_HTTP_CLIENT_H

#include <curl/curl.h>

#include "lib/err.h"

/* curl_global_init once per process; 0 or OTA_EINTERNAL.  Not thread-safe:
 * the agent makes its requests from one thread. */
int ota_http_global_init(struct ota_err *err);

/* Point h at url and nowhere else: http only (the config allows nothing
 * else; no file:// or other scheme curl knows), no proxy from the
 * environment, no redirect, no signals; curl's message goes into ebuf
 * (CURL_ERROR_SIZE bytes).  The caller adds its timeouts and callbacks. */
CURLcode ota_http_restrict(CURL *h, const char *url, char *ebuf);

#endif
