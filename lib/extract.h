/* SPDX-License-Identifier: Apache-2.0 */
/* extract.h - writing a verified release tree to disk, all or nothing.
 *
 * Entries go into "<dest>.tmp-XXXXXX" beside dest, in manifest order; only
 * ota_extract_commit renames the finished tree to dest.  Freeing an
 * uncommitted extraction removes the temporary tree, so a failure at any
 * step leaves nothing behind.  Directories stay 0700 until commit, when
 * their manifest modes are applied.  With durable set, the whole tree is
 * on disk before the rename (one syncfs of its file system: extract.c says
 * why that is as safe as an fsync of every file and directory) and the
 * parent is fsynced after it, so a committed tree survives power loss.
 * Entries are made relative to their parent directory, reached from the
 * temporary tree's root one component at a time without following links,
 * so a directory swapped for a symlink mid-way is an error, never a way
 * out of the tree; and the tree renamed to dest must still be the one
 * written.
 */
#ifndef OTA_EXTRACT_H
#define OTA_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "lib/err.h"
#include "lib/manifest.h"

struct ota_extract;

/* Begin extracting the release described by m (either form, manifest.h;
 * borrowed, must outlive x)
 * to dest, which must not exist (OTA_EEXIST).  *out owned by the caller. */
int ota_extract_new(struct ota_extract **out, const char *dest, const struct ota_manifest *m,
		    bool durable, struct ota_err *err);
/* Remove the temporary tree unless committed, and free x. */
void ota_extract_free(struct ota_extract *x);

/* Create entry e (a manifest entry, so its path is already checked): a
 * directory, a symlink, or a file whose data follows with _write.  e is
 * not kept after the call (a lean manifest's walk reuses it). */
int ota_extract_entry(struct ota_extract *x, const struct ota_entry *e, struct ota_err *err);
int ota_extract_write(struct ota_extract *x, const void *data, size_t len, struct ota_err *err);

/* Make the tree read-only as it is committed: every file and directory
 * without its write bits (a release of the agent: immutable once staged,
 * so that its files can be shared with later releases). */
void ota_extract_set_readonly(struct ota_extract *x);

/* Make file entry e the same file as src, a file whose bytes the caller
 * has just hashed and found to be e's (open as src, named src_path under
 * the directory src_dir, st its fstat): a copy-on-write clone (FICLONE)
 * where the file system makes one, else a hard link when st's mode (as
 * this tree gives modes) and owner are e's, the link checked to be the
 * inode hashed.  1 if done (no _write follows), 0 if it cannot be shared
 * (nothing made: the caller writes e with _entry and _write), or a
 * negative code. */
int ota_extract_share(struct ota_extract *x, const struct ota_entry *e, int src,
		      int src_dir, const char *src_path, const struct stat *st,
		      struct ota_err *err);

/* Finish the last file, apply modes, fsync if durable, rename to dest. */
int ota_extract_commit(struct ota_extract *x, struct ota_err *err);

#endif
