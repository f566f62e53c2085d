/* SPDX-License-Identifier: Apache-2.0 */
/* fetch_stream.h - a bundle read straight off the wire: an HTTP download
 * handed to its reader as it arrives (bundle_read.h's source), with no
 * copy on disk.  fetch.h's bounds hold (retries, stall_timeout at
 * min_rate, max_time, connect_timeout): a dropped transfer resumes at the
 * byte where it stopped with a Range request, within the same read.  A
 * server that answers a Range request with the whole file (200) is read
 * from its first byte again and the bytes already given are dropped (what
 * a server without Range support costs: those bytes again, in time); one
 * that sends different bytes is caught by the hashes, and the stream as a
 * whole must have the size and SHA-256 the caller expects (the index's),
 * checked when its last byte is read.  The transfer runs in the caller's
 * thread: bytes come off the socket only while the reader asks for them;
 * that SHA-256 is computed on a second thread (hashq.h, 4 MiB of
 * buffers), which ota_fetch_stream_free ends.
 */
#ifndef OTA_FETCH_STREAM_H
#define OTA_FETCH_STREAM_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/fetch.h"
#include "lib/hash.h"

struct ota_fetch_stream;

/* A stream of the size bytes at url, whose SHA-256 must be sha256; o is
 * copied (its progress hook borrowed: it is called as bytes arrive and
 * while a retry waits, and cancels the stream).  Nothing is sent before
 * the first read.  *out owned by the caller (ota_fetch_stream_free). */
int ota_fetch_stream_open(struct ota_fetch_stream **out, const char *url,
			  unsigned long long size, const unsigned char sha256[OTA_SHA256_LEN],
			  const struct ota_fetch_opts *o, struct ota_err *err);
void ota_fetch_stream_free(struct ota_fetch_stream *s);

/* The next bytes, up to cap, into buf; *n = 0 at the end, once all size
 * bytes were read and their SHA-256 matched.  OTA_EFETCH when the server
 * cannot be read within the bounds (the URL and the reason, with the
 * attempts made); OTA_EHASH when it holds another file (another size, a
 * body longer than size, another SHA-256).  A failure is final: every
 * later read returns it again. */
int ota_fetch_stream_read(struct ota_fetch_stream *s, void *buf, size_t cap, size_t *n,
			  struct ota_err *err);

/* len bytes at offset off again, all of them read already (the head of a
 * bundle read a second time), with one Range request of its own, in the
 * same bounds.  The bytes are the server's answer now: the caller checks
 * them (a signature over them).  OTA_EFETCH for a server that does not
 * answer the Range exactly (206, that range, that size). */
int ota_fetch_stream_reread(struct ota_fetch_stream *s, unsigned long long off, void *buf,
			    size_t len, struct ota_err *err);

/* How many times the transfer was resumed (for the tests and the log). */
unsigned int ota_fetch_stream_resumes(const struct ota_fetch_stream *s);

#endif
