/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent watch: the daemon (ota-agent.service, Type=notify) over every
 * delivery source the config names (daemon.h). */
#include "agent/daemon.h"
#include "cli/cli.h"

int cmd_watch(struct agent *a, int argc, char **argv)
{
	struct daemon_watch w[8];
	const struct delivery_source *const *src;
	struct ota_err err;
	size_t n = 0;

	(void)argv;
	if (argc != 1)
		return ota_cli_usage("watch: takes no arguments (the config names the sources)");
	for (src = delivery_sources; *src && n < sizeof(w) / sizeof(w[0]); src++)
		if ((w[n].where = (*src)->configured(&a->cfg)))
			w[n++].source = *src;
	if (n == 0) {
		ota_err_set(&err, OTA_ECONFIG, "watch: the config sets neither watch.usb nor "
			    "watch.http: nothing to watch");
		return ota_cli_fail(&err);
	}
	return daemon_loop(a, w, n, a->cfg.watch_interval_ms);
}
