/* SPDX-License-Identifier: Apache-2.0 */
/* lock.c - the agent's run lock (see lock.h). */
#include "lib/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/fsutil.h"

/* flock path without waiting, keeping our pid in it for the message of
 * the next one who tries; who names the holder in that message. */
static int take(const char *path, const char *who, int *fd, struct ota_err *err)
{
	char pid[32] = "";
	ssize_t n;
	int len;

	/* O_NOFOLLOW: a lock planted as a symlink would be truncated and
	 * written (the pid) wherever it points. */
	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*fd < 0 && errno == ELOOP)
		return ota_err_set(err, OTA_EIO, "%s: a symbolic link, not followed", path);
	if (*fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (flock(*fd, LOCK_EX | LOCK_NB)) {
		int e = errno;
		n = pread(*fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		close(*fd);
		*fd = -1;
		if (e == EWOULDBLOCK)
			return ota_err_set(err, OTA_EBUSY, "%s: %s holds the lock (pid %s)", path,
					   who, pid[0] ? pid : "unknown");
		return ota_err_errno(err, OTA_EIO, e, "%s: lock", path);
	}
	/* The pid is only for the message above; the lock is the flock. */
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	/* Written over the old pid before the cut, so a full disk (the
	 * rollback it must not stop) costs at most the pid. */
	if ((pwrite(*fd, pid, (size_t)len, 0) != len || ftruncate(*fd, len)) && errno != ENOSPC &&
	    errno != EDQUOT)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	return 0;
}

int ota_lock_take(const char *state_dir, int *fd, struct ota_err *err)
{
	char path[4096];

	*fd = -1;
	if (snprintf(path, sizeof(path), "%s/lock", state_dir) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	return take(path, "another ota-agent run", fd, err);
}

int ota_lock_take_spool(const char *spool, int *fd, struct ota_err *err)
{
	char path[4096];

	*fd = -1;
	if (snprintf(path, sizeof(path), "%s.lock", spool) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", spool);
	return take(path, "another delivery pass from this source", fd, err);
}

/* A /proc/locks line "N: FLOCK ADVISORY WRITE PID MAJ:MIN:INODE START END"
 * (major and minor in hex) for st's file; blocked waiters ("->") skipped. */
static bool locks_line(const char *line, const struct stat *st, long *pid)
{
	unsigned int maj, min;
	unsigned long ino;
	char type[16];

	if (strstr(line, "->"))
		return false;
	/* NOLINTNEXTLINE(cert-err34-c): the kernel's own numbers, each fits its type */
	if (sscanf(line, "%*d: %15s %*s %*s %ld %x:%x:%lu", type, pid, &maj, &min, &ino) != 5)
		return false;
	return !strcmp(type, "FLOCK") && maj == major(st->st_dev) && min == minor(st->st_dev) &&
	       ino == (unsigned long)st->st_ino;
}

int ota_lock_holder(const char *state_dir, long *pid, struct ota_err *err)
{
	char path[4096], line[256];
	struct stat st;
	bool held = false;
	FILE *f;

	*pid = 0;
	snprintf(path, sizeof(path), "%s/lock", state_dir);
	if (stat(path, &st))
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (!(f = fopen("/proc/locks", "re")))
		return ota_err_errno(err, OTA_EIO, errno, "/proc/locks");
	while (!held && fgets(line, sizeof(line), f))
		held = locks_line(line, &st, pid);
	(void)fclose(f); /* read only: nothing to lose */
	/* A pid from another pid namespace means nothing here. */
	if (!held || (*pid > 0 && kill((pid_t)*pid, 0) && errno == ESRCH))
		*pid = 0;
	return held;
}
