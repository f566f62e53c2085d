/* SPDX-License-Identifier: Apache-2.0 */
/* hashq.h - SHA-256 of a sequence of files on a second thread, so that the
 * hashing of one chunk overlaps the reading and writing of the next (the
 * bundler streams each file once: read, hash, write).  The caller takes a
 * buffer, reads a chunk into it, writes it out, then pushes it; the
 * hashing thread gives it back once hashed.  Digests arrive in order.
 *
 * Used from one thread only (the caller's); the other thread is hidden.
 */
#ifndef OTA_HASHQ_H
#define OTA_HASHQ_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/hash.h"

#define OTA_HASHQ_BUFFERS 4
#define OTA_HASHQ_CHUNK (1024 * 1024)

struct ota_hashq;

/* Start the hashing thread.  *out owned by the caller. */
int ota_hashq_new(struct ota_hashq **out, struct ota_err *err);
/* Stop the thread (after what was pushed is hashed) and free everything. */
void ota_hashq_free(struct ota_hashq *q);

/* A free buffer of OTA_HASHQ_CHUNK bytes, waiting for one if need be. */
unsigned char *ota_hashq_buffer(struct ota_hashq *q);
/* The next len bytes of the current file are in buf (from _buffer, which
 * the caller must not touch after this). */
void ota_hashq_push(struct ota_hashq *q, unsigned char *buf, size_t len);
/* The current file ends here: its digest is stored in out (which must
 * stay valid) once hashed; the next push starts the next file. */
void ota_hashq_end(struct ota_hashq *q, unsigned char out[OTA_SHA256_LEN]);
/* Wait until everything pushed is hashed; the first error, if any. */
int ota_hashq_drain(struct ota_hashq *q, struct ota_err *err);

#endif
