/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent dashboard [--listen ADDR:PORT] [--allow-remote] [--host NAME]...:
 * the device's page (dashboard_html.h) and its JSON, served by the agent
 * itself with libmicrohttpd.  Read-only: GET and HEAD, no lock taken, every
 * request read afresh from disk.  Loopback only unless --allow-remote:
 * there is no authentication.  The Host header must name loopback, the
 * listen address or a --host NAME (DNS rebinding).  Every connection is
 * bounded in time (dashboard_guard.h).  SIGTERM or SIGINT stops it. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/view.h"
#include "agent/dashboard_guard.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/dashboard_html.h"

#define DEFAULT_LISTEN "127.0.0.1:8480"
#define MAX_CONNECTIONS 32
#define MAX_PER_IP 16
#define CONNECTION_TIMEOUT_S 15
#define MAX_HOSTS 16

struct server {
	struct agent *a;
	bool allow_remote;
	const char *hosts[MAX_HOSTS]; /* --host NAME */
	size_t n_hosts;
	char listen_host[64];         /* the --listen address, as a Host names it */
	struct ota_dash_guard guard;
	char csp[OTA_DASHBOARD_CSP_MAX];
};

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char text[128]; /* as given, for messages */
};

/* "A.B.C.D:PORT", "[v6]:PORT" or "localhost:PORT" into l. */
static int parse_listen(const char *s, struct listen_addr *l, struct ota_err *err)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)&l->ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&l->ss;
	char host[64];
	const char *colon = strrchr(s, ':'), *h = s;
	size_t hlen;
	char *end;
	unsigned long port;

	memset(l, 0, sizeof(*l));
	snprintf(l->text, sizeof(l->text), "%s", s);
	if (!colon || !colon[1])
		goto bad;
	port = strtoul(colon + 1, &end, 10);
	hlen = (size_t)(colon - s);
	if (*end || port > 65535 || colon[1] < '0' || colon[1] > '9')
		goto bad;
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		h = s + 1;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		l->len = sizeof(*v4);
		return 0;
	}
	if (h != s && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		l->len = sizeof(*v6);
		return 0;
	}
bad:
	return ota_err_set(err, OTA_EUSAGE, "dashboard: --listen: expected ADDR:PORT with a "
			   "numeric address (127.0.0.1:8480, [::1]:8480), got \"%.100s\"", s);
}

static bool is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 &&
	       (IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr) ||
		(IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr) && v6->sin6_addr.s6_addr[12] == 127));
}

/* A listening socket of our own, so a bind failure has its real reason. */
static int open_listener(const struct listen_addr *l, int *fd, unsigned int *port,
			 struct ota_err *err)
{
	struct sockaddr_storage got;
	socklen_t len = sizeof(got);
	int one = 1;

	memset(&got, 0, sizeof(got));
	*fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "dashboard: socket");
	if (setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(*fd, (const struct sockaddr *)&l->ss, l->len) || listen(*fd, 32) ||
	    getsockname(*fd, (struct sockaddr *)&got, &len)) {
		int e = errno;
		close(*fd);
		*fd = -1;
		return ota_err_errno(err, OTA_EIO, e, "dashboard: %s", l->text);
	}
	*port = ntohs(got.ss_family == AF_INET ? ((struct sockaddr_in *)&got)->sin_port
					       : ((struct sockaddr_in6 *)&got)->sin6_port);
	return 0;
}

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind, (void)value;
	if (!strcasecmp(key, MHD_HTTP_HEADER_HOST))
		++*(unsigned int *)cls;
	return MHD_YES;
}

/* The name a Host header gives, without its port, into h; false when the
 * header is malformed: "[" only around an IPv6 literal, a port of digits,
 * a name of letters, digits, '.', '-'. */
static bool host_name(const char *host, char *h, size_t size)
{
	const char *end = host[0] == '[' ? strchr(host, ']') : host + strcspn(host, ":");
	const char *from = host[0] == '[' ? host + 1 : host;
	struct in6_addr a6;
	size_t n;

	if (!end || (*end == ']' && *++end && *end != ':'))
		return false;
	if (*end == ':' && (!end[1] || strspn(end + 1, "0123456789") != strlen(end + 1) ||
			    strlen(end + 1) > 5))
		return false;
	n = (size_t)(end - from) - (host[0] == '[');
	if (n == 0 || n >= size)
		return false;
	memcpy(h, from, n);
	h[n] = '\0';
	if (host[0] == '[')
		return inet_pton(AF_INET6, h, &a6) == 1;
	return strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") == n;
}

