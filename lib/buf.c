/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c - growable byte buffer with a cap (see buf.h). */
#include "lib/buf.h"

#include "lib/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void ota_buf_init(struct ota_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->mapped = false;
}

void ota_buf_free(struct ota_buf *b)
{
	if (b->mapped)
		munmap(b->data, b->cap);
	else
		free(b->data);
	b->mapped = false;
	b->data = NULL;
	b->len = b->cap = 0;
}

void ota_buf_cleanse(struct ota_buf *b)
{
	if (b->data && !b->mapped)
		OPENSSL_cleanse(b->data, b->cap);
	ota_buf_free(b);
}

/* Room for need bytes and the NUL: doubling, or exactly if exact. */
static int grow(struct ota_buf *b, size_t need, bool exact, struct ota_err *err)
{
	size_t cap = exact ? need + 1 : b->cap ? b->cap : 256;
	unsigned char *p;

	while (cap < need + 1) {
		if (cap > SIZE_MAX / 2) /* doubling would wrap to 0 and loop forever */
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		cap *= 2;
	}
	p = malloc(cap);
	if (!p)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	/* Copy rather than realloc so a secret never stays behind in a freed block. */
	if (b->data) {
		memcpy(p, b->data, b->len);
		OPENSSL_cleanse(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int ota_buf_append(struct ota_buf *b, const void *data, size_t len, struct ota_err *err)
{
	int rc;

	if (b->mapped)
		return ota_err_set(err, OTA_EINTERNAL, "appending to a mapped buffer");
	if (len > SIZE_MAX - b->len - 1)
		return ota_err_set(err, OTA_EFORMAT, "size overflow");
	/* The cap holds exactly, not just when the buffer happens to grow. */
	if (b->max && b->len + len > b->max)
		return ota_err_set(err, OTA_EFORMAT, "larger than the limit of %zu bytes", b->max);
	if (b->len + len + 1 > b->cap || !b->data) {
		rc = grow(b, b->len + len, false, err);
		if (rc)
			return rc;
	}
	if (len)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int ota_buf_reserve(struct ota_buf *b, size_t n, struct ota_err *err)
{
	if (b->mapped)
		return ota_err_set(err, OTA_EINTERNAL, "growing a mapped buffer");
	if (b->max && n > b->max)
		n = b->max;
	if (n + 1 <= b->cap)
		return 0;
	return grow(b, n, true, err);
}

int ota_buf_putc(struct ota_buf *b, char c, struct ota_err *err)
{
	return ota_buf_append(b, &c, 1, err);
}

int ota_buf_puts(struct ota_buf *b, const char *s, struct ota_err *err)
{
	return ota_buf_append(b, s, strlen(s), err);
}

int ota_buf_read_fd(struct ota_buf *b, int fd, const char *name, struct ota_err *err)
{
	unsigned char chunk[65536];
	ssize_t n;
	int rc = 0;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ota_err_errno(err, OTA_EIO, errno, "%s: read", name);
			break;
		}
		if (n == 0)
			break;
		rc = ota_buf_append(b, chunk, (size_t)n, err);
		if (rc) {
			if (rc == OTA_EFORMAT)
				ota_err_set(err, rc, "%s: larger than the limit of %zu bytes", name, b->max);
			break;
		}
	}
	OPENSSL_cleanse(chunk, sizeof(chunk));
	if (rc == 0 && !b->data)
		rc = ota_buf_append(b, "", 0, err);
	return rc;
}

int ota_buf_read_file(struct ota_buf *b, const char *path, struct ota_err *err)
{
	return ota_buf_read_file_at(b, AT_FDCWD, path, 0, err);
}

int ota_buf_read_file_at(struct ota_buf *b, int dirfd, const char *path, int flags,
			 struct ota_err *err)
{
	int fd = ota_open_regular(dirfd, path, flags, NULL, NULL, err);
	int rc;

	if (fd < 0)
		return fd;
	rc = ota_buf_read_fd(b, fd, path, err);
	close(fd);
	return rc;
}
