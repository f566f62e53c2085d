/* SPDX-License-Identifier: Apache-2.0 */
/* test_health.c - ota_run_command and the health checks (lib/run.c,
 * lib/health.c) with real processes only: shell commands, the example
 * gateway on a free loopback port in a release made by
 * examples/make-release.sh, one-shot loopback servers and service.sh. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/health.h"
#include "lib/run.h"

struct fixture {
	char dir[64];       /* mkdtemp; app/ and run/ below */
	char rel[PATH_MAX]; /* the release last made: app/releases/<mode> */
	char url[64];
	char env_port[32], env_app[96], env_run[96];
	char *env[4];
	unsigned int port;
	pid_t gw, helper; /* children to kill at teardown, 0 if none */
	bool service;     /* service.sh to stop at teardown */
	struct ota_config c;
	struct ota_err err;
};

/* The calls under test, on the fixture's config, environment and error. */
#define RUN(cmd, ms, out, len) ota_run_command(cmd, NULL, ms, out, len, &f->err)
#define POLL(before) ota_health_poll(&f->c, f->env, before, &f->err)
#define WAIT(before) ota_health_wait(&f->c, f->env, before, NULL, &f->err)
#define COUNT(n) ota_health_restart_count(&f->c, f->env, n, &f->err)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static const char *example_bin(void)
{
	const char *d = getenv("OTA_EXAMPLE_BIN");

	if (!d || !*d)
		fail_msg("OTA_EXAMPLE_BIN is not set: it names the directory holding the built "
			 "example gateway (tests/run.sh exports it)");
	return d;
}

/* examples/<name>: beside the build directory OTA_EXAMPLE_BIN names
 * (<tree>/build/examples), else under the current directory. */
static void example_script(const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/../../examples/%s", example_bin(), name);
	if (access(path, X_OK))
		snprintf(path, size, "examples/%s", name);
	if (access(path, X_OK))
		fail_msg("examples/%s: not found from OTA_EXAMPLE_BIN nor here", name);
}

static unsigned int free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned int port = 0;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool can_connect(unsigned int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* In a child: exec argv with env added, stdout to /dev/null. */
static void exec_argv(char *const argv[], char *const *env)
{
	for (; env && *env; env++)
		putenv(*env);
	if (!freopen("/dev/null", "w", stdout))
		_exit(126);
	execv(argv[0], argv);
	_exit(127);
}

static pid_t spawn(char *const argv[], char *const *env, long delay_ms)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		nap_ms(delay_ms);
		exec_argv(argv, env);
	}
	return pid;
}

static void make_release(struct fixture *f, const char *mode)
{
	char script[PATH_MAX], gw[PATH_MAX];
	char *argv[] = {script, "1.2.3", (char *)mode, f->rel, gw, NULL};
	pid_t pid;
	int st;

	snprintf(f->rel, sizeof(f->rel), "%s/app/releases/%s", f->dir, mode);
	snprintf(gw, sizeof(gw), "%s/gateway", example_bin());
	example_script("make-release.sh", script, sizeof(script));
	pid = spawn(argv, NULL, 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* The gateway of the release last made, started after delay_ms; with
 * a negative delay_ms this process becomes it. */
static pid_t spawn_gateway(struct fixture *f, long delay_ms)
{
	char bin[PATH_MAX + 16];
	char *argv[] = {bin, NULL};

	snprintf(bin, sizeof(bin), "%s/bin/gateway", f->rel);
	if (delay_ms < 0)
		exec_argv(argv, f->env);
	return spawn(argv, f->env, delay_ms);
}

static void start_gateway(struct fixture *f, const char *mode)
{
	long long end = now_ms() + 3000;

	make_release(f, mode);
	f->gw = spawn_gateway(f, 0);
	while (!can_connect(f->port)) {
		if (now_ms() > end)
			fail_msg("gateway not listening on port %u after 3 s", f->port);
		nap_ms(10);
	}
}

/* A loopback server in a child: answers one connection with reply. */
static pid_t serve_once(unsigned int *port, const char *reply)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	char buf[4096];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;
	pid_t pid;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		c = accept(fd, NULL, NULL);
		if (c < 0 || recv(c, buf, sizeof(buf), 0) <= 0 ||
		    send(c, reply, strlen(reply), MSG_NOSIGNAL) < 0)
			_exit(1);
		_exit(shutdown(c, SHUT_WR) == 0 && recv(c, buf, sizeof(buf), 0) >= 0 ? 0 : 1);
	}
	close(fd);
	return pid;
}

