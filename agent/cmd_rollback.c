/* ota-agent rollback: switch current back to the last good release and
 * restart the service (what app-rollback.service runs when the app
 * crash-loops past systemd's start limit). */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/release.h"

int cmd_rollback(struct agent *a, int argc, char **argv)
{
	char current[OTA_VERSION_MAX + 1], last_good[OTA_VERSION_MAX + 1], to[OTA_VERSION_MAX + 1];
	struct ota_err err = {0};
	struct ota_run run = {.state = OTA_IDLE};

	(void)argv;
	if (argc != 1)
		return ota_cli_usage("rollback: takes no arguments");
	/* err carries the code of the first failure */
	if (agent_recover(a, true, &err) ||
	    ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, &err) ||
	    ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, &err))
		return ota_cli_fail(&err);
	if (!last_good[0]) {
		ota_err_set(&err, OTA_EIO, "%s: no last good release to roll back to",
			    a->cfg.app_dir);
		return ota_cli_fail(&err);
	}
	if (strcmp(current, last_good) == 0) {
		printf("already on the last good release %s\n", last_good);
		return 0;
	}
	snprintf(run.version, sizeof(run.version), "%s", current);
	snprintf(run.from, sizeof(run.from), "%s", current);
	if (agent_transition(a, &run, OTA_ROLLING_BACK, "rollback requested", &err) ||
	    agent_switch_to_last_good(a, true, to, &err) ||
	    agent_transition(a, &run, OTA_IDLE, "rolled back", &err))
		return ota_cli_fail(&err);
	printf("rolled back from %s to %s\n", current[0] ? current : "(none)", to);
	return 0;
}
