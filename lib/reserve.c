/* SPDX-License-Identifier: Apache-2.0 */
/* reserve.c - the room kept in state_dir for a rollback's writes
 * (reserve.h). */
#include "lib/reserve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"

static int path_of(const char *state_dir, char *out, size_t size)
{
	return snprintf(out, size, "%s/%s", state_dir, OTA_RESERVE_FILE) >= (int)size ? -1 : 0;
}

int ota_reserve_make(const char *state_dir, struct ota_err *err)
{
	char path[4096];
	struct stat st;
	int fd, e = 0;

	if (path_of(state_dir, path, sizeof(path)))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	/* Counted in blocks: a sparse file would hold no room at all. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (long long)st.st_blocks * 512 >= OTA_RESERVE_BYTES) {
		close(fd);
		return 0;
	}
	if ((e = posix_fallocate(fd, 0, OTA_RESERVE_BYTES)) == 0 && fsync(fd))
		e = errno;
	close(fd);
	if (e == 0)
		return ota_fsync_dir(state_dir, true, err);
	unlink(path);
	return ota_err_errno(err, e == ENOSPC || e == EDQUOT ? OTA_ENOSPC : OTA_EIO, e, "%s", path);
}

int ota_reserve_release(const char *state_dir)
{
	char path[4096];

	if (path_of(state_dir, path, sizeof(path)))
		return 0;
	return unlink(path) == 0;
}
