/* SPDX-License-Identifier: Apache-2.0 */
/* engine.c - the forward path of the update engine (engine.h): verify,
 * stage, switch, health-check, then promote or roll back. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/engine.h"
#include "agent/interrupt.h"
#include "agent/trust_set.h"
#include "cli/progress.h"
#include "lib/antirollback.h"
#include "lib/base.h"
#include "lib/fault.h"
#include "lib/freshness.h"
#include "lib/fsutil.h"
#include "lib/health.h"
#include "lib/layout.h"
#include "lib/release.h"
#include "lib/stage.h"

/* Staging needs the payload plus room for metadata and a safety margin. */
#define SPACE_MARGIN (4ULL * 1024 * 1024)

struct install {
	struct agent *a;
	struct ota_run run;
	struct ota_verify_session v;
	const char *bundle;
	const struct ota_bundle_source *src; /* the bundle's bytes, or NULL: the file */
	struct ota_base *base; /* a delta's base releases */
	struct ota_progress hook; /* the library counts here */
	struct ota_cli_progress prog; /* and the terminal is told */
	bool half_staged;
	char pruned[256]; /* releases removed to make room, for the history */
};

/* The payload's progress: drawn on a terminal, and the crash tests' point
 * in the middle of staging. */
static int on_progress(struct ota_progress *p)
{
	struct install *in = p->ctx;
	struct ota_progress *line = ota_cli_progress_hook(&in->prog);

	if (line) {
		line->bytes = p->bytes;
		line->bytes_total = p->bytes_total;
		line->files = p->files;
		line->files_total = p->files_total;
		line->fn(line);
	}
	if (!in->half_staged && in->run.state == OTA_STAGING && p->files * 2 >= p->files_total) {
		in->half_staged = true;
		ota_fault_point("STAGING_HALF");
	}
	return interrupt_signal() != 0;
}

/* The health wait's hook: a signal cuts it short. */
static int on_health_wait(struct ota_progress *p)
{
	(void)p;
	return interrupt_signal() != 0;
}

/* A signal came (interrupt.h): the reason, in err, for what is undone. */
static int interrupted(struct install *in, struct ota_err *err)
{
	return ota_err_set(err, OTA_EINTR, "%s: interrupted by %s while %s: discarded, nothing "
			   "installed", in->bundle, interrupt_name(interrupt_signal()),
			   in->run.state == OTA_VERIFYING ? "verifying" : "staging");
}

/* What the history says of the bundle from now on: its manifest's hash
 * (which names its content) and the trusted keys that signed it. */
static void record_bundle(struct agent *a, const struct ota_verify_result *res)
{
	size_t i;

	ota_hex(res->manifest_sha256, OTA_SHA256_LEN, a->audit.manifest_sha256);
	for (i = 0; i < res->n_signed && i < OTA_BUNDLE_MAX_SIGS; i++)
		memcpy(a->audit.signers[i], res->signed_by[i], sizeof(a->audit.signers[i]));
	a->audit.n_signers = i;
}

/* A delta's files that the payload leaves out come from the releases on
 * disk (their manifests say where, by path or by hash); all must be found
 * before anything is staged.  Any release's files the releases on disk
 * already have are shared with them (stage.h), full or delta. */
static int plan_delta(struct install *in, const struct ota_manifest *m, struct ota_err *err)
{
	const struct ota_config *c = &in->a->cfg;
	char dir[PATH_MAX], manifest[PATH_MAX], **v = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = ota_base_new(&in->base, err)) || (rc = ota_release_list(c->app_dir, &v, &n, err)))
		return rc;
	ota_base_share(in->base);
	for (i = 0; i < n && rc == 0; i++) {
		/* A leftover of this version is replaced before staging. */
		if (strcmp(v[i], m->version) == 0 ||
		    ota_release_path(c->app_dir, v[i], dir, sizeof(dir)) ||
		    ota_layout_manifest(c->state_dir, v[i], manifest, sizeof(manifest), err))
			continue;
		rc = ota_base_add(in->base, dir, v[i], access(manifest, R_OK) ? NULL : manifest, err);
	}
	ota_release_list_free(v, n);
	if (rc == 0)
		rc = ota_base_plan(in->base, m, in->bundle, err);
	return rc;
}

