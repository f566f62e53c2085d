/* SPDX-License-Identifier: Apache-2.0 */
/* http_client.h - what every HTTP request of the agent (bundle downloads,
 * health checks) shares: libcurl started once, and a handle held to plain
 * http to the one URL it is given. */
#ifndef OTA_HTTP_CLIENT_H
#define OTA_HTTP_CLIENT_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

/* curl_global_init once per process; 0 or OTA_EINTERNAL.  Not thread-safe:
 * the agent makes its requests from one thread. */
int ota_http_global_init(struct ota_err *err);

/* Point h at url and nowhere else: http only (the config allows nothing
 * else; no file:// or other scheme curl knows), no proxy from the
 * environment, no redirect, no signals; curl's message goes into ebuf
 * (CURL_ERROR_SIZE bytes).  The caller adds its timeouts and callbacks. */
CURLcode ota_http_restrict(CURL *h, const char *url, char *ebuf);

/* What downloads (fetch.c, fetch_stream.c) share. */

/* A response header line p (len bytes, as curl's header callback gets
 * it): a status line empties range (a new response), a Content-Range
 * header's value goes into range (cap bytes). */
void ota_http_note_range(const char *p, size_t len, char *range, size_t cap);
/* A Content-Range value, "bytes FIRST-LAST/TOTAL" or with TOTAL "*"
 * (*total then 0): false when it is neither. */
bool ota_http_content_range(const char *s, unsigned long long *first, unsigned long long *total);
/* Whether a transfer that failed with cc is worth another attempt:
 * connection refused or reset, timeouts, a transfer cut short. */
bool ota_http_transient(CURLcode cc);

#endif
