/* SPDX-License-Identifier: Apache-2.0 */
/* run.c - ota_run_command (run.h): one shell command in its own
 * process group, stdin from /dev/null, stdout captured or discarded, stderr
 * left to the technician, and a deadline after which the group is killed. */
#include "lib/run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h> /* environ (_GNU_SOURCE) */

#include "lib/clock.h"

/* The read end of the stdout pipe and where its bytes go. */
struct capture {
	int fd; /* -1 when not capturing or at EOF */
	char *out;
	size_t outlen, len;
};

static int overridden(const char *var, char *const *extra)
{
	size_t len = strcspn(var, "=");

	for (; extra && *extra; extra++) {
		if (strncmp(*extra, var, len) == 0 && (*extra)[len] == '=')
			return 1;
	}
	return 0;
}

/* environ with every NAME=value of extra replacing the same NAME.  Built
 * before fork, as malloc is not safe in the child.  The strings stay
 * borrowed; the caller frees the array only. */
static char **merge_env(char *const *extra)
{
	size_t n = 0, m = 0, i, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = calloc(n + m + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!overridden(environ[i], extra))
			env[k++] = environ[i];
	}
	for (i = 0; i < m; i++)
		env[k++] = extra[i];
	env[k] = NULL;
	return env;
}

/* In the child: only async-signal-safe calls from here on. */
static void child(const char *cmd, char **env, int in, int out)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigset_t none;

	/* Its own group, so that a timeout kills all it started.  The copies
	 * above 2 matter when the caller runs with fd 0 or 1 closed. */
	in = fcntl(in, F_DUPFD_CLOEXEC, 3);
	out = fcntl(out, F_DUPFD_CLOEXEC, 3);
	if (setpgid(0, 0) || in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(127);
	/* Dispositions and mask of the caller are not the command's. */
	sigemptyset(&none);
	if (sigaction(SIGPIPE, &dfl, NULL) || sigprocmask(SIG_SETMASK, &none, NULL))
		_exit(127);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* A service started here must not keep the caller's files open. */
	closefrom(3);
#endif
	execve("/bin/sh", argv, env);
	_exit(127);
}

/* Take what the pipe holds now (at most 256 KiB a call, so a chatty
 * background process cannot keep us here); past outlen-1 bytes it is read
 * and dropped, so that the command never blocks on a full pipe. */
static void capture_read(struct capture *c)
{
	char buf[4096];
	ssize_t n;
	size_t k;
	int i;

	for (i = 0; i < 64; i++) {
		n = read(c->fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			c->fd = -1;
			return;
		}
		if (c->outlen > c->len + 1) {
			k = c->outlen - 1 - c->len < (size_t)n ? c->outlen - 1 - c->len : (size_t)n;
			memcpy(c->out + c->len, buf, k);
			c->len += k;
			c->out[c->len] = '\0';
		}
	}
}

static int timed_out(pid_t pid, const char *cmd, unsigned int timeout_ms, struct ota_err *err)
{
	/* The group may be gone already if the shell had exited; then the
	 * direct kill reaches a zombie, which is harmless. */
	if (kill(-pid, SIGKILL))
		kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return ota_err_set(err, OTA_EHEALTH, "command timed out after %u ms: %s", timeout_ms, cmd);
}

/* Wait for the child and collect its stdout, until the deadline.  Ends when
 * the shell exits, not at EOF: a daemon it started may keep the pipe. */
static int supervise(pid_t pid, struct capture *c, const char *cmd, unsigned int timeout_ms,
		     struct ota_err *err)
{
	long long deadline = ota_monotonic_ms() + timeout_ms, left;
	struct pollfd p = {.events = POLLIN};
	int status, nap = 1;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			ota_err_errno(err, OTA_EIO, errno, "waitpid: %s", cmd);
			timed_out(pid, cmd, 0, NULL);
			return OTA_EIO;
		}
		left = deadline - ota_monotonic_ms();
		if (left <= 0)
			return timed_out(pid, cmd, timeout_ms, err);
		p.fd = c->fd;
		/* Without a pidfd, short naps find the exit; they grow to 20 ms. */
		if (poll(&p, 1, left < nap ? (int)left : nap) > 0)
			capture_read(c);
		nap = nap < 10 ? nap * 2 : 20;
	}
	if (c->fd >= 0)
		capture_read(c);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int open_pipe(int fds[2])
{
	int fl;

	if (pipe2(fds, O_CLOEXEC))
		return -1;
	/* Only our end: the command's stdout stays blocking. */
	fl = fcntl(fds[0], F_GETFL);
	if (fl < 0 || fcntl(fds[0], F_SETFL, fl | O_NONBLOCK))
		return -1;
	return 0;
}

int ota_run_command(const char *cmd, char *const *env, unsigned int timeout_ms, char *out,
		    size_t outlen, struct ota_err *err)
{
	struct capture c = {.fd = -1, .out = out, .outlen = out ? outlen : 0};
	int fds[2] = {-1, -1}, devnull = -1, rc;
	char **envp;
	pid_t pid;

	if (out && outlen)
		out[0] = '\0';
	if (!cmd)
		return ota_err_set(err, OTA_EUSAGE, "no command to run");
	envp = merge_env(env);
	if (!envp)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory running %s", cmd);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0) {
		rc = ota_err_errno(err, OTA_EIO, errno, "cannot run %s: /dev/null", cmd);
		goto out;
	}
	if (out && open_pipe(fds)) {
		rc = ota_err_errno(err, OTA_EIO, errno, "cannot run %s: pipe", cmd);
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		rc = ota_err_errno(err, OTA_EIO, errno, "cannot run %s: fork", cmd);
		goto out;
	}
	if (pid == 0)
		child(cmd, envp, devnull, out ? fds[1] : devnull);
	/* Also here, so the group exists before any kill; EACCES means the
	 * child got there first and has exec'd. */
	setpgid(pid, pid);
	if (fds[1] >= 0)
		close(fds[1]); /* the command's end: ours would hide EOF */
	fds[1] = -1;
	c.fd = fds[0];
	rc = supervise(pid, &c, cmd, timeout_ms, err);
out:
	if (fds[0] >= 0)
		close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	if (devnull >= 0)
		close(devnull);
	free(envp);
	return rc;
}

/* The last non-empty line of text, with control bytes made harmless. */
static const char *last_line(char *text)
{
	char *end = text + strlen(text), *start, *p;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(text, '\n');
	start = start ? start + 1 : text;
	for (p = start; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return start;
}

int ota_run_checked(const char *what, const char *cmd, char *const *env,
		    unsigned int timeout_ms, struct ota_err *err)
{
	char out[1024], *wrapped;
	const char *line;
	int st;

	if (!cmd || asprintf(&wrapped, "exec 2>&1\n%s", cmd) < 0)
		return ota_err_set(err, OTA_EUSAGE, "%s: no command", what);
	st = ota_run_command(wrapped, env, timeout_ms, out, sizeof(out), err);
	free(wrapped);
	if (st < 0)
		return ota_err_prefix(err, st, "%s", what);
	if (st == 0)
		return 0;
	line = last_line(out);
	return ota_err_set(err, OTA_EHEALTH, "%s exited %d: %s%s%s", what, st, cmd,
			   *line ? ": " : "", line);
}
