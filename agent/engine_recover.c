/* SPDX-License-Identifier: Apache-2.0 */
/* engine_recover.c - the way back (engine.h): recovery of a cut run by
 * state.h's table, and a requested rollback.  A release that never passed
 * its health check is never kept as current. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "lib/health.h"
#include "lib/layout.h"
#include "lib/release.h"
#include "lib/trust.h"

/* Cut before the switch: the staged release (complete or not) was never
 * current; discard it. */
static int discard_staged(struct agent *a, struct ota_run *run, struct ota_err *err)
{
	char current[OTA_VERSION_MAX + 1], last_good[OTA_VERSION_MAX + 1];
	char previous[OTA_VERSION_MAX + 1], reason[128];
	int rc;

	if ((rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_PREVIOUS_GOOD, previous, err)))
		return rc;
	if (run->version[0] && strcmp(run->version, current) && strcmp(run->version, last_good) &&
	    strcmp(run->version, previous) &&
	    (rc = engine_discard_release(a, run->version, err)))
		return rc;
	snprintf(reason, sizeof(reason), "recovered: interrupted in %s, discarded",
		 ota_state_name(run->state));
	return engine_step(a, run, OTA_IDLE, reason, err);
}

/* Cut after the switch but before promotion: unproven, roll back. */
static int undo_switch(struct agent *a, struct ota_run *run, bool restart, struct ota_err *err)
{
	char to[OTA_VERSION_MAX + 1], reason[160];
	int rc;

	snprintf(reason, sizeof(reason), "recovered: interrupted in %s before the release was "
		 "proven healthy", ota_state_name(run->state));
	if (run->state != OTA_ROLLING_BACK &&
	    (rc = engine_step(a, run, OTA_ROLLING_BACK, reason, err)))
		return rc;
	if ((rc = engine_switch_to_last_good(a, restart, to, err)) ||
	    (strcmp(run->version, to) && !run->kept &&
	     (rc = engine_discard_release(a, run->version, err))))
		return rc;
	snprintf(reason, sizeof(reason), "rolled back to %s", to[0] ? to : "no release");
	return engine_step(a, run, OTA_IDLE, reason, err);
}

/* Cut while promoting: the health check passed; finish it. */
static int finish_promotion(struct agent *a, struct ota_run *run, struct ota_err *err)
{
	unsigned long long rollback_index;
	int rc = engine_release_index(a, run->version, &rollback_index, err);

	return rc ? rc : engine_promote(a, run, rollback_index, "recovered: promotion finished",
					err);
}

/* With no run pending, current must still name a release on disk. */
static int check_current(struct agent *a, bool restart, struct ota_err *err)
{
	char current[OTA_VERSION_MAX + 1], to[OTA_VERSION_MAX + 1];
	int rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, err);

	if (rc == OTA_EFORMAT || (rc == 0 && (!current[0] || !ota_release_exists(a->cfg.app_dir,
										 current))))
		rc = engine_switch_to_last_good(a, restart, to, err);
	return rc;
}

static int act(struct agent *a, struct ota_run *run, bool restart, struct ota_err *err)
{
	switch (ota_state_recovery(run->state)) {
	case OTA_RECOVER_NOTHING:
		return 0;
	case OTA_RECOVER_DISCARD:
		return discard_staged(a, run, err);
	case OTA_RECOVER_UNDO_SWITCH:
		return undo_switch(a, run, restart, err);
	case OTA_RECOVER_FINISH_PROMOTION:
		return finish_promotion(a, run, err);
	}
	return ota_err_set(err, OTA_EINTERNAL, "bug: no recovery for state %s",
			   ota_state_name(run->state));
}

int engine_recover(struct agent *a, bool restart, struct ota_run *was, struct ota_err *err)
{
	struct ota_run run;
	int rc = ota_state_load(a->cfg.state_dir, &run, err);

	*was = run;
	if (rc)
		return rc;
	if (run.state != OTA_IDLE && (rc = engine_catch_up(a, &run, err)))
		return rc;
	a->audit.recovering = true;
	rc = act(a, &run, restart, err);
	if (rc == 0)
		rc = ota_release_clean(a->cfg.app_dir, err);
	if (rc == 0)
		rc = ota_trust_state_clean(a->cfg.state_dir, err);
	if (rc == 0)
		rc = check_current(a, restart, err);
	a->audit.recovering = false;
	return rc;
}