/* The bytes staging m writes: not those of the files the releases on
 * disk already have (the plan says which: they are shared, stage.h). */
static unsigned long long space_needed(const struct install *in, const struct ota_manifest *m)
{
	unsigned long long found = ota_base_found_bytes(in->base);

	return (m->payload_bytes > found ? m->payload_bytes - found : 0) +
	       4096ULL * m->n_entries + SPACE_MARGIN;
}

/* Room to stage m, pruning old releases the rules let go (never current,
 * last good or previous good) when it is short; in->pruned says which.
 * After a prune the plan is made again: it may have named a release
 * that is gone, and what is shared may need more room. */
static int check_space(struct install *in, const struct ota_manifest *m, struct ota_err *err)
{
	const char *app = in->a->cfg.app_dir;
	unsigned long long need = space_needed(in, m);
	unsigned long long have;
	int rc = ota_release_free_bytes(app, &have, err);

	if (rc == 0 && have < need) {
		rc = ota_release_make_room(app, need, in->pruned, sizeof(in->pruned), err);
		if (rc == 0 && in->pruned[0]) {
			ota_base_free(in->base);
			in->base = NULL;
			rc = plan_delta(in, m, err);
		}
		need = space_needed(in, m);
		if (rc == 0)
			rc = ota_release_free_bytes(app, &have, err);
	}
	if (rc == 0 && have < need)
		return ota_err_set(err, OTA_ENOSPC, "%s/" OTA_RELEASES_DIR ": not enough space to "
				   "stage %s: need %llu bytes, %llu free%s%s", app, m->version,
				   need, have, in->pruned[0] ? " after pruning " : "", in->pruned);
	return rc;
}

/* VERIFYING: everything but the payload (which is checked as it stages). */
static int verify(struct install *in, const struct ota_bundle_source *src, struct ota_err *err)
{
	struct ota_verify_opts opts = {.keys = &in->a->keys,
				       .device_class = in->a->cfg.device_class,
				       .progress = &in->hook,
				       .spool_dir = in->a->cfg.state_dir};
	const struct ota_manifest *m;
	char installed[OTA_VERSION_MAX + 1];
	unsigned long long floor;
	int rc;

	if ((rc = trust_set_load(in->a, err)))
		return rc;
	opts.threshold = in->a->threshold;
	if ((rc = ota_verify_open_source(&in->v, src, in->bundle, &opts, err)))
		return rc;
	/* Authenticated from here on: the history names what was offered. */
	m = in->v.res.manifest;
	snprintf(in->run.version, sizeof(in->run.version), "%s", m->version);
	record_bundle(in->a, &in->v.res);
	if ((rc = trust_set_check_bundle(in->a, &in->v.res, in->bundle, err)) ||
	    (rc = engine_installed(in->a, installed, &floor, err)) ||
	    (rc = ota_antirollback_check(installed, floor, m->version, m->rollback_index,
					 in->bundle, err)) ||
	    (rc = plan_delta(in, m, err)) || (rc = check_space(in, m, err)))
		return rc;
	/* The plan is final: its base files are hashed from now on, while the
	 * state, the history and the kept manifest are written and flushed
	 * (staging would start it anyway; here it gains those flushes). */
	ota_base_hash_ahead(in->base, in->bundle);
	return 0;
}

/* STAGING: the verified stream goes straight into releases/<version>, via
 * a temporary name, every file hashed as it is written; the manifest is
 * kept beside the state, for recovery and for deltas. */
static int stage(struct install *in, struct ota_err *err)
{
	const char *app = in->a->cfg.app_dir;
	char dest[PATH_MAX], manifest[PATH_MAX];
	int rc;

	/* A leftover of an earlier, failed attempt at this version is not
	 * trusted: it is replaced. */
	if (ota_release_exists(app, in->run.version) &&
	    (rc = ota_release_remove(app, in->run.version, err)))
		return rc;
	if (ota_release_path(app, in->run.version, dest, sizeof(dest)))
		return ota_err_set(err, OTA_EIO, "%s: path too long", app);
	if ((rc = ota_layout_manifest(in->a->cfg.state_dir, in->run.version, manifest,
				      sizeof(manifest), err)) ||
	    (rc = ota_manifest_write_file(in->v.res.manifest, manifest, err)))
		return rc;
	rc = ota_stage_release(&in->v, dest, in->base, err);
	ota_cli_progress_end(&in->prog);
	return rc;
}

