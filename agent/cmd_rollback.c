/* ota-agent rollback: switch current back to the last good release, or
 * from a failing last good release to the previous good one, and restart
 * the service (what app-rollback.service runs when the app crash-loops
 * past systemd's start limit). */
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "cli/cli.h"

int cmd_rollback(struct agent *a, int argc, char **argv)
{
	char from[OTA_VERSION_MAX + 1], to[OTA_VERSION_MAX + 1];
	struct ota_err err = {0};

	(void)argv;
	if (argc != 1)
		return ota_cli_usage("rollback: takes no arguments");
	if (engine_rollback(a, from, to, &err))
		return ota_cli_fail(&err);
	if (!to[0])
		printf("nothing installed yet: no release to roll back to, waiting for a first "
		       "install\n");
	else if (strcmp(from, to) == 0)
		printf("already on the last good release %s, and it passes its health checks\n",
		       to);
	else
		printf("rolled back from %s to %s\n", from[0] ? from : "(none)", to);
	return 0;
}
