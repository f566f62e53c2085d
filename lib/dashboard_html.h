/* dashboard_html.h - the device's one-page dashboard as HTML, rendered on
 * the device from the status and history JSON of `ota-agent status --json`
 * and `history --json`: shared by `ota-agent dashboard` (served) and
 * `ota-agent report --html` (a file to carry off the device).
 *
 * The page is self-contained: inline CSS, no script, no image, no font,
 * no link to anything.  Every string taken from the status or history (a
 * bundle's file name or a reason is attacker-influenced) is HTML-escaped.
 * Its Content-Security-Policy allows only its own style element, named by
 * its SHA-256, and is also in a <meta> element for the report file.
 */
#ifndef OTA_DASHBOARD_HTML_H
#define OTA_DASHBOARD_HTML_H

#include <jansson.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

#define OTA_DASHBOARD_CSP_MAX 512

/* The policy for the HTTP header (frame-ancestors included) into out. */
int ota_dashboard_csp(char out[OTA_DASHBOARD_CSP_MAX], struct ota_err *err);

/* Append the page to out.  status: the object of agent status --json
 * (its "history" member is the chain check); records: the array of
 * history --json.  Missing members are shown as unknown, never fatal. */
int ota_dashboard_render(const json_t *status, const json_t *records, struct ota_buf *out,
			 struct ota_err *err);

/* Append s to out with & < > " ' as character references. */
int ota_html_escape(struct ota_buf *out, const char *s, struct ota_err *err);

#endif
