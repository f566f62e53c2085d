/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent recover [--boot]: run at boot, before the app, and before the
 * daemon starts.  Whatever an interrupted run left, finish it or undo it
 * (engine.h).  A live run holding the lock (an install started by hand)
 * owns the state and finishes or undoes its own work: that is no failure,
 * or ota-agent.service's ExecStartPre would fail for as long as it runs. */
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "cli/cli.h"

int cmd_recover(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_run was;
	int rc;
	bool boot = argc == 2 && strcmp(argv[1], "--boot") == 0;

	if (argc > 2 || (argc == 2 && !boot))
		return ota_cli_usage("recover: the only option is --boot");
	if ((rc = agent_lock(a, &err)) == OTA_EBUSY) {
		printf("nothing to recover now: %s, which finishes or undoes its own run\n",
		       err.msg);
		return 0;
	}
	if (rc)
		return ota_cli_fail(&err);
	/* At boot the app starts after us (systemd ordering): restarting it
	 * from here would wait on a job that waits on us. */
	if (engine_recover(a, !boot, &was, &err))
		return ota_cli_fail(&err);
	if (was.state != OTA_IDLE)
		printf("recovered a run interrupted in %s (%s)\n", ota_state_name(was.state),
		       was.version[0] ? was.version : "version unknown");
	else
		printf("nothing to recover\n");
	return 0;
}
