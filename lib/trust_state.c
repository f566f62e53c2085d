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
