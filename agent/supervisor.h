/* SPDX-License-Identifier: Apache-2.0 */
/* supervisor.h - what the agent says to its supervisor, systemd, and hears
 * from it, while it runs as a daemon (watch, and poll without --once):
 * READY/STATUS/STOPPING notifications, a watchdog that keeps pinging only
 * while the main thread is within the bound it gave for its current step
 * (a hung agent stops the pings and systemd restarts it), and SIGTERM /
 * SIGINT taken only where stopping is safe.  Outside a daemon every call
 * is a no-op (stopping is always false). */
#ifndef OTA_AGENT_SUPERVISOR_H
#define OTA_AGENT_SUPERVISOR_H

#include <stdbool.h>

#include "agent/agent.h"

/* Block SIGTERM and SIGINT (taken with _idle / _stopping), open the
 * notification socket and start the watchdog thread; _stop undoes it all
 * (the loop sends STOPPING=1 before). */
int supervisor_start(struct agent *a, struct ota_err *err);
void supervisor_stop(struct agent *a);

/* The main thread will be busy for at most ms: the watchdog keeps pinging
 * until then, and stops if it is not renewed. */
void supervisor_busy(struct agent *a, unsigned long long ms);
/* True if SIGTERM or SIGINT is pending. */
bool supervisor_stopping(struct agent *a);
/* Sleep ms or until a stop signal: true if stopping. */
bool supervisor_idle(struct agent *a, unsigned long long ms);
/* Send a notification (READY=1, STATUS=...) to systemd, if it listens. */
void supervisor_notify(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
