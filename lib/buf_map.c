/* SPDX-License-Identifier: Apache-2.0 */
/* buf_map.c - a big buffer kept in a file, mapped, instead of in the heap
 * (buf.h).
 *
 * Why: a 100,000-file manifest is 14 MB, and a device must read it
 * several times (its signatures, the canonical check, the parser's
 * passes, the walk while the payload streams).  Held in the heap it is
 * 14 MB the device cannot get back until the install ends.  Held in a
 * file it is page cache: the readers drop the pages they have passed, and
 * under pressure the kernel writes the file out and reads it back.
 *
 * Why that is safe: the bytes read again must be the bytes verified.  A
 * bundle on a stick or on the wire can change between two reads, so its
 * manifest is first copied, once, into a file no one else can open (an
 * unlinked one), and every pass reads that copy. */
#include "lib/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"

int ota_buf_spool_open(const char *dir, const char *name, int *fd, struct ota_err *err)
{
	char path[PATH_MAX];
	int e;

	*fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
	if (*fd >= 0)
		return 0;
	/* File systems without O_TMPFILE (vfat, old kernels): a random name,
	 * gone from the directory before anything is written to it. */
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return ota_err_errno(err, OTA_EIO, errno, "%s: cannot keep %s there", dir, name);
	if ((size_t)snprintf(path, sizeof(path), "%s/.tmp-spool-XXXXXX", dir) >= sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", dir);
	*fd = mkostemp(path, O_CLOEXEC);
	if (*fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s: cannot keep %s there", dir, name);
	if (unlink(path)) {
		e = errno;
		close(*fd);
		*fd = -1;
		return ota_err_errno(err, OTA_EIO, e, "%s: unlink", path);
	}
	return 0;
}

int ota_buf_map_fd(struct ota_buf *b, int fd, size_t len, const char *name,
		   struct ota_err *err)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (len / page + 1) * page; /* len and at least one byte: the NUL */
	void *at;

	/* Zero pages first, the file over them: past its last byte the
	 * mapping reads as zeros, even when len is a whole number of pages. */
	at = mmap(NULL, span, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (at == MAP_FAILED)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (len && mmap(at, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED) {
		int e = errno;

		munmap(at, span);
		return ota_err_errno(err, OTA_EIO, e, "%s: cannot map", name);
	}
	ota_buf_free(b);
	b->data = at;
	b->len = len;
	b->cap = span;
	b->mapped = true;
	return 0;
}

int ota_buf_load_file_at(struct ota_buf *b, int dirfd, const char *path, int flags,
			 struct ota_err *err)
{
	struct stat st;
	int fd = ota_open_regular(dirfd, path, flags, NULL, &st, err);
	int rc;

	if (fd < 0)
		return fd;
	if (st.st_size <= (off_t)OTA_BUF_MAP_MIN)
		rc = ota_buf_read_fd(b, fd, path, err);
	else if (b->max && (unsigned long long)st.st_size > b->max)
		rc = ota_err_set(err, OTA_EFORMAT, "%s: larger than the limit of %zu bytes", path,
				 b->max);
	else
		rc = ota_buf_map_fd(b, fd, (size_t)st.st_size, path, err);
	close(fd);
	return rc;
}

void ota_buf_drop_pages(const struct ota_buf *b)
{
	/* On a private mapping never written to, MADV_DONTNEED only unmaps:
	 * the next read maps the file's page again. */
	if (b->mapped)
		(void)madvise(b->data, b->cap, MADV_DONTNEED);
}

int ota_buf_write_fd(const struct ota_buf *b, int fd, const char *name, struct ota_err *err)
{
	size_t at, piece, step = b->mapped ? OTA_BUF_MAP_MIN / 4 : b->len;
	int rc = 0;

	for (at = 0; at < b->len && rc == 0; at += piece) {
		piece = b->len - at < step ? b->len - at : step;
		rc = ota_write_all(fd, b->data + at, piece, name, err);
		ota_buf_drop_pages(b);
	}
	return rc;
}
