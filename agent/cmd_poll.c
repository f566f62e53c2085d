/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent poll [URL] [--once] [--interval S]: the HTTP source
 * (delivery_http.c) over URL (watch.http by default), once or every S
 * seconds until SIGTERM (daemon.h). */
#include <stdlib.h>
#include <string.h>

#include "agent/daemon.h"
#include "agent/interrupt.h"
#include "cli/cli.h"

static int parse_interval(const char *s, unsigned int *ms)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > 3600)
		return -1;
	*ms = (unsigned int)v * 1000;
	return 0;
}

int cmd_poll(struct agent *a, int argc, char **argv)
{
	const char *url = NULL;
	unsigned int interval = a->cfg.watch_interval_ms;
	struct daemon_watch w = {&delivery_http, NULL};
	bool once = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--once"))
			once = true;
		else if (!strcmp(argv[i], "--interval") && i + 1 < argc &&
			 parse_interval(argv[i + 1], &interval) == 0)
			i++;
		else if (argv[i][0] == '-' || url)
			return ota_cli_usage("poll: expected [URL] [--once] [--interval SECONDS "
					     "(1..3600)]");
		else
			url = argv[i];
	}
	if (!url && !(url = a->cfg.source_url))
		return ota_cli_usage("poll: no URL given and no watch.http in the config");
	if (strncmp(url, "http://", 7) || strcspn(url, " \t\r\n") != strlen(url))
		return ota_cli_usage("poll: %s: expected an http:// URL", url);
	if (once) {
		interrupt_arm();
		return delivery_run_once(a, &delivery_http, url);
	}
	w.where = url;
	return daemon_loop(a, &w, 1, interval);
}
