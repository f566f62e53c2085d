/* ota-agent recover [--boot]: run at boot, before the app.  Whatever an
 * interrupted run left, finish it or undo it (engine.h). */
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "cli/cli.h"

int cmd_recover(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_run was;
	bool boot = argc == 2 && strcmp(argv[1], "--boot") == 0;

	if (argc > 2 || (argc == 2 && !boot))
		return ota_cli_usage("recover: the only option is --boot");
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
