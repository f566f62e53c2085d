/* agent.h - what ota-agent's files share: the run context, the state
 * machine's transition step, and one function per command. */
#ifndef OTA_AGENT_H
#define OTA_AGENT_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/bundle.h"
#include "lib/config.h"
#include "lib/hash.h"
#include "lib/err.h"
#include "lib/keys.h"
#include "lib/path.h"
#include "lib/state.h"

#define AGENT_ENV_MAX 8

/* What the history's records of the attempt under way say beyond the
 * transition itself (audit.h): set by install as it learns them. */
struct agent_audit {
	char bundle[OTA_NAME_MAX + 1];                         /* file name, "" for none */
	char manifest_sha256[OTA_SHA256_HEX_LEN + 1];          /* once verified */
	char signers[OTA_BUNDLE_MAX_SIGS][OTA_KEYID_HEX_LEN + 1]; /* trusted key ids */
	size_t n_signers;
	int exit;        /* exit status of a failure the next record reports */
	bool recovering; /* recover is finishing or undoing a cut run */
};

struct agent {
	struct ota_config cfg;
	struct ota_keyring keys; /* loaded by commands that verify */
	char *env[AGENT_ENV_MAX]; /* "NAME=value" for commands, NULL-ended */
	char version_env[OTA_VERSION_MAX + 16]; /* OTA_VERSION=..., in env */
	const char *fault_after; /* OTA_AGENT_FAULT_AFTER: a state name */
	int lock_fd;
	struct agent_audit audit;
};

/* Persist run's move to `to` (state.json first: it is what recover reads),
 * then append it to the history.  version is run->version. */
int agent_transition(struct agent *a, struct ota_run *run, enum ota_state to,
		     const char *reason, struct ota_err *err);

/* Fault injection for the crash tests: SIGKILL ourselves if the work of
 * state s is done and OTA_AGENT_FAULT_AFTER names s. */
void agent_fault_point(const struct agent *a, enum ota_state s);

/* Run service.restart with OTA_VERSION=version in its environment. */
int agent_restart_service(struct agent *a, const char *version, struct ota_err *err);

/* Point current back at .last-good (or remove it if there is none) and,
 * if restart, restart the service.  *to gets the version now current. */
int agent_switch_to_last_good(struct agent *a, bool restart, char to[OTA_VERSION_MAX + 1],
			      struct ota_err *err);

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
int cmd_dashboard(struct agent *a, int argc, char **argv);
int cmd_report(struct agent *a, int argc, char **argv);

/* A power cut between state.json and the history leaves the run's state
 * unrecorded: append the missing transition (recover, before it acts). */
int agent_audit_catch_up(struct agent *a, const struct ota_run *run, struct ota_err *err);

/* Start the history context of an install of the bundle at path / clear it. */
void agent_audit_begin(struct agent *a, const char *path);
void agent_audit_end(struct agent *a);

/* What status --json prints: current, last good, releases, free space,
 * the run and the history's chain check.  *out owned by the caller. */
int agent_status_json(struct agent *a, json_t **out, struct ota_err *err);
/* What history --json prints (every record, oldest first), and the chain
 * check of ota_audit_read when check is not NULL. */
struct ota_audit_check;
int agent_history_json(struct agent *a, json_t **out, struct ota_audit_check *check,
		       struct ota_err *err);
/* The dashboard page of both (dashboard_html.h), appended to out. */
struct ota_buf;
int agent_render_page(struct agent *a, struct ota_buf *out, struct ota_err *err);

/* Finish or undo an interrupted run (what `recover` does), used by
 * install before it starts.  restart: restart the service if current moved. */
int agent_recover(struct agent *a, bool restart, struct ota_err *err);

#endif
