/* ota-agent recover: run at boot, before the app.  Whatever an interrupted
 * run left, finish it or undo it, so that `current` names a complete,
 * verified release and the state is IDLE.  A release that never passed its
 * health check is never kept as current. */
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/manifest.h"
#include "lib/release.h"
#include "lib/trust.h"

/* Interrupted before the switch: the staged release (complete or not) was
 * never current; discard it. */
static int discard_staged(struct agent *a, struct ota_run *run, struct ota_err *err)
{
	char current[OTA_VERSION_MAX + 1], last_good[OTA_VERSION_MAX + 1];
	char reason[128];
	int rc;

	if ((rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, err)))
		return rc;
	if (run->version[0] && strcmp(run->version, current) && strcmp(run->version, last_good) &&
	    (rc = agent_discard_release(a, run->version, err)))
		return rc;
	snprintf(reason, sizeof(reason), "recovered: interrupted in %s, discarded",
		 ota_state_name(run->state));
	return agent_transition(a, run, OTA_IDLE, reason, err);
}

/* Interrupted after the switch but before promotion: unproven, roll back. */
static int undo_switch(struct agent *a, struct ota_run *run, bool restart, struct ota_err *err)
{
	char to[OTA_VERSION_MAX + 1], reason[160];
	int rc;

	snprintf(reason, sizeof(reason), "recovered: interrupted in %s before the release was "
		 "proven healthy", ota_state_name(run->state));
	if (run->state != OTA_ROLLING_BACK &&
	    (rc = agent_transition(a, run, OTA_ROLLING_BACK, reason, err)))
		return rc;
	if ((rc = agent_switch_to_last_good(a, restart, to, err)) ||
	    (strcmp(run->version, to) && (rc = agent_discard_release(a, run->version, err))))
		return rc;
	snprintf(reason, sizeof(reason), "rolled back to %s", to[0] ? to : "no release");
	return agent_transition(a, run, OTA_IDLE, reason, err);
}

/* The rollback index of the release staged as version, from the manifest
 * kept in state_dir when it was verified. */
static int staged_rollback_index(struct agent *a, const char *version,
				 unsigned long long *rollback_index, struct ota_err *err)
{
	struct ota_manifest *m = NULL;
	char path[PATH_MAX];
	struct ota_buf b;
	int rc;

	ota_buf_init(&b, OTA_MANIFEST_MAX);
	snprintf(path, sizeof(path), "%s/manifests/%s.json", a->cfg.state_dir, version);
	/* The lean form: the entries array is not needed for one field. */
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == 0)
		rc = ota_manifest_load(&b, path, &m, err);
	if (rc == 0)
		*rollback_index = m->rollback_index;
	ota_manifest_free(m);
	ota_buf_free(&b);
	return rc;
}

/* Interrupted while promoting: the health check passed; finish, the
 * device's rollback index included. */
static int finish_promotion(struct agent *a, struct ota_run *run, struct ota_err *err)
{
	unsigned long long rollback_index;
	int rc;

	if ((rc = staged_rollback_index(a, run->version, &rollback_index, err)) ||
	    (rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_LAST_GOOD, run->version, err)) ||
	    (rc = agent_raise_rollback_index(a, rollback_index, err)) ||
	    (rc = ota_release_prune(a->cfg.app_dir, a->cfg.keep_releases, err)))
		return rc;
	return agent_transition(a, run, OTA_IDLE, "recovered: promotion finished", err);
}

/* With no run pending, current must still name a release on disk. */
static int check_current(struct agent *a, bool restart, struct ota_err *err)
{
	char current[OTA_VERSION_MAX + 1], to[OTA_VERSION_MAX + 1];
	int rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, err);

	if (rc == OTA_EFORMAT || (rc == 0 && (!current[0] || !ota_release_exists(a->cfg.app_dir,
										 current))))
		rc = agent_switch_to_last_good(a, restart, to, err);
	return rc;
}

int agent_recover(struct agent *a, bool restart, struct ota_err *err)
{
	struct ota_run run;
	int rc = ota_run_load(a->cfg.state_dir, &run, err);

	if (rc)
		return rc;
	if (run.state != OTA_IDLE && (rc = agent_audit_catch_up(a, &run, err)))
		return rc;
	a->audit.recovering = true;
	switch (run.state) {
	case OTA_IDLE:
		break;
	case OTA_VERIFYING:
	case OTA_STAGING:
		rc = discard_staged(a, &run, err);
		break;
	case OTA_SWITCHING:
	case OTA_HEALTH_CHECK:
	case OTA_ROLLING_BACK:
		rc = undo_switch(a, &run, restart, err);
		break;
	case OTA_PROMOTED:
		rc = finish_promotion(a, &run, err);
		break;
	}
	if (rc == 0)
		rc = ota_release_clean(a->cfg.app_dir, err);
	if (rc == 0)
		rc = ota_trust_state_clean(a->cfg.state_dir, err);
	if (rc == 0)
		rc = check_current(a, restart, err);
	a->audit.recovering = false;
	return rc;
}

int cmd_recover(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_run before;
	bool boot = argc == 2 && strcmp(argv[1], "--boot") == 0;
	int rc;

	if (argc > 2 || (argc == 2 && !boot))
		return ota_cli_usage("recover: the only option is --boot");
	/* At boot the app starts after us (systemd ordering): restarting it
	 * from here would wait on a job that waits on us. */
	if ((rc = ota_run_load(a->cfg.state_dir, &before, &err)) == 0)
		rc = agent_recover(a, !boot, &err);
	if (rc)
		return ota_cli_fail(&err);
	if (before.state != OTA_IDLE)
		printf("recovered a run interrupted in %s (%s)\n", ota_state_name(before.state),
		       before.version[0] ? before.version : "version unknown");
	else
		printf("nothing to recover\n");
	return 0;
}
