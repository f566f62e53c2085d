/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_manifest.c - the manifest parser (lib/manifest.h), for any bytes:
 *   - it never crashes, and a refusal is a one-line OTA_E* error;
 *   - what it accepts is canonical: serialize(parse(x)) == x byte for
 *     byte, and parse(serialize(parse(x))) succeeds;
 *   - what it accepts keeps the model's invariants: entries sorted and
 *     unique, every path and link safe (path.h), every parent a
 *     directory, the file count and byte sum right. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/manifest.h"
#include "lib/path.h"

#define NAME "fuzz-manifest.json"

static void check_entry(const struct ota_manifest *m, size_t i)
{
	const struct ota_entry *e = &m->entries[i], *parent;
	size_t plen = ota_path_parent_len(e->path);
	struct ota_err err = {0};
	char dir[OTA_PATH_MAX + 1];

	FUZZ_CHECK(ota_path_check(e->path, strlen(e->path), &err) == 0, "unsafe path accepted: %s",
		   err.msg);
	FUZZ_CHECK(i == 0 || strcmp(m->entries[i - 1].path, e->path) < 0,
		   "entries not sorted and unique at %zu", i);
	FUZZ_CHECK(ota_manifest_find(m, e->path) == e, "find does not find entry %zu", i);
	if (e->type == OTA_ENTRY_SYMLINK)
		FUZZ_CHECK(e->link_target &&
			       ota_path_check_link(e->path, e->link_target, &err) == 0,
			   "unsafe link accepted: %s", err.msg);
	else
		FUZZ_CHECK(e->mode <= 07777, "mode %o accepted", e->mode);
	if (plen == 0)
		return;
	FUZZ_CHECK(plen <= OTA_PATH_MAX, "parent too long");
	memcpy(dir, e->path, plen);
	dir[plen] = '\0';
	parent = ota_manifest_find(m, dir);
	FUZZ_CHECK(parent && parent->type == OTA_ENTRY_DIR, "parent of entry %zu is not a dir", i);
}

static void check_model(const struct ota_manifest *m)
{
	unsigned long long bytes = 0;
	size_t i, files = 0;

	FUZZ_CHECK(ota_manifest_version_ok(m->version), "bad version accepted");
	FUZZ_CHECK(ota_manifest_target_ok(m->target), "bad target accepted");
	FUZZ_CHECK(m->n_entries <= OTA_MANIFEST_MAX_ENTRIES, "too many entries accepted");
	for (i = 0; i < m->n_entries; i++) {
		check_entry(m, i);
		if (m->entries[i].type == OTA_ENTRY_FILE) {
			files++;
			bytes += m->entries[i].size;
		}
	}
	FUZZ_CHECK(files == m->n_files && bytes == m->payload_bytes, "file count or bytes wrong");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ota_manifest *m = NULL, *again = NULL;
	struct ota_err err = {0};
	struct ota_buf out;
	int rc = ota_manifest_parse(data, size, NAME, &m, &err);

	if (rc) {
		fuzz_check_failure(rc, &err, "ota_manifest_parse");
		FUZZ_CHECK(m == NULL, "parse failed but returned a manifest");
		FUZZ_CHECK(strncmp(err.msg, NAME ": ", strlen(NAME) + 2) == 0,
			   "message does not name the manifest: %s", err.msg);
		return 0;
	}
	check_model(m);
	ota_buf_init(&out, OTA_MANIFEST_MAX);
	rc = ota_manifest_serialize(m, &out, &err);
	FUZZ_CHECK(rc == 0, "serialize of a parsed manifest failed: %s", err.msg);
	FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0,
		   "parse accepted bytes that do not serialize back to themselves");
	rc = ota_manifest_parse(out.data, out.len, NAME, &again, &err);
	FUZZ_CHECK(rc == 0, "the serialized manifest does not parse: %s", err.msg);
	FUZZ_CHECK(again->n_entries == m->n_entries && again->rollback_index == m->rollback_index &&
		       again->created == m->created && !strcmp(again->version, m->version) &&
		       !strcmp(again->target, m->target),
		   "re-parsed manifest differs");
	ota_manifest_free(again);
	ota_buf_free(&out);
	ota_manifest_free(m);
	return 0;
}
