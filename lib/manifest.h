/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.h - the signed description of a release (schema/manifest.md).
 *
 * Canonical JSON (canon.h) of an object with exactly these keys:
 *   "format"          1
 *   "version"         release version: a semantic version (semver.h), at
 *                     most 64 bytes, without ".tmp-"
 *   "target"          device class, 1-64 of [A-Za-z0-9._-]
 *   "rollback_index"  integer >= 0, monotonic per device
 *   "created"         integer seconds since the epoch (SOURCE_DATE_EPOCH)
 *   "expires"         optional: integer seconds since the epoch, after
 *                     created; a device refuses the release from then on
 *                     (its attested time, schema/trust.md)
 *   "files"           path -> lowercase hex SHA-256, every regular file
 *                     (the design's own field: its verify_bundle reads it)
 *   "entries"         path -> {"type":"file","mode":M,"size":N}
 *                            | {"type":"dir","mode":M}
 *                            | {"type":"symlink","target":T}
 *   "delta"           only in a delta bundle's manifest (schema/manifest.md):
 *                     {"base":V,"base_manifest":H,"omitted":[path, ...]},
 *                     the release it was made against (its version, the
 *                     SHA-256 of its manifest bytes) and the files, sorted,
 *                     that the payload leaves out because V has their bytes
 * The design's own manifest, exactly {"files", "target", "version"}, is
 * read too, as a documented legacy form: rollback index 0, created 0, each
 * file mode 0644 with its size unrecorded (any_size: the hash decides),
 * each directory its paths imply mode 0755, nothing else.
 *
 * Every directory of the release is an entry, so the parent of every entry
 * is a "dir" entry (never a symlink) and the file set is exact.  Entries
 * are kept sorted by the byte order of their UTF-8 paths, which is also
 * canonical key order and the order of payload/ in a bundle.
 *
 * A parsed manifest comes in two forms.  ota_manifest_parse builds the
 * entries array (the build side, tests, small manifests).  ota_manifest_load
 * keeps only the canonical bytes and an index of the directories, and
 * reads each entry out of the bytes as it is walked: a device verifying a
 * 100,000-file release holds the manifest once and nothing per file.  When
 * those bytes are a mapped buffer (buf.h: a manifest over 1 MiB), every
 * reader drops the pages it has passed, so "once" is a few pages.  Both
 * run the same checks on the same bytes and accept exactly the same
 * manifests.  Code that must take either form walks the entries with
 * ota_manifest_walk_* instead of indexing m->entries.
 */
#ifndef OTA_MANIFEST_H
#define OTA_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/path.h"

#define OTA_MANIFEST_FORMAT 1
#define OTA_MANIFEST_MAX (16u * 1024 * 1024) /* bytes of manifest JSON */
#define OTA_MANIFEST_MAX_ENTRIES 200000
#define OTA_VERSION_MAX 64
#define OTA_TARGET_MAX 64
/* In the name of every temporary file or directory the tools make next to
 * their output; no version contains it. */
#define OTA_TMP_MARK ".tmp-"

enum ota_entry_type { OTA_ENTRY_FILE, OTA_ENTRY_DIR, OTA_ENTRY_SYMLINK };

struct ota_entry {
	char *path; /* owned, NUL-terminated (paths never contain NUL) */
	enum ota_entry_type type;
	unsigned int mode;       /* permission bits (07777), file and dir */
	unsigned long long size; /* file */
	unsigned char sha256[OTA_SHA256_LEN]; /* file */
	char *link_target;       /* owned, symlink */
	bool omitted;            /* file of a delta left out of its payload */
	bool any_size;           /* file of the design's form: size not recorded,
				    its hash alone decides */
};

/* What a delta bundle's manifest says about the release it builds on. */
struct ota_delta {
	char *base; /* owned: the base release's version; NULL if not a delta */
	unsigned char base_manifest[OTA_SHA256_LEN]; /* SHA-256 of its manifest */
	size_t n_omitted;                 /* files the payload leaves out */
	unsigned long long omitted_bytes; /* and their bytes */
};

struct ota_manifest {
	char *version; /* owned */
	char *target;  /* owned */
	unsigned long long rollback_index;
	long long created;
	long long expires; /* 0: never */
	struct ota_entry *entries; /* owned, sorted by path once checked */
	size_t n_entries;
	size_t cap_entries;
	size_t n_files;
	unsigned long long payload_bytes; /* sum of file sizes */
	struct ota_delta delta;
	/* The design's own form (version, target, files only; see
	 * schema/manifest.md): built from "files" even by _load, with its
	 * bytes kept in bytes, which _serialize gives back. */
	bool legacy;
	/* The lean form (ota_manifest_load): entries is NULL, n_entries and
	 * the rest are set, and the entries are read out of bytes. */
	struct ota_buf bytes;     /* owned canonical bytes */
	size_t entries_at, files_at, omitted_at; /* offsets of those values */
	uint32_t *dirs;           /* owned: offset of each "dir" entry's key */
	size_t n_dirs;
};

/* New empty manifest; NULL when out of memory.  Free with _free. */
struct ota_manifest *ota_manifest_new(void);
void ota_manifest_free(struct ota_manifest *m);

/* Set the header fields (copied). */
int ota_manifest_set(struct ota_manifest *m, const char *version, const char *target,
		     unsigned long long rollback_index, long long created, struct ota_err *err);

/* Append an entry (strings copied, order free; _check sorts). */
int ota_manifest_add(struct ota_manifest *m, const struct ota_entry *e, struct ota_err *err);

/* Sort the entries and check every rule above: header fields, paths
 * (path.h), parents are dirs, symlinks stay inside, no duplicates, limits.
 * OTA_EFORMAT / OTA_EPATH with the reason. */
int ota_manifest_check(struct ota_manifest *m, struct ota_err *err);

/* Parse manifest bytes: strict canonical JSON (canon.h), exact key set,
 * types and ranges, and every rule of ota_manifest_check.  name is for
 * errors.  *out owned by the caller, with its entries array built. */
int ota_manifest_parse(const unsigned char *data, size_t len, const char *name,
		       struct ota_manifest **out, struct ota_err *err);

/* The same checks, keeping the lean form: *bytes is taken (moved into
 * *out on success, freed on failure; either way it is left empty).  The
 * memory is the bytes plus 4 bytes per directory. */
int ota_manifest_load(struct ota_buf *bytes, const char *name, struct ota_manifest **out,
		      struct ota_err *err);

/* Append the canonical bytes of a checked manifest to out (a lean one's
 * are its bytes). */
int ota_manifest_serialize(const struct ota_manifest *m, struct ota_buf *out, struct ota_err *err);

/* Write the canonical bytes of m to path, atomically and durably, without
 * a second copy in memory for a lean m. */
int ota_manifest_write_file(const struct ota_manifest *m, const char *path, struct ota_err *err);

/* The entry with this path (binary search), or NULL; the built form only
 * (NULL for a lean manifest: use ota_manifest_lookup). */
const struct ota_entry *ota_manifest_find(const struct ota_manifest *m, const char *path);

/* Walking the entries of either form, in manifest order.  An entry given
 * out stays valid until the next call on the same walk. */
struct ota_manifest_walk {
	const struct ota_manifest *m;
	size_t next;               /* index of the next entry */
	size_t back;               /* directories left for _dir_back */
	size_t epos, fpos, opos;   /* lean: next member of entries, files, omitted */
	unsigned steps;            /* lean: entries read, for dropping mapped pages */
	struct ota_entry e;        /* lean: the entry given out */
	char path[OTA_PATH_MAX + 1];
	char target[OTA_PATH_MAX + 1];
};

void ota_manifest_walk_init(struct ota_manifest_walk *w, const struct ota_manifest *m);
/* 1 and *e the next entry, 0 after the last.  A lean manifest was checked
 * when loaded, so reading it fails only if its bytes were damaged in
 * memory since: OTA_EINTERNAL. */
int ota_manifest_walk_next(struct ota_manifest_walk *w, const struct ota_entry **e,
			   struct ota_err *err);
/* The directories, last first: each comes before its parent. */
int ota_manifest_walk_dir_back(struct ota_manifest_walk *w, const struct ota_entry **e,
			       struct ota_err *err);
/* The entry with this path in either form (w is scratch, restarted):
 * 1 and *e, or 0 if there is none.  Linear in a lean manifest. */
int ota_manifest_lookup(const struct ota_manifest *m, const char *path,
			struct ota_manifest_walk *w, const struct ota_entry **e,
			struct ota_err *err);

/* True if s is a valid version / target string (see above): names safe
 * for a directory.  A release directory on the device needs no more. */
bool ota_manifest_version_ok(const char *s);
bool ota_manifest_target_ok(const char *s);

/* The version rule of a manifest: within the charset and length above
 * (cut: it was longer than OTA_VERSION_MAX), else OTA_EFORMAT; then a
 * semantic version (semver.h), else OTA_EVERSION naming it. */
int ota_manifest_version_check(const char *v, bool cut, struct ota_err *err);

#endif
