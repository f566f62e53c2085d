/* SPDX-License-Identifier: Apache-2.0 */
/* notify.h - the systemd notification protocol (sd_notify(3)), without
 * libsystemd: one datagram "READY=1", "WATCHDOG=1", "STATUS=...",
 * "STOPPING=1" to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or
 * an abstract name starting with '@').  Without $NOTIFY_SOCKET every send
 * is a no-op, so a daemon runs the same under systemd and without it. */
#ifndef OTA_NOTIFY_H
#define OTA_NOTIFY_H

#include <sys/socket.h>
#include <sys/un.h>

#include "lib/err.h"

/* A send waits at most this long for room in the receiver's queue. */
#define OTA_NOTIFY_SEND_TIMEOUT_MS 1000

struct ota_notify {
	int fd; /* -1 when there is no $NOTIFY_SOCKET */
	struct sockaddr_un addr;
	socklen_t addr_len;
	/* The watchdog interval systemd asks of this process ($WATCHDOG_USEC,
	 * if $WATCHDOG_PID is unset or names us), in ms; 0 when none.  Ping
	 * at half of it. */
	unsigned long long watchdog_ms;
};

/* Read $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID into n, then
 * remove them from the environment: they are this process's, not those of
 * the commands it runs (a service restarted from here would take the
 * agent's socket and watchdog for its own).  OTA_EUSAGE for a value that
 * is not a path, an '@' name or a number; OTA_EIO if no socket can be
 * made.  n is always safe to pass to _send and _close. */
int ota_notify_open(struct ota_notify *n, struct ota_err *err);

/* Send state (e.g. "READY=1\nSTATUS=watching") as one datagram; 0 when
 * sent or when there is no socket; OTA_EIO if the send fails.  Safe to
 * call from several threads at once. */
int ota_notify_send(const struct ota_notify *n, const char *state, struct ota_err *err);

void ota_notify_close(struct ota_notify *n);

#endif
