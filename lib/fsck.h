/* SPDX-License-Identifier: Apache-2.0 */
/* fsck.h - a release on disk checked against the manifest kept for it
 * (ota-agent fsck): every entry there with its type, every file's bytes
 * hashed again, every link's target, and nothing else in the tree.
 * Files shared between releases (stage.h) are one file: damage to one is
 * damage to every release that holds it, and is reported for each.
 */
#ifndef OTA_FSCK_H
#define OTA_FSCK_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/manifest.h"

/* Check the tree at dir against m (either form, borrowed).  Each damaged
 * entry goes to report, in path order: its path in the release and why
 * ("hash mismatch", "missing", "not in the manifest", ...); *damaged
 * counts them; a tree that cannot be
 * listed (a link out of it, a special file, a name that is not UTF-8) is
 * one damage, reported with path "".  0 when the check ran, clean or not;
 * OTA_EIO if dir cannot be read at all, OTA_EINTERNAL out of memory. */
int ota_fsck_tree(const char *dir, const struct ota_manifest *m,
		  void (*report)(void *ctx, const char *path, const char *why), void *ctx,
		  size_t *damaged, struct ota_err *err);

struct ota_fsck_count {
	size_t releases, bad_releases; /* checked, and found damaged */
	size_t files;                  /* files their manifests list */
	size_t damaged;                /* damaged entries, all releases */
};

/* Every release in app_dir/releases (release.h) against the manifest
 * kept for it under state_dir (layout.h), oldest first: each damage
 * reported with the release's version, as ota_fsck_tree's; a release
 * whose manifest is missing or unreadable is one damage, path "", the
 * reason why.  0 when every release was checked, clean or not (count
 * says); a negative code when the check could not go on. */
int ota_fsck_releases(const char *app_dir, const char *state_dir,
		      void (*report)(void *ctx, const char *version, const char *path,
				     const char *why),
		      void *ctx, struct ota_fsck_count *count, struct ota_err *err);

#endif
