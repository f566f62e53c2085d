/* SPDX-License-Identifier: Apache-2.0 */
/* lock.h - one agent run at a time: an flock(2) on state_dir/lock, held
 * for the life of the run (the kernel drops it on any exit, even SIGKILL,
 * so a crash never leaves a stale lock).  A delivery pass holds it only to
 * install, and holds its source's spool lock (<spool>.lock) for the whole
 * pass.  A direct install reads its source under the run lock, for as long
 * as the source's bounds allow; with watch.direct: 0 the copy or the
 * download before the install holds the spool lock only, so a slow server
 * or a slow stick never keeps a rollback waiting. */
#ifndef OTA_LOCK_H
#define OTA_LOCK_H

#include "lib/err.h"

/* Take the lock without waiting; *fd keeps it (close to release).
 * OTA_EBUSY, naming the holder's pid, when another run has it. */
int ota_lock_take(const char *state_dir, int *fd, struct ota_err *err);

/* The same for the spool directory spool: "<spool>.lock". */
int ota_lock_take_spool(const char *spool, int *fd, struct ota_err *err);

/* Whether a run holds the lock, without touching it (a probe with flock
 * could make a starting run fail as busy): read from /proc/locks.  1 and
 * *pid (0 if unknown) when held, 0 when not, OTA_EIO when it cannot be
 * told. */
int ota_lock_holder(const char *state_dir, long *pid, struct ota_err *err);

#endif
