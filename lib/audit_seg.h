/* SPDX-License-Identifier: Apache-2.0 */
/* audit_seg.h - the files of the audit history (audit.h): segment names,
 * the head file, and the chain fields of one line.  Shared by the writer
 * (audit.c) and the reader (audit_chain.c); other callers use audit.h. */
#ifndef OTA_AUDIT_SEG_H
#define OTA_AUDIT_SEG_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"

#define OTA_AUDIT_FILE "history.jsonl" /* the active segment */
#define OTA_AUDIT_HEAD "history.head"
#define OTA_AUDIT_HEAD_MAX 512
#define OTA_AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* history.head: {"first_seq":F,"format":1,"seq":N,"sha256":"<hex>"} */
struct ota_audit_head {
	unsigned long long seq;       /* the last record anchored */
	char sha256[OTA_SHA256_HEX_LEN + 1]; /* of that record's bytes */
	unsigned long long first_seq; /* the oldest record rotation keeps */
};

/* 0 with *h filled, 1 when there is no head file, OTA_EFORMAT when it is
 * damaged, OTA_EIO.  raw, if not NULL, gets the file's bytes (empty when
 * absent) so a reader can tell whether it changed. */
int ota_audit_head_read(const char *state_dir, struct ota_audit_head *h, struct ota_buf *raw,
			struct ota_err *err);
/* Replace history.head with h atomically and durably. */
int ota_audit_head_write(const char *state_dir, const struct ota_audit_head *h,
			 struct ota_err *err);

/* The rotated segments' first seqs, ascending (the active segment is not
 * listed).  *first owned by the caller (free). */
int ota_audit_segs_list(const char *state_dir, unsigned long long **first, size_t *n,
			struct ota_err *err);
/* Path of the segment whose first seq is first; 0 names the active one.
 * OTA_EIO when it does not fit. */
int ota_audit_seg_path(const char *state_dir, unsigned long long first, char *out,
		       size_t outlen, struct ota_err *err);

/* The chain fields of one record's JSON text (without its newline): seq
 * and prev.  OTA_EFORMAT when the text is not such a record. */
int ota_audit_line_link(const unsigned char *text, size_t len, unsigned long long *seq,
			char prev[OTA_SHA256_HEX_LEN + 1]);

/* Lowercase hex SHA-256 of a record's bytes (newline included). */
int ota_audit_line_hash(const unsigned char *line, size_t len,
			char hex[OTA_SHA256_HEX_LEN + 1], struct ota_err *err);

#endif
