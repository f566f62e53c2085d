/* agent.h - what ota-agent's files share: the run context, the state
 * machine's transition step, and one function per command. */
#ifndef OTA_AGENT_H
#define OTA_AGENT_H

#include <stdbool.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/keys.h"
#include "lib/state.h"

#define AGENT_ENV_MAX 8

struct agent {
	struct ota_config cfg;
	struct ota_keyring keys; /* loaded by commands that verify */
	char *env[AGENT_ENV_MAX]; /* "NAME=value" for commands, NULL-ended */
	char version_env[OTA_VERSION_MAX + 16]; /* OTA_VERSION=..., in env */
	const char *fault_after; /* OTA_AGENT_FAULT_AFTER: a state name */
	const char *fault_enter; /* OTA_AGENT_FAULT_ENTER: a state name */
	int lock_fd;
	bool quiet; /* no progress line on a terminal (install --quiet) */
};

/* Persist run's move to `to` (state.json first: it is what recover reads),
 * then append it to the history.  version is run->version. */
int agent_transition(struct agent *a, struct ota_run *run, enum ota_state to,
		     const char *reason, struct ota_err *err);

/* Fault injection for the crash tests: SIGKILL ourselves if the work of
 * state s is done and OTA_AGENT_FAULT_AFTER names s.  (agent_transition
 * does the same right after a move to the state OTA_AGENT_FAULT_ENTER
 * names is on record, before any of its work.) */
void agent_fault_point(const struct agent *a, enum ota_state s);

/* Record that the device accepted rollback_index (device.json), if it is
 * higher than the highest so far: once a release is promoted, nothing
 * with a lower index is installed again. */
int agent_raise_rollback_index(struct agent *a, unsigned long long rollback_index,
			       struct ota_err *err);

/* Run service.restart with OTA_VERSION=version in its environment. */
int agent_restart_service(struct agent *a, const char *version, struct ota_err *err);

/* Point current back at .last-good (or remove it if there is none) and,
 * if restart, restart the service.  *to gets the version now current. */
int agent_switch_to_last_good(struct agent *a, bool restart, char to[OTA_VERSION_MAX + 1],
			      struct ota_err *err);

/* Remove releases/<version> and the manifest kept for it: a release that
 * was never current, or failed its health check, is not kept (it would
 * take one of keep_releases' places from a proven one). */
int agent_discard_release(struct agent *a, const char *version, struct ota_err *err);

int agent_load_keys(struct agent *a, struct ota_err *err);

/* Verify, stage, switch, health-check and promote or roll back the bundle
 * at path (the whole of `install`, without printing).  *version gets the
 * version installed (or attempted); 0 when promoted. */
int agent_install_file(struct agent *a, const char *path, char version[OTA_VERSION_MAX + 1],
		       struct ota_err *err);

/* Installed version to compare candidates against: current, else
 * last-good, "" on an empty device; and the highest accepted rollback
 * index. */
int agent_installed(struct agent *a, char version[OTA_VERSION_MAX + 1],
		    unsigned long long *rollback_index, struct ota_err *err);

int cmd_install(struct agent *a, int argc, char **argv);
int cmd_import(struct agent *a, int argc, char **argv);
int cmd_poll(struct agent *a, int argc, char **argv);
int cmd_watch(struct agent *a, int argc, char **argv);

/* One USB scan of dir / one HTTP poll of url: install the newest bundle
 * for this device that is newer than what is installed.  0 when there
 * was nothing newer (*installed = 0) or it was promoted (*installed = 1);
 * otherwise the error of the install. */
int agent_import_dir(struct agent *a, const char *dir, int *installed, struct ota_err *err);
int agent_poll_once(struct agent *a, const char *url, int *installed, struct ota_err *err);
int cmd_recover(struct agent *a, int argc, char **argv);
int cmd_rollback(struct agent *a, int argc, char **argv);
int cmd_status(struct agent *a, int argc, char **argv);
int cmd_history(struct agent *a, int argc, char **argv);

/* Finish or undo an interrupted run (what `recover` does), used by
 * install before it starts.  restart: restart the service if current moved. */
int agent_recover(struct agent *a, bool restart, struct ota_err *err);

#endif
