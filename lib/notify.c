/* SPDX-License-Identifier: Apache-2.0 */
/* notify.c - sd_notify(3) over an AF_UNIX datagram socket, path or
 * abstract, and the watchdog interval systemd asks for (see notify.h). */
#include "lib/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* A decimal number without sign or junk, > 0. */
static int parse_positive(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end || *out == 0 ? -1 : 0;
}

static int watchdog_ms(unsigned long long *ms, struct ota_err *err)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long u, p;

	*ms = 0;
	if (!usec)
		return 0;
	if (parse_positive(usec, &u))
		return ota_err_set(err, OTA_EUSAGE, "WATCHDOG_USEC=%s: not a number of microseconds",
				   usec);
	if (pid) {
		if (parse_positive(pid, &p))
			return ota_err_set(err, OTA_EUSAGE, "WATCHDOG_PID=%s: not a pid", pid);
		/* Meant for another process (we were started by it): not ours. */
		if (p != (unsigned long long)getpid())
			return 0;
	}
	*ms = u < 1000 ? 1 : u / 1000;
	return 0;
}

static int address(struct ota_notify *n, const char *name, struct ota_err *err)
{
	size_t len = strlen(name);

	if ((name[0] != '/' && name[0] != '@') || len < 2 || len >= sizeof(n->addr.sun_path))
		return ota_err_set(err, OTA_EUSAGE, "NOTIFY_SOCKET=%s: not an absolute socket path "
				   "or an '@' abstract name of at most %zu bytes", name,
				   sizeof(n->addr.sun_path) - 1);
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, name, len);
	if (name[0] == '@') {
		/* Abstract: a leading NUL, and the length says where it ends. */
		n->addr.sun_path[0] = '\0';
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else {
		n->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	}
	return 0;
}

int ota_notify_open(struct ota_notify *n, struct ota_err *err)
{
	struct timeval tv = {.tv_sec = OTA_NOTIFY_SEND_TIMEOUT_MS / 1000,
			     .tv_usec = OTA_NOTIFY_SEND_TIMEOUT_MS % 1000 * 1000};
	const char *name = getenv("NOTIFY_SOCKET");
	int rc;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if ((rc = watchdog_ms(&n->watchdog_ms, err)) ||
	    (name && (rc = address(n, name, err))))
		goto out;
	if (name) {
		/* Blocking, but never for long: a full receiver drops a ping
		 * rather than stalling the daemon. */
		n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (n->fd < 0 || setsockopt(n->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
			rc = ota_err_errno(err, OTA_EIO, errno, "NOTIFY_SOCKET=%s: socket", name);
	}
out:
	if (rc)
		ota_notify_close(n);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return rc;
}

int ota_notify_send(const struct ota_notify *n, const char *state, struct ota_err *err)
{
	size_t len = strlen(state);
	ssize_t sent;

	if (n->fd < 0)
		return 0;
	do
		sent = sendto(n->fd, state, len, MSG_NOSIGNAL, (const struct sockaddr *)&n->addr,
			      n->addr_len);
	while (sent < 0 && errno == EINTR);
	if (sent < 0)
		return ota_err_errno(err, OTA_EIO, errno, "NOTIFY_SOCKET %s%s: send %.*s",
				     n->addr.sun_path[0] ? "" : "@",
				     n->addr.sun_path[0] ? n->addr.sun_path : n->addr.sun_path + 1,
				     (int)strcspn(state, "\n"), state);
	if ((size_t)sent != len)
		return ota_err_set(err, OTA_EIO, "NOTIFY_SOCKET: short send of %zu bytes", len);
	return 0;
}

void ota_notify_close(struct ota_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
