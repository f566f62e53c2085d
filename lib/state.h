/* SPDX-License-Identifier: Apache-2.0 */
/* state.h - the update state machine: its states, the moves it allows,
 * what recovery does with a run cut in each state, and its persistent
 * state under state_dir.
 *
 *   state.json    the run in progress: its state machine state, the version
 *                 being installed, the version that was current before.
 *                 Written (temp, fsync, rename, fsync dir) before every
 *                 transition takes effect, so `recover` always knows where
 *                 an interrupted run stood.
 *   device.json   facts that outlive runs: the highest rollback index this
 *                 device has accepted (promoted), and its attested time.
 */
#ifndef OTA_STATE_H
#define OTA_STATE_H

#include <stdbool.h>

#include "lib/err.h"
#include "lib/manifest.h"

/* The design's state machine. */
enum ota_state {
	OTA_IDLE,
	OTA_VERIFYING,
	OTA_STAGING,
	OTA_SWITCHING,
	OTA_HEALTH_CHECK,
	OTA_PROMOTED,
	OTA_ROLLING_BACK,
};

struct ota_run {
	enum ota_state state;
	char version[OTA_VERSION_MAX + 1]; /* being installed; "" before known */
	char from[OTA_VERSION_MAX + 1];    /* current before the run; "" if none */
	bool kept; /* version was on disk before the run (rollback --to): undone,
		      it is switched away from, never removed ("kept": true) */
};

struct ota_device {
	unsigned long long rollback_index; /* highest accepted */
	/* The device's attested time (seconds since the epoch, UTC; 0: none
	 * yet): the highest signed `created` of anything it has verified.  It
	 * never moves backwards; a device without a trustworthy clock judges
	 * expiry against it (schema/trust.md). */
	long long attested_time;
};

/* "IDLE", "VERIFYING", ...; -1 from _parse for an unknown name. */
const char *ota_state_name(enum ota_state s);
int ota_state_parse(const char *name);

/* Whether the machine may move from `from` to `to`: the design's diagram,
 *   IDLE -> VERIFYING -> STAGING -> SWITCHING -> HEALTH_CHECK -> PROMOTED -> IDLE
 *   VERIFYING, STAGING -> IDLE                   (refused: nothing kept)
 *   HEALTH_CHECK -> ROLLING_BACK -> IDLE         (unhealthy: back on last good)
 * and the moves of recovery and of a requested rollback:
 *   SWITCHING -> ROLLING_BACK                    (cut before the release was proven)
 *   IDLE -> ROLLING_BACK                         (ota-agent rollback)
 *   IDLE -> SWITCHING                            (rollback --to a release on
 *                                                 disk: then as an install)
 * Any other move is a bug: the engine refuses it before anything is
 * written. */
bool ota_state_may_move(enum ota_state from, enum ota_state to);

/* What recovery does with a run found in state s (state.json after a
 * power cut or a kill): nothing (IDLE); discard what was staged, which was
 * never current (VERIFYING, STAGING); undo the switch, since the release
 * was never proven (SWITCHING, HEALTH_CHECK, ROLLING_BACK); or finish the
 * promotion, since the health check passed (PROMOTED). */
enum ota_recovery {
	OTA_RECOVER_NOTHING,
	OTA_RECOVER_DISCARD,
	OTA_RECOVER_UNDO_SWITCH,
	OTA_RECOVER_FINISH_PROMOTION,
};
enum ota_recovery ota_state_recovery(enum ota_state s);

/* Load state.json (absent: an IDLE run). OTA_EFORMAT if damaged. */
int ota_state_load(const char *state_dir, struct ota_run *run, struct ota_err *err);
/* Durably replace state.json with run.  On a full disk (OTA_ENOSPC) the
 * room kept in state_dir is freed and the write tried once more
 * (reserve.h): a rollback's state writes do not need free space. */
int ota_state_save(const char *state_dir, const struct ota_run *run, struct ota_err *err);

int ota_device_load(const char *state_dir, struct ota_device *d, struct ota_err *err);
int ota_device_save(const char *state_dir, const struct ota_device *d, struct ota_err *err);

/* The time a device judges expiry by: its attested time, or the wall
 * clock wall (seconds since the epoch) where that is ahead of it. */
long long ota_device_now(const struct ota_device *d, long long wall);


#endif
