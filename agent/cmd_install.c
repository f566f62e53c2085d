/* ota-agent install: the design's state machine, forward.
 *   IDLE -> VERIFYING -> STAGING -> SWITCHING -> HEALTH_CHECK
 *        -> PROMOTED -> IDLE          (healthy)
 *        -> ROLLING_BACK -> IDLE      (unhealthy: back on last-good)
 * VERIFYING or STAGING failing -> IDLE with nothing left behind. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "cli/progress.h"
#include "lib/delta.h"
#include "lib/health.h"
#include "lib/release.h"
#include "lib/semver.h"
#include "lib/verify.h"
#include "lib/fsutil.h"

/* Staging needs the payload plus room for metadata and a safety margin. */
#define SPACE_MARGIN (4ULL * 1024 * 1024)

struct install {
	struct agent *a;
	struct ota_run run;
	struct ota_verify_session v;
	char last_good[OTA_VERSION_MAX + 1];
	const char *bundle;
	struct ota_base *base;         /* a delta's base releases */
	struct ota_cli_progress prog;
};

/* Anti-rollback: newer than what is installed, rollback index not lower
 * than the highest this device accepted. */
static int check_newer(struct install *in, const struct ota_manifest *m, struct ota_err *err)
{
	const char *installed = in->run.from[0] ? in->run.from : in->last_good;
	struct ota_device dev;
	int rc = ota_device_load(in->a->cfg.state_dir, &dev, err);

	if (rc)
		return rc;
	if (*installed && ota_semver_cmp(m->version, installed) <= 0)
		return ota_err_set(err, OTA_EROLLBACK, "%s: version %s is not newer than the "
				   "installed %s", in->bundle, m->version, installed);
	if (m->rollback_index < dev.rollback_index)
		return ota_err_set(err, OTA_EROLLBACK, "%s: rollback index %llu is lower than %llu, "
				   "the highest this device accepted", in->bundle,
				   m->rollback_index, dev.rollback_index);
	return 0;
}

static int check_space(struct install *in, const struct ota_manifest *m, struct ota_err *err)
{
	char path[PATH_MAX];
	unsigned long long need = m->payload_bytes + 4096ULL * m->n_entries + SPACE_MARGIN;
	unsigned long long have;
	struct statvfs st;

	snprintf(path, sizeof(path), "%s/releases", in->a->cfg.app_dir);
	if (statvfs(path, &st))
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	have = (unsigned long long)st.f_bavail * st.f_frsize;
	if (have < need)
		return ota_err_set(err, OTA_ENOSPC, "%s: not enough space to stage %s: need %llu "
				   "bytes, %llu free", path, m->version, need, have);
	return 0;
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
 * before anything is staged. */
static int plan_delta(struct install *in, const struct ota_manifest *m, struct ota_err *err)
{
	const struct ota_config *c = &in->a->cfg;
	char dir[PATH_MAX], manifest[PATH_MAX], **v = NULL;
	size_t n = 0, i;
	int rc;

	if (!m->delta.n_omitted)
		return 0;
	if ((rc = ota_base_new(&in->base, err)) || (rc = ota_release_list(c->app_dir, &v, &n, err)))
		return rc;
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(manifest, sizeof(manifest), "%s/manifests/%s.json", c->state_dir, v[i]);
		if (ota_release_path(c->app_dir, v[i], dir, sizeof(dir)))
			continue;
		rc = ota_base_add(in->base, dir, v[i], access(manifest, R_OK) ? NULL : manifest, err);
	}
	ota_release_list_free(v, n);
	if (rc == 0)
		rc = ota_base_plan(in->base, m, in->bundle, err);
	in->v.base = in->base;
	return rc;
}

