/* base.h - where a delta's omitted files come from when the release is
 * unpacked (ota-agent install, ota-verify --extract --base): a struct
 * ota_base lists base release trees.  ota_base_plan finds a source for
 * every omitted file before anything is written: the same path in the
 * release the delta names, else any file of any listed release with the
 * same SHA-256 (through its manifest, or by hashing the tree when it has
 * none).  ota_base_fill then copies each one, hashing it on the way: a
 * base file is never trusted for what its manifest says.
 */
#ifndef OTA_BASE_H
#define OTA_BASE_H

#include <stddef.h>

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

/* A source for each file m omits, or OTA_EFILESET naming the first that
 * none of the trees has.  name is the bundle, for messages.  Once done,
 * calling it again does nothing. */
int ota_base_plan(struct ota_base *b, const struct ota_manifest *m, const char *name,
		  struct ota_err *err);

/* Copy the next omitted file e (they come in manifest order, after
 * _plan) through write, hashing it: OTA_EHASH if the bytes on disk are not
 * the ones the manifest signs, OTA_EFILESET if the file is gone. */
int ota_base_fill(struct ota_base *b, const struct ota_entry *e,
		  int (*write)(void *ctx, const void *buf, size_t len, struct ota_err *err),
		  void *ctx, const char *name, struct ota_err *err);

#endif
