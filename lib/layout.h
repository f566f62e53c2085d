/* SPDX-License-Identifier: Apache-2.0 */
/* layout.h - where the agent keeps what it knows, decided once:
 *
 *   <state_dir>/manifests/<version>.json   the verified manifest of each
 *                                          release staged (kept with it)
 *   <state_dir>/state.json, device.json    state.h
 *   <state_dir>/lock                       lock.h
 *   <state_dir>/spool/<source>/            a delivery source's spool
 *                                          (spool.h), <source>.lock its lock
 *   <app_dir>/releases/                    release.h
 */
#ifndef OTA_LAYOUT_H
#define OTA_LAYOUT_H

#include <stddef.h>

#include "lib/err.h"

#define OTA_MANIFESTS_DIR "manifests"

/* "<state_dir>/manifests/<version>.json" into out; OTA_EIO if it does not
 * fit. */
int ota_layout_manifest(const char *state_dir, const char *version, char *out, size_t len,
			struct ota_err *err);

/* "<state_dir>/spool/<source>" into out, made (0700) if missing: real
 * directories both, a symbolic link in the place of either removed first
 * (a copy through it would land wherever it points).  OTA_EIO on failure. */
int ota_layout_spool(const char *state_dir, const char *source, char *out, size_t len,
		     struct ota_err *err);

/* Make state_dir/manifests and app_dir/releases (and their parents) if
 * they are missing: the agent's own directories, which must be real
 * directories, never symbolic links (OTA_EIO naming the link). */
int ota_layout_prepare(const char *app_dir, const char *state_dir, struct ota_err *err);

#endif
