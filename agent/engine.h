/* SPDX-License-Identifier: Apache-2.0 */
/* engine.h - the update engine: the design's state machine, in one place.
 *
 *   IDLE -> VERIFYING -> STAGING -> SWITCHING -> HEALTH_CHECK
 *        -> PROMOTED -> IDLE          (healthy: the new last good release)
 *        -> ROLLING_BACK -> IDLE      (unhealthy: back on the last good one)
 *   VERIFYING or STAGING failing -> IDLE with nothing left behind.
 *
 * Every move goes through engine_step, which refuses one that state.h's
 * table does not allow, writes state.json (what recovery reads) and then
 * the history.  engine_recover finishes or undoes whatever a cut run left,
 * by state.h's recovery table; promotion and the switch back are written
 * once and shared by the forward path, recovery and rollback.  The caller
 * holds the run lock (agent_lock).
 */
#ifndef OTA_AGENT_ENGINE_H
#define OTA_AGENT_ENGINE_H

#include <stdbool.h>

#include "agent/agent.h"
#include "lib/bundle_read.h"
#include "lib/state.h"

/* Verify, stage, switch, health-check, then promote or roll back the
 * bundle at path (recovering a cut run first).  *version gets the version
 * installed (or attempted; "" if it never verified).  0 when promoted;
 * OTA_EHEALTH when it failed its health check and was rolled back; any
 * other code when it was refused or failed with nothing changed. */
int engine_install(struct agent *a, const char *path, char version[OTA_VERSION_MAX + 1],
		   struct ota_err *err);

/* The same with the bundle's bytes from src (bundle_read.h), NULL for
 * the file at name: a bundle on a medium or on the wire, installed as it
 * is read (delivery.h), with name (its path or URL) in messages and the
 * history.  Every byte is verified as always: a source that changes or
 * fails under the run fails it, with nothing left. */
int engine_install_source(struct agent *a, const struct ota_bundle_source *src,
			  const char *name, char version[OTA_VERSION_MAX + 1],
			  struct ota_err *err);

/* Finish or undo an interrupted run, so that current names a complete,
 * verified release (or nothing) and the state is IDLE; restart the
 * service if current moved and restart is set.  *was gets the state the
 * run was found in and its version. */
int engine_recover(struct agent *a, bool restart, struct ota_run *was, struct ota_err *err);

/* Switch current back to the last good release and restart the service
 * (recovering first).  When current is the last good release already, it
 * is restarted and health-checked as after an install: healthy, nothing
 * moves (*to == *from); failing (a crash loop long after its promotion),
 * fall back to the previous good release and demote the failing one, if
 * the previous one's rollback index is not below the device's floor
 * (OTA_EROLLBACK if it is; OTA_EIO if there is none).  *from and *to get
 * the versions; both "" on a device with nothing installed, no failure. */
int engine_rollback(struct agent *a, char from[OTA_VERSION_MAX + 1],
		    char to[OTA_VERSION_MAX + 1], struct ota_err *err);

/* Switch to the release version already on disk (rollback --to), through
 * the same SWITCHING -> HEALTH_CHECK -> PROMOTED | ROLLING_BACK path as an
 * install, recovering first.  Allowed for any release on disk whose
 * rollback index is not below the device's floor (OTA_EROLLBACK if it is;
 * OTA_EUSAGE for a version not on disk).  Never removes it: a release
 * that fails its health check here is switched away from and kept.  0
 * with *already set when it is current already. */
int engine_switch_to(struct agent *a, const char *version, bool *already, struct ota_err *err);

/* What a candidate is judged against (antirollback.h): the installed
 * version ("" for none) and the device's rollback-index floor. */
int engine_installed(struct agent *a, char version[OTA_VERSION_MAX + 1],
		     unsigned long long *floor, struct ota_err *err);

/* engine_step.c: the machinery the paths above share. */

/* Move run to `to`: OTA_EINTERNAL, with nothing written, if state.h does
 * not allow the move; else state.json (durably), then the history record
 * (reason, and what a->audit knows of the bundle). */
int engine_step(struct agent *a, struct ota_run *run, enum ota_state to, const char *reason,
		struct ota_err *err);

/* An attempt that never became a run (a copy off a medium that failed):
 * one IDLE -> IDLE record of version and bundle (a file name), with what
 * happened (why: its message and code) as a refusal or a failure by
 * ota_code_fault.  state.json is not touched. */
int engine_record(struct agent *a, const char *version, const char *bundle,
		  const struct ota_err *why, struct ota_err *err);

/* A power cut between state.json and the history leaves the run's state
 * unrecorded: append the missing record (recover, before it acts). */
int engine_catch_up(struct agent *a, const struct ota_run *run, struct ota_err *err);

/* Start the history context of an install of the bundle at path / clear it. */
void engine_audit_begin(struct agent *a, const char *path);
void engine_audit_end(struct agent *a);

/* Run service.restart with OTA_VERSION=version in its environment. */
int engine_restart_service(struct agent *a, const char *version, struct ota_err *err);

/* Point current back at .last-good (or remove it if there is none) and,
 * if restart, restart the service.  *to gets the version now current. */
int engine_switch_to_last_good(struct agent *a, bool restart, char to[OTA_VERSION_MAX + 1],
			       struct ota_err *err);

/* Remove releases/<version> and the manifest kept for it: a release that
 * was never current, or failed its health check, is not kept (it would
 * take one of keep_releases' places from a proven one). */
int engine_discard_release(struct agent *a, const char *version, struct ota_err *err);

/* The rollback index of the release version on disk, from the manifest
 * kept when it was verified (layout.h). */
int engine_release_index(struct agent *a, const char *version,
			 unsigned long long *rollback_index, struct ota_err *err);

/* PROMOTED: the release run->version passed its health check.  Make it
 * the last good one (the one it replaces becomes the previous good), raise the device's rollback-index floor to
 * rollback_index, prune, and end the run IDLE with reason. */
int engine_promote(struct agent *a, struct ota_run *run, unsigned long long rollback_index,
		   const char *reason, struct ota_err *err);

#endif
