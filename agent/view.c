/* SPDX-License-Identifier: Apache-2.0 */
/* view.c - what the device runs, has and did, as JSON and as the page:
 * the one source of `status --json`, `history --json`, the dashboard and
 * the report.  Reads only; takes no lock. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include "agent/receipt.h"
#include "agent/view.h"
#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/dashboard_html.h"
#include "lib/isotime.h"
#include "lib/lock.h"
#include "lib/release.h"
#include "lib/trust.h"

static json_t *version_or_null(const char *v)
{
	return v[0] ? json_string(v) : json_null();
}

/* What `recover` will do with a run cut in state s. */
static const char *recovery_of(enum ota_state s)
{
	switch (s) {
	case OTA_VERIFYING:
	case OTA_STAGING:
		return "discard the staged release";
	case OTA_SWITCHING:
	case OTA_HEALTH_CHECK:
	case OTA_ROLLING_BACK:
		return "roll back to the last good release";
	case OTA_PROMOTED:
		return "finish the promotion";
	default:
		return "";
	}
}

/* The run in progress: its state, whether a process holds the lock, since
 * when (the last record's time), and what recover would do if it is cut. */
static json_t *run_json(struct agent *a, const struct ota_run *run, const json_t *records)
{
	const json_t *last = json_array_get(records, json_array_size(records) - 1);
	const char *since = json_string_value(json_object_get(last, "time"));
	struct ota_err ignored;
	long pid = 0;
	int held = run->state == OTA_IDLE ? 0 : ota_lock_holder(a->cfg.state_dir, &pid, &ignored);
	json_t *o = json_pack("{s:s, s:o, s:o}", "state", ota_state_name(run->state), "version",
			      version_or_null(run->version), "from", version_or_null(run->from));

	if (!o)
		return NULL;
	json_object_set_new(o, "active", held < 0 ? json_null() : json_boolean(held > 0));
	json_object_set_new(o, "pid", pid > 0 ? json_integer(pid) : json_null());
	json_object_set_new(o, "since", run->state != OTA_IDLE && since ? json_string(since)
									 : json_null());
	json_object_set_new(o, "recovery", run->state == OTA_IDLE
						   ? json_null()
						   : json_string(recovery_of(run->state)));
	return o;
}

static json_t *releases_json(struct agent *a, struct ota_err *err, int *rc)
{
	json_t *arr = json_array();
	char **v = NULL;
	size_t n = 0, i;

	if ((*rc = ota_release_list(a->cfg.app_dir, &v, &n, err)) || !arr) {
		json_decref(arr);
		if (!*rc)
			*rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		return NULL;
	}
	for (i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	ota_release_list_free(v, n);
	return arr;
}

/* Who this device is (receipt.h): its key id (null until the key is made,
 * or when it cannot be read), hostname and machine id. */
static json_t *device_json(struct agent *a)
{
	struct receipt_identity who;
	struct ota_err why = {0};
	int rc = receipt_identity(a, false, &who, NULL, &why);
	json_t *o = json_pack("{s:o, s:o, s:o}", "id", rc || !who.id[0] ? json_null()
								: json_string(who.id),
			      "hostname", version_or_null(who.hostname), "machine_id",
			      version_or_null(who.machine_id));

	if (o && rc)
		json_object_set_new(o, "problem", json_string(why.msg));
	return o;
}

/* The trust set in force (what `keys --json` shows), or its problem. */
static json_t *trust_json(struct agent *a)
{
	struct ota_err why = {0};
	json_t *ids = json_array(), *rel = json_array(), *o;
	struct ota_trust t;
	size_t i;

	if (ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &t, &why)) {
		json_decref(ids);
		json_decref(rel);
		return json_pack("{s:s}", "problem", why.msg);
	}
	for (i = 0; ids && i < t.keys.n; i++)
		json_array_append_new(ids, json_string(t.keys.keys[i].id));
	for (i = 0; rel && i < t.release.keys.n; i++)
		json_array_append_new(rel, json_string(t.release.keys.keys[i].id));
	/* keys and threshold: the root role (format 1: also the release role). */
	o = ids && rel ? json_pack("{s:I, s:i, s:o, s:{s:i, s:O}}", "sequence",
				   (json_int_t)t.sequence, "threshold", (int)t.threshold, "keys",
				   ids, "release", "threshold", (int)t.release.threshold, "keys",
				   rel)
		       : NULL;
	json_decref(rel);
	ota_trust_free(&t);
	return o;
}

