/* SPDX-License-Identifier: Apache-2.0 */
/* fsutil.c - atomic, durable file writes and tree removal (fsutil.h). */
#include "lib/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ota_write_file_atomic(const char *path, const void *data, size_t len, bool overwrite,
			  struct ota_err *err)
{
	struct ota_atomic t = {.fd = -1};
	int rc = ota_atomic_open(&t, path, 0644, err);

	if (rc == 0 && (rc = ota_write_all(t.fd, data, len, path, err)) == 0)
		rc = ota_atomic_commit(&t, overwrite, err);
	ota_atomic_abort(&t);
	return rc;
}

int ota_write_all(int fd, const void *buf, size_t len, const char *name, struct ota_err *err)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		/* A full disk (or quota, or file size limit) is not a broken one. */
		if (n < 0)
			return ota_err_errno(err, errno == ENOSPC || errno == EDQUOT || errno == EFBIG
							  ? OTA_ENOSPC : OTA_EIO,
					     errno, "%s: write", name);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int ota_fsync_dir(const char *path, bool dir_itself, struct ota_err *err)
{
	char *copy = strdup(path);
	const char *dir;
	int fd, rc = 0;

	if (!copy)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	dir = dir_itself ? copy : dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: fsync", dir);
	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

int ota_atomic_open(struct ota_atomic *t, const char *path, mode_t mode, struct ota_err *err)
{
	t->fd = -1;
	t->path = strdup(path);
	if (!t->path || asprintf(&t->tmp_path, "%s.tmp-XXXXXX", path) < 0) {
		t->tmp_path = NULL;
		ota_atomic_abort(t);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	t->fd = mkostemp(t->tmp_path, O_CLOEXEC);
	if (t->fd < 0) {
		int e = errno;
		free(t->tmp_path);
		t->tmp_path = NULL;
		ota_atomic_abort(t);
		return ota_err_errno(err, OTA_EIO, e, "%s", path);
	}
	if (fchmod(t->fd, mode)) {
		int e = errno;
		ota_atomic_abort(t);
		return ota_err_errno(err, OTA_EIO, e, "%s: chmod", path);
	}
	return 0;
}

int ota_atomic_commit(struct ota_atomic *t, bool overwrite, struct ota_err *err)
{
	int rc = 0;

	if (fsync(t->fd))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: fsync", t->path);
	if (close(t->fd) && rc == 0)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: close", t->path);
	t->fd = -1;
	if (rc)
		goto out;
	if (overwrite ? rename(t->tmp_path, t->path)
		      : renameat2(AT_FDCWD, t->tmp_path, AT_FDCWD, t->path, RENAME_NOREPLACE)) {
		rc = errno == EEXIST ? ota_err_set(err, OTA_EEXIST, "%s: exists", t->path)
				     : ota_err_errno(err, OTA_EIO, errno, "%s: rename", t->path);
		goto out;
	}
	free(t->tmp_path);
	t->tmp_path = NULL;
	rc = ota_fsync_dir(t->path, false, err);
out:
	ota_atomic_abort(t);
	return rc;
}

void ota_atomic_abort(struct ota_atomic *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	if (t->tmp_path)
		unlink(t->tmp_path);
	free(t->tmp_path);
	free(t->path);
	t->tmp_path = NULL;
	t->path = NULL;
}

static int make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D && (st->st_mode & 0700) != 0700)
		return chmod(path, (st->st_mode & 07777) | 0700) ? -1 : 0;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) ? -1 : 0;
	return unlink(path) && errno != ENOENT ? -1 : 0;
}

int ota_rm_tree(const char *path, struct ota_err *err)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	}
	if (!S_ISDIR(st.st_mode))
		return unlink(path) ? ota_err_errno(err, OTA_EIO, errno, "%s: unlink", path) : 0;
	/* Give back write permission first: a tree with read-only dirs
	 * could not otherwise be emptied by an unprivileged user. */
	if (nftw(path, make_writable, 16, FTW_PHYS | FTW_MOUNT) ||
	    nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT))
		return ota_err_errno(err, OTA_EIO, errno, "%s: remove", path);
	return 0;
}

