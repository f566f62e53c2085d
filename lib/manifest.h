/* manifest.h - the signed description of a release (schema/manifest.md).
 *
 * Canonical JSON (canon.h) of an object with exactly these keys:
 *   "format"          1
 *   "version"         release version, 1-64 of [A-Za-z0-9._+~-], not "."- or
 *                     "-"-led, without ".tmp-"
 *   "target"          device class, 1-64 of [A-Za-z0-9._-]
 *   "rollback_index"  integer >= 0, monotonic per device
 *   "created"         integer seconds since the epoch (SOURCE_DATE_EPOCH)
 *   "files"           path -> lowercase hex SHA-256, every regular file
 *                     (the design's own field: its verify_bundle reads it)
 *   "entries"         path -> {"type":"file","mode":M,"size":N}
 *                            | {"type":"dir","mode":M}
 *                            | {"type":"symlink","target":T}
 * Every directory of the release is an entry, so the parent of every entry
 * is a "dir" entry (never a symlink) and the file set is exact.  Entries
 * are kept sorted by the byte order of their UTF-8 paths, which is also
 * canonical key order and the order of payload/ in a bundle.
 */
#ifndef OTA_MANIFEST_H
#define OTA_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"

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
};

struct ota_manifest {
	char *version; /* owned */
	char *target;  /* owned */
	unsigned long long rollback_index;
	long long created;
	struct ota_entry *entries; /* owned, sorted by path once checked */
	size_t n_entries;
	size_t cap_entries;
	size_t n_files;
	unsigned long long payload_bytes; /* sum of file sizes */
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
 * types and ranges, then ota_manifest_check.  name is for errors.
 * *out owned by the caller. */
int ota_manifest_parse(const unsigned char *data, size_t len, const char *name,
		       struct ota_manifest **out, struct ota_err *err);

/* Append the canonical bytes of a checked manifest to out. */
int ota_manifest_serialize(const struct ota_manifest *m, struct ota_buf *out, struct ota_err *err);

/* The entry with this path (binary search), or NULL. */
const struct ota_entry *ota_manifest_find(const struct ota_manifest *m, const char *path);

/* True if s is a valid version / target string (see above). */
bool ota_manifest_version_ok(const char *s);
bool ota_manifest_target_ok(const char *s);

#endif
