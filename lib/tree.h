/* SPDX-License-Identifier: Apache-2.0 */
/* tree.h - reading a release tree on disk into manifest entries.
 *
 * Used by the bundler (to describe what it ships) and by ota-verify --tree
 * (to compare a tree with a signed manifest).  Nothing is followed: links
 * are recorded as links, and a link that leaves the tree, a special file
 * (fifo, socket, device) or a non-UTF-8 name is refused with OTA_EPATH.
 */
#ifndef OTA_TREE_H
#define OTA_TREE_H

#include "lib/err.h"
#include "lib/manifest.h"

#define OTA_TREE_MAX_DEPTH 128

/* Add every entry under dir (not dir itself) to m, hashing each regular
 * file; m is then checked with ota_manifest_check (m's header must be set). */
int ota_tree_scan(const char *dir, struct ota_manifest *m, struct ota_err *err);

/* The same without reading a byte of any file: sizes from lstat(2),
 * every sha256 zero, for a caller that hashes the files as it streams them. */
int ota_tree_list(const char *dir, struct ota_manifest *m, struct ota_err *err);

/* Compare a tree scanned with ota_tree_scan (have) with a manifest (want):
 * OTA_EFILESET for a missing or extra entry, OTA_EPATH for a type that
 * differs, OTA_EHASH for different content or link target.  Modes are
 * not compared: copies over USB media often lose them. */
int ota_tree_compare(const struct ota_manifest *want, const struct ota_manifest *have,
		     struct ota_err *err);

#endif
