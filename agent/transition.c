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

int agent_transition(struct agent *a, struct ota_run *run, enum ota_state to,
		     const char *reason, struct ota_err *err)
{
	struct ota_audit_rec rec = {.time = (long long)time(NULL), .from = run->state, .to = to,
				    .version = run->version, .reason = reason};
	int rc;

	run->state = to;
	rc = ota_run_save(a->cfg.state_dir, run, err);
	if (rc == 0)
		rc = ota_audit_append(a->cfg.state_dir, &rec, err);
	if (rc == 0 && a->fault_enter && strcmp(a->fault_enter, ota_state_name(to)) == 0)
		kill(getpid(), SIGKILL);
	return rc;
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

int agent_load_keys(struct agent *a, struct ota_err *err)
{
	/* Every time, not once per process: a trust file another run accepted
	 * meanwhile (retiring a key) takes effect at the next install. */
	return agent_trust_load(a, err);
}
