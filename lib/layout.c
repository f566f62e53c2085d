/* SPDX-License-Identifier: Apache-2.0 */
/* layout.c - the agent's paths on the device (layout.h). */
#include "lib/layout.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/release.h"

int ota_layout_manifest(const char *state_dir, const char *version, char *out, size_t len,
			struct ota_err *err)
{
	int n = snprintf(out, len, "%s/" OTA_MANIFESTS_DIR "/%s.json", state_dir, version);

	if (n < 0 || (size_t)n >= len)
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	return 0;
}

/* dir made 0700 as a real directory: a symbolic link there is removed. */
static int real_dir(const char *dir, struct ota_err *err)
{
	struct stat st;

	if (lstat(dir, &st) == 0 && S_ISLNK(st.st_mode) && unlink(dir))
		return ota_err_errno(err, OTA_EIO, errno, "%s", dir);
	if (mkdir(dir, 0700) && errno != EEXIST)
		return ota_err_errno(err, OTA_EIO, errno, "%s", dir);
	return ota_check_real_dir(dir, err);
}

int ota_layout_spool(const char *state_dir, const char *source, char *out, size_t len,
		     struct ota_err *err)
{
	char spool[PATH_MAX];
	int rc;

	if (snprintf(spool, sizeof(spool), "%s/spool", state_dir) >= (int)sizeof(spool) ||
	    snprintf(out, len, "%s/%s", spool, source) >= (int)len)
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	if ((rc = ota_mkdir_p(state_dir, 0755, err)) || (rc = real_dir(spool, err)))
		return rc;
	return real_dir(out, err);
}

int ota_layout_prepare(const char *app_dir, const char *state_dir, struct ota_err *err)
{
	char manifests[PATH_MAX], releases[PATH_MAX];
	int rc;

	if (snprintf(manifests, sizeof(manifests), "%s/" OTA_MANIFESTS_DIR, state_dir) >=
	    (int)sizeof(manifests))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	if (snprintf(releases, sizeof(releases), "%s/" OTA_RELEASES_DIR, app_dir) >=
	    (int)sizeof(releases))
		return ota_err_set(err, OTA_EIO, "%s: path too long", app_dir);
	if ((rc = ota_mkdir_p(manifests, 0755, err)) || (rc = ota_mkdir_p(releases, 0755, err)))
		return rc;
	/* Never followed: a link would move the state or the releases. */
	if ((rc = ota_check_real_dir(state_dir, err)) || (rc = ota_check_real_dir(manifests, err)))
		return rc;
	return ota_check_real_dir(releases, err);
}
