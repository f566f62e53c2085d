/* SPDX-License-Identifier: Apache-2.0 */
/* release.h - the release layout on the device, as the design draws it:
 *
 *   <app_dir>/releases/<version>/    complete, verified release trees
 *   <app_dir>/current    -> releases/<version>   what the service runs
 *   <app_dir>/.last-good -> releases/<version>   the last proven release
 *   <app_dir>/.previous-good -> releases/<version>  the one proven before it:
 *                              the way back when the last good release
 *                              itself fails later (a crash loop on its
 *                              third boot)
 *
 * Links are relative, so a device tree works wherever it is mounted (and
 * under --root).  A link is switched by making the new link under a
 * temporary name and rename(2)-ing it over the old one, then fsyncing
 * app_dir: atomic, and durable across power loss.
 */
#ifndef OTA_RELEASE_H
#define OTA_RELEASE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/manifest.h"

#define OTA_LINK_CURRENT "current"
#define OTA_LINK_LAST_GOOD ".last-good"
#define OTA_LINK_PREVIOUS_GOOD ".previous-good"
#define OTA_RELEASES_DIR "releases"

/* Version the link points at; "" if the link does not exist.  OTA_EFORMAT
 * if it exists but is not "releases/<valid version>". */
int ota_release_link_get(const char *app_dir, const char *link,
			 char version[OTA_VERSION_MAX + 1], struct ota_err *err);
/* Point link at releases/<version> atomically and durably; "" removes it. */
int ota_release_link_set(const char *app_dir, const char *link, const char *version,
			 struct ota_err *err);

/* What the device counts as installed, to judge a candidate against
 * (antirollback.h): the version current names, else the last good one,
 * "" on a device with neither. */
int ota_release_installed(const char *app_dir, char version[OTA_VERSION_MAX + 1],
			  struct ota_err *err);

/* "<app_dir>/releases/<version>" into out; -1 if it does not fit. */
int ota_release_path(const char *app_dir, const char *version, char *out, size_t outlen);
bool ota_release_exists(const char *app_dir, const char *version);

/* Versions in releases/ in ascending version order (temporary entries are
 * skipped).  Free with ota_release_list_free. */
int ota_release_list(const char *app_dir, char ***versions, size_t *n, struct ota_err *err);
void ota_release_list_free(char **versions, size_t n);

/* Remove releases/<version> entirely: first renamed to a temporary name
 * (which _clean sweeps away if the removal is cut short), then deleted. */
int ota_release_remove(const char *app_dir, const char *version, struct ota_err *err);

/* Remove the oldest releases until at most keep remain, never the ones
 * current, .last-good or .previous-good point at. */
int ota_release_prune(const char *app_dir, unsigned int keep, struct ota_err *err);

/* Free bytes on the file system of releases/. */
int ota_release_free_bytes(const char *app_dir, unsigned long long *free_bytes,
			   struct ota_err *err);

/* Make room for need bytes in releases/: remove the oldest releases, never
 * the ones current, .last-good or .previous-good point at, until that much
 * is free or none is left to remove.  The versions removed go into
 * removed, space-separated ("" if none; cut if it does not fit).  Whether
 * it was enough is the caller's to check. */
int ota_release_make_room(const char *app_dir, unsigned long long need, char *removed,
			  size_t len, struct ota_err *err);

/* Remove what an interrupted run can leave: "*.tmp-*" entries in releases/
 * and app_dir (half-made links and staging trees). */
int ota_release_clean(const char *app_dir, struct ota_err *err);

#endif
