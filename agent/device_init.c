/* SPDX-License-Identifier: Apache-2.0 */
/* device_init.c - `ota-agent init`'s writing: check everything first
 * (keys, device class, what is already there), then the keys directory
 * under a temporary name, the config last, each renamed into place.  The
 * config is what makes a device "set up": until it has its name, a rerun
 * starts afresh. */
#include "agent/device_init.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/devkey.h"
#include "lib/fsutil.h"
#include "lib/keys.h"
#include "lib/layout.h"
#include "lib/manifest.h"

/* The config written: what examples/agent.yaml says, with this device's
 * values and no made-up delivery address. */
static const char config_fmt[] =
	"# %s - the OTA agent's config, written by `ota-agent init`.\n"
	"# The format is in agent.yaml(5) and schema/agent-config.md; unknown\n"
	"# keys are refused.\n"
	"\n"
	"# Bundles must be built for this device class (the manifest's \"target\").\n"
	"device_class: %s\n"
	"\n"
	"# Releases live in <app_dir>/releases/<version>; <app_dir>/current is the\n"
	"# symlink the application's unit (app.service) runs from.\n"
	"app_dir: %s\n"
	"\n"
	"# The agent's own files: run state, history, the run lock, the spool.\n"
	"state_dir: %s\n"
	"\n"
	"# Trusted public keys: every *.pub in this directory.  Rotate them with\n"
	"# a signed trust file (`ota-agent trust`), not by editing it.\n"
	"keys: %s\n"
	"\n"
	"# Signatures by distinct trusted keys a bundle needs (1..64).\n"
	"threshold: 1\n"
	"\n"
	"# Releases kept on disk, current and last good included (2..100).\n"
	"keep_releases: 3\n"
	"\n"
	"service:\n"
	"  # Run with /bin/sh -c after every switch; must exit 0.  reset-failed\n"
	"  # first: after a crash loop the unit sits at its start limit.\n"
	"  restart: \"systemctl reset-failed app.service; systemctl restart app.service\"\n"
	"  # How often systemd restarted the unit: if the count moves while the\n"
	"  # new release is checked, it is crash-looping and is rolled back.\n"
	"  restart_count: \"systemctl show -p NRestarts --value app.service\"\n"
	"\n"
	"health:\n"
	"  # Seconds.  The new release has `timeout` to pass every check at once,\n"
	"  # polled every `interval`, then must keep passing for `stable`.\n"
	"  timeout: 60\n"
	"  interval: 2\n"
	"  stable: 10\n"
	"  # Add the checks your application answers (any of them):\n"
	"  # tcp_port: 8080\n"
	"  # http_url: http://127.0.0.1:8080/health\n"
	"  # command: \"%s/current/bin/selftest\"\n"
	"\n"
	"# USB sticks need nothing here: udev (90-ota-usb.rules) imports each one\n"
	"# as it is plugged in.  For `ota-agent watch` (ota-agent.service), name a\n"
	"# server that serves `ota-bundle index DIR` on the site's network:\n"
	"# watch:\n"
	"#   http: http://SERVER:8000/\n"
	"#   interval: 60\n";

static int load_keys(const struct device_init *d, struct ota_pubkey *pk, struct ota_err *err)
{
	size_t i, j;
	int rc;

	for (i = 0; i < d->n_keys; i++) {
		if ((rc = ota_pubkey_load(&pk[i], d->keys[i], err)))
			return rc;
		for (j = 0; j < i; j++)
			if (strcmp(pk[i].id, pk[j].id) == 0)
				return ota_err_set(err, OTA_EKEY, "%s: the same key as %s (%.16s)",
						   d->keys[i], d->keys[j], pk[i].id);
	}
	return 0;
}

/* Every key as <its file name>.pub in the new directory tmp. */
static int write_keys(const struct device_init *d, struct ota_pubkey *pk, const char *tmp,
		      struct ota_err *err)
{
	char path[PATH_MAX], *copy;
	const char *base;
	size_t i, n;
	int rc;

	for (i = 0; i < d->n_keys; i++) {
		if (!(copy = strdup(d->keys[i])))
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		base = basename(copy);
		n = strlen(base);
		/* The agent trusts *.pub only. */
		rc = snprintf(path, sizeof(path), "%s/%s%s", tmp, base,
			      n > 4 && strcmp(base + n - 4, ".pub") == 0 ? "" : ".pub");
		if (rc < 0 || (size_t)rc >= sizeof(path))
			rc = ota_err_set(err, OTA_EIO, "%s: path too long", d->keys[i]);
		else
			rc = ota_pubkey_write(pk[i].pkey, path, false, err);
		free(copy);
		if (rc == OTA_EEXIST)
			return ota_err_set(err, OTA_EUSAGE, "%s: two keys named %s", d->keys[i], base);
		if (rc)
			return rc;
	}
	return ota_fsync_dir(tmp, true, err);
}

