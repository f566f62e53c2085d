/* SPDX-License-Identifier: Apache-2.0 */
/* test_lock.c - the agent's run lock of lib/lock.c with real processes:
 * the first take wins and writes its pid, a second run is refused naming
 * it, the lock goes with the descriptor or the process (even SIGKILL), and
 * the holder is read from /proc/locks without touching the lock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/lock.h"

struct fixture {
	char dir[64]; /* mkdtemp: the state dir */
	pid_t child;  /* a holder to kill at teardown, 0 if none */
	struct ota_err err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-lock.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;

	if (f->child > 0) {
		kill(f->child, SIGKILL);
		waitpid(f->child, NULL, 0);
	}
	ota_rm_tree(f->dir, &err);
	free(f);
	return 0;
}

/* A child that takes the lock, says so on a pipe, and holds it until
 * killed. */
static pid_t spawn_holder(struct fixture *f)
{
	int p[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ota_err err;
		int fd;

		close(p[0]);
		if (ota_lock_take(f->dir, &fd, &err) == 0 && write(p[1], "y", 1) == 1)
			pause();
		_exit(1);
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(c, 'y');
	f->child = pid;
	return pid;
}

/* Kill the holder and reap it: by then the kernel has dropped its lock. */
static void kill_holder(struct fixture *f)
{
	int status;

	assert_int_equal(kill(f->child, SIGKILL), 0);
	assert_int_equal(waitpid(f->child, &status, 0), f->child);
	assert_true(WIFSIGNALED(status));
	f->child = 0;
}

static void test_lock_take_creates_the_file_with_our_pid(void **state)
{
	struct fixture *f = *state;
	char path[128], text[32] = "", want[32];
	int fd = -1, in;
	ssize_t n;

	if (ota_lock_take(f->dir, &fd, &f->err))
		fail_msg("%s", f->err.msg);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/lock", f->dir);
	in = open(path, O_RDONLY);
	assert_true(in >= 0);
	n = read(in, text, sizeof(text) - 1);
	close(in);
	assert_true(n > 0);
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	assert_string_equal(text, want);
	/* Not inherited by what the agent runs. */
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static void test_lock_second_run_is_busy_naming_the_holder(void **state)
{
	struct fixture *f = *state;
	char want[64];
	pid_t holder = spawn_holder(f);
	int fd = 1234;

	assert_int_equal(ota_lock_take(f->dir, &fd, &f->err), OTA_EBUSY);
	assert_int_equal(fd, -1);
	snprintf(want, sizeof(want), "(pid %ld)", (long)holder);
	assert_non_null(strstr(f->err.msg, want));
	assert_non_null(strstr(f->err.msg, "another ota-agent run holds the lock"));
}

static void test_lock_close_releases_it(void **state)
{
	struct fixture *f = *state;
	int fd = -1, again = -1;

	assert_int_equal(ota_lock_take(f->dir, &fd, &f->err), 0);
	/* flock is per open file: a second open in the same process is refused too. */
	assert_int_equal(ota_lock_take(f->dir, &again, &f->err), OTA_EBUSY);
	close(fd);
	if (ota_lock_take(f->dir, &again, &f->err))
		fail_msg("%s", f->err.msg);
	close(again);
}

static void test_lock_sigkilled_holder_leaves_no_stale_lock(void **state)
{
	struct fixture *f = *state;
	long pid = -1;
	int fd = -1;

	spawn_holder(f);
	kill_holder(f);
	assert_int_equal(ota_lock_holder(f->dir, &pid, &f->err), 0);
	assert_int_equal(pid, 0);
	if (ota_lock_take(f->dir, &fd, &f->err))
		fail_msg("%s", f->err.msg);
	close(fd);
}

static void test_lock_holder_reports_the_pid_and_zero_when_free(void **state)
{
	struct fixture *f = *state;
	long pid = -1;
	pid_t holder;
	int fd = -1;

	/* No lock file yet. */
	assert_int_equal(ota_lock_holder(f->dir, &pid, &f->err), 0);
	assert_int_equal(pid, 0);
	holder = spawn_holder(f);
	assert_int_equal(ota_lock_holder(f->dir, &pid, &f->err), 1);
	assert_int_equal(pid, holder);
	/* Asking did not take it: the holder still has it, and after it is gone
	 * a new run gets it at once. */
	assert_int_equal(ota_lock_take(f->dir, &fd, &f->err), OTA_EBUSY);
	kill_holder(f);
	assert_int_equal(ota_lock_holder(f->dir, &pid, &f->err), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(ota_lock_take(f->dir, &fd, &f->err), 0);
	assert_int_equal(ota_lock_holder(f->dir, &pid, &f->err), 1);
	assert_int_equal(pid, getpid());
	close(fd);
}

static void test_lock_in_a_missing_dir_is_eio(void **state)
{
	struct fixture *f = *state;
	char dir[128];
	int fd = 1234;

	snprintf(dir, sizeof(dir), "%s/absent", f->dir);
	assert_int_equal(ota_lock_take(dir, &fd, &f->err), OTA_EIO);
	assert_int_equal(fd, -1);
	assert_non_null(strstr(f->err.msg, "absent/lock"));
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lock_take_creates_the_file_with_our_pid),
		T(test_lock_second_run_is_busy_naming_the_holder),
		T(test_lock_close_releases_it),
		T(test_lock_sigkilled_holder_leaves_no_stale_lock),
		T(test_lock_holder_reports_the_pid_and_zero_when_free),
		T(test_lock_in_a_missing_dir_is_eio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