static bool loopback_name(const char *h)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!strcasecmp(h, "localhost"))
		return true;
	if (inet_pton(AF_INET, h, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, h, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* 0 when the request's Host names this machine as the dashboard knows it
 * (DNS rebinding: a page elsewhere must not read the dashboard through a
 * name of its own resolving here), else the status to answer: 400 for no
 * Host in HTTP/1.1, two of them or a malformed one, 403 for another name. */
static unsigned int host_check(const struct server *srv, struct MHD_Connection *c,
			       const char *version)
{
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	unsigned int count = 0;
	char h[256];
	size_t i;

	MHD_get_connection_values(c, MHD_HEADER_KIND, count_host, &count);
	if (count > 1)
		return MHD_HTTP_BAD_REQUEST;
	if (!host)
		return strcmp(version, MHD_HTTP_VERSION_1_0) ? MHD_HTTP_BAD_REQUEST : 0;
	if (!host_name(host, h, sizeof(h)))
		return MHD_HTTP_BAD_REQUEST;
	if (loopback_name(h))
		return 0;
	if (srv->listen_host[0] && !strcasecmp(h, srv->listen_host))
		return 0;
	for (i = 0; i < srv->n_hosts; i++)
		if (!strcasecmp(h, srv->hosts[i]))
			return 0;
	return MHD_HTTP_FORBIDDEN;
}

static enum MHD_Result respond(struct MHD_Connection *c, const struct server *srv,
			    unsigned int status, const char *type, struct ota_buf *body)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	/* The buffer goes to MHD, which frees it with free(). */
	r = MHD_create_response_from_buffer(body->len, body->data, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		ota_buf_free(body);
		return MHD_NO;
	}
	body->data = NULL;
	ota_buf_free(body);
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Content-Security-Policy", srv->csp);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	ok = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ok;
}

static enum MHD_Result send_text(struct MHD_Connection *c, const struct server *srv,
				 unsigned int status, const char *text)
{
	struct ota_buf b;

	ota_buf_init(&b, 0);
	if (ota_buf_puts(&b, text, NULL) || ota_buf_putc(&b, '\n', NULL)) {
		ota_buf_free(&b);
		return MHD_NO;
	}
	return respond(c, srv, status, "text/plain; charset=utf-8", &b);
}

/* What status --json and history --json print, byte for byte. */
static int json_body(struct agent *a, bool history, struct ota_buf *b, struct ota_err *err)
{
	json_t *v = NULL;
	char *text;
	int rc = history ? view_history_json(a, &v, NULL, err) : view_status_json(a, &v, err);

	if (rc)
		return rc;
	text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(v);
	if (!text)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	rc = ota_buf_puts(b, text, err);
	free(text);
	return rc ? rc : ota_buf_putc(b, '\n', err);
}

/* ?page=N (1..): which attempts the page shows, newest first; -1 for
 * anything but digits. */
static int page_of(struct MHD_Connection *c, struct ota_dashboard_page *pg)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "page");
	unsigned long n = 0;
	size_t i;

	pg->per_page = OTA_DASHBOARD_PER_PAGE;
	pg->page = 1;
	if (!v)
		return 0;
	for (i = 0; v[i]; i++) {
		if (v[i] < '0' || v[i] > '9' || n > 1000000)
			return -1;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (n < 1)
		return -1;
	pg->page = n;
	return 0;
}

