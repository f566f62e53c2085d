/* SPDX-License-Identifier: Apache-2.0 */
/* gateway.c - the example edge service that the demo and the agent tests
 * install: a tiny HTTP server on 127.0.0.1:$OTA_APP_PORT (default 8080) that
 * is good, unhealthy or crashing as <release>/etc/gateway.conf says.  Under
 * systemd (app.service, WatchdogSec=) it feeds the watchdog. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REQ_MAX 4096

enum mode { MODE_GOOD, MODE_UNHEALTHY, MODE_CRASH };

struct gateway {
	enum mode mode;
	char version[64];
	char release[PATH_MAX];
};

/* systemd's watchdog: WATCHDOG=1 to $NOTIFY_SOCKET (a path or an '@'
 * abstract name) every half $WATCHDOG_USEC, unless $WATCHDOG_PID names
 * another process. */
struct watchdog {
	int fd; /* -1: no watchdog */
	struct sockaddr_un addr;
	socklen_t len;
	long long period_ms, next_ms;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void watchdog_init(struct watchdog *w)
{
	const char *sock = getenv("NOTIFY_SOCKET"), *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	size_t len = sock ? strlen(sock) : 0;
	unsigned long long u = usec ? strtoull(usec, NULL, 10) : 0;

	w->fd = -1;
	if (!sock || u < 2000 || (pid && strtol(pid, NULL, 10) != (long)getpid()) ||
	    (sock[0] != '/' && sock[0] != '@') || len >= sizeof(w->addr.sun_path))
		return;
	w->addr.sun_family = AF_UNIX;
	memcpy(w->addr.sun_path, sock, len);
	if (sock[0] == '@')
		w->addr.sun_path[0] = '\0';
	w->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (sock[0] == '/'));
	w->period_ms = (long long)(u / 2000);
	w->next_ms = now_ms();
	w->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* Ping if due; the ms until the next one is due (-1: never). */
static int watchdog_tick(struct watchdog *w)
{
	long long now = now_ms();

	if (w->fd < 0)
		return -1;
	if (now >= w->next_ms) {
		sendto(w->fd, "WATCHDOG=1", 10, MSG_NOSIGNAL, (const struct sockaddr *)&w->addr,
		       w->len);
		w->next_ms = now + w->period_ms;
	}
	return (int)(w->next_ms - now);
}

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* "<release>/bin/gateway" -> "<release>".  /proc/self/exe resolves the
 * `current` link to the release actually running. */
static int find_release(const char *argv0, char *dir, size_t size)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	char *slash;
	int i;

	if (n > 0)
		buf[n] = '\0';
	else if (!realpath(argv0, buf))
		return -1;
	for (i = 0; i < 2; i++) {
		slash = strrchr(buf, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	n = snprintf(dir, size, "%s", buf[0] ? buf : "/");
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int read_conf(struct gateway *g)
{
	char path[PATH_MAX + 32], line[256];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/etc/gateway.conf", g->release);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "gateway: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "version=", 8) == 0)
			snprintf(g->version, sizeof(g->version), "%.63s", line + 8);
		else if (strcmp(line, "mode=good") == 0)
			g->mode = MODE_GOOD;
		else if (strcmp(line, "mode=unhealthy") == 0)
			g->mode = MODE_UNHEALTHY;
		else if (strcmp(line, "mode=crash") == 0)
			g->mode = MODE_CRASH;
		else if (strncmp(line, "mode=", 5) == 0)
			rc = -1;
	}
	if (rc)
		fprintf(stderr, "gateway: %s: unknown %s\n", path, line);
	(void)fclose(f); /* read only: nothing to lose */
	return rc;
}

static int listen_on(unsigned long port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd, one = 1;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		fprintf(stderr, "gateway: 127.0.0.1:%lu: %s\n", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void respond(int fd, const char *status, const char *body)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "HTTP/1.0 %s\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 status, strlen(body), body);

	if (n > 0 && (size_t)n < sizeof(buf))
		send_all(fd, buf, (size_t)n);
}

/* The request head, up to its blank line, at most REQ_MAX-1 bytes. */
static size_t read_head(int fd, char *buf)
{
	size_t len = 0;
	ssize_t n;

	buf[0] = '\0';
	while (len < REQ_MAX - 1 && !strstr(buf, "\r\n\r\n") && !strstr(buf, "\n\n")) {
		n = recv(fd, buf + len, REQ_MAX - 1 - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
	}
	return len;
}

static void serve(int fd, const struct gateway *g)
{
	char req[REQ_MAX], body[96], *path, *end;

	read_head(fd, req);
	end = strchr(req, '\n');
	path = strchr(req, ' ');
	if (!end || !path || path > end || !strstr(req, " HTTP/")) {
		respond(fd, "400 Bad Request", "bad request\n");
		return;
	}
	*end = '\0';
	path++;
	path[strcspn(path, " ")] = '\0';
	if (strncmp(req, "GET ", 4) == 0 && strcmp(path, "/health") == 0) {
		snprintf(body, sizeof(body), "ok %s\n", g->version);
		if (g->mode == MODE_GOOD)
			respond(fd, "200 OK", body);
		else
			respond(fd, "500 Internal Server Error", "unhealthy\n");
	} else if (strncmp(req, "GET ", 4) == 0 && strcmp(path, "/version") == 0) {
		snprintf(body, sizeof(body), "%s\n", g->version);
		respond(fd, "200 OK", body);
	} else {
		respond(fd, "404 Not Found", "not found\n");
	}
}

/* One connection at a time; a slow or silent client costs at most 2 s. */
static void serve_forever(int lfd, const struct gateway *g, struct watchdog *w)
{
	struct timeval tv = {.tv_sec = 2};
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	char drain[512];
	int c, i;

	for (;;) {
		if (poll(&p, 1, watchdog_tick(w)) <= 0)
			continue;
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				perror("gateway: accept");
			if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
				sleep(1);
			continue;
		}
		if (setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0 &&
		    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0) {
			serve(c, g);
			/* Read (a bounded amount of) what the client still
			 * sends, so close does not reset it under our answer. */
			if (shutdown(c, SHUT_WR) == 0)
				for (i = 0; i < 128 && recv(c, drain, sizeof(drain), 0) > 0; i++)
					;
		}
		close(c);
	}
}

int main(int argc, char **argv)
{
	struct gateway g = {.mode = MODE_GOOD, .version = "unknown"};
	struct sigaction sa = {.sa_handler = on_term};
	struct watchdog w;
	const char *env = getenv("OTA_APP_PORT");
	unsigned long port = 8080;
	char *end;
	int fd;

	(void)argc;
	if (env && *env) {
		errno = 0;
		port = strtoul(env, &end, 10);
		if (errno || *end || port == 0 || port > 65535) {
			fprintf(stderr, "gateway: OTA_APP_PORT=%s: not a port\n", env);
			return 2;
		}
	}
	if (find_release(argv[0], g.release, sizeof(g.release))) {
		fprintf(stderr, "gateway: cannot find its release directory\n");
		return 1;
	}
	if (read_conf(&g))
		return 1;
	if (g.mode == MODE_CRASH) {
		fprintf(stderr, "gateway %s: mode=crash: exiting at start\n", g.version);
		return 1;
	}
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		return 1;
	fd = listen_on(port);
	if (fd < 0)
		return 1;
	printf("gateway %s (%s) listening on 127.0.0.1:%lu\n", g.version,
	       g.mode == MODE_GOOD ? "good" : "unhealthy", port);
	fflush(stdout);
	watchdog_init(&w);
	serve_forever(fd, &g, &w);
	return 0;
}
