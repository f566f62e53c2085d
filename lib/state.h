/* state.h - the agent's persistent state under state_dir.
 *
 *   state.json    the run in progress: its state machine state, the version
 *                 being installed, the version that was current before.
 *                 Written (temp, fsync, rename, fsync dir) before every
 *                 transition takes effect, so `recover` always knows where
 *                 an interrupted run stood.
 *   device.json   facts that outlive runs: the highest rollback index this
 *                 device has accepted (promoted).
 */
#ifndef OTA_STATE_H
#define OTA_STATE_H

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
};

struct ota_device {
	unsigned long long rollback_index; /* highest accepted */
};

/* "IDLE", "VERIFYING", ...; -1 from _parse for an unknown name. */
const char *ota_state_name(enum ota_state s);
int ota_state_parse(const char *name);

/* Load state.json (absent: an IDLE run). OTA_EFORMAT if damaged. */
int ota_run_load(const char *state_dir, struct ota_run *run, struct ota_err *err);
/* Durably replace state.json with run.  On a full disk (OTA_ENOSPC) the
 * room kept in state_dir is freed and the write tried once more
 * (reserve.h): a rollback's state writes do not need free space. */
int ota_run_save(const char *state_dir, const struct ota_run *run, struct ota_err *err);

int ota_device_load(const char *state_dir, struct ota_device *d, struct ota_err *err);
int ota_device_save(const char *state_dir, const struct ota_device *d, struct ota_err *err);


#endif