/* State of process pid ('?' when gone) and its process group. */
static char proc_state(const char *pid, long *pgrp)
{
	char path[300], buf[512], state = '?', *p;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	fp = fopen(path, "r");
	if (!fp)
		return '?';
	p = fgets(buf, sizeof(buf), fp) ? strrchr(buf, ')') : NULL;
	if (!p || sscanf(p + 1, " %c %*d %ld", &state, pgrp) != 2)
		state = '?';
	fclose(fp);
	return state;
}

/* Is it running?  Zombies are not: orphans go to an init that may never
 * reap them. */
static bool running(char state)
{
	return state != '?' && state != 'Z' && state != 'X';
}

static bool group_alive(long pgid)
{
	struct dirent *e;
	bool alive = false;
	DIR *d = opendir("/proc");
	long pgrp;

	assert_non_null(d);
	while (!alive && (e = readdir(d))) {
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			alive = running(proc_state(e->d_name, &pgrp)) && pgrp == pgid;
	}
	closedir(d);
	return alive;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void assert_no_children(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void assert_msg(const struct ota_err *err, const char *part)
{
	if (!strstr(err->msg, part))
		fail_msg("reason \"%s\" lacks \"%s\"", err->msg, part);
}

static void reap(pid_t pid)
{
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

/* examples/app/service.sh WHAT, in this fixture's app and run dirs. */
static int service(struct fixture *f, const char *what)
{
	char svc[PATH_MAX], cmd[PATH_MAX + 16];

	example_script("app/service.sh", svc, sizeof(svc));
	snprintf(cmd, sizeof(cmd), "%s %s", svc, what);
	return ota_run_command(cmd, f->env, 10000, NULL, 0, &f->err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	strcpy(f->dir, "/tmp/test_health.XXXXXX");
	if (!mkdtemp(f->dir) || !(f->port = free_port()))
		return -1;
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/health", f->port);
	snprintf(f->env_port, sizeof(f->env_port), "OTA_APP_PORT=%u", f->port);
	snprintf(f->env_app, sizeof(f->env_app), "OTA_APP_DIR=%s/app", f->dir);
	snprintf(f->env_run, sizeof(f->env_run), "OTA_RUN_DIR=%s/run", f->dir);
	f->env[0] = f->env_port;
	f->env[1] = f->env_app;
	f->env[2] = f->env_run;
	f->c.timeout_ms = 3000;
	f->c.interval_ms = 100;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc;

	if (f->service && service(f, "stop"))
		fprintf(stderr, "teardown: service.sh stop: %s\n", f->err.msg);
	reap(f->gw);
	reap(f->helper);
	unsetenv("http_proxy");
	rc = f->dir[0] ? ota_rm_tree(f->dir, NULL) : 0;
	free(f);
	return rc;
}

static void test_run_command_returns_the_exit_status(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(RUN("true", 3000, NULL, 0), 0);
	assert_int_equal(RUN("exit 7", 3000, NULL, 0), 7);
	assert_int_equal(RUN("exit 255", 3000, NULL, 0), 255);
	assert_int_equal(RUN("kill -KILL $$", 3000, NULL, 0), 137);
	assert_int_equal(RUN("/nonexistent/x 2>/dev/null", 3000, NULL, 0), 127);
	assert_no_children();
}

static void test_run_command_captures_stdout_within_outlen(void **state)
{
	struct fixture *f = *state;
	char out[64];

	assert_int_equal(RUN("printf 'hello\\nworld'", 3000, out, sizeof(out)), 0);
	assert_string_equal(out, "hello\nworld");
	assert_int_equal(RUN("echo abcdef", 3000, out, 4), 0);
	assert_string_equal(out, "abc");
	/* Far more than a pipe holds: read and dropped, no deadlock. */
	assert_int_equal(RUN("head -c 1000000 /dev/zero | tr '\\0' x", 3000, out, sizeof(out)), 0);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_int_equal(strspn(out, "x"), sizeof(out) - 1);
}

static void test_run_command_stdin_null_stdout_piped_or_null_stderr_ours(void **state)
{
	struct fixture *f = *state;
	char out[256], mine[128] = "", want[300];
	ssize_t n = readlink("/proc/self/fd/2", mine, sizeof(mine) - 1);
	int p[2], saved = dup(0), rc;

	if (n > 0)
		mine[n] = '\0';
	/* Our stdin a pipe for a while: the command's must still be null. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(dup2(p[0], 0), 0);
	rc = RUN("readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2", 3000, out, sizeof(out));
	if (saved >= 0)
		assert_int_equal(dup2(saved, 0), 0);
	close(saved >= 0 ? saved : 0); /* our stdin, or none as before */
	close(p[0]);
	close(p[1]);
	assert_int_equal(rc, n > 0 ? 0 : 1);
	assert_int_equal(strncmp(out, "/dev/null\npipe:[", 16), 0);
	snprintf(want, sizeof(want), "]\n%s\n", mine);
	if (n > 0 && (!strchr(out, ']') || strcmp(strchr(out, ']'), want)))
		fail_msg("stderr of the command is \"%s\", ours is %s", out, mine);
	assert_int_equal(RUN("test \"$(readlink /proc/$$/fd/1)\" = /dev/null", 3000, NULL, 0), 0);
}

static void test_run_command_returns_when_the_shell_exits(void **state)
{
	struct fixture *f = *state;
	long long t0 = now_ms();
	char out[32];
	long pid;

	/* The background sleep keeps the pipe open: waiting for EOF would
	 * run into the timeout. */
	assert_int_equal(RUN("sleep 5 & echo $!", 3000, out, sizeof(out)), 0);
	assert_true(now_ms() - t0 < 2000);
	pid = strtol(out, NULL, 10);
	assert_true(pid > 1);
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
}

static void test_run_command_passes_environment_and_extra_variables(void **state)
{
	struct fixture *f = *state;
	char *env[] = {"OTA_T_EXTRA=one two", "OTA_T_OVR=new", NULL};
	char out[128];
	int rc;

	assert_int_equal(setenv("OTA_T_INHERITED", "parent", 1), 0);
	assert_int_equal(setenv("OTA_T_OVR", "old", 1), 0);
	/* The override must replace the variable, not add a second one. */
	rc = ota_run_command("printf '%s|%s|%s|%s' \"$OTA_T_INHERITED\" \"$OTA_T_EXTRA\" "
			     "\"$OTA_T_OVR\" \"$(tr '\\0' '\\n' </proc/$$/environ | "
			     "grep -c '^OTA_T_OVR=')\"", env, 3000, out, sizeof(out), &f->err);
	unsetenv("OTA_T_INHERITED");
	unsetenv("OTA_T_OVR");
	assert_int_equal(rc, 0);
	assert_string_equal(out, "parent|one two|new|1");
}

static void test_run_command_timeout_kills_the_process_group(void **state)
{
	struct fixture *f = *state;
	char cmd[320], path[96], out[32] = "", bg[24];
	long long t0 = now_ms(), t;
	long sh = 0, pgid = 0, pgrp;
	FILE *fp;

	/* The shell, its process group and its background child. */
	snprintf(path, sizeof(path), "%s/pids", f->dir);
	snprintf(cmd, sizeof(cmd), "echo $$ $(cut -d' ' -f5 /proc/$$/stat) >%s; "
		 "sleep 30 & echo $! >>%s; sleep 30", path, path);
	assert_int_equal(RUN(cmd, 300, out, sizeof(out)), OTA_EHEALTH);
	t = now_ms() - t0;
	assert_true(t >= 300 && t < 1500);
	assert_int_equal(f->err.code, OTA_EHEALTH);
	assert_msg(&f->err, "command timed out after 300 ms: echo $$");
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld %ld %23s", &sh, &pgid, bg), 3);
	fclose(fp);
	assert_true(sh > 1);
	assert_int_equal(pgid, sh);
	while ((group_alive(pgid) || running(proc_state(bg, &pgrp))) && now_ms() - t0 < 3000)
		nap_ms(20);
	if (group_alive(pgid) || running(proc_state(bg, &pgrp)))
		fail_msg("the background sleep %s or group %ld lives on", bg, pgid);
	assert_no_children();
}

static void test_run_command_leaves_no_zombie_and_no_fd(void **state)
{
	struct fixture *f = *state;
	int fds = count_fds(), i;
	char out[8];

	for (i = 0; i < 10; i++) {
		assert_int_equal(RUN("exit 3", 3000, NULL, 0), 3);
		assert_int_equal(RUN("echo x", 3000, out, sizeof(out)), 0);
	}
	assert_int_equal(RUN("sleep 5", 50, out, sizeof(out)), OTA_EHEALTH);
	assert_int_equal(count_fds(), fds);
	assert_no_children();
}

static void test_run_command_without_fds_is_an_io_error(void **state)
{
	struct fixture *f = *state;
	struct rlimit old, low;
	int fd = open("/dev/null", O_RDONLY), fds, rc;

	assert_true(fd >= 0);
	close(fd);
	fds = count_fds();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)fd; /* the lowest free fd: no new one fits */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	rc = RUN("true", 3000, NULL, 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(rc, OTA_EIO);
	assert_msg(&f->err, "cannot run true");
	assert_int_equal(count_fds(), fds);
	assert_no_children();
}

static void test_health_poll_passes_against_a_good_gateway(void **state)
{
	struct fixture *f = *state;

	start_gateway(f, "good");
	f->c.tcp_port = f->port;
	f->c.http_url = f->url;
	f->c.health_cmd = "\"$OTA_APP_DIR/releases/good/bin/selftest\"";
	/* A proxy from the environment must not be used for loopback. */
	assert_int_equal(setenv("http_proxy", "http://127.0.0.1:9", 1), 0);
	assert_int_equal(POLL(-1), 0);
	assert_int_equal(WAIT(-1), 0);
	unsetenv("http_proxy");
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/version", f->port);
	assert_int_equal(POLL(-1), 0);
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/nope", f->port);
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_msg(&f->err, "/nope: status 404");
}

static void test_health_unhealthy_gateway_fails_with_status_500_until_timeout(void **state)
{
	struct fixture *f = *state;
	long long t0, t;

	start_gateway(f, "unhealthy");
	f->c.tcp_port = f->port;
	assert_int_equal(POLL(-1), 0);
	f->c.http_url = f->url;
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_int_equal(f->err.code, OTA_EHEALTH);
	assert_msg(&f->err, "/health: status 500");
	f->c.timeout_ms = 1000;
	t0 = now_ms();
	assert_int_equal(WAIT(-1), OTA_EHEALTH);
	t = now_ms() - t0;
	assert_true(t >= 1000 && t < 2500);
	assert_int_equal(strncmp(f->err.msg, "health check failed after ", 26), 0);
	assert_msg(&f->err, "/health: status 500");
}

static void test_health_poll_fails_when_nothing_listens(void **state)
{
	struct fixture *f = *state;
	char want[64];

	f->c.tcp_port = f->port;
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	snprintf(want, sizeof(want), "nothing listening on port %u", f->port);
	assert_msg(&f->err, want);
	f->c.tcp_port = 0;
	f->c.http_url = f->url;
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_msg(&f->err, f->url);
	assert_null(strstr(f->err.msg, "status"));
}

static void test_health_http_follows_no_redirect_and_speaks_only_http(void **state)
{
	struct fixture *f = *state;
	char reply[160], url[64];
	unsigned int port;

	start_gateway(f, "good");
	snprintf(reply, sizeof(reply), "HTTP/1.0 302 Found\r\nLocation: %s\r\n"
		 "Content-Length: 0\r\n\r\n", f->url);
	f->helper = serve_once(&port, reply);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/health", port);
	f->c.http_url = url;
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_msg(&f->err, "status 302");
	f->c.http_url = "file:///etc/hostname";
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_msg(&f->err, "file:///etc/hostname: ");
	assert_null(strstr(f->err.msg, "status"));
}

static void test_health_command_must_exit_0_in_time(void **state)
{
	struct fixture *f = *state;

	f->c.health_cmd = "true";
	assert_int_equal(POLL(-1), 0);
	f->c.health_cmd = "false";
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_msg(&f->err, "health command exited 1: false");
	f->c.health_cmd = "sleep 5";
	f->c.timeout_ms = 300;
	assert_int_equal(POLL(-1), OTA_EHEALTH);
	assert_msg(&f->err, "timed out after 300 ms");
	assert_no_children();
}

static void test_health_wait_passes_once_a_late_service_is_up(void **state)
{
	struct fixture *f = *state;
	long long t0 = now_ms();

	make_release(f, "good");
	f->gw = spawn_gateway(f, 500);
	f->c.tcp_port = f->port;
	f->c.http_url = f->url;
	assert_int_equal(WAIT(-1), 0);
	assert_true(now_ms() - t0 >= 500);
}

static void test_health_wait_keeps_polling_for_the_stable_time(void **state)
{
	struct fixture *f = *state;
	long long t0, t;

	start_gateway(f, "good");
	f->c.http_url = f->url;
	f->c.stable_ms = 600;
	t0 = now_ms();
	assert_int_equal(WAIT(-1), 0);
	t = now_ms() - t0;
	assert_true(t >= 600 && t < 2000);
	/* Passing, but not for long enough before the timeout. */
	f->c.timeout_ms = 300;
	assert_int_equal(WAIT(-1), OTA_EHEALTH);
	assert_msg(&f->err, "passing for only ");
	assert_msg(&f->err, " of the 600 ms stable time");
}

static void test_health_wait_fails_when_the_service_dies_while_stable(void **state)
{
	struct fixture *f = *state;

	start_gateway(f, "good");
	f->helper = fork();
	assert_true(f->helper >= 0);
	if (f->helper == 0) {
		nap_ms(300);
		_exit(kill(f->gw, SIGKILL) ? 1 : 0);
	}
	f->c.tcp_port = f->port;
	f->c.http_url = f->url;
	f->c.stable_ms = 1000;
	f->c.timeout_ms = 1500;
	assert_int_equal(WAIT(-1), OTA_EHEALTH);
	assert_msg(&f->err, "nothing listening on port");
}

static void test_health_wait_starts_the_stable_time_over_after_a_failure(void **state)
{
	struct fixture *f = *state;
	long long t0;

	start_gateway(f, "good");
	t0 = now_ms();
	f->helper = fork();
	assert_true(f->helper >= 0);
	if (f->helper == 0) {
		/* Down from 300 ms to 600 ms, then this child is the gateway. */
		nap_ms(300);
		if (kill(f->gw, SIGKILL))
			_exit(1);
		nap_ms(300);
		spawn_gateway(f, -1);
	}
	f->c.tcp_port = f->port;
	f->c.stable_ms = 1000;
	assert_int_equal(WAIT(-1), 0);
	if (now_ms() - t0 < 1500)
		fail_msg("passed after %lld ms, across the outage", now_ms() - t0);
}

static void test_health_restart_count_reads_one_integer(void **state)
{
	static const struct {
		const char *cmd;
		int rc;
		long count;
	} t[] = {
		{"echo 7", 0, 7}, {"printf '12\\n'", 0, 12}, {"echo 0", 0, 0},
		{"echo abc", OTA_EHEALTH, -1}, {"echo 12x", OTA_EHEALTH, -1},
		{"echo -3", OTA_EHEALTH, -1}, {"echo ' 4'", OTA_EHEALTH, -1},
		{"true", OTA_EHEALTH, -1}, {"echo 5; exit 3", OTA_EHEALTH, -1},
		{"echo 99999999999999999999999", OTA_EHEALTH, -1},
	};
	struct fixture *f = *state;
	long count = 99;
	size_t i;

	assert_int_equal(COUNT(&count), 0);
	assert_int_equal(count, -1);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		f->c.restart_count_cmd = (char *)t[i].cmd;
		count = 99;
		if (COUNT(&count) != t[i].rc || count != t[i].count)
			fail_msg("%s: count %ld, reason %s", t[i].cmd, count, f->err.msg);
	}
}

/* A restart count slower than one check (systemctl on a loaded device)
 * fails a check, which the wait retries, but not the first read after
 * the restart, which health.timeout bounds. */
static void test_health_restart_baseline_waits_for_a_slow_count(void **state)
{
	struct fixture *f = *state;
	long count = 99;

	f->c.restart_count_cmd = "sleep 1.3; echo 5";
	f->c.interval_ms = 200;
	f->c.timeout_ms = 5000;
	assert_int_equal(COUNT(&count), OTA_EHEALTH);
	assert_non_null(strstr(f->err.msg, "timed out"));
	count = 99;
	if (ota_health_restart_baseline(&f->c, f->env, &count, &f->err))
		fail_msg("%s", f->err.msg);
	assert_int_equal(count, 5);
	f->c.timeout_ms = 500;
	assert_int_equal(ota_health_restart_baseline(&f->c, f->env, &count, &f->err), OTA_EHEALTH);
}

static void test_health_poll_detects_a_crash_loop(void **state)
{
	struct fixture *f = *state;
	char cmd[192];
	long before;

	snprintf(cmd, sizeof(cmd), "n=$(($(cat %s/n 2>/dev/null || echo 0) + 1)); "
		 "echo $n >%s/n; echo $n", f->dir, f->dir);
	f->c.restart_count_cmd = cmd;
	assert_int_equal(COUNT(&before), 0);
	assert_int_equal(before, 1);
	/* Without a count from the restart there is nothing to compare. */
	assert_int_equal(POLL(-1), 0);
	assert_int_equal(POLL(before), OTA_EHEALTH);
	assert_msg(&f->err, "crash-looping: restarted 1 times since the switch");
	assert_int_equal(COUNT(&before), 0);
	assert_int_equal(before, 3);
	f->c.restart_count_cmd = "echo 4";
	assert_int_equal(POLL(4), 0);
}

/* A release of mode made current and started by service.sh, whose restart
 * count is then the check's. */
static void start_service(struct fixture *f, const char *mode, char *cmd, size_t size)
{
	char link[128], target[64];

	make_release(f, mode);
	snprintf(link, sizeof(link), "%s/app/current", f->dir);
	snprintf(target, sizeof(target), "releases/%s", mode);
	assert_int_equal(symlink(target, link), 0);
	assert_int_equal(service(f, "restart"), 0);
	f->service = true;
	example_script("app/service.sh", cmd, size - 16);
	strcat(cmd, " restarts");
	f->c.restart_count_cmd = cmd;
	f->c.tcp_port = f->port;
}

static void test_health_wait_sees_a_crash_loop_under_service_sh(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX];
	long before;

	start_service(f, "crash", cmd, sizeof(cmd));
	f->c.timeout_ms = 1500;
	assert_int_equal(COUNT(&before), 0);
	assert_int_equal(WAIT(before), OTA_EHEALTH);
	assert_msg(&f->err, "crash-looping: restarted ");
}

static void test_health_wait_passes_under_service_sh_and_stop_ends_it(void **state)
{
	struct fixture *f = *state;
	char cmd[PATH_MAX];
	long before;

	start_service(f, "good", cmd, sizeof(cmd));
	f->c.http_url = f->url;
	f->c.stable_ms = 300;
	assert_int_equal(COUNT(&before), 0);
	assert_int_equal(before, 0);
	assert_int_equal(WAIT(before), 0);
	assert_int_equal(service(f, "status"), 0);
	assert_int_equal(service(f, "stop"), 0);
	f->service = false;
	assert_int_equal(service(f, "status"), 1);
	assert_false(can_connect(f->port));
}

static void test_gateway_in_crash_mode_exits_1_at_once(void **state)
{
	struct fixture *f = *state;
	long long end = now_ms() + 3000;
	int st = 0;
	pid_t w;

	make_release(f, "crash");
	f->gw = spawn_gateway(f, 0);
	while ((w = waitpid(f->gw, &st, WNOHANG)) == 0 && now_ms() < end)
		nap_ms(10);
	assert_int_equal(w, f->gw);
	f->gw = 0;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
	assert_false(can_connect(f->port));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_run_command_returns_the_exit_status),
		T(test_run_command_captures_stdout_within_outlen),
		T(test_run_command_stdin_null_stdout_piped_or_null_stderr_ours),
		T(test_run_command_returns_when_the_shell_exits),
		T(test_run_command_passes_environment_and_extra_variables),
		T(test_run_command_timeout_kills_the_process_group),
		T(test_run_command_leaves_no_zombie_and_no_fd),
		T(test_run_command_without_fds_is_an_io_error),
		T(test_health_poll_passes_against_a_good_gateway),
		T(test_health_unhealthy_gateway_fails_with_status_500_until_timeout),
		T(test_health_poll_fails_when_nothing_listens),
		T(test_health_http_follows_no_redirect_and_speaks_only_http),
		T(test_health_command_must_exit_0_in_time),
		T(test_health_wait_passes_once_a_late_service_is_up),
		T(test_health_wait_keeps_polling_for_the_stable_time),
		T(test_health_wait_fails_when_the_service_dies_while_stable),
		T(test_health_wait_starts_the_stable_time_over_after_a_failure),
		T(test_health_restart_count_reads_one_integer),
		T(test_health_restart_baseline_waits_for_a_slow_count),
		T(test_health_poll_detects_a_crash_loop),
		T(test_health_wait_sees_a_crash_loop_under_service_sh),
		T(test_health_wait_passes_under_service_sh_and_stop_ends_it),
		T(test_gateway_in_crash_mode_exits_1_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
