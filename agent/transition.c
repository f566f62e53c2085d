/* transition.c - the steps every agent command shares: recording a state
 * transition, fault injection, restarting the service, switching back. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "lib/audit.h"
#include "lib/health.h"
#include "lib/release.h"

/* The result a record gives its step, and the exit status it records. */
static const char *result_of(const struct agent *a, enum ota_state from, enum ota_state to,
			     int *exit)
{
	*exit = 0;
	if (from == OTA_ROLLING_BACK && to == OTA_IDLE)
		return OTA_AUDIT_ROLLED_BACK;
	if (a->audit.recovering)
		return OTA_AUDIT_RECOVERED;
	if (from == OTA_HEALTH_CHECK && to == OTA_ROLLING_BACK) {
		*exit = ota_exit_status(OTA_EHEALTH);
		return OTA_AUDIT_FAILED;
	}
	if (to == OTA_IDLE && (from == OTA_VERIFYING || from == OTA_STAGING)) {
		*exit = a->audit.exit ? a->audit.exit : ota_exit_status(OTA_EINTERNAL);
		/* A verdict on the bundle, or a failure of the device (I/O, space). */
		return (*exit >= 4 && *exit <= 11) || *exit == 14 || *exit == 20 ? OTA_AUDIT_REFUSED
								  : OTA_AUDIT_FAILED;
	}
	return OTA_AUDIT_OK;
}

int agent_transition(struct agent *a, struct ota_run *run, enum ota_state to,
		     const char *reason, struct ota_err *err)
{
	const struct agent_audit *au = &a->audit;
	const struct ota_audit_limits lim = {a->cfg.history_max_kb * 1024ULL, a->cfg.history_keep};
	struct ota_audit_rec rec = {.time = (long long)time(NULL), .from = run->state, .to = to,
				    .version = run->version, .bundle = au->bundle,
				    .manifest_sha256 = au->manifest_sha256,
				    .signers = au->signers, .n_signers = au->n_signers,
				    .reason = reason};
	int rc;

	rec.result = result_of(a, run->state, to, &rec.exit);
	run->state = to;
	rc = ota_run_save(a->cfg.state_dir, run, err);
	if (rc == 0)
		rc = ota_audit_append(a->cfg.state_dir, &lim, &rec, err);
	a->audit.exit = 0;
	if (rc == 0 && a->fault_enter && strcmp(a->fault_enter, ota_state_name(to)) == 0)
		kill(getpid(), SIGKILL);
	return rc;
}

int agent_audit_catch_up(struct agent *a, const struct ota_run *run, struct ota_err *err)
{
	struct ota_run was = *run;
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
	was.state = (enum ota_state)st;
	snprintf(reason, sizeof(reason), "recovered: the move to %s reached state.json but not "
		 "the history (power cut)", ota_state_name(run->state));
	a->audit.recovering = true;
	rc = agent_transition(a, &was, run->state, reason, err);
	a->audit.recovering = false;
	return rc;
}

void agent_audit_begin(struct agent *a, const char *path)
{
	const char *slash = strrchr(path, '/');

	agent_audit_end(a);
	snprintf(a->audit.bundle, sizeof(a->audit.bundle), "%s", slash ? slash + 1 : path);
}

void agent_audit_end(struct agent *a)
{
	memset(&a->audit, 0, sizeof(a->audit));
}

void agent_fault_point(const struct agent *a, enum ota_state s)
{
	if (a->fault_after && strcmp(a->fault_after, ota_state_name(s)) == 0)
		kill(getpid(), SIGKILL);
}

int agent_raise_rollback_index(struct agent *a, unsigned long long rollback_index,
			       struct ota_err *err)
{
	struct ota_device dev;
	int rc = ota_device_load(a->cfg.state_dir, &dev, err);

	if (rc || rollback_index <= dev.rollback_index)
		return rc;
	dev.rollback_index = rollback_index;
	return ota_device_save(a->cfg.state_dir, &dev, err);
}

int agent_restart_service(struct agent *a, const char *version, struct ota_err *err)
{
	snprintf(a->version_env, sizeof(a->version_env), "OTA_VERSION=%s", version);
	return ota_run_checked("service restart command", a->cfg.restart_cmd, a->env,
			       a->cfg.timeout_ms, err);
}

int agent_switch_to_last_good(struct agent *a, bool restart, char to[OTA_VERSION_MAX + 1],
			      struct ota_err *err)
{
	int rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, to, err);

	if (rc == 0 && *to && !ota_release_exists(a->cfg.app_dir, to))
		rc = ota_err_set(err, OTA_EIO, "%s/%s: points at missing release %s",
				 a->cfg.app_dir, OTA_LINK_LAST_GOOD, to);
	if (rc == 0)
		rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_CURRENT, to, err);
	if (rc == 0 && restart && *to)
		rc = agent_restart_service(a, to, err);
	return rc;
}

int agent_discard_release(struct agent *a, const char *version, struct ota_err *err)
{
	char path[PATH_MAX];
	int rc = ota_release_remove(a->cfg.app_dir, version, err);

	snprintf(path, sizeof(path), "%s/manifests/%s.json", a->cfg.state_dir, version);
	if (rc == 0 && unlink(path) && errno != ENOENT)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
	return rc;
}