/* libmicrohttpd's MHD_AccessHandlerCallback. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      /* NOLINTNEXTLINE(readability-non-const-parameter): MHD's type */
			      size_t *upload_size, void **con_cls)
{
	struct server *srv = cls;
	struct ota_dashboard_page pg;
	struct ota_err err = {0};
	struct ota_buf b;
	const char *type = "application/json";
	unsigned int bad;
	int rc;

	(void)upload, (void)upload_size, (void)con_cls;
	ota_dash_guard_answering(&srv->guard, c);
	if ((bad = host_check(srv, c, version)) == MHD_HTTP_BAD_REQUEST)
		return send_text(c, srv, bad, "bad request: one Host header naming a host (and a "
				 "port), required in HTTP/1.1");
	if (bad)
		return send_text(c, srv, bad, "this dashboard answers to loopback host names, its "
				 "listen address and the names given with --host only");
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_text(c, srv, MHD_HTTP_METHOD_NOT_ALLOWED, "read-only: GET and HEAD only");
	ota_buf_init(&b, 0);
	if (!strcmp(url, "/") || !strcmp(url, "/index.html")) {
		type = "text/html; charset=utf-8";
		if (page_of(c, &pg)) {
			ota_buf_free(&b);
			return send_text(c, srv, MHD_HTTP_BAD_REQUEST, "bad request: page must be "
					 "a number from 1");
		}
		rc = view_render_page(srv->a, &pg, &b, &err);
	} else if (!strcmp(url, "/api/status.json") || !strcmp(url, "/api/history.json")) {
		rc = json_body(srv->a, !strcmp(url, "/api/history.json"), &b, &err);
	} else {
		ota_buf_free(&b);
		return send_text(c, srv, MHD_HTTP_NOT_FOUND, "not found");
	}
	if (rc) {
		ota_buf_free(&b);
		return send_text(c, srv, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
	}
	return respond(c, srv, MHD_HTTP_OK, type, &b);
}

static int parse_args(int argc, char **argv, struct listen_addr *l, struct server *srv)
{
	struct ota_err err = {0};
	const char *listen_at = DEFAULT_LISTEN;
	char h[256];
	int i;

	srv->allow_remote = false;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--allow-remote")) {
			srv->allow_remote = true;
		} else if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			listen_at = argv[++i];
		} else if (!strcmp(argv[i], "--host") && i + 1 < argc) {
			if (!host_name(argv[++i], h, sizeof(h)) || strcmp(h, argv[i]))
				return ota_cli_usage("dashboard: --host: expected a host name "
						     "(letters, digits, '.', '-'), got '%s'", argv[i]);
			if (srv->n_hosts == MAX_HOSTS)
				return ota_cli_usage("dashboard: --host: at most %d names", MAX_HOSTS);
			srv->hosts[srv->n_hosts++] = argv[i];
		} else if (!strcmp(argv[i], "--listen") || !strcmp(argv[i], "--host")) {
			return ota_cli_usage("dashboard: %s: missing its value", argv[i]);
		} else {
			return ota_cli_usage("dashboard: unknown option '%s': expected [--listen "
					     "ADDR:PORT] [--allow-remote] [--host NAME]...", argv[i]);
		}
	}
	if (parse_listen(listen_at, l, &err))
		return ota_cli_usage("%s", err.msg);
	if (!srv->allow_remote && !is_loopback(&l->ss))
		return ota_cli_usage("dashboard: %s is not a loopback address, and the dashboard has "
				     "no authentication: add --allow-remote to serve it there",
				     l->text);
	return 0;
}

/* Serve on *fd until SIGTERM or SIGINT, which the caller has blocked.
 * Once started, MHD owns the socket (MHD_stop_daemon closes it): *fd = -1. */
static int serve(struct server *srv, int *fd, const sigset_t *stop, struct ota_err *err)
{
	struct MHD_Daemon *d;
	int sig = 0;

	if (ota_dash_guard_start(&srv->guard, MAX_CONNECTIONS, err))
		return err->code;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL, handle,
			     srv, MHD_OPTION_LISTEN_SOCKET, *fd, MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned int)MAX_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_CONNECTION,
			     ota_dash_guard_notify, &srv->guard, MHD_OPTION_NOTIFY_COMPLETED,
			     ota_dash_guard_completed, &srv->guard, MHD_OPTION_STRICT_FOR_CLIENT,
			     1, MHD_OPTION_END);
	if (!d) {
		ota_dash_guard_stop(&srv->guard);
		return ota_err_set(err, OTA_EINTERNAL, "dashboard: libmicrohttpd did not start");
	}
	*fd = -1;
	while (sigwait(stop, &sig) == 0 && sig != SIGTERM && sig != SIGINT)
		;
	MHD_stop_daemon(d);
	ota_dash_guard_stop(&srv->guard);
	printf("dashboard: stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}

int cmd_dashboard(struct agent *a, int argc, char **argv)
{
	struct server srv = {.a = a};
	struct listen_addr l = {0};
	struct ota_err err = {0};
	char host[INET6_ADDRSTRLEN];
	unsigned int port = 0;
	sigset_t stop, old;
	int fd = -1, rc;

	if ((rc = parse_args(argc, argv, &l, &srv)))
		return rc;
	if (ota_dashboard_csp(srv.csp, &err) || open_listener(&l, &fd, &port, &err))
		return ota_cli_fail(&err);
	/* Blocked here, before MHD's thread starts, so only sigwait sees them. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &stop, &old);
	if (!inet_ntop(l.ss.ss_family,
		       l.ss.ss_family == AF_INET6 ? (void *)&((struct sockaddr_in6 *)&l.ss)->sin6_addr
						  : (void *)&((struct sockaddr_in *)&l.ss)->sin_addr,
		       host, sizeof(host)))
		snprintf(host, sizeof(host), "?");
	snprintf(srv.listen_host, sizeof(srv.listen_host), "%s", host);
	printf("dashboard: http://%s%s%s:%u/ (read-only; SIGTERM or Ctrl-C stops it)\n",
	       l.ss.ss_family == AF_INET6 ? "[" : "", host, l.ss.ss_family == AF_INET6 ? "]" : "",
	       port);
	fflush(stdout);
	rc = serve(&srv, &fd, &stop, &err);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (fd >= 0)
		close(fd);
	return rc ? ota_cli_fail(&err) : 0;
}
