/* agent.h - what ota-agent's files share: the run context, the state
 * machine's transition step, and one function per command. */
#ifndef OTA_AGENT_H
#define OTA_AGENT_H

#include <stdbool.h>

#include "lib/buf.h"
#include <jansson.h>

#include "lib/bundle.h"
#include "lib/config.h"
#include "lib/hash.h"
#include "lib/err.h"
#include "lib/keys.h"
#include "lib/path.h"
#include "lib/state.h"

#define AGENT_ENV_MAX 8

struct agent_daemon; /* daemon.c: notify socket, watchdog, stop signals */

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
	unsigned int threshold;  /* of the trust set in force, with keys */
	char *env[AGENT_ENV_MAX]; /* "NAME=value" for commands, NULL-ended */
	char version_env[OTA_VERSION_MAX + 16]; /* OTA_VERSION=..., in env */
	const char *fault_after; /* OTA_AGENT_FAULT_AFTER: a state name */
	const char *fault_enter; /* OTA_AGENT_FAULT_ENTER: a state name */
	int lock_fd;
	bool own_lock; /* lock_fd taken by agent_lock for one delivery pass */
	const char *origin; /* where the bundle being installed came from (a
			       medium path, a URL), for the history; or NULL */
	struct agent_daemon *daemon; /* watch and poll loops only, else NULL */
	struct agent_audit audit;
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

/* The trust set in force into keys and threshold, read again at every
 * call: the trust file the device accepted last (state_dir/trust.ota),
 * else the factory keys and threshold of the config (cmd_trust.c).  On
 * failure keys is left empty. */
int agent_trust_load(struct agent *a, struct ota_err *err);

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

/* What one delivery pass (a USB scan, an HTTP poll) did.  Init with
 * agent_pass_init, free with agent_pass_free. */
struct agent_pass {
	struct ota_buf notes; /* one line per bundle refused or skipped, each
				 "FILE: reason\n", to print on stderr */
	struct ota_buf summary; /* one line of what came of it, for stdout */
	bool installed;        /* a bundle was promoted */
	bool noted;            /* the pass's error is already in notes */
	char version[OTA_VERSION_MAX + 1]; /* installed or attempted */
	const char *skip;      /* a version not to try (watch: failed before) */
};

void agent_pass_init(struct agent_pass *p);
void agent_pass_free(struct agent_pass *p);
/* Print notes on stderr (prefixed with the tool's name) and the summary on
 * stdout; the exit status for rc (0 when rc is). */
int agent_pass_report(const struct agent_pass *p, int rc, const struct ota_err *err);

/* One USB scan of dir / one HTTP poll of url: install the newest bundle
 * for this device that is newer than what is installed, copied or
 * downloaded into the spool first and installed from there only.  0 when
 * there was nothing newer or it was promoted (p->installed); otherwise
 * the code of the first bundle refused (p->noted) or of what stopped the
 * pass.  Each takes the run lock for the pass only. */
int agent_import_dir(struct agent *a, const char *dir, struct agent_pass *p,
		     struct ota_err *err);
int agent_poll_once(struct agent *a, const char *url, struct agent_pass *p,
		    struct ota_err *err);

/* delivery.c: what both passes share.  agent_lock takes the run lock
 * (making the agent's dirs first) unless this process holds it already;
 * agent_unlock drops it if agent_lock took it. */
int agent_lock(struct agent *a, struct ota_err *err);
void agent_unlock(struct agent *a);
/* Install the spool copy at path, which came from source (a medium path
 * or a URL, named in messages in its place); the spool is cleared after. */
int agent_install_spooled(struct agent *a, const char *path, const char *source,
			  struct agent_pass *p, struct ota_err *err);
/* The progress hook of copies and downloads: feeds the watchdog, cancels
 * when a stop signal is pending.  ctx is the agent. */
int agent_progress(void *ctx, unsigned long long done, unsigned long long total);
/* Append "FILE: reason" (err's message) to p->notes. */
void agent_note(struct agent_pass *p, const struct ota_err *why);

/* daemon.c: the loops of watch and poll.  _start blocks SIGTERM and
 * SIGINT (they are taken with agent_idle / agent_stopping), opens the
 * notification socket and starts the watchdog thread; _stop undoes it
 * all (the loop sends STOPPING=1 before). */
int agent_daemon_start(struct agent *a, struct ota_err *err);
void agent_daemon_stop(struct agent *a);
/* The main thread will be busy for at most ms: the watchdog keeps pinging
 * until then, and stops if it is not renewed (a hung agent is restarted). */
void agent_busy(struct agent *a, unsigned long long ms);
/* True if SIGTERM or SIGINT is pending (always false outside a loop). */
bool agent_stopping(struct agent *a);
/* Sleep ms or until a stop signal: true if stopping. */
bool agent_idle(struct agent *a, unsigned long long ms);
/* Send a notification (READY=1, STATUS=...) to systemd, if it listens. */
void agent_notify(struct agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run passes over the sources given (either may be NULL) every
 * interval_ms until SIGTERM or SIGINT; 0 then. */
int agent_loop(struct agent *a, const char *usb, const char *url, unsigned int interval_ms);
int cmd_recover(struct agent *a, int argc, char **argv);
int cmd_rollback(struct agent *a, int argc, char **argv);
int cmd_status(struct agent *a, int argc, char **argv);
int cmd_history(struct agent *a, int argc, char **argv);
int cmd_trust(struct agent *a, int argc, char **argv);
int cmd_keys(struct agent *a, int argc, char **argv);
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
