/* SPDX-License-Identifier: Apache-2.0 */
/* health.c - the checks a freshly switched release must pass (see health.h):
 * restart count, TCP port, HTTP URL and command, polled until they all pass
 * and keep passing for the stable time, or until the timeout. */
#include "lib/health.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/http_probe.h"
#include "lib/run.h"

/* No single check may take longer than this: a connect on loopback. */
#define TCP_TIMEOUT_MS 1000
/* The least time an HTTP request or a command gets, on a loaded device. */
#define CHECK_MIN_MS 1000

static void sleep_until(long long t)
{
	struct timespec ts = {.tv_sec = t / 1000, .tv_nsec = (t % 1000) * 1000000};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Time one check may take: an interval, at least CHECK_MIN_MS, never more
 * than the whole health timeout. */
static unsigned int check_ms(const struct ota_config *c)
{
	unsigned int ms = c->interval_ms < CHECK_MIN_MS ? CHECK_MIN_MS : c->interval_ms;

	return c->timeout_ms && ms > c->timeout_ms ? c->timeout_ms : ms;
}

/* Length of the printable start of s, for quoting a command's output. */
static int printable(const char *s)
{
	int n = 0;

	while (n < 40 && s[n] >= 0x20 && s[n] < 0x7f)
		n++;
	return n;
}

/* The count, its command bounded by ms. */
static int read_count(const struct ota_config *c, char *const *env, unsigned int ms,
		      long *count, struct ota_err *err)
{
	const char *cmd = c->restart_count_cmd;
	char out[64], *end;
	long n;
	int st;

	*count = -1;
	if (!cmd || !*cmd)
		return 0;
	st = ota_run_command(cmd, env, ms, out, sizeof(out), err);
	if (st < 0)
		return ota_err_prefix(err, OTA_EHEALTH, "restart count");
	if (st != 0)
		return ota_err_set(err, OTA_EHEALTH, "restart count command exited %d: %s", st,
				   cmd);
	errno = 0;
	n = strtol(out, &end, 10);
	while (*end == '\n' || *end == '\r' || *end == ' ' || *end == '\t')
		end++;
	if (!isdigit((unsigned char)out[0]) || *end || errno || n < 0)
		return ota_err_set(err, OTA_EHEALTH, "restart count command printed \"%.*s\", "
				   "not a count: %s", printable(out), out, cmd);
	*count = n;
	return 0;
}

int ota_health_restart_count(const struct ota_config *c, char *const *env, long *count,
			     struct ota_err *err)
{
	return read_count(c, env, check_ms(c), count, err);
}

int ota_health_restart_baseline(const struct ota_config *c, char *const *env, long *count,
				struct ota_err *err)
{
	/* Once, before the wait: a slow service manager on a loaded device
	 * (systemctl show taking over a second) must not fail a good
	 * release, so the whole health timeout bounds it. */
	return read_count(c, env, c->timeout_ms, count, err);
}

static int check_restarts(const struct ota_config *c, char *const *env, long before,
			  struct ota_err *err)
{
	long now;
	int rc = ota_health_restart_count(c, env, &now, err);

	if (rc)
		return rc;
	if (now > before)
		return ota_err_set(err, OTA_EHEALTH, "crash-looping: restarted %ld times since "
				   "the switch", now - before);
	if (now < before)
		return ota_err_set(err, OTA_EHEALTH, "restart count went from %ld to %ld since "
				   "the switch: restarted by someone else", before, now);
	return 0;
}

/* Wait for a non-blocking connect: 0 or the errno that failed it. */
static int connect_wait(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLOUT};
	socklen_t len = sizeof(int);
	int n, e = 0;

	while ((n = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return ETIMEDOUT;
	if (n < 0)
		return errno;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len))
		return errno;
	return e;
}

static int check_tcp(const struct ota_config *c, struct ota_err *err)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	unsigned int ms = check_ms(c) < TCP_TIMEOUT_MS ? check_ms(c) : TCP_TIMEOUT_MS;
	int fd, e = 0;

	sa.sin_port = htons((uint16_t)c->tcp_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return ota_err_errno(err, OTA_EHEALTH, errno, "port %u: socket", c->tcp_port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		e = errno == EINPROGRESS ? connect_wait(fd, (int)ms) : errno;
	if (close(fd) && !e)
		e = errno;
	if (e)
		return ota_err_errno(err, OTA_EHEALTH, e, "nothing listening on port %u",
				     c->tcp_port);
	return 0;
}

static int check_http(const struct ota_config *c, struct ota_err *err)
{
	long status = 0;

	if (ota_http_probe(c->http_url, check_ms(c), &status, err))
		return ota_err_prefix(err, OTA_EHEALTH, "%s", c->http_url);
	if (status < 200 || status > 299)
		return ota_err_set(err, OTA_EHEALTH, "%s: status %ld", c->http_url, status);
	return 0;
}

static int check_command(const struct ota_config *c, char *const *env, struct ota_err *err)
{
	int rc = ota_run_checked("health command", c->health_cmd, env, check_ms(c), err);

	return rc < 0 && rc != OTA_EHEALTH ? ota_err_prefix(err, OTA_EHEALTH, "health check") : rc;
}

int ota_health_poll(const struct ota_config *c, char *const *env, long restarts_before,
		    struct ota_err *err)
{
	int rc;

	if (restarts_before >= 0 && c->restart_count_cmd && *c->restart_count_cmd &&
	    (rc = check_restarts(c, env, restarts_before, err)))
		return rc;
	if (c->tcp_port && (rc = check_tcp(c, err)))
		return rc;
	if (c->http_url && *c->http_url && (rc = check_http(c, err)))
		return rc;
	if (c->health_cmd && *c->health_cmd && (rc = check_command(c, env, err)))
		return rc;
	return 0;
}

int ota_health_wait(const struct ota_config *c, char *const *env, long restarts_before,
		    struct ota_progress *p, struct ota_err *err)
{
	long long start = ota_monotonic_ms(), deadline = start + c->timeout_ms, t, since = -1;
	long long interval = c->interval_ms < 10 ? 10 : c->interval_ms;
	struct ota_err last = {0};
	long long next;

	for (;;) {
		next = ota_monotonic_ms() + interval;
		/* Any failure starts the stable window over. */
		if (ota_health_poll(c, env, restarts_before, &last) == 0) {
			t = ota_monotonic_ms();
			if (since < 0)
				since = t;
			if (t - since >= c->stable_ms)
				return 0;
		} else {
			t = ota_monotonic_ms();
			since = -1;
		}
		if (t >= deadline)
			break;
		if (ota_progress_at(p, (unsigned long long)(t - start), c->timeout_ms))
			return ota_err_set(err, OTA_EHEALTH, "health check interrupted after %lld ms",
					   t - start);
		sleep_until(next < deadline ? next : deadline);
	}
	if (since >= 0)
		return ota_err_set(err, OTA_EHEALTH, "health check failed after %lld ms: checks "
				   "passing for only %lld of the %u ms stable time",
				   t - start, t - since, c->stable_ms);
	return ota_err_set(err, OTA_EHEALTH, "health check failed after %lld ms: %s", t - start,
			   last.msg);
}