int ota_mkdir_p(const char *path, mode_t mode, struct ota_err *err)
{
	char buf[4096];
	size_t i, len = strlen(path);

	if (len >= sizeof(buf))
		return ota_err_set(err, OTA_EIO, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, mode) && errno != EEXIST)
			return ota_err_errno(err, OTA_EIO, errno, "%s", buf);
		buf[i] = path[i];
	}
	return 0;
}

int ota_check_real_dir(const char *path, struct ota_err *err)
{
	struct stat st;

	if (lstat(path, &st))
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (S_ISLNK(st.st_mode))
		return ota_err_set(err, OTA_EIO, "%s: a symbolic link, not followed", path);
	if (!S_ISDIR(st.st_mode))
		return ota_err_set(err, OTA_EIO, "%s: not a directory", path);
	return 0;
}

int ota_check_output(const char *path, bool force, struct ota_err *err)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	}
	if (S_ISDIR(st.st_mode))
		return ota_err_set(err, OTA_EEXIST, "%s: is a directory, not a file to write "
				   "(--force replaces files only)", path);
	if (!force)
		return ota_err_set(err, OTA_EEXIST, "%s: exists (use --force to replace it)", path);
	return 0;
}

int ota_check_absent(const char *path, struct ota_err *err)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return ota_err_set(err, OTA_EEXIST, "%s: exists", path);
	if (errno != ENOENT)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	return 0;
}

/* The file type ota_open_regular hands on. */
static bool readable_type(mode_t mode, bool pipe_ok)
{
	return S_ISREG(mode) || (pipe_ok && S_ISFIFO(mode));
}

/* Refuse fd (closing it) for what fstat found, or for errnum. */
static int refuse_fd(int fd, const struct stat *st, int errnum, const char *name,
		     struct ota_err *err)
{
	int rc;

	close(fd);
	if (errnum)
		rc = ota_err_errno(err, OTA_EIO, errnum, "%s", name);
	else
		rc = ota_err_set(err, OTA_EIO, "%s: %s", name,
				 S_ISDIR(st->st_mode) ? "is a directory" : "not a regular file");
	errno = errnum ? errnum : S_ISDIR(st->st_mode) ? EISDIR : EINVAL;
	return rc;
}

int ota_open_regular(int dirfd, const char *path, int flags, const char *name,
		     struct stat *st, struct ota_err *err)
{
	bool pipe_ok = (flags & OTA_OPEN_PIPE_OK) != 0;
	struct stat local;
	int fd, e, rc;

	flags = (flags & ~OTA_OPEN_PIPE_OK) | O_RDONLY | O_NONBLOCK | O_CLOEXEC;
	if (!name)
		name = path;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	/* O_NONBLOCK: opening a FIFO for reading blocks until a writer comes;
	 * with it the open returns at once and fstat says what it is. */
	fd = openat(dirfd, path, flags);
	if (fd < 0 && errno == EPERM && (flags & O_NOATIME))
		fd = openat(dirfd, path, flags & ~O_NOATIME);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP && (flags & O_NOFOLLOW))
			rc = ota_err_set(err, OTA_EIO, "%s: a symbolic link, not followed", name);
		else
			rc = ota_err_errno(err, OTA_EIO, e, "%s", name);
		errno = e; /* callers may tell ENOENT apart */
		return rc;
	}
	if (fstat(fd, st))
		return refuse_fd(fd, st, errno, name, err);
	if (!readable_type(st->st_mode, pipe_ok))
		return refuse_fd(fd, st, 0, name, err);
	/* Blocking again: the descriptor goes to code that does not expect
	 * EAGAIN (a pipe given as <(...) waits for its writer). */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		return refuse_fd(fd, st, errno, name, err);
	return fd;
}
