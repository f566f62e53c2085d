/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent dashboard in a DEVICE_ONLY=1 build: the command stays, so that
 * it says why it cannot serve instead of being an unknown command; the
 * page itself is still `ota-agent report --html FILE`, which needs no
 * HTTP server (libmicrohttpd is what this build leaves out). */
#include "agent/agent.h"
#include "cli/cli.h"

int cmd_dashboard(struct agent *a, int argc, char **argv)
{
	(void)a;
	(void)argc;
	(void)argv;
	return ota_cli_usage("dashboard: not built (a DEVICE_ONLY=1 build, without "
			     "libmicrohttpd); report --html FILE writes the same page");
}
