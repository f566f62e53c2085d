/* SPDX-License-Identifier: Apache-2.0 */
/* engine_step.c - what every path of the engine shares (engine.h): the
 * checked move and its record, fault points, the service restart, the
 * switch back, discarding a release, and promotion. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/engine.h"
#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/fault.h"
#include "lib/layout.h"
#include "lib/manifest.h"
#include "lib/release.h"
#include "lib/run.h"

/* The result a record gives its step, and the exit status it records. */
static const char *result_of(const struct agent *a, enum ota_state from, enum ota_state to,
			     int *exit)
{
	int code;

	*exit = 0;
	if (from == OTA_ROLLING_BACK && to == OTA_IDLE)
		return OTA_AUDIT_ROLLED_BACK;
	if (a->audit.recovering)
		return OTA_AUDIT_RECOVERED;
	if ((from == OTA_HEALTH_CHECK || from == OTA_SWITCHING) && to == OTA_ROLLING_BACK) {
		*exit = a->audit.exit ? a->audit.exit : ota_exit_status(OTA_EHEALTH);
		return OTA_AUDIT_FAILED;
	}
	if (to == OTA_IDLE && (from == OTA_VERIFYING || from == OTA_STAGING ||
			       (from == OTA_IDLE && a->audit.exit))) {
		*exit = a->audit.exit ? a->audit.exit : ota_exit_status(OTA_EINTERNAL);
		code = -*exit;
		return ota_code_fault(code) == OTA_FAULT_BUNDLE ? OTA_AUDIT_REFUSED
								 : OTA_AUDIT_FAILED;
	}
	return OTA_AUDIT_OK;
}

/* Append the record of run's move from `from` to run->state. */
static int record(struct agent *a, const struct ota_run *run, enum ota_state from,
		  const char *reason, struct ota_err *err)
{
	const struct agent_audit *au = &a->audit;
	const struct ota_audit_limits lim = {a->cfg.history_max_kb * 1024ULL, a->cfg.history_keep};
	struct ota_audit_rec rec = {.time = (long long)time(NULL), .from = from, .to = run->state,
				    .version = run->version, .bundle = au->bundle,
				    .manifest_sha256 = au->manifest_sha256,
				    .signers = au->signers, .n_signers = au->n_signers,
				    .reason = reason};

	rec.result = result_of(a, from, run->state, &rec.exit);
	return ota_audit_append(a->cfg.state_dir, &lim, &rec, err);
}

int engine_step(struct agent *a, struct ota_run *run, enum ota_state to, const char *reason,
		struct ota_err *err)
{
	enum ota_state from = run->state;
	int rc;

	if (!ota_state_may_move(from, to))
		return ota_err_set(err, OTA_EINTERNAL, "bug: the state machine does not move from "
				   "%s to %s", ota_state_name(from), ota_state_name(to));
	run->state = to;
	rc = ota_state_save(a->cfg.state_dir, run, err);
	if (rc == 0)
		rc = record(a, run, from, reason, err);
	a->audit.exit = 0;
	if (rc == 0)
		ota_fault_entered(ota_state_name(to));
	return rc;
}

int engine_record(struct agent *a, const char *version, const char *bundle,
		  const struct ota_err *why, struct ota_err *err)
{
	struct ota_run run = {.state = OTA_IDLE};
	int rc;

	snprintf(run.version, sizeof(run.version), "%s", version);
	engine_audit_begin(a, bundle);
	a->audit.exit = ota_exit_status(why->code);
	rc = record(a, &run, OTA_IDLE, why->msg, err);
	engine_audit_end(a);
	return rc;
}

int engine_catch_up(struct agent *a, const struct ota_run *run, struct ota_err *err)
{
	const char *last_to;
	char reason[128];
	json_t *recs = NULL;
	int st, rc = ota_audit_load(a->cfg.state_dir, &recs, err);

	if (rc)
		return rc;
	last_to = json_string_value(json_object_get(json_array_get(recs, json_array_size(recs) - 1),
						    "to"));
	st = last_to ? ota_state_parse(last_to) : OTA_IDLE;
	json_decref(recs);
	if (st < 0 || st == (int)run->state)
		return 0;
	/* Not a move: the record of one that state.json already holds. */
	snprintf(reason, sizeof(reason), "recovered: the move to %s reached state.json but not "
		 "the history (power cut)", ota_state_name(run->state));
	a->audit.recovering = true;
	rc = record(a, run, (enum ota_state)st, reason, err);
	a->audit.recovering = false;
	return rc;
}