/* Whether the last good release, current, passes its health checks after
 * a restart, as after an install: a crash loop moves the restart count
 * (and app-rollback.service finds the app stopped by its start limit, so
 * only a restart can tell).  why gets the last failure. */
static bool healthy(struct agent *a, const char *version, struct ota_err *why)
{
	long restarts = -1;

	return engine_restart_service(a, version, why) == 0 &&
	       ota_health_restart_baseline(&a->cfg, a->env, &restarts, why) == 0 &&
	       ota_health_wait(&a->cfg, a->env, restarts, NULL, why) == 0;
}

/* current is the last good release and fails (a crash loop long after
 * its promotion): fall back to the previous good one, if the device's
 * rollback-index floor allows it, and demote the failing one. */
static int fall_back(struct agent *a, struct ota_run *run, const char *last_good,
		     char to[OTA_VERSION_MAX + 1], struct ota_err *err)
{
	const char *app = a->cfg.app_dir;
	char previous[OTA_VERSION_MAX + 1], reason[OTA_ERR_MSG_MAX + 3 * OTA_VERSION_MAX + 96];
	unsigned long long index, floor;
	struct ota_err why = {0};
	int rc;

	if (healthy(a, last_good, &why)) {
		memcpy(to, last_good, strlen(last_good) + 1);
		return 0;
	}

	if ((rc = ota_release_link_get(app, OTA_LINK_PREVIOUS_GOOD, previous, err)) ||
	    (rc = engine_installed(a, to, &floor, err)))
		return rc;
	if (!previous[0] || !ota_release_exists(app, previous))
		return ota_err_set(err, OTA_EIO, "%s: %s is the last good release, fails (%s), and "
				   "no earlier good release is on disk to fall back to", app,
				   last_good, why.msg);
	if ((rc = engine_release_index(a, previous, &index, err)))
		return rc;
	if (index < floor)
		return ota_err_set(err, OTA_EROLLBACK, "%s: not falling back to the previous good "
				   "release %s: its rollback index %llu is below %llu, the lowest "
				   "this device accepts", app, previous, index, floor);
	snprintf(reason, sizeof(reason), "rollback requested: the last good release %s fails "
		 "(%s); falling back to the previous good %s", last_good, why.msg, previous);
	/* Demoted before current moves: a cut from here is undone onto it. */
	if ((rc = engine_step(a, run, OTA_ROLLING_BACK, reason, err)) ||
	    (rc = ota_release_link_set(app, OTA_LINK_LAST_GOOD, previous, err)) ||
	    (rc = ota_release_link_set(app, OTA_LINK_PREVIOUS_GOOD, "", err)) ||
	    (rc = engine_switch_to_last_good(a, true, to, err)))
		return rc;
	snprintf(reason, sizeof(reason), "rolled back to %s; %s is no longer a good release",
		 to, last_good);
	return engine_step(a, run, OTA_IDLE, reason, err);
}

int engine_rollback(struct agent *a, char from[OTA_VERSION_MAX + 1],
		    char to[OTA_VERSION_MAX + 1], struct ota_err *err)
{
	char last_good[OTA_VERSION_MAX + 1];
	struct ota_run run = {.state = OTA_IDLE}, was;
	int rc;

	to[0] = '\0';
	if ((rc = engine_recover(a, true, &was, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, from, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, err)))
		return rc;
	if (!from[0] && !last_good[0])
		return 0; /* nothing installed yet */
	if (!last_good[0])
		return ota_err_set(err, OTA_EIO, "%s: no last good release to roll back to",
				   a->cfg.app_dir);
	snprintf(run.version, sizeof(run.version), "%s", from);
	snprintf(run.from, sizeof(run.from), "%s", from);
	if (strcmp(from, last_good) == 0)
		return fall_back(a, &run, last_good, to, err);
	if ((rc = engine_step(a, &run, OTA_ROLLING_BACK, "rollback requested", err)) ||
	    (rc = engine_switch_to_last_good(a, true, to, err)))
		return rc;
	return engine_step(a, &run, OTA_IDLE, "rolled back", err);
}
