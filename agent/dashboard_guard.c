/* SPDX-License-Identifier: Apache-2.0 */
/* dashboard_guard.c - time and slot bounds on the dashboard's connections
 * (dashboard_guard.h).  A connection past its deadline is shut down
 * (shutdown(2), never close: the descriptor stays libmicrohttpd's, which
 * then sees the end of the stream and closes it itself). */
#include "agent/dashboard_guard.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

struct ota_dash_conn {
	int fd;
	double since;  /* start of the current phase */
	bool answering;
	bool cut;      /* shut down, waiting for MHD to close it */
	struct ota_dash_conn *next;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void cut(struct ota_dash_conn *k)
{
	if (!k->cut)
		(void)shutdown(k->fd, SHUT_RDWR);
	k->cut = true;
}

static void *reap(void *arg)
{
	struct ota_dash_guard *g = arg;
	struct ota_dash_conn *k;
	struct timespec until;
	double t;

	pthread_mutex_lock(&g->mu);
	while (!g->stop) {
		t = now_s();
		for (k = g->conns; k; k = k->next)
			if (t - k->since > (k->answering ? OTA_DASH_REQUEST_S : OTA_DASH_HEADER_S))
				cut(k);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250 * 1000 * 1000;
		if (until.tv_nsec >= 1000 * 1000 * 1000) {
			until.tv_sec++;
			until.tv_nsec -= 1000 * 1000 * 1000;
		}
		(void)pthread_cond_timedwait(&g->wake, &g->mu, &until);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

int ota_dash_guard_start(struct ota_dash_guard *g, unsigned int max, struct ota_err *err)
{
	int e;

	g->max = max;
	g->n = 0;
	g->conns = NULL;
	g->stop = false;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->wake, NULL);
	if ((e = pthread_create(&g->reaper, NULL, reap, g)))
		return ota_err_errno(err, OTA_EINTERNAL, e, "dashboard: thread");
	g->running = true;
	return 0;
}

void ota_dash_guard_stop(struct ota_dash_guard *g)
{
	struct ota_dash_conn *k;

	if (!g->running)
		return;
	pthread_mutex_lock(&g->mu);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->reaper, NULL);
	while ((k = g->conns)) {
		g->conns = k->next;
		free(k);
	}
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->mu);
	g->running = false;
}

/* The oldest connection still sending its headers, other than skip. */
static struct ota_dash_conn *oldest_waiting(struct ota_dash_guard *g,
					    const struct ota_dash_conn *skip)
{
	struct ota_dash_conn *k, *old = NULL;

	for (k = g->conns; k; k = k->next)
		if (k != skip && !k->answering && !k->cut && (!old || k->since <= old->since))
			old = k;
	return old;
}

static void started(struct ota_dash_guard *g, struct MHD_Connection *c, void **ctx)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct ota_dash_conn *k = calloc(1, sizeof(*k)), *old;

	*ctx = k;
	if (!k || !i) {
		/* Untracked, it could outstay its welcome: refuse it. */
		if (i)
			(void)shutdown(i->connect_fd, SHUT_RDWR);
		free(k);
		*ctx = NULL;
		return;
	}
	k->fd = i->connect_fd;
	k->since = now_s();
	k->next = g->conns;
	g->conns = k;
	/* Always one slot free: the next client gets in at once. */
	if (++g->n + 1 >= g->max && (old = oldest_waiting(g, k)))
		cut(old);
}

void ota_dash_guard_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			   enum MHD_ConnectionNotificationCode toe)
{
	struct ota_dash_guard *g = cls;
	struct ota_dash_conn **p;

	pthread_mutex_lock(&g->mu);
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		started(g, c, socket_context);
	} else if (*socket_context) {
		/* Called before MHD closes the descriptor: under the lock, the
		 * reaper never shuts down a number already given to another. */
		for (p = &g->conns; *p && *p != *socket_context; p = &(*p)->next)
			;
		if (*p) {
			*p = (*p)->next;
			g->n--;
		}
		free(*socket_context);
		*socket_context = NULL;
	}
	pthread_mutex_unlock(&g->mu);
}

static struct ota_dash_conn *conn_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return i ? i->socket_context : NULL;
}

void ota_dash_guard_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			      enum MHD_RequestTerminationCode toe)
{
	struct ota_dash_guard *g = cls;
	struct ota_dash_conn *k;

	(void)con_cls;
	(void)toe;
	pthread_mutex_lock(&g->mu);
	if ((k = conn_of(c))) {
		k->answering = false;
		k->since = now_s();
	}
	pthread_mutex_unlock(&g->mu);
}

void ota_dash_guard_answering(struct ota_dash_guard *g, struct MHD_Connection *c)
{
	struct ota_dash_conn *k;

	pthread_mutex_lock(&g->mu);
	if ((k = conn_of(c)) && !k->answering) {
		k->answering = true;
		k->since = now_s();
	}
	pthread_mutex_unlock(&g->mu);
}
