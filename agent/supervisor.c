/* SPDX-License-Identifier: Apache-2.0 */
/* supervisor.c - what the agent says to its supervisor, systemd, and
 * hears from it (supervisor.h): stop signals taken only where it is safe
 * to stop, sd_notify, and a watchdog that tells a busy agent from a hung
 * one.
 *
 * The watchdog is a thread that sends WATCHDOG=1 every half interval, but
 * only while the main thread's lease holds.  The main thread renews the
 * lease before every step with a bound on how long that step can take (a
 * download renews it as bytes arrive; an install leases its worst case
 * from the health timeouts and the bundle's size).  A main thread stuck
 * past its lease stops the pings, and systemd restarts the agent. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/supervisor.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/clock.h"
#include "lib/ctlesc.h"
#include "lib/notify.h"

/* Lease of the start, before the first step leases its own. */
#define START_LEASE_MS 10000
/* Slack on an idle lease: from the end of the sleep to the next step's
 * lease is a few instructions.  A loaded machine has WatchdogSec more:
 * systemd acts only after that long without a ping. */
#define IDLE_SLACK_MS 1000

struct supervisor {
	struct ota_notify notify;
	sigset_t stop_signals;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu; /* guards lease_ms and quit */
	pthread_cond_t cv;
	long long lease_ms; /* CLOCK_MONOTONIC ms until which to ping */
	bool quit;
};

static void *watchdog_main(void *arg)
{
	struct supervisor *d = arg;
	long long period = (long long)d->notify.watchdog_ms / 2, next;
	struct ota_err err;
	struct timespec ts;
	bool ping;

	if (period < 1)
		period = 1;
	pthread_mutex_lock(&d->mu);
	while (!d->quit) {
		ping = ota_monotonic_ms() < d->lease_ms;
		pthread_mutex_unlock(&d->mu);
		/* A lost ping is not worth a message: the next comes soon. */
		if (ping)
			ota_notify_send(&d->notify, "WATCHDOG=1", &err);
		next = ota_monotonic_ms() + period;
		ts.tv_sec = next / 1000;
		ts.tv_nsec = next % 1000 * 1000000;
		pthread_mutex_lock(&d->mu);
		while (!d->quit && pthread_cond_timedwait(&d->cv, &d->mu, &ts) == 0)
			;
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

static int start_thread(struct supervisor *d, struct ota_err *err)
{
	pthread_condattr_t ca;
	int e;

	if ((e = pthread_condattr_init(&ca)) || (e = pthread_condattr_setclock(&ca,
									CLOCK_MONOTONIC)) ||
	    (e = pthread_cond_init(&d->cv, &ca)))
		return ota_err_errno(err, OTA_EINTERNAL, e, "watchdog: condition variable");
	pthread_condattr_destroy(&ca);
	if ((e = pthread_mutex_init(&d->mu, NULL))) {
		pthread_cond_destroy(&d->cv);
		return ota_err_errno(err, OTA_EINTERNAL, e, "watchdog: mutex");
	}
	d->lease_ms = ota_monotonic_ms() + START_LEASE_MS;
	if ((e = pthread_create(&d->thread, NULL, watchdog_main, d))) {
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->cv);
		return ota_err_errno(err, OTA_EINTERNAL, e, "watchdog: thread");
	}
	d->thread_started = true;
	return 0;
}

int supervisor_start(struct agent *a, struct ota_err *err)
{
	struct supervisor *d = calloc(1, sizeof(*d));
	int rc;

	if (!d)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	d->notify.fd = -1;
	/* Blocked in every thread (the watchdog's inherits the mask), so they
	 * are only ever taken where the loop can stop cleanly; the commands
	 * the agent runs get a clean mask (lib/run.c). */
	sigemptyset(&d->stop_signals);
	sigaddset(&d->stop_signals, SIGTERM);
	sigaddset(&d->stop_signals, SIGINT);
	if (sigprocmask(SIG_BLOCK, &d->stop_signals, NULL)) {
		rc = ota_err_errno(err, OTA_EINTERNAL, errno, "sigprocmask");
		free(d);
		return rc;
	}
	a->sv = d;
	if ((rc = ota_notify_open(&d->notify, err)) ||
	    (d->notify.watchdog_ms && (rc = start_thread(d, err)))) {
		supervisor_stop(a);
		return rc;
	}
	return 0;
}

void supervisor_stop(struct agent *a)
{
	struct supervisor *d = a->sv;
	struct timespec zero = {0};

	if (!d)
		return;
	if (d->thread_started) {
		pthread_mutex_lock(&d->mu);
		d->quit = true;
		pthread_cond_signal(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->thread, NULL);
		pthread_mutex_destroy(&d->mu);
		pthread_cond_destroy(&d->cv);
	}
	ota_notify_close(&d->notify);
	/* The stop signal that ended the loop is taken, not left pending to
	 * kill us when unblocked. */
	while (sigtimedwait(&d->stop_signals, NULL, &zero) > 0)
		;
	sigprocmask(SIG_UNBLOCK, &d->stop_signals, NULL);
	free(d);
	a->sv = NULL;
}

void supervisor_busy(struct agent *a, unsigned long long ms)
{
	struct supervisor *d = a->sv;

	if (!d || !d->thread_started)
		return;
	pthread_mutex_lock(&d->mu);
	d->lease_ms = ota_monotonic_ms() + (long long)ms;
	pthread_mutex_unlock(&d->mu);
}

bool supervisor_stopping(struct agent *a)
{
	sigset_t pending;

	if (!a->sv || sigpending(&pending))
		return false;
	return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

bool supervisor_idle(struct agent *a, unsigned long long ms)
{
	struct supervisor *d = a->sv;
	long long end = ota_monotonic_ms() + (long long)ms, left;
	struct timespec ts;
	int sig;

	if (!d)
		return false;
	supervisor_busy(a, ms + IDLE_SLACK_MS);
	while ((left = end - ota_monotonic_ms()) > 0) {
		ts.tv_sec = left / 1000;
		ts.tv_nsec = left % 1000 * 1000000;
		sig = sigtimedwait(&d->stop_signals, NULL, &ts);
		if (sig > 0)
			return true;
		if (sig < 0 && errno != EAGAIN && errno != EINTR)
			break;
	}
	return supervisor_stopping(a);
}

void supervisor_notify(struct agent *a, const char *fmt, ...)
{
	char msg[1024];
	struct ota_err err;
	struct ota_buf esc;
	va_list ap;
	int rc;

	if (!a->sv || a->sv->notify.fd < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* What a format fills in (a file name on a medium, a URL from an
	 * index) is escaped: a newline in it would be a notification field of
	 * its own ("\nREADY=1", "\nWATCHDOG=trigger").  Only the fixed
	 * formats ("READY=1\nSTATUS=watching") have lines of their own. */
	ota_buf_init(&esc, sizeof(msg) * 4);
	if (strchr(fmt, '%') && ota_ctlesc(msg, sizeof(msg) * 4, &esc, &err) == 0)
		rc = ota_notify_send(&a->sv->notify, esc.data ? (const char *)esc.data : "", &err);
	else
		rc = ota_notify_send(&a->sv->notify, msg, &err);
	ota_buf_free(&esc);
	if (rc)
		ota_cli_say(stderr, "%s", err.msg);
}
