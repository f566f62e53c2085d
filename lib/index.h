/* SPDX-License-Identifier: Apache-2.0 */
/* index.h - the bundle index a technician's laptop serves over HTTP.
 *
 * DIR/index.json, canonical JSON:
 *   {"bundles":[{"file":"app-1.2.0.bundle","sha256":"<hex of the file>",
 *                "size":N,"target":"edge-gw-v2","version":"1.2.0"}, ...],
 *    "format":1,
 *    "trust":[{"file":"fleet-2.trust","sequence":2,"sha256":"<hex>",
 *              "size":N,"target":"*"}, ...]}
 * (a "trust" entry may also be a timestamp, "current.ts": the sequence it
 * says is current)
 * each list sorted by file name; "trust" is there only when the directory
 * holds trust files (schema/trust.md), so an index without them reads as
 * before.  The index is a hint for choosing and for checking
 * a download; trust comes only from each bundle's signature.
 */
#ifndef OTA_INDEX_H
#define OTA_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/dirnames.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/manifest.h"

#define OTA_INDEX_FILE "index.json"
#define OTA_INDEX_FORMAT 1
#define OTA_INDEX_MAX (1024 * 1024) /* bytes of index.json */
#define OTA_INDEX_MAX_BUNDLES 10000
#define OTA_BUNDLE_EXT ".bundle"

struct ota_index_entry {
	char *file; /* owned; a plain file name: no '/', not "." or "..", UTF-8 */
	char version[OTA_VERSION_MAX + 1];
	char target[OTA_TARGET_MAX + 1];
	unsigned long long size;
	unsigned char sha256[OTA_SHA256_LEN];
};

/* A trust file the index lists: the device fetches it (at most
 * OTA_INDEX_TRUST_MAX_SIZE bytes), checks size and SHA-256 and judges it
 * as any trust file. */
struct ota_index_trust {
	char *file; /* owned; a plain file name ending in ".trust" or ".ts" */
	unsigned long long sequence;
	char target[OTA_TARGET_MAX + 1]; /* a device class or "*" */
	unsigned long long size;
	unsigned char sha256[OTA_SHA256_LEN];
};

#define OTA_INDEX_MAX_TRUST 64
#define OTA_INDEX_TRUST_MAX_SIZE (64 * 1024) /* OTA_TRUST_FILE_MAX */
#define OTA_TRUST_EXT ".trust"
#define OTA_TIMESTAMP_EXT ".ts" /* `ota-keytool trust timestamp` (schema/trust.md) */

struct ota_index {
	struct ota_index_entry *entries; /* owned */
	size_t n;
	struct ota_index_trust *trust; /* owned */
	size_t n_trust;
};

/* Parse index.json bytes strictly (canonical not required: any server may
 * re-encode; unknown keys, duplicate keys and a file listed twice are
 * refused); name is for errors.  OTA_EFORMAT.  Free idx with _free, also
 * after a failure. */
int ota_index_parse(const unsigned char *data, size_t len, const char *name,
		    struct ota_index *idx, struct ota_err *err);
void ota_index_free(struct ota_index *idx);

/* The newest entry (version order, semver.h) for target that is newer
 * than installed ("" = anything); the first in file order among equals;
 * NULL if none. */
const struct ota_index_entry *ota_index_pick(const struct ota_index *idx, const char *target,
					     const char *installed);

/* True if name is a plain file name an index may list (see the entry). */
bool ota_index_name_ok(const char *name);

/* The names in dir that end in ".bundle" and do not start with '.' (the
 * "._x.bundle" files macOS leaves on FAT media are not bundles), of any
 * file type, sorted by byte order; at most OTA_INDEX_MAX_BUNDLES
 * (ota_dir_names).  Free with ota_dir_names_free. */
int ota_bundle_names(const char *dir, char ***names, size_t *n, struct ota_err *err);

/* The names in dir ending in ".trust" or ".ts" (trust files and
 * timestamps; as ota_bundle_names), sorted, at most OTA_INDEX_MAX_TRUST
 * of both. */
int ota_trust_names(const char *dir, char ***names, size_t *n, struct ota_err *err);

/* Scan dir for *.bundle files, read each one's head (manifest only, not
 * verified: the index is a hint), hash the file, and write dir/index.json
 * atomically, and list its *.trust files (parsed for their sequence and
 * target, signatures not checked: the device judges them).  Files that
 * are not bundles or trust files are skipped with a warning
 * appended to warnings (one line each) when warnings is not NULL.
 * *count gets the number of bundles listed, *n_trust (may be NULL) that
 * of trust files. */
int ota_index_write_dir(const char *dir, size_t *count, size_t *n_trust,
			struct ota_buf *warnings, struct ota_err *err);

#endif