/* VERIFYING: everything but the payload (which is checked as it stages). */
static int verify(struct install *in, int fd, struct ota_err *err)
{
	struct ota_verify_opts opts = {.keys = &in->a->keys,
				       .device_class = in->a->cfg.device_class,
				       .meter = ota_cli_progress_meter(&in->prog)};
	int rc;

	if ((rc = agent_trust_load(in->a, err)))
		return rc;
	opts.threshold = in->a->threshold; /* the trust set's (cmd_trust.c) */
	if ((rc = ota_verify_open(&in->v, fd, in->bundle, &opts, err)))
		return rc;
	/* Authenticated from here on: the history names what was offered. */
	snprintf(in->run.version, sizeof(in->run.version), "%s", in->v.res.manifest->version);
	record_bundle(in->a, &in->v.res);
	if ((rc = check_newer(in, in->v.res.manifest, err)) ||
	    (rc = check_space(in, in->v.res.manifest, err)) ||
	    (rc = plan_delta(in, in->v.res.manifest, err)))
		return rc;
	return 0;
}

static int save_manifest(struct install *in, struct ota_err *err)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/manifests/%s.json", in->a->cfg.state_dir, in->run.version);
	return ota_manifest_write_file(in->v.res.manifest, path, err);
}

/* STAGING: the verified stream goes straight into releases/<version>, via
 * a temporary name, every file hashed as it is written. */
static int stage(struct install *in, struct ota_err *err)
{
	const char *app = in->a->cfg.app_dir;
	char dest[PATH_MAX];
	int rc;

	/* A leftover of an earlier, failed attempt at this version is not
	 * trusted: it is replaced. */
	if (ota_release_exists(app, in->run.version) &&
	    (rc = ota_release_remove(app, in->run.version, err)))
		return rc;
	if (ota_release_path(app, in->run.version, dest, sizeof(dest)))
		return ota_err_set(err, OTA_EIO, "%s: path too long", app);
	if ((rc = save_manifest(in, err)))
		return rc;
	rc = ota_verify_finish(&in->v, dest, true, err);
	ota_cli_progress_end(&in->prog);
	return rc;
}

/* A refused bundle: back to IDLE with the reason, nothing left behind. */
static int refuse(struct install *in, int rc, struct ota_err *err)
{
	struct ota_err ignored = {0};
	char path[PATH_MAX];

	if (in->run.state == OTA_STAGING && in->run.version[0]) {
		snprintf(path, sizeof(path), "%s/manifests/%s.json", in->a->cfg.state_dir,
			 in->run.version);
		unlink(path);
	}
	ota_release_clean(in->a->cfg.app_dir, &ignored);
	in->a->audit.exit = ota_exit_status(rc);
	agent_transition(in->a, &in->run, OTA_IDLE, err->msg, &ignored);
	return rc;
}

static int promote(struct install *in, struct ota_err *err)
{
	const struct ota_manifest *m = in->v.res.manifest;
	int rc;

	if ((rc = agent_transition(in->a, &in->run, OTA_PROMOTED, "health check passed", err)) ||
	    (rc = ota_release_link_set(in->a->cfg.app_dir, OTA_LINK_LAST_GOOD, m->version, err)) ||
	    (rc = agent_raise_rollback_index(in->a, m->rollback_index, err)) ||
	    (rc = ota_release_prune(in->a->cfg.app_dir, in->a->cfg.keep_releases, err)))
		return rc;
	agent_fault_point(in->a, OTA_PROMOTED);
	return agent_transition(in->a, &in->run, OTA_IDLE, "promoted", err);
}

static int roll_back(struct install *in, const struct ota_err *why, struct ota_err *err)
{
	char to[OTA_VERSION_MAX + 1], reason[OTA_ERR_MSG_MAX + 64];
	int rc;

	if ((rc = agent_transition(in->a, &in->run, OTA_ROLLING_BACK, why->msg, err)) ||
	    (rc = agent_switch_to_last_good(in->a, true, to, err)) ||
	    (rc = agent_discard_release(in->a, in->run.version, err)))
		return rc;
	agent_fault_point(in->a, OTA_ROLLING_BACK);
	snprintf(reason, sizeof(reason), "rolled back to %s", to[0] ? to : "no release");
	if ((rc = agent_transition(in->a, &in->run, OTA_IDLE, reason, err)))
		return rc;
	*err = *why;
	return ota_err_prefix(err, OTA_EHEALTH, "%s: rolled back to %s", in->bundle,
			      to[0] ? to : "no release");
}

