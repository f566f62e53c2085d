/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.h - the agent as a daemon (ota-agent.service, Type=notify, and
 * `poll` without --once): one pass over each watched source every
 * interval, reporting a pass only when it says something new, not trying
 * again a version whose install failed, until SIGTERM or SIGINT. */
#ifndef OTA_AGENT_DAEMON_H
#define OTA_AGENT_DAEMON_H

#include <stddef.h>

#include "agent/agent.h"
#include "agent/delivery.h"

struct daemon_watch {
	const struct delivery_source *source;
	const char *where; /* a directory, a URL */
};

/* Watch the n sources of w every interval_ms: the exit status (0 when
 * stopped by a signal). */
int daemon_loop(struct agent *a, const struct daemon_watch *w, size_t n,
		unsigned int interval_ms);

#endif