void engine_audit_begin(struct agent *a, const char *path)
{
	const char *slash = strrchr(path, '/');

	engine_audit_end(a);
	snprintf(a->audit.bundle, sizeof(a->audit.bundle), "%s", slash ? slash + 1 : path);
}

void engine_audit_end(struct agent *a)
{
	memset(&a->audit, 0, sizeof(a->audit));
}

int engine_restart_service(struct agent *a, const char *version, struct ota_err *err)
{
	snprintf(a->version_env, sizeof(a->version_env), "OTA_VERSION=%s", version);
	return ota_run_checked("service restart command", a->cfg.restart_cmd, a->env,
			       a->cfg.timeout_ms, err);
}

int engine_switch_to_last_good(struct agent *a, bool restart, char to[OTA_VERSION_MAX + 1],
			       struct ota_err *err)
{
	int rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, to, err);

	if (rc == 0 && *to && !ota_release_exists(a->cfg.app_dir, to))
		rc = ota_err_set(err, OTA_EIO, "%s/%s: points at missing release %s",
				 a->cfg.app_dir, OTA_LINK_LAST_GOOD, to);
	if (rc == 0)
		rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_CURRENT, to, err);
	if (rc == 0 && restart && *to)
		rc = engine_restart_service(a, to, err);
	return rc;
}

int engine_discard_release(struct agent *a, const char *version, struct ota_err *err)
{
	char path[PATH_MAX];
	int rc = ota_release_remove(a->cfg.app_dir, version, err);

	if (rc == 0)
		rc = ota_layout_manifest(a->cfg.state_dir, version, path, sizeof(path), err);
	if (rc == 0 && unlink(path) && errno != ENOENT)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
	return rc;
}

/* Record that the device accepted rollback_index (device.json), if it is
 * higher than the highest so far: nothing with a lower index is installed
 * again. */
static int raise_floor(struct agent *a, unsigned long long rollback_index, struct ota_err *err)
{
	struct ota_device dev;
	int rc = ota_device_load(a->cfg.state_dir, &dev, err);

	if (rc || rollback_index <= dev.rollback_index)
		return rc;
	dev.rollback_index = rollback_index;
	return ota_device_save(a->cfg.state_dir, &dev, err);
}

int engine_promote(struct agent *a, struct ota_run *run, unsigned long long rollback_index,
		   const char *reason, struct ota_err *err)
{
	char last_good[OTA_VERSION_MAX + 1];
	int rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, err);

	/* The release this one replaces stays the way back.  Set before
	 * .last-good moves (a cut between leaves both on it); finishing a
	 * cut promotion finds .last-good moved already and shifts nothing. */
	if (rc == 0 && last_good[0] && strcmp(last_good, run->version))
		rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_PREVIOUS_GOOD, last_good, err);
	if (rc ||
	    (rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_LAST_GOOD, run->version, err)) ||
	    (rc = raise_floor(a, rollback_index, err)) ||
	    (rc = ota_release_prune(a->cfg.app_dir, a->cfg.keep_releases, err)))
		return rc;
	ota_fault_point(ota_state_name(OTA_PROMOTED));
	return engine_step(a, run, OTA_IDLE, reason, err);
}

int engine_release_index(struct agent *a, const char *version,
				 unsigned long long *rollback_index, struct ota_err *err)
{
	struct ota_manifest *m = NULL;
	char path[PATH_MAX];
	struct ota_buf b;
	int rc = ota_layout_manifest(a->cfg.state_dir, version, path, sizeof(path), err);

	if (rc)
		return rc;
	ota_buf_init(&b, OTA_MANIFEST_MAX);
	rc = ota_buf_load_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == 0)
		rc = ota_manifest_load(&b, path, &m, err);
	if (rc == 0)
		*rollback_index = m->rollback_index;
	ota_manifest_free(m);
	ota_buf_free(&b);
	return rc;
}
