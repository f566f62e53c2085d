/* SPDX-License-Identifier: Apache-2.0 */
/* dashboard_guard.h - the dashboard's connections bounded in time and
 * number, whoever holds them: a connection has HEADER_S to send its
 * request's headers and REQUEST_S to be answered, and one slot is always
 * kept for a new client (the oldest connection still sending headers
 * gives it up).  libmicrohttpd's own timeout is an idle one, which a
 * client trickling a byte at a time never reaches. */
#ifndef OTA_DASHBOARD_GUARD_H
#define OTA_DASHBOARD_GUARD_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>

#include "lib/err.h"

#define OTA_DASH_HEADER_S 5.0   /* from connect (or the last answer) to the headers */
#define OTA_DASH_REQUEST_S 30.0 /* from the headers to the answer sent */

struct ota_dash_conn;

struct ota_dash_guard {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t reaper;
	bool running, stop;
	unsigned int max;            /* the daemon's connection limit */
	unsigned int n;              /* connections open */
	struct ota_dash_conn *conns; /* newest first */
};

/* Start the reaper thread for a daemon limited to max connections. */
int ota_dash_guard_start(struct ota_dash_guard *g, unsigned int max, struct ota_err *err);
/* Stop the reaper (after MHD_stop_daemon: every connection closed). */
void ota_dash_guard_stop(struct ota_dash_guard *g);

/* MHD_OPTION_NOTIFY_CONNECTION (cls = g): track connections; a new one
 * that leaves no free slot makes the oldest still sending headers go. */
void ota_dash_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			   enum MHD_ConnectionNotificationCode toe);
/* MHD_OPTION_NOTIFY_COMPLETED (cls = g): an answer sent, the connection
 * back to waiting for headers (keep-alive). */
void ota_dash_guard_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe);
/* From the access handler: the headers are in, the answer's clock starts. */
void ota_dash_guard_answering(struct ota_dash_guard *g, struct MHD_Connection *c);

#endif