/* The configured health checks (schema/agent-config.md): absent ones left out. */
static json_t *health_json(const struct ota_config *c)
{
	json_t *o = json_pack("{s:I, s:I, s:I}", "timeout_ms", (json_int_t)c->timeout_ms,
			      "interval_ms", (json_int_t)c->interval_ms, "stable_ms",
			      (json_int_t)c->stable_ms);

	if (o && c->tcp_port)
		json_object_set_new(o, "tcp_port", json_integer(c->tcp_port));
	if (o && c->http_url)
		json_object_set_new(o, "http_url", json_string(c->http_url));
	if (o && c->health_cmd)
		json_object_set_new(o, "command", json_string(c->health_cmd));
	if (o && c->restart_count_cmd)
		json_object_set_new(o, "restart_count", json_string(c->restart_count_cmd));
	return o;
}

int view_history_json(struct agent *a, json_t **out, struct ota_audit_check *check,
		       struct ota_err *err)
{
	struct ota_audit_check ignored;

	return ota_audit_read(a->cfg.state_dir, out, check ? check : &ignored, err);
}

/* The status, given the history records and their check (read once by
 * the caller, so that a page shows one snapshot of the history). */
static int status_of(struct agent *a, json_t *records, const struct ota_audit_check *check,
		     json_t **out, struct ota_err *err)
{
	char current[OTA_VERSION_MAX + 1], last_good[OTA_VERSION_MAX + 1], path[PATH_MAX];
	char previous[OTA_VERSION_MAX + 1], now[OTA_ISOTIME_LEN];
	struct ota_device dev;
	struct ota_run run;
	struct statvfs st;
	json_t *releases = NULL, *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_PREVIOUS_GOOD, previous, err)) ||
	    (rc = ota_state_load(a->cfg.state_dir, &run, err)) ||
	    (rc = ota_device_load(a->cfg.state_dir, &dev, err)) ||
	    !(releases = releases_json(a, err, &rc)))
		goto out;
	ota_isotime_format((long long)time(NULL), now);
	s = json_pack("{s:o, s:o, s:o, s:O, s:s, s:o, s:I, s:s, s:s, s:o, s:o}", "current",
		      version_or_null(current), "last_good", version_or_null(last_good),
		      "previous_good", version_or_null(previous), "releases",
		      releases, "state", ota_state_name(run.state), "run_version",
		      version_or_null(run.version), "rollback_index", (json_int_t)dev.rollback_index,
		      "device_class", a->cfg.device_class, "time", now, "run",
		      run_json(a, &run, records), "history", ota_audit_check_json(check));
	snprintf(path, sizeof(path), "%s/%s", a->cfg.app_dir, OTA_RELEASES_DIR);
	if (s) {
		json_object_set_new(s, "device", device_json(a));
		json_object_set_new(s, "agent_version", json_string(ota_cli_version_string()));
		json_object_set_new(s, "trust", trust_json(a));
		json_object_set_new(s, "health", health_json(&a->cfg));
	}
	if (s && statvfs(path, &st) == 0)
		json_object_set_new(s, "free_bytes",
				    json_integer((json_int_t)st.f_bavail * (json_int_t)st.f_frsize));
	if (!s)
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	*out = s;
out:
	json_decref(releases);
	return rc;
}

int view_status_json(struct agent *a, json_t **out, struct ota_err *err)
{
	struct ota_audit_check check;
	json_t *records = NULL;
	int rc;

	*out = NULL;
	if ((rc = view_history_json(a, &records, &check, err)) == 0)
		rc = status_of(a, records, &check, out, err);
	json_decref(records);
	return rc;
}

int view_render_page(struct agent *a, const struct ota_dashboard_page *pg, struct ota_buf *out,
		     struct ota_err *err)
{
	struct ota_audit_check check;
	json_t *status = NULL, *records = NULL;
	int rc;

	if ((rc = view_history_json(a, &records, &check, err)) == 0 &&
	    (rc = status_of(a, records, &check, &status, err)) == 0)
		rc = ota_dashboard_render(status, records, pg, out, err);
	json_decref(status);
	json_decref(records);
	return rc;
}