/* SWITCHING and HEALTH_CHECK, then promote or roll back. */
static int switch_and_check(struct install *in, struct ota_err *err)
{
	struct agent *a = in->a;
	struct ota_err why = {0};
	long restarts = -1;
	int rc;

	if ((rc = agent_transition(a, &in->run, OTA_SWITCHING, "staged", err)) ||
	    (rc = ota_release_link_set(a->cfg.app_dir, OTA_LINK_CURRENT, in->run.version, err)))
		return rc;
	agent_fault_point(a, OTA_SWITCHING);
	if ((rc = agent_transition(a, &in->run, OTA_HEALTH_CHECK, "switched", err)))
		return rc;
	rc = agent_restart_service(a, in->run.version, &why);
	if (rc == 0)
		rc = ota_health_restart_count(&a->cfg, a->env, &restarts, &why);
	if (rc == 0)
		rc = ota_health_wait(&a->cfg, a->env, restarts, &why);
	agent_fault_point(a, OTA_HEALTH_CHECK);
	if (rc == 0)
		return promote(in, err);
	return roll_back(in, &why, err);
}

static int install(struct install *in, struct ota_err *err)
{
	struct agent *a = in->a;
	char reason[640]; /* cut, not refused: a history line has a cap */
	int fd, rc;

	if ((rc = agent_recover(a, true, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, in->run.from, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, in->last_good, err)))
		return rc;
	agent_audit_begin(a, in->bundle);
	snprintf(reason, sizeof(reason), "bundle %s%s%s%s", in->bundle, a->origin ? " (from " : "",
		 a->origin ? a->origin : "", a->origin ? ")" : "");
	if ((rc = agent_transition(a, &in->run, OTA_VERIFYING, reason, err)))
		return rc;
	fd = ota_open_regular(AT_FDCWD, in->bundle, 0, NULL, NULL, err);
	rc = fd < 0 ? fd : verify(in, fd, err);
	if (rc == 0) {
		agent_fault_point(a, OTA_VERIFYING);
		rc = agent_transition(a, &in->run, OTA_STAGING, "verified", err);
	}
	if (rc == 0)
		rc = stage(in, err);
	if (fd >= 0)
		close(fd);
	if (rc)
		return refuse(in, rc, err);
	agent_fault_point(a, OTA_STAGING);
	return switch_and_check(in, err);
}

int agent_install_file(struct agent *a, const char *path, char version[OTA_VERSION_MAX + 1],
		       struct ota_err *err)
{
	struct install in = {.a = a, .bundle = path};
	int rc;

	ota_cli_progress_start(&in.prog, path, a->quiet);
	rc = install(&in, err);
	ota_cli_progress_end(&in.prog);
	memcpy(version, in.run.version, sizeof(in.run.version));
	ota_verify_close(&in.v);
	agent_audit_end(a);
	ota_base_free(in.base);
	return rc;
}

int agent_installed(struct agent *a, char version[OTA_VERSION_MAX + 1],
		    unsigned long long *rollback_index, struct ota_err *err)
{
	struct ota_device dev;
	int rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, version, err);

	if (rc == 0 && !version[0])
		rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, version, err);
	if (rc == 0)
		rc = ota_device_load(a->cfg.state_dir, &dev, err);
	if (rc == 0)
		*rollback_index = dev.rollback_index;
	return rc;
}

int cmd_install(struct agent *a, int argc, char **argv)
{
	char version[OTA_VERSION_MAX + 1];
	struct ota_err err = {0};
	int rc;

	if (argc == 3 && (strcmp(argv[1], "--quiet") == 0 || strcmp(argv[1], "-q") == 0)) {
		a->quiet = true;
		argv++;
		argc--;
	}
	if (argc >= 2 && argv[1][0] == '-' && argv[1][1])
		return ota_cli_usage("install: unknown option '%s'", argv[1]);
	if (argc != 2)
		return ota_cli_usage("install: expected [--quiet] and one bundle file");
	rc = agent_install_file(a, argv[1], version, &err);
	if (rc)
		return ota_cli_fail(&err);
	printf("%s: installed and promoted %s\n", argv[1], version);
	return 0;
}