/* A refused bundle: back to IDLE with the reason, nothing left behind. */
static int refuse(struct install *in, int rc, struct ota_err *err)
{
	struct ota_err ignored = {0};

	/* Newer than anything installed (anti-rollback), so no release on
	 * disk but the one this run staged has its version. */
	if (in->run.state == OTA_STAGING && in->run.version[0])
		engine_discard_release(in->a, in->run.version, &ignored);
	ota_release_clean(in->a->cfg.app_dir, &ignored);
	if (interrupt_signal())
		rc = interrupted(in, err);
	in->a->audit.exit = ota_exit_status(rc);
	engine_step(in->a, &in->run, OTA_IDLE, err->msg, &ignored);
	return rc;
}

/* The release run->version failed (why): back to the last good one.  It
 * is removed unless it was on disk before the run (run->kept). */
static int roll_back(struct agent *a, struct ota_run *run, const char *name,
		     const struct ota_err *why, struct ota_err *err)
{
	char to[OTA_VERSION_MAX + 1], reason[OTA_ERR_MSG_MAX + 64];
	int rc;

	if ((rc = engine_step(a, run, OTA_ROLLING_BACK, why->msg, err)) ||
	    (rc = engine_switch_to_last_good(a, true, to, err)) ||
	    (!run->kept && (rc = engine_discard_release(a, run->version, err))))
		return rc;
	ota_fault_point(ota_state_name(OTA_ROLLING_BACK));
	snprintf(reason, sizeof(reason), "rolled back to %s", to[0] ? to : "no release");
	if ((rc = engine_step(a, run, OTA_IDLE, reason, err)))
		return rc;
	*err = *why;
	return ota_err_prefix(err, why->code == OTA_EINTR ? OTA_EINTR : OTA_EHEALTH,
			      "%s: rolled back to %s", name, to[0] ? to : "no release");
}

/* SWITCHING (recorded with reason) and HEALTH_CHECK of run->version, named
 * name in messages, then promote it with rollback_index, or roll back. */
static int switch_and_check(struct agent *a, struct ota_run *run, const char *name,
			    const char *reason, unsigned long long rollback_index,
			    struct ota_err *err)
{
	struct ota_progress hook = {.fn = on_health_wait};
	struct ota_err why = {0};
	long restarts = -1;
	int rc;

	if ((rc = engine_step(a, run, OTA_SWITCHING, reason, err)) ||
	    (rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_CURRENT, run->version, err)))
		return rc;
	ota_fault_point(ota_state_name(OTA_SWITCHING));
	if (!interrupt_signal() && (rc = engine_step(a, run, OTA_HEALTH_CHECK, "switched", err)))
		return rc;
	if (!interrupt_signal())
		rc = engine_restart_service(a, run->version, &why);
	if (rc == 0 && !interrupt_signal())
		rc = ota_health_restart_baseline(&a->cfg, a->env, &restarts, &why);
	if (rc == 0 && !interrupt_signal())
		rc = ota_health_wait(&a->cfg, a->env, restarts, &hook, &why);
	ota_fault_point(ota_state_name(OTA_HEALTH_CHECK));
	/* A signal before the health check passed: never promoted. */
	if (interrupt_signal()) {
		ota_err_set(&why, OTA_EINTR, "interrupted by %s before the release was proven "
			    "healthy", interrupt_name(interrupt_signal()));
		a->audit.exit = ota_exit_status(OTA_EINTR);
	}
	if (rc || why.code == OTA_EINTR)
		return roll_back(a, run, name, &why, err);
	if ((rc = engine_step(a, run, OTA_PROMOTED, "health check passed", err)))
		return rc;
	return engine_promote(a, run, rollback_index, "promoted", err);
}

