/* SPDX-License-Identifier: Apache-2.0 */
/* trust_state.c - the trust set a device holds (trust.h): the factory
 * keys until a trust file is accepted, then that file in state_dir,
 * replaced atomically and re-checked on every load. */
#include "lib/trust.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/freshness.h"
#include "lib/fsutil.h"

static int state_path(const char *state_dir, char *out, size_t size, struct ota_err *err)
{
	if ((size_t)snprintf(out, size, "%s/%s", state_dir, OTA_TRUST_STATE_FILE) >= size)
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	return 0;
}

int ota_trust_state_load(const char *state_dir, const char *keys_path, unsigned int threshold,
			 struct ota_trust *t, struct ota_err *err)
{
	char path[4096];
	int rc;

	ota_trust_init(t);
	if ((rc = state_path(state_dir, path, sizeof(path), err)))
		return rc;
	if (access(path, F_OK) && errno == ENOENT)
		return ota_trust_factory(t, keys_path, threshold, err);
	rc = ota_trust_load_flags(path, O_NOFOLLOW, t, err);
	if (rc == 0)
		rc = ota_trust_check_self(t, err);
	if (rc) {
		ota_trust_free(t);
		/* Fail closed: the device trusts nothing until this is mended. */
		return ota_err_prefix(err, rc, "%s: damaged trust state, no key trusted", path);
	}
	return 0;
}

int ota_trust_state_clean(const char *state_dir, struct ota_err *err)
{
	static const char prefix[] = OTA_TRUST_STATE_FILE ".tmp-";
	char path[4096];
	struct dirent *de;
	DIR *d = opendir(state_dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", state_dir);
	for (errno = 0; (de = readdir(d)) != NULL; errno = 0) {
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1))
			continue;
		snprintf(path, sizeof(path), "%s/%s", state_dir, de->d_name);
		if (unlink(path) && errno != ENOENT) {
			rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
			break;
		}
	}
	if (rc == 0 && errno)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: readdir", state_dir);
	closedir(d);
	return rc;
}

int ota_trust_state_save(const char *state_dir, const struct ota_trust *t,
			 void (*hook)(void *ctx), void *ctx, struct ota_err *err)
{
	struct ota_atomic a = {.fd = -1};
	char path[4096];
	struct ota_buf text;
	int rc;

	ota_buf_init(&text, OTA_TRUST_FILE_MAX + OTA_TRUST_MAX_SIGS * 160);
	if ((rc = state_path(state_dir, path, sizeof(path), err)) ||
	    (rc = ota_trust_state_clean(state_dir, err)) ||
	    (rc = ota_trust_format(t, &text, err)) ||
	    (rc = ota_atomic_open(&a, path, 0644, err)) ||
	    (rc = ota_write_all(a.fd, text.data, text.len, path, err)))
		goto out;
	if (fsync(a.fd)) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: fsync", path);
		goto out;
	}
	if (hook)
		hook(ctx);
	rc = ota_atomic_commit(&a, true, err);
out:
	ota_atomic_abort(&a);
	ota_buf_free(&text);
	return rc;
}

void ota_trust_applied_free(struct ota_trust_applied *out)
{
	if (!out)
		return;
	ota_trust_free(&out->cur);
	ota_trust_free(&out->upd);
}

/* What an authenticated trust file or timestamp says for the device's
 * state beyond its keys: the floor, and the time.  Raised before the
 * trust file is kept (both only ever refuse more), and again when the same
 * file comes back, so a cut between the writes is mended by applying it
 * again. */
static int raise_state(const struct ota_trust_device *dev, struct ota_trust_applied *out,
		       struct ota_err *err)
{
	int raised = 0, rc = 0;

	if (out->upd.min_rollback_index &&
	    (rc = ota_fresh_raise_floor(dev->state_dir, out->upd.min_rollback_index, &raised, err)))
		return rc;
	out->floor_raised = raised;
	if ((rc = ota_fresh_attest(dev->state_dir, out->upd.created, NULL, err)))
		return rc;
	return ota_fresh_now(dev->state_dir, 0, &out->attested, err);
}

int ota_trust_state_apply(const struct ota_trust_device *dev, const unsigned char *text,
			  size_t len, const char *name, struct ota_trust_applied *out,
			  struct ota_err *err)
{
	long long now;
	int rc;

	memset(out, 0, sizeof(*out));
	ota_trust_init(&out->cur);
	ota_trust_init(&out->upd);
	if ((rc = ota_trust_state_load(dev->state_dir, dev->keys_path, dev->threshold, &out->cur,
				       err)) ||
	    (rc = ota_trust_parse(text, len, name, &out->upd, err)) ||
	    (rc = ota_fresh_now(dev->state_dir, dev->wall, &now, err)))
		return rc;
	if (out->upd.kind == OTA_TRUST_KIND_TIMESTAMP) {
		out->what = OTA_TRUST_CURRENT;
		rc = ota_trust_check_timestamp(&out->cur, &out->upd, dev->device_class, now, err);
		return rc ? rc : raise_state(dev, out, err);
	}
	if (ota_trust_same(&out->cur, &out->upd)) {
		out->what = OTA_TRUST_ALREADY;
		return raise_state(dev, out, err);
	}
	out->what = OTA_TRUST_APPLIED;
	if ((rc = ota_trust_check_update(&out->cur, &out->upd, dev->device_class, err)) ||
	    (rc = ota_trust_check_fresh(&out->upd, now, err)) ||
	    (rc = raise_state(dev, out, err)))
		return rc;
	return ota_trust_state_save(dev->state_dir, &out->upd, dev->hook, dev->ctx, err);
}
