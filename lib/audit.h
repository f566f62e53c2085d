/* SPDX-License-Identifier: Apache-2.0 */
/* audit.h - the agent's audit history (schema/history.md): one record per
 * state transition, hash-chained, appended and fsynced before the agent
 * moves on, kept in bounded segments, verifiable end to end.
 *
 *   state_dir/history.jsonl             the active segment (newest records)
 *   state_dir/history.<F>.jsonl         rotated segments; F, ten digits or
 *                                       more, is the seq of their first record
 *   state_dir/history.head              the chain head: the last record's
 *                                       seq and SHA-256, the oldest seq kept
 *
 * Each record is one canonical JSON object and "\n".  Its "prev" is the
 * SHA-256 of the previous record's exact bytes, newline included, so an
 * edited, removed or reordered record breaks the chain after it; the head
 * file catches records cut off the end.  Only the agent writes (under its
 * run lock); readers take no lock and retry when a write overlapped them.
 */
#ifndef OTA_AUDIT_H
#define OTA_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/audit_seg.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/state.h"

#define OTA_AUDIT_LINE_MAX 16384     /* bytes of one record, newline included */
#define OTA_AUDIT_TEXT_MAX 1024      /* bytes kept of a reason */
#define OTA_AUDIT_SIGNERS_MAX 64
#define OTA_AUDIT_MAX_KB_DEFAULT 256 /* a segment rotates past this size */
#define OTA_AUDIT_KEEP_DEFAULT 4     /* segments kept, the active one included */

/* What a record says about its step ("result"). */
#define OTA_AUDIT_OK "ok"                   /* done; the run goes on */
#define OTA_AUDIT_REFUSED "refused"         /* the bundle was refused: nothing installed */
#define OTA_AUDIT_FAILED "failed"           /* health check or another error */
#define OTA_AUDIT_ROLLED_BACK "rolled_back" /* back on the last good release */
#define OTA_AUDIT_RECOVERED "recovered"     /* recover finished or undid a cut run */

struct ota_audit_rec {
	long long time; /* seconds since the epoch */
	enum ota_state from, to;
	const char *version;         /* "" if not known yet */
	const char *bundle;          /* the bundle's file name, "" for none */
	const char *manifest_sha256; /* hex of the signed manifest bytes, "" if not known */
	const char (*signers)[OTA_KEYID_HEX_LEN + 1]; /* trusted key ids that signed */
	size_t n_signers;
	const char *result; /* OTA_AUDIT_* */
	int exit;           /* exit status of the failure recorded, 0 if none */
	const char *reason; /* one line */
};

struct ota_audit_limits {
	unsigned long long max_bytes; /* rotate the active segment past this */
	unsigned int keep;            /* segments kept, at least 2 */
};

/* Append r durably (record fsynced, then the head moved atomically),
 * rotating first when the active segment would grow past lim->max_bytes;
 * lim NULL = the defaults.  Text that is not valid UTF-8 or holds control
 * characters is stored with \xNN escapes; a reason is cut at
 * OTA_AUDIT_TEXT_MAX bytes.  A torn last line (an append cut by power
 * loss) is cut off first.  The record chains to the head file's record
 * unless the log holds exactly one record past it (an append whose head
 * update was cut), so records removed from the end stay detectable.  On a
 * full disk (OTA_ENOSPC) state_dir's reserve is freed and the step tried
 * once more (reserve.h). */
int ota_audit_append(const char *state_dir, const struct ota_audit_limits *lim,
		     const struct ota_audit_rec *r, struct ota_err *err);

/* What reading the whole history found. */
struct ota_audit_check {
	bool ok;                     /* the chain verifies */
	unsigned long long records;  /* records read */
	unsigned long long first_seq, last_seq; /* on disk; 0 when empty */
	char head_sha256[OTA_SHA256_HEX_LEN + 1]; /* of the last record; "" when empty */
	bool rotated;    /* first_seq > 1: older records rotated out */
	bool torn_tail;  /* the bytes of an unfinished append were ignored */
	bool unanchored; /* the last record is one past history.head (an append
			    whose head update was cut by power loss) */
	char problem[OTA_ERR_MSG_MAX]; /* when !ok: file:line: what is wrong */
};

/* Read every record, oldest first, and check the chain.  *records (owned
 * by the caller) gets an array of the record objects that parse, whether
 * or not the chain verifies; check says whether it does.  0 on success,
 * OTA_EIO when the files cannot be read or kept changing under us. */
int ota_audit_read(const char *state_dir, json_t **records, struct ota_audit_check *check,
		   struct ota_err *err);

/* ota_audit_read, then OTA_EAUDIT with check->problem when the chain does
 * not verify.  records may be NULL. */
int ota_audit_verify(const char *state_dir, json_t **records, struct ota_audit_check *check,
		     struct ota_err *err);

/* check as a JSON object: ok, records, first_seq, last_seq, head_sha256,
 * rotated, torn_tail, unanchored, problem (null when ok).  New reference. */
json_t *ota_audit_check_json(const struct ota_audit_check *check);

/* The records only (ota_audit_read without the check). */
int ota_audit_load(const char *state_dir, json_t **out, struct ota_err *err);

#endif
