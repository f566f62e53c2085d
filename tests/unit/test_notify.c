/* SPDX-License-Identifier: Apache-2.0 */
/* test_notify.c - sd_notify of lib/notify.c against real AF_UNIX datagram
 * sockets bound by the test (a path and an abstract name): what arrives,
 * the watchdog interval with and without $WATCHDOG_PID, the environment
 * emptied for children, and the refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/notify.h"

struct fixture {
	char dir[64];
	char path[128]; /* dir/notify.sock */
	int fd;         /* the listener, -1 if none */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->fd = -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-notify.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/notify.sock", f->dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->fd >= 0)
		close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Bind the listener: name is a path, or "@name" for an abstract one. */
static void listen_at(struct fixture *f, const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 2};
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name));

	memcpy(sa.sun_path, name, strlen(name));
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(setsockopt(f->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	if (bind(f->fd, (struct sockaddr *)&sa, len))
		fail_msg("bind %s: %s", name, strerror(errno));
}

static void expect_datagram(struct fixture *f, const char *want)
{
	char buf[256];
	ssize_t n = recv(f->fd, buf, sizeof(buf) - 1, 0);

	if (n < 0)
		fail_msg("nothing received: %s", strerror(errno));
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void test_notify_without_socket_is_a_no_op(void **state)
{
	struct ota_notify n;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_notify_open(&n, &err), 0);
	assert_int_equal(n.fd, -1);
	assert_int_equal(n.watchdog_ms, 0);
	assert_int_equal(ota_notify_send(&n, "READY=1", &err), 0);
	ota_notify_close(&n);
	ota_notify_close(&n);
}

static void test_notify_sends_to_a_path_and_empties_the_environment(void **state)
{
	struct fixture *f = *state;
	struct ota_notify n;
	struct ota_err err = {0};

	listen_at(f, f->path);
	setenv("NOTIFY_SOCKET", f->path, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	if (ota_notify_open(&n, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(n.watchdog_ms, 30000);
	/* What the agent runs must not take these for its own. */
	assert_null(getenv("NOTIFY_SOCKET"));
	assert_null(getenv("WATCHDOG_USEC"));
	assert_int_equal(ota_notify_send(&n, "READY=1\nSTATUS=watching", &err), 0);
	expect_datagram(f, "READY=1\nSTATUS=watching");
	assert_int_equal(ota_notify_send(&n, "WATCHDOG=1", &err), 0);
	expect_datagram(f, "WATCHDOG=1");
	ota_notify_close(&n);
}

static void test_notify_sends_to_an_abstract_name(void **state)
{
	struct fixture *f = *state;
	char name[64];
	struct ota_notify n;
	struct ota_err err = {0};

	snprintf(name, sizeof(name), "@ota-test-notify-%ld", (long)getpid());
	listen_at(f, name);
	setenv("NOTIFY_SOCKET", name, 1);
	if (ota_notify_open(&n, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(n.watchdog_ms, 0);
	assert_int_equal(ota_notify_send(&n, "STOPPING=1", &err), 0);
	expect_datagram(f, "STOPPING=1");
	ota_notify_close(&n);
}

static void test_notify_watchdog_pid_decides_whose_watchdog(void **state)
{
	char pid[32];
	struct ota_notify n;
	struct ota_err err = {0};

	(void)state;
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_USEC", "500000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(ota_notify_open(&n, &err), 0);
	assert_int_equal(n.watchdog_ms, 500);
	assert_null(getenv("WATCHDOG_PID"));
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_USEC", "500000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(ota_notify_open(&n, &err), 0);
	assert_int_equal(n.watchdog_ms, 0);
	/* Under a millisecond still asks for pings: as often as we can. */
	setenv("WATCHDOG_USEC", "999", 1);
	assert_int_equal(ota_notify_open(&n, &err), 0);
	assert_int_equal(n.watchdog_ms, 1);
}

static void test_notify_refusals(void **state)
{
	static const struct {
		const char *var, *value, *why;
	} rows[] = {
		{"NOTIFY_SOCKET", "relative/sock", "NOTIFY_SOCKET=relative/sock: not an absolute"},
		{"NOTIFY_SOCKET", "@", "not an absolute socket path"},
		{"NOTIFY_SOCKET", "vsock:2:1234", "not an absolute socket path"},
		{"WATCHDOG_USEC", "0", "WATCHDOG_USEC=0: not a number"},
		{"WATCHDOG_USEC", "-5", "WATCHDOG_USEC=-5"},
		{"WATCHDOG_USEC", "12x", "WATCHDOG_USEC=12x"},
		{"WATCHDOG_PID", "me", "WATCHDOG_PID=me: not a pid"},
	};
	struct ota_notify n;
	struct ota_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		err = (struct ota_err){0};
		setenv("WATCHDOG_USEC", "1000000", 1);
		setenv(rows[i].var, rows[i].value, 1);
		if (ota_notify_open(&n, &err) != OTA_EUSAGE)
			fail_msg("row %zu accepted: %s=%s", i, rows[i].var, rows[i].value);
		if (!strstr(err.msg, rows[i].why))
			fail_msg("row %zu: \"%s\" does not say \"%s\"", i, err.msg, rows[i].why);
		assert_int_equal(n.fd, -1);
		assert_null(getenv(rows[i].var));
	}
	/* A path no one listens on: the send fails and says where. */
	setenv("NOTIFY_SOCKET", "/nonexistent/notify.sock", 1);
	assert_int_equal(ota_notify_open(&n, &err), 0);
	assert_int_equal(ota_notify_send(&n, "READY=1", &err), OTA_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/notify.sock: send READY=1"));
	ota_notify_close(&n);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_notify_without_socket_is_a_no_op),
		T(test_notify_sends_to_a_path_and_empties_the_environment),
		T(test_notify_sends_to_an_abstract_name),
		T(test_notify_watchdog_pid_decides_whose_watchdog),
		T(test_notify_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
