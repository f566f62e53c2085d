/* SPDX-License-Identifier: Apache-2.0 */
/* view.h - what the device runs, has and did, as JSON and as the page:
 * the one source of `status --json`, `history --json`, the dashboard and
 * the report.  Reads only; takes no lock. */
#ifndef OTA_AGENT_VIEW_H
#define OTA_AGENT_VIEW_H

#include <jansson.h>

#include "agent/agent.h"

struct ota_audit_check;
struct ota_buf;
struct ota_dashboard_page;

/* What status --json prints: current, last good, releases, free space,
 * the run and the history's chain check.  *out owned by the caller. */
int view_status_json(struct agent *a, json_t **out, struct ota_err *err);
/* What history --json prints (every record, oldest first), and the chain
 * check of ota_audit_read when check is not NULL. */
int view_history_json(struct agent *a, json_t **out, struct ota_audit_check *check,
		      struct ota_err *err);
/* The dashboard page of both (dashboard_html.h), appended to out: the
 * attempts of page pg with links (served), or all of them (pg NULL). */
int view_render_page(struct agent *a, const struct ota_dashboard_page *pg, struct ota_buf *out,
		     struct ota_err *err);

#endif