static int install(struct install *in, struct ota_err *err)
{
	struct agent *a = in->a;
	struct ota_run was;
	char reason[640]; /* cut, not refused: a history line has a cap */
	struct ota_bundle_source file = {.fd = -1};
	int rc;

	if ((rc = engine_recover(a, true, &was, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, in->run.from, err)))
		return rc;
	engine_audit_begin(a, in->bundle);
	snprintf(reason, sizeof(reason), "bundle %s%s%s%s", in->bundle, a->origin ? " (from " : "",
		 a->origin ? a->origin : "", a->origin ? ")" : "");
	if ((rc = engine_step(a, &in->run, OTA_VERIFYING, reason, err)))
		return rc;
	if (!in->src)
		file.fd = ota_open_regular(AT_FDCWD, in->bundle, 0, NULL, NULL, err);
	rc = !in->src && file.fd < 0 ? file.fd : verify(in, in->src ? in->src : &file, err);
	if (rc == 0) {
		ota_fault_point(ota_state_name(OTA_VERIFYING));
		snprintf(reason, sizeof(reason), "verified%s%s%s", in->pruned[0] ? "; pruned " : "",
			 in->pruned, in->pruned[0] ? " to make room" : "");
		rc = interrupt_signal() ? interrupted(in, err)
				       : engine_step(a, &in->run, OTA_STAGING, reason, err);
	}
	if (rc == 0)
		rc = stage(in, err);
	/* Staged: its signed created is a time this device has now seen. */
	if (rc == 0)
		rc = ota_fresh_attest(a->cfg.state_dir, in->v.res.manifest->created, NULL, err);
	if (rc == 0 && interrupt_signal())
		rc = interrupted(in, err);
	if (file.fd >= 0)
		close(file.fd);
	if (rc)
		return refuse(in, rc, err);
	ota_fault_point(ota_state_name(OTA_STAGING));
	return switch_and_check(a, &in->run, in->bundle, "staged",
				in->v.res.manifest->rollback_index, err);
}

int engine_install(struct agent *a, const char *path, char version[OTA_VERSION_MAX + 1],
		   struct ota_err *err)
{
	return engine_install_source(a, NULL, path, version, err);
}

int engine_install_source(struct agent *a, const struct ota_bundle_source *src,
			  const char *name, char version[OTA_VERSION_MAX + 1],
			  struct ota_err *err)
{
	struct install in = {.a = a, .bundle = name, .src = src};
	int rc;

	in.hook.fn = on_progress;
	in.hook.ctx = &in;
	ota_cli_progress_start(&in.prog, name, a->quiet);
	rc = install(&in, err);
	ota_cli_progress_end(&in.prog);
	memcpy(version, in.run.version, sizeof(in.run.version));
	/* The base first: its hashing threads walk the manifest. */
	ota_base_free(in.base);
	ota_verify_close(&in.v);
	engine_audit_end(a);
	return rc;
}

int engine_switch_to(struct agent *a, const char *version, bool *already, struct ota_err *err)
{
	struct ota_run run = {.state = OTA_IDLE, .kept = true}, was;
	char installed[OTA_VERSION_MAX + 1], reason[OTA_VERSION_MAX + 64];
	unsigned long long index, floor;
	int rc;

	*already = false;
	if ((rc = engine_recover(a, true, &was, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, run.from, err)))
		return rc;
	if (!ota_manifest_version_ok(version) || !ota_release_exists(a->cfg.app_dir, version))
		return ota_err_set(err, OTA_EUSAGE, "rollback --to %s: no such release on disk "
				   "(ota-agent releases lists them)", version);
	if (strcmp(version, run.from) == 0) {
		*already = true;
		return 0;
	}
	if ((rc = engine_release_index(a, version, &index, err)) ||
	    (rc = engine_installed(a, installed, &floor, err)))
		return rc;
	if (index < floor)
		return ota_err_set(err, OTA_EROLLBACK, "rollback --to %s: its rollback index %llu is "
				   "below %llu, the lowest this device accepts", version, index,
				   floor);
	snprintf(run.version, sizeof(run.version), "%s", version);
	snprintf(reason, sizeof(reason), "rollback --to %s requested", version);
	engine_audit_begin(a, "");
	rc = switch_and_check(a, &run, version, reason, index, err);
	engine_audit_end(a);
	return rc;
}

int engine_installed(struct agent *a, char version[OTA_VERSION_MAX + 1],
		     unsigned long long *floor, struct ota_err *err)
{
	struct ota_device dev;
	int rc = ota_release_installed(a->cfg.app_dir, version, err);

	if (rc == 0)
		rc = ota_device_load(a->cfg.state_dir, &dev, err);
	if (rc == 0)
		*floor = dev.rollback_index;
	return rc;
}
