/* SPDX-License-Identifier: Apache-2.0 */
/* http_probe.h - one GET whose HTTP status is all that matters (the health
 * check's http_url), under http_client.h's rules.  Its own module so that
 * health.c needs no libcurl header: an HTTP=0 build (no libcurl) links
 * http_none.c in its place. */
#ifndef OTA_HTTP_PROBE_H
#define OTA_HTTP_PROBE_H

#include "lib/err.h"

/* GET url (plain http only, no proxy, no redirect), the body dropped, the
 * whole request bounded by timeout_ms.  0 with *status the HTTP status
 * (whatever it is), or OTA_EFETCH with curl's reason in err (without the
 * URL: the caller names it), or OTA_EINTERNAL. */
int ota_http_probe(const char *url, unsigned int timeout_ms, long *status, struct ota_err *err);

#endif
