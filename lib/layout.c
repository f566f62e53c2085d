/* layout.c - the agent's paths on the device (layout.h). */
#include "lib/layout.h"

#include <limits.h>
#include <stdio.h>

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
	if ((rc = ota_mkdir_p(manifests, 0755, err)))
		return rc;
	return ota_mkdir_p(releases, 0755, err);
}
