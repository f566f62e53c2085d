/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent rollback [--to VERSION]: back to the last good release, or
 * from a failing last good release to the previous good one, restarting
 * the service (what app-rollback.service runs when the app crash-loops
 * past systemd's start limit); with --to, to any release on disk the
 * rollback index allows, health-checked and promoted like an install. */
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "cli/cli.h"

static int to_version(struct agent *a, const char *version)
{
	struct ota_err err = {0};
	bool already;

	if (engine_switch_to(a, version, &already, &err))
		return ota_cli_fail(&err);
	if (already)
		printf("%s is the current release already\n", version);
	else
		printf("switched to %s: health check passed, promoted\n", version);
	return 0;
}

int cmd_rollback(struct agent *a, int argc, char **argv)
{
	char from[OTA_VERSION_MAX + 1], to[OTA_VERSION_MAX + 1];
	struct ota_err err = {0};

	if (argc == 3 && strcmp(argv[1], "--to") == 0)
		return to_version(a, argv[2]);
	if (argc != 1)
		return ota_cli_usage("rollback: expected no argument, or --to VERSION");
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
