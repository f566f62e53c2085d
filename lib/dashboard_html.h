/* SPDX-License-Identifier: Apache-2.0 */
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

/* The page's style sheet (dashboard_html_css.c). */
extern const char ota_dashboard_css[];
extern const size_t ota_dashboard_css_len;

/* The policy for the HTTP header (frame-ancestors included) into out. */
int ota_dashboard_csp(char out[OTA_DASHBOARD_CSP_MAX], struct ota_err *err);

/* Which attempts a served page shows: the page-th (1..) group of
 * per_page, newest first, with links to the other pages and to the JSON
 * endpoints.  NULL (the report file): every attempt, no links. */
struct ota_dashboard_page {
	unsigned long page;
	unsigned long per_page;
};
#define OTA_DASHBOARD_PER_PAGE 10

/* Append the page to out.  status: the object of agent status --json
 * (its "history" member is the chain check); records: the array of
 * history --json.  Missing members are shown as unknown, never fatal. */
int ota_dashboard_render(const json_t *status, const json_t *records,
			 const struct ota_dashboard_page *pg, struct ota_buf *out,
			 struct ota_err *err);

/* The device section (dashboard_html_device.c): its hostname, machine id,
 * key id and agent version (status "device", "agent_version"), the trust
 * set in force ("trust") and the configured health checks ("health"). */
int ota_dashboard_device(const json_t *status, struct ota_buf *out, struct ota_err *err);

/* Append s to out with & < > " ' as character references. */
int ota_html_escape(struct ota_buf *out, const char *s, struct ota_err *err);

#endif
