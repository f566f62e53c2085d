/* SPDX-License-Identifier: Apache-2.0 */
/* buf.h - a growable byte buffer with a hard size cap.
 *
 * Used for the few things that are held whole in memory (the manifest, a
 * signature, a key file); the cap keeps hostile input from growing it.
 */
#ifndef OTA_BUF_H
#define OTA_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

struct ota_buf {
	unsigned char *data; /* owned; always NUL-terminated past len */
	size_t len;
	size_t cap;
	size_t max; /* appends past this fail with OTA_EFORMAT; 0 = no cap */
	bool mapped; /* data is a read-only file mapping of cap bytes
			(buf_map.c), not heap: it cannot grow */
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

/* buf_map.c: a big buffer kept in a file instead of the heap.  Its
 * pages are the page cache's, which the kernel can reclaim and read back;
 * the readers give back the ones they passed (_drop_pages), so what the
 * process holds stays a few pages however big the buffer. */

/* An unlinked file for such a buffer in dir, private to this process
 * (O_TMPFILE, else a random name unlinked at once): *fd, owned by the
 * caller.  name is what the buffer is, for errors. */
int ota_buf_spool_open(const char *dir, const char *name, int *fd, struct ota_err *err);
/* Make b (freed first) the first len bytes of the regular file fd, mapped
 * read-only and private, NUL-terminated past len like any buffer.  The
 * file must not change while b lives: a spool file above, or a state file
 * that is only ever replaced by rename.  fd may be closed after. */
int ota_buf_map_fd(struct ota_buf *b, int fd, size_t len, const char *name,
		   struct ota_err *err);
/* Read path (relative to dirfd, flags added to open, as _read_file_at):
 * mapped when it is over OTA_BUF_MAP_MIN bytes, else into the heap. */
int ota_buf_load_file_at(struct ota_buf *b, int dirfd, const char *path, int flags,
			 struct ota_err *err);
/* Give the resident pages of a mapped buffer back to the page cache
 * (a heap buffer: nothing).  The bytes stay readable: the next read of a
 * page maps it again. */
void ota_buf_drop_pages(const struct ota_buf *b);
/* Write all of b to fd (name for errors, as ota_write_all), a mapped b a
 * piece at a time, dropping each piece's pages. */
int ota_buf_write_fd(const struct ota_buf *b, int fd, const char *name, struct ota_err *err);

/* The size above which a manifest or a state file is mapped, not read. */
#define OTA_BUF_MAP_MIN (1024u * 1024)

#endif
