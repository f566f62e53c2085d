/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_raw.h - inside the manifest module only: reading one member of
 * "entries" or "files" straight out of canonical manifest bytes (canon.h's
 * cursor).  manifest_json.c judges what is read; manifest_walk.c turns it
 * into struct ota_entry while a lean manifest is walked. */
#ifndef OTA_MANIFEST_RAW_H
#define OTA_MANIFEST_RAW_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/canon.h"
#include "lib/manifest.h"

/* `"path":{...}` of "entries", as read; the caller owns both buffers
 * (OTA_PATH_MAX + 1 bytes each) and judges the shape with raw_entry_type. */
struct raw_entry {
	const unsigned char *key; /* the opening quote of the path in the bytes */
	char *path;
	size_t path_len;    /* full UTF-8 length, even when cut */
	bool path_cut;      /* longer than OTA_PATH_MAX */
	char *target;
	size_t target_len;
	bool target_cut;
	bool target_str;    /* the target is a string */
	bool target_nul;    /* that holds U+0000 */
	bool object;        /* the value is an object */
	unsigned keys;      /* RAW_* bits of the keys present */
	unsigned ints;      /* RAW_* bits of those that are integers */
	long long mode, size;
	char type[8];       /* "" unless a string of that size without NUL */
};

#define RAW_MODE 1u
#define RAW_SIZE 2u
#define RAW_TARGET 4u
#define RAW_TYPE 8u
#define RAW_OTHER 16u

/* Read the member at cur (a key, ':', its value) and step past it, but not
 * past the ',' or '}' after it.  -1 if the text is not such a member. */
int raw_entry_read(struct ota_canon_cur *cur, struct raw_entry *r);

/* The entry type of r if its shape is exactly one of the three (keys,
 * types and ranges of manifest.h), else -1. */
int raw_entry_type(const struct raw_entry *r);

/* Read the "files" member at cur: its key's opening quote in *key, and
 * the 32 bytes of a well-formed hash in out (-1 as the second return for
 * a value that is not 64 lowercase hex digits).  Returns -1 if the text
 * is not such a member, else 0 with *hash_ok set. */
int raw_file_read(struct ota_canon_cur *cur, const unsigned char **key,
		  unsigned char out[OTA_SHA256_LEN], bool *hash_ok);

/* The design's form: m's entries made from the "files" object at files
 * (manifest_legacy.c), then ota_manifest_check. */
int manifest_legacy_entries(const unsigned char *files, const unsigned char *end,
			    struct ota_manifest *m, struct ota_err *err);

/* Step past the ',' between members; 1 when at the closing c instead
 * (not consumed), -1 on anything else. */
int raw_next_member(struct ota_canon_cur *cur, char close);

#endif
