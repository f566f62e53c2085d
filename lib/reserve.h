/* SPDX-License-Identifier: Apache-2.0 */
/* reserve.h - room kept in state_dir for the writes a way back needs.
 *
 * A full file system under state_dir (the new release's app filled it)
 * must not stop a rollback: switching back needs only a symlink, but the
 * state machine writes state.json and appends history records before each
 * step.  So state_dir holds a file "reserve" of OTA_RESERVE_BYTES, its
 * blocks allocated (fallocate), made whenever the agent takes its run
 * lock (agent_lock) and room allows.  When a state or history write fails for
 * lack of space (ENOSPC, EDQUOT), the writer frees the reserve and tries
 * once more; the next run re-makes it when there is room again.  The
 * writes themselves stay what they were (temp file, fsync, rename; an
 * append of one line), so a power cut at any point leaves state.json whole
 * and recover knows where it stood.  256 KiB is room for state.json,
 * device.json and history.head many times over and for dozens of history
 * records (each under 2 KiB but for a long reason).
 */
#ifndef OTA_RESERVE_H
#define OTA_RESERVE_H

#include "lib/err.h"

#define OTA_RESERVE_FILE "reserve"
#define OTA_RESERVE_BYTES (256 * 1024)

/* Make state_dir/reserve with OTA_RESERVE_BYTES allocated unless it is
 * there already with that much.  Without room for it, nothing is left
 * behind and OTA_ENOSPC returned: callers go on without one. */
int ota_reserve_make(const char *state_dir, struct ota_err *err);

/* Free state_dir/reserve: 1 if it was there (its room is free now), 0 if
 * there was none. */
int ota_reserve_release(const char *state_dir);

#endif
