/* SPDX-License-Identifier: Apache-2.0 */
/* bundle.h - the bundle container (schema/bundle.md).
 *
 * A POSIX (pax) tar stream, optionally gzip/xz/zstd compressed as a whole:
 *   manifest.json             the canonical manifest bytes
 *   signatures/<keyid>.sig    one per signature, sorted by key id:
 *                             88 base64 characters and "\n"
 *   signatures/.slots         (uncompressed bundles) room for more
 *                             signatures, written in place (bundle_slots.h)
 *   payload/<path>            every manifest entry in manifest order:
 *                             regular files, directories, symlinks
 * and nothing else.  Headers are deterministic: uid/gid 0, no user or group
 * names, mtime = the manifest's "created", modes from the manifest.
 */
#ifndef OTA_BUNDLE_H
#define OTA_BUNDLE_H

#define OTA_BUNDLE_MANIFEST "manifest.json"
#define OTA_BUNDLE_SIG_DIR "signatures/"
#define OTA_BUNDLE_SIG_EXT ".sig"
#define OTA_BUNDLE_PAYLOAD_DIR "payload/"
#define OTA_BUNDLE_MAX_SIGS 64
/* The reserved entry: free signature slots of OTA_BUNDLE_SLOT_SIZE bytes
 * each (a signature entry's header block and data block). */
#define OTA_BUNDLE_SLOTS "signatures/.slots"
#define OTA_BUNDLE_SLOT_SIZE 1024
#define OTA_BUNDLE_SLOTS_DEFAULT 8
#define OTA_BUNDLE_IO_CHUNK (256 * 1024)

enum ota_compress {
	OTA_COMPRESS_NONE,
	OTA_COMPRESS_GZIP,
	OTA_COMPRESS_XZ,
	OTA_COMPRESS_ZSTD,
};

/* "none", "gzip", "xz", "zstd" <-> enum; -1 for an unknown name. */
int ota_compress_parse(const char *name);
const char *ota_compress_name(enum ota_compress c);

#endif