/* The config text into t, then parsed by the agent's loader. */
static int write_config(const struct device_init *d, const char *keys_dir,
			struct ota_atomic *t, const char *path, struct ota_err *err)
{
	struct ota_config cfg = {0};
	char *text = NULL;
	int len, rc;

	len = asprintf(&text, config_fmt, d->config, d->device_class, d->app_dir, d->state_dir,
		       keys_dir, d->app_dir);
	if (len < 0)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (!(rc = ota_atomic_open(t, path, 0644, err)) &&
	    !(rc = ota_write_all(t->fd, text, (size_t)len, t->tmp_path, err)) &&
	    !(rc = ota_config_load(t->tmp_path, *d->root ? d->root : NULL, &cfg, err)))
		ota_config_free(&cfg);
	free(text);
	return rc;
}

static int join(char *out, const char *root, const char *path, struct ota_err *err)
{
	int n = snprintf(out, PATH_MAX, "%s%s", root, path);

	if (n < 0 || n >= PATH_MAX)
		return ota_err_set(err, OTA_EUSAGE, "%s%s: path too long", root, path);
	return 0;
}

static int check_args(const struct device_init *d, struct ota_err *err)
{
	if (!ota_manifest_target_ok(d->device_class))
		return ota_err_set(err, OTA_EUSAGE, "--device-class: must be 1-%d of "
				   "[A-Za-z0-9._-], got '%s'", OTA_TARGET_MAX, d->device_class);
	if (d->config[0] != '/' || d->app_dir[0] != '/' || d->state_dir[0] != '/')
		return ota_err_set(err, OTA_EUSAGE, "the config, app and state paths must be "
				   "absolute");
	/* YAML plain scalars: no quoting needed, none allowed. */
	if (strpbrk(d->app_dir, " #:\"'\\\n\t") || strpbrk(d->state_dir, " #:\"'\\\n\t") ||
	    strpbrk(d->config, "\n"))
		return ota_err_set(err, OTA_EUSAGE, "the app and state paths: no spaces, quotes, "
				   "'#' or ':'");
	return d->n_keys ? 0 : ota_err_set(err, OTA_EUSAGE, "--keys: at least one PUB file");
}

int device_init_write(struct device_init *d, struct ota_err *err)
{
	struct ota_pubkey *pk = NULL;
	struct ota_atomic t = {.fd = -1};
	char cfg[PATH_MAX], dir[PATH_MAX], keys[PATH_MAX], tmp[PATH_MAX + 16], app[PATH_MAX],
		state[PATH_MAX], dev_keys[PATH_MAX];
	bool made_keys = false;
	size_t i;
	int rc;

	if ((rc = check_args(d, err)) || (rc = join(cfg, d->root, d->config, err)) ||
	    (rc = join(app, d->root, d->app_dir, err)) ||
	    (rc = join(state, d->root, d->state_dir, err)))
		return rc;
	/* The keys directory beside the config: /etc/ota/keys. */
	snprintf(tmp, sizeof(tmp), "%s", d->config);
	if ((rc = join(dev_keys, dirname(tmp), "/keys", err)) ||
	    (rc = join(keys, d->root, dev_keys, err)))
		return rc;
	snprintf(tmp, sizeof(tmp), "%s", cfg);
	if ((rc = join(dir, dirname(tmp), "", err)))
		return rc;
	if (!(pk = calloc(d->n_keys, sizeof(*pk))))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if ((rc = load_keys(d, pk, err)) || (rc = ota_check_absent(cfg, err)) ||
	    (rc = ota_check_absent(keys, err)))
		goto out;
	/* Empty directories only, and those already there are left as they are. */
	if ((rc = ota_mkdir_p(dir, 0755, err)) || (rc = ota_layout_prepare(app, state, err)) ||
	    (rc = ota_devkey_get(state, true, NULL, d->device_id, NULL, err)))
		goto out;
	snprintf(tmp, sizeof(tmp), "%s/.keys-XXXXXX", dir);
	if (!mkdtemp(tmp)) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", tmp);
		goto out;
	}
	made_keys = true;
	if ((rc = write_keys(d, pk, tmp, err)) || (rc = write_config(d, dev_keys, &t, cfg, err)))
		goto out;
	if (chmod(tmp, 0755) || renameat2(AT_FDCWD, tmp, AT_FDCWD, keys, RENAME_NOREPLACE)) {
		rc = errno == EEXIST ? ota_err_set(err, OTA_EEXIST, "%s: exists", keys)
				     : ota_err_errno(err, OTA_EIO, errno, "%s", keys);
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s", keys);
	if ((rc = ota_fsync_dir(keys, false, err)) || (rc = ota_atomic_commit(&t, false, err)))
		goto out;
	made_keys = false;
out:
	ota_atomic_abort(&t);
	if (made_keys)
		(void)ota_rm_tree(tmp, &(struct ota_err){0});
	for (i = 0; pk && i < d->n_keys; i++)
		ota_pubkey_free(&pk[i]);
	free(pk);
	return rc;
}
