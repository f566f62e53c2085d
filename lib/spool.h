/* SPDX-License-Identifier: Apache-2.0 */
/* spool.h - a delivery source's spool (layout.h: state_dir/spool/<source>/),
 * where a bundle from USB or HTTP is copied before it is verified and
 * installed.  The medium is read once, by the copy; the install reads only
 * the spool copy, which no one else can change under it (the source's
 * spool lock guards it, lock.h).  A copy is written under a temporary name
 * beside it; a download, which may be resumed, as "<name>.part".  dir is
 * the spool directory itself, made (0700) when missing. */
#ifndef OTA_SPOOL_H
#define OTA_SPOOL_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/progress.h"

#define OTA_SPOOL_MARGIN (4ULL * 1024 * 1024)

/* "<dir>/<name>" (name a plain file name) into out; the spool directory
 * is created if missing.  OTA_EIO / OTA_EPATH on failure. */
int ota_spool_path(const char *dir, const char *name, char *out, size_t outlen,
		   struct ota_err *err);

/* OTA_ENOSPC unless the spool's file system has size + OTA_SPOOL_MARGIN
 * bytes free (bytes already in a ".part" of that name count as had). */
int ota_spool_check_space(const char *dir, unsigned long long size, unsigned long long have,
			  struct ota_err *err);

/* Copy the open file src_fd (src_name for messages, size bytes, read from
 * its start) into the spool as name: space checked first, written under
 * a temporary name, fsynced, renamed.  out gets the final path.  p (may
 * be NULL) is told after every chunk and may cancel (OTA_EIO
 * "interrupted"). */
int ota_spool_copy(const char *dir, int src_fd, const char *src_name,
		   unsigned long long size, const char *name, struct ota_progress *p,
		   char *out, size_t outlen, struct ota_err *err);

/* Remove everything in the spool (after an install, and at start). */
int ota_spool_clear(const char *dir, struct ota_err *err);

#endif
