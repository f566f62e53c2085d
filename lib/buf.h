/* SPDX-License-Identifier: Apache-2.0 */
/* buf.h - a growable byte buffer with a hard size cap.
 *
 * Used for the few things that are held whole in memory (the manifest, a
 * signature, a key file); the cap keeps hostile input from growing it.
 */
#ifndef OTA_BUF_H
#define OTA_BUF_H

#include <stddef.h>

#include "lib/err.h"

struct ota_buf {
	unsigned char *data; /* owned; always NUL-terminated past len */
	size_t len;
	size_t cap;
	size_t max; /* appends past this fail with OTA_EFORMAT; 0 = no cap */
};

/* Initialise an empty buffer that refuses to grow past max bytes. */
void ota_buf_init(struct ota_buf *b, size_t max);
/* Free the data (wiping it first if it held a secret: see _cleanse). */
void ota_buf_free(struct ota_buf *b);
/* Wipe with OPENSSL_cleanse, then free. */
void ota_buf_cleanse(struct ota_buf *b);
int ota_buf_append(struct ota_buf *b, const void *data, size_t len, struct ota_err *err);
/* Make room for n bytes in all (at most the cap) before appending them,
 * so a big buffer is allocated once instead of doubled and copied. */
int ota_buf_reserve(struct ota_buf *b, size_t n, struct ota_err *err);
int ota_buf_putc(struct ota_buf *b, char c, struct ota_err *err);
int ota_buf_puts(struct ota_buf *b, const char *s, struct ota_err *err);

/* Read the whole of fd into b (which keeps its cap); name is for errors. */
int ota_buf_read_fd(struct ota_buf *b, int fd, const char *name, struct ota_err *err);
/* Read the whole of a file path (at most b->max bytes); a regular file
 * only, opened without blocking (ota_open_regular, fsutil.h). */
int ota_buf_read_file(struct ota_buf *b, const char *path, struct ota_err *err);
/* The same relative to dirfd (or AT_FDCWD) with open flags added
 * (O_NOFOLLOW for the agent's state files). */
int ota_buf_read_file_at(struct ota_buf *b, int dirfd, const char *path, int flags,
			 struct ota_err *err);

#endif
