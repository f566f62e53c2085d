/* notify.h - the systemd notification protocol (sd_notify(3)), without
 * libsystemd: one datagram "READY=1", "WATCHDOG=1", "STATUS=...",
 * "STOPPING=1" to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or
 * an abstract name starting with '@').  A no-op when it is not set. */
#ifndef OTA_NOTIFY_H
#define OTA_NOTIFY_H

#include <stdbool.h>

#include "lib/err.h"

/* Send state (e.g. "READY=1\nSTATUS=watching"); 0 when sent or when
 * NOTIFY_SOCKET is unset; OTA_EIO if the send fails. */
int ota_notify(const char *state, struct ota_err *err);

/* The watchdog interval systemd asks for ($WATCHDOG_USEC, honouring
 * $WATCHDOG_PID), in ms; 0 when there is no watchdog.  Ping at half. */
unsigned long long ota_notify_watchdog_ms(void);

#endif
