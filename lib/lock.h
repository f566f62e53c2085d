/* lock.h - one agent run at a time: an flock(2) on state_dir/lock, held
 * for the life of the process (the kernel drops it on any exit, even
 * SIGKILL, so a crash never leaves a stale lock). */
#ifndef OTA_LOCK_H
#define OTA_LOCK_H

#include "lib/err.h"

/* Take the lock without waiting; *fd keeps it (close to release).
 * OTA_EBUSY, naming the holder's pid, when another run has it. */
int ota_lock_take(const char *state_dir, int *fd, struct ota_err *err);

#endif
