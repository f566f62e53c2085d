/* SPDX-License-Identifier: Apache-2.0 */
/* agent.h - ota-agent's run context, shared by its modules, and its
 * commands (one cmd_*.c each: argument parsing and one call):
 *
 *   engine.h     the update state machine: install, recover, rollback
 *   delivery.h   the delivery sources (USB, HTTP) and their passes
 *   daemon.h     the watch loop over the delivery sources
 *   supervisor.h what the agent tells systemd: notify, watchdog, signals
 *   trust_set.h  the keys and threshold in force
 *   view.h       status, history and the dashboard page, read-only
 */
#ifndef OTA_AGENT_H
#define OTA_AGENT_H

#include <stdbool.h>

#include "lib/bundle.h"
#include "lib/config.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/manifest.h"

#define AGENT_ENV_MAX 8

struct supervisor; /* supervisor.h: notify socket, watchdog, stop signals */

/* What the history's records of the attempt under way say beyond the
 * transition itself (audit.h): set by the engine as it learns them. */
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
	struct ota_keyring keys; /* the trust set in force (trust_set.h) */
	unsigned int threshold;  /* of that set */
	char *env[AGENT_ENV_MAX]; /* "NAME=value" for commands, NULL-ended */
	char version_env[OTA_VERSION_MAX + 16]; /* OTA_VERSION=..., in env */
	int lock_fd;
	bool own_lock; /* lock_fd taken by agent_lock for one delivery pass */
	const char *origin; /* where the bundle being installed came from (a
			       medium path, a URL), for the history; or NULL */
	struct supervisor *sv; /* watch and poll loops only, else NULL */
	struct agent_audit audit;
	bool quiet; /* no progress line on a terminal (install --quiet) */
};

/* Make the agent's directories and take the run lock (lock.h), unless
 * this process holds it already: commands that change the device take it
 * for their whole run, delivery passes for the pass only.  agent_unlock
 * drops it if agent_lock took it for a pass. */
int agent_lock(struct agent *a, struct ota_err *err);
void agent_unlock(struct agent *a);

/* `ota-agent init` (cmd_init.c): runs with no config, so without a
 * struct agent; root and config are the global options (NULL if none). */
int agent_init(const char *root, const char *config, int argc, char **argv);
int cmd_install(struct agent *a, int argc, char **argv);
int cmd_import(struct agent *a, int argc, char **argv);
int cmd_poll(struct agent *a, int argc, char **argv);
int cmd_watch(struct agent *a, int argc, char **argv);
int cmd_recover(struct agent *a, int argc, char **argv);
int cmd_rollback(struct agent *a, int argc, char **argv);
int cmd_releases(struct agent *a, int argc, char **argv);
int cmd_fsck(struct agent *a, int argc, char **argv);
int cmd_status(struct agent *a, int argc, char **argv);
int cmd_history(struct agent *a, int argc, char **argv);
int cmd_trust(struct agent *a, int argc, char **argv);
int cmd_keys(struct agent *a, int argc, char **argv);
int cmd_identity(struct agent *a, int argc, char **argv);
int cmd_dashboard(struct agent *a, int argc, char **argv);
int cmd_report(struct agent *a, int argc, char **argv);

#endif
