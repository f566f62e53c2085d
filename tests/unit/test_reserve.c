/* SPDX-License-Identifier: Apache-2.0 */
/* test_reserve.c - lib/reserve.c with lib/state.c and lib/audit.c on a
 * full file system: a 1 MiB tmpfs filled to its last page, then the state
 * write and a history append still succeed from the reserve; without one
 * they fail with OTA_ENOSPC (the control).  Needs root to mount: skipped,
 * saying so, otherwise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/audit.h"
#include "lib/reserve.h"
#include "lib/state.h"

struct fixture {
	char dir[64];
	char fill[128];
	bool mounted;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-reserve.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->fill, sizeof(f->fill), "%s/fill", f->dir);
	f->mounted = geteuid() == 0 && mount("tmpfs", f->dir, "tmpfs", 0, "size=1m") == 0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->mounted)
		umount2(f->dir, MNT_DETACH);
	rmdir(f->dir);
	free(f);
	return 0;
}

static bool need_tmpfs(const struct fixture *f)
{
	if (!f->mounted)
		fprintf(stderr, "# SKIP: not root or mount(tmpfs) refused: the full-disk tests "
				"need a tmpfs of their own\n");
	return f->mounted;
}

/* Write zeros until the file system has not one page left. */
static void fill(const struct fixture *f)
{
	static const char zeros[4096];
	int fd = open(f->fill, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	assert_true(fd >= 0);
	do
		n = write(fd, zeros, sizeof(zeros));
	while (n > 0);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(close(fd), 0);
}

static void record(struct ota_audit_rec *r, const char *reason)
{
	memset(r, 0, sizeof(*r));
	r->time = 1700000000;
	r->from = OTA_HEALTH_CHECK;
	r->to = OTA_ROLLING_BACK;
	r->version = "2.0.0";
	r->bundle = "";
	r->manifest_sha256 = "";
	r->result = OTA_AUDIT_FAILED;
	r->exit = 15;
	r->reason = reason;
}

static void test_reserve_full_disk_state_write_and_history_append_succeed(void **state)
{
	struct fixture *f = *state;
	struct ota_run run = {.state = OTA_ROLLING_BACK, .version = "2.0.0", .from = "1.0.0"}, back;
	struct ota_audit_rec r;
	struct ota_err err = {0};
	struct ota_audit_check check;
	json_t *recs = NULL;
	struct stat st;
	char path[192];

	if (!need_tmpfs(f))
		return;
	record(&r, "health check failed");
	assert_int_equal(ota_audit_append(f->dir, NULL, &r, &err), 0);
	assert_int_equal(ota_reserve_make(f->dir, &err), 0);
	snprintf(path, sizeof(path), "%s/%s", f->dir, OTA_RESERVE_FILE);
	assert_int_equal(stat(path, &st), 0);
	assert_true((long long)st.st_blocks * 512 >= OTA_RESERVE_BYTES);
	fill(f);
	if (ota_state_save(f->dir, &run, &err))
		fail_msg("state write on a full disk: %s", err.msg);
	assert_int_equal(ota_state_load(f->dir, &back, &err), 0);
	assert_int_equal(back.state, OTA_ROLLING_BACK);
	r.from = OTA_ROLLING_BACK;
	r.to = OTA_IDLE;
	r.result = OTA_AUDIT_ROLLED_BACK;
	if (ota_audit_append(f->dir, NULL, &r, &err))
		fail_msg("history append on a full disk: %s", err.msg);
	run.state = OTA_IDLE;
	assert_int_equal(ota_state_save(f->dir, &run, &err), 0);
	assert_int_equal(ota_audit_verify(f->dir, &recs, &check, &err), 0);
	assert_int_equal(json_array_size(recs), 2);
	json_decref(recs);
	/* Spent; made again only once there is room. */
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(ota_reserve_make(f->dir, &err), OTA_ENOSPC);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(unlink(f->fill), 0);
	assert_int_equal(ota_reserve_make(f->dir, &err), 0);
}

/* The control: the same writes without a reserve fail for lack of space. */
static void test_reserve_full_disk_without_reserve_fails_enospc(void **state)
{
	struct fixture *f = *state;
	struct ota_run run = {.state = OTA_ROLLING_BACK, .version = "2.0.0", .from = "1.0.0"};
	struct ota_audit_rec r;
	struct ota_err err = {0};

	if (!need_tmpfs(f))
		return;
	record(&r, "a reason long enough to need a page of its own");
	fill(f);
	assert_int_equal(ota_state_save(f->dir, &run, &err), OTA_ENOSPC);
	assert_int_equal(ota_audit_append(f->dir, NULL, &r, &err), OTA_ENOSPC);
	assert_int_equal(ota_reserve_release(f->dir), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_reserve_full_disk_state_write_and_history_append_succeed),
	    T(test_reserve_full_disk_without_reserve_fails_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
