/* SPDX-License-Identifier: Apache-2.0 */
/* audit_view.h - the audit history as people read it: its records grouped
 * into attempts (an install with its path through the state machine, a
 * rollback, a recovery) and the filters of `ota-agent history`.  Works on
 * the record objects of ota_audit_read (audit.h). */
#ifndef OTA_AUDIT_VIEW_H
#define OTA_AUDIT_VIEW_H

#include <jansson.h>

/* Outcomes of an attempt ("outcome"). */
#define OTA_OUTCOME_PROMOTED "promoted"       /* the new release proved healthy */
#define OTA_OUTCOME_ROLLED_BACK "rolled_back" /* it did not: back on the last good one */
#define OTA_OUTCOME_REFUSED "refused"         /* the bundle was refused, nothing installed */
#define OTA_OUTCOME_FAILED "failed"           /* an error of the device (I/O, space) */
#define OTA_OUTCOME_INTERRUPTED "interrupted" /* cut (power, kill); recover finished it */
#define OTA_OUTCOME_ROLLBACK "rollback"       /* a rollback someone asked for */
#define OTA_OUTCOME_UNFINISHED "unfinished"   /* running, or waiting for recover */
#define OTA_OUTCOME_PARTIAL "partial"         /* its start was rotated out */

/* The records grouped into attempts, oldest first.  An attempt starts at a
 * record leaving IDLE and ends at the next one reaching IDLE.  Each is
 *   {"kind":"install"|"rollback"|"partial", "version", "bundle",
 *    "manifest_sha256", "signers":[...], "start", "end" (times),
 *    "first_seq", "last_seq", "path":["IDLE","VERIFYING",...],
 *    "outcome":OTA_OUTCOME_*, "failure":bool, "failed_in":state or "",
 *    "failed_step":index in path of that state or -1,
 *    "reason":why it ended so, "exit":N, "records":[...]}
 * New reference; NULL when out of memory. */
json_t *ota_audit_attempts(const json_t *records);

/* The records written since `since` (seconds since the epoch; LLONG_MIN
 * for all) and, if version is not NULL, only those of attempts involving
 * that version (the first record of an install is written before its
 * version is known, so versions are matched per attempt).  Since is judged
 * on the records' times, but a clock jump never hides a record: a record
 * stamped earlier than one written before it (a clock that stepped back,
 * to 1970 after a boot without a battery) has a time that says nothing,
 * so only the records up to the last one stamped before since by a clock
 * that had not stepped back are hidden, and the rest, a tail of the
 * history in the order written, is shown.  New reference; NULL when out
 * of memory. */
json_t *ota_audit_filter(const json_t *records, long long since, const char *version);

#endif
