/* SPDX-License-Identifier: Apache-2.0 */
/* base.h - where a delta's omitted files come from when the release is
 * unpacked (ota-agent install, ota-verify --extract --base), and, for the
 * agent's releases, which files a new release can share with the ones on
 * disk: a struct ota_base lists base release trees.  ota_base_plan finds
 * a source for every omitted file before anything is written: the same
 * path in the release the delta names, else any file of any listed
 * release with the same SHA-256 (through its manifest, or by hashing the
 * tree when it has none).  ota_base_fill then copies each one, hashing it
 * on the way; ota_base_take hashes one before it is shared: a base file
 * is never trusted for what its manifest says.
 */
#ifndef OTA_BASE_H
#define OTA_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "lib/err.h"
#include "lib/manifest.h"

struct ota_base;

int ota_base_new(struct ota_base **out, struct ota_err *err);
void ota_base_free(struct ota_base *b);

/* A release tree at dir, its version (for messages, and to know the
 * release a delta names; NULL for a tree of unknown version), and the
 * file holding its manifest (NULL if none: the tree is then hashed if a
 * file must be found in it by content).  Strings are copied. */
int ota_base_add(struct ota_base *b, const char *dir, const char *version,
		 const char *manifest_path, struct ota_err *err);

/* At most this many files that the payload holds and that are not at
 * their own path in the base release are looked for by hash elsewhere
 * (the rest are written): the plan's memory stays bounded. */
#define OTA_BASE_MOVED_MAX 16384

/* Plan for every file of the new release, not only the ones a delta
 * omits, to be taken with ota_base_take.  The trees must be releases that
 * are never written again (the agent's): a file shared with one is the
 * same file.  Whether b shares: false once planned without it. */
bool ota_base_share(struct ota_base *b);

/* A source for each file m omits, or OTA_EFILESET naming the first that
 * none of the trees has; with ota_base_share, also for each file the
 * payload holds where a tree has its bytes (the same path in the release
 * a delta names, or else in the newest tree added with a manifest; by
 * hash in any tree for up to OTA_BASE_MOVED_MAX others): those need not
 * be found.  name is the bundle, for messages.  m is borrowed until _free
 * or the next plan.  Once done, calling it again does nothing. */
int ota_base_plan(struct ota_base *b, const struct ota_manifest *m, const char *name,
		  struct ota_err *err);

/* Copy the next omitted file e (they come in manifest order, after
 * _plan) through write, hashing it: OTA_EHASH if the bytes on disk are not
 * the ones the manifest signs, OTA_EFILESET if the file is gone. */
int ota_base_fill(struct ota_base *b, const struct ota_entry *e,
		  int (*write)(void *ctx, const void *buf, size_t len, struct ota_err *err),
		  void *ctx, const char *name, struct ota_err *err);

/* After _plan: the bytes of the files a base release was found to hold
 * (with ota_base_share, what staging need not write unless a base file
 * turns out damaged or of another mode); 0 for NULL. */
unsigned long long ota_base_found_bytes(const struct ota_base *b);

/* With ota_base_share, after _plan, before the first _take: open and hash
 * the planned base files on other threads (one per core, at most two),
 * up to 64 files ahead of the _take that will want them (the same
 * checks, earlier: hashing the base files is most of what a delta
 * install costs).  The manifest planned for must live until
 * ota_base_hash_ahead_stop (or _free), which ends and joins the threads;
 * name (the bundle, for messages) too. */
void ota_base_hash_ahead(struct ota_base *b, const char *name);
void ota_base_hash_ahead_stop(struct ota_base *b);

/* A base file, hashed and found intact (ota_base_take). */
struct ota_base_file {
	int fd;           /* open on it, -1 if none */
	int dir;          /* borrowed: the directory of its tree */
	const char *path; /* borrowed: its path there */
	const char *tree; /* borrowed: that tree's path, for messages */
	struct stat st;   /* its fstat */
};

/* With ota_base_share: the base file for the next file e (every file in
 * manifest order, after _plan), opened and hashed.  1 and *f if one is
 * planned and its bytes are e's (close it with ota_base_file_close); 0
 * if none is, or the one planned is missing or damaged while the payload
 * holds e (its bytes then come from there); for a file the payload omits,
 * OTA_EHASH or OTA_EFILESET as ota_base_fill. */
int ota_base_take(struct ota_base *b, const struct ota_entry *e, struct ota_base_file *f,
		  const char *name, struct ota_err *err);
/* Copy f from its start through write, hashing it again on the way (it
 * could have changed since _take): for an omitted file that could not be
 * shared.  OTA_EHASH if its bytes are no longer e's. */
int ota_base_copy(struct ota_base *b, struct ota_base_file *f, const struct ota_entry *e,
		  int (*write)(void *ctx, const void *buf, size_t len, struct ota_err *err),
		  void *ctx, const char *name, struct ota_err *err);
void ota_base_file_close(struct ota_base_file *f);

#endif
