/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_legacy.c - the design's own manifest (schema/manifest.md,
 * "The design's form"): exactly "version", "target" and "files", as the
 * design's Python build_manifest makes it.  Its entries are made from
 * "files": each a regular file of mode 0644 whose size is not known (its
 * hash decides), each directory its paths imply one of mode 0755; no
 * symlinks, no empty directories.  The built form holds them; the bytes
 * are kept, as they are what was signed. */
#include "lib/manifest.h"

#include <string.h>

#include "lib/canon.h"
#include "lib/manifest_raw.h"
#include "lib/path.h"

#define LEGACY_FILE_MODE 0644u
#define LEGACY_DIR_MODE 0755u

/* The directories of path not already among those of prev (the file
 * before it: paths under a directory are contiguous in byte order, so a
 * directory needed before was needed by the file just before). */
static int add_dirs(struct ota_manifest *m, char *path, const char *prev, struct ota_err *err)
{
	struct ota_entry d = {.path = path, .type = OTA_ENTRY_DIR, .mode = LEGACY_DIR_MODE};
	size_t plen = strlen(prev);
	char *slash;
	int rc;

	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		size_t n = (size_t)(slash - path);

		if (n < plen && prev[n] == '/' && memcmp(prev, path, n) == 0)
			continue;
		*slash = '\0';
		rc = ota_manifest_add(m, &d, err);
		*slash = '/';
		if (rc)
			return rc;
	}
	return 0;
}

int manifest_legacy_entries(const unsigned char *files, const unsigned char *end,
			    struct ota_manifest *m, struct ota_err *err)
{
	char path[OTA_PATH_MAX + 1], prev[OTA_PATH_MAX + 1];
	struct ota_canon_cur cur = {.p = files, .end = end}, kc;
	struct ota_entry e = {
	    .path = path, .type = OTA_ENTRY_FILE, .mode = LEGACY_FILE_MODE, .any_size = true};
	const unsigned char *key;
	struct ota_quoted q;
	size_t len;
	bool ok;
	int rc;

	prev[0] = '\0';
	if (ota_canon_eat(&cur, '{'))
		return ota_err_set(err, OTA_EFORMAT, "files: not an object");
	for (rc = *cur.p == '}'; rc == 0; rc = raw_next_member(&cur, '}')) {
		if (raw_file_read(&cur, &key, e.sha256, &ok))
			return ota_err_set(err, OTA_EINTERNAL,
					   "manifest: checked text did not read back");
		kc = (struct ota_canon_cur){.p = key, .end = end};
		rc = ota_canon_get_string(&kc, path, sizeof(path), &len);
		if (rc < 0 || (rc & OTA_CANON_CUT))
			return ota_err_set(err, OTA_EPATH, "files: a path longer than %d bytes",
					   OTA_PATH_MAX);
		if ((rc = ota_path_check(path, len, err)))
			return rc;
		if (!ok)
			return ota_err_set(err, OTA_EFORMAT, "files: \"%s\": bad sha256",
					   ota_path_quote(path, &q));
		if ((rc = add_dirs(m, path, prev, err)) || (rc = ota_manifest_add(m, &e, err)))
			return rc;
		memcpy(prev, path, len + 1);
	}
	if (rc < 0)
		return ota_err_set(err, OTA_EINTERNAL, "manifest: checked text did not read back");
	m->legacy = true;
	return ota_manifest_check(m, err);
}
