/* SPDX-License-Identifier: Apache-2.0 */
/* spool.c - a delivery source's spool: bundles copied off their medium or
 * downloaded before they are verified and installed (see spool.h). */
#include "lib/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/path.h"

#define COPY_CHUNK (256 * 1024)

int ota_spool_path(const char *dir, const char *name, char *out, size_t outlen,
		   struct ota_err *err)
{
	int rc;

	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    ota_path_check(name, strlen(name), err))
		return ota_err_set(err, OTA_EPATH, "spool: not a plain file name: \"%s\"", name);
	/* Never through a link: a bundle copied there would land elsewhere. */
	if ((rc = ota_mkdir_p(dir, 0700, err)) || (rc = ota_check_real_dir(dir, err)))
		return rc;
	if (snprintf(out, outlen, "%s/%s", dir, name) >= (int)outlen)
		return ota_err_set(err, OTA_EPATH, "%s/%s: path too long", dir, name);
	return 0;
}

int ota_spool_check_space(const char *dir, unsigned long long size, unsigned long long have,
			  struct ota_err *err)
{
	unsigned long long free_bytes, need;
	struct statvfs st;

	if (statvfs(dir, &st))
		return ota_err_errno(err, OTA_EIO, errno, "%s", dir);
	free_bytes = (unsigned long long)st.f_bavail * st.f_frsize;
	need = (size > have ? size - have : 0) + OTA_SPOOL_MARGIN;
	if (free_bytes < need)
		return ota_err_set(err, OTA_ENOSPC, "%s: not enough space for a %llu-byte bundle: "
				   "%llu bytes free", dir, size, free_bytes);
	return 0;
}

static int copy_fd(int in, int out, const char *src, const char *dst, unsigned long long size,
		   struct ota_progress *p, struct ota_err *err)
{
	unsigned char *buf = malloc(COPY_CHUNK);
	unsigned long long done = 0;
	ssize_t n;
	int rc = 0;

	if (!buf)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	while (rc == 0 && done < size) {
		n = read(in, buf, size - done < COPY_CHUNK ? size - done : COPY_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = n ? ota_err_errno(err, OTA_EIO, errno, "%s", src)
			       : ota_err_set(err, OTA_EIO, "%s: shorter than it was", src);
		else if ((rc = ota_write_all(out, buf, (size_t)n, dst, err)) == 0)
			done += (unsigned long long)n;
		if (rc == 0 && ota_progress_at(p, done, size))
			rc = ota_err_set(err, OTA_EIO, "%s: copy interrupted", src);
	}
	free(buf);
	return rc;
}

int ota_spool_copy(const char *dir, int src_fd, const char *src_name,
		   unsigned long long size, const char *name, struct ota_progress *p,
		   char *out, size_t outlen, struct ota_err *err)
{
	struct ota_atomic t = {.fd = -1};
	int rc;

	if ((rc = ota_spool_path(dir, name, out, outlen, err)) ||
	    (rc = ota_spool_check_space(dir, size, 0, err)))
		return rc;
	if (lseek(src_fd, 0, SEEK_SET) < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", src_name);
	if ((rc = ota_atomic_open(&t, out, 0600, err)) == 0 &&
	    (rc = copy_fd(src_fd, t.fd, src_name, out, size, p, err)) == 0)
		rc = ota_atomic_commit(&t, true, err);
	ota_atomic_abort(&t);
	return rc;
}

int ota_spool_clear(const char *dir, struct ota_err *err)
{
	return ota_rm_tree(dir, err);
}
