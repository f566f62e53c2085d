/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_index.c - the bundle index a laptop serves (lib/index.h), parsed
 * from any bytes: no crash or leak, a refusal is one line with a code of
 * err.h, and an accepted index holds the header's promises: at most
 * OTA_INDEX_MAX_BUNDLES entries, each file a plain UTF-8 name (no '/',
 * not "." or ".."), a valid version and target; ota_index_pick returns
 * an entry of the index for its target, newer than what is installed.
 * The index is freed after a failure too, as the delivery branch's
 * lib/index.h asks. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/index.h"
#include "lib/path.h"
#include "lib/semver.h"

#define NAME "fuzz-index.json"

static void check_entry(const struct ota_index_entry *e)
{
	FUZZ_CHECK(e->file && *e->file, "entry without a file name");
	FUZZ_CHECK(!strchr(e->file, '/') && strcmp(e->file, ".") && strcmp(e->file, ".."),
		   "file is not a plain name");
	FUZZ_CHECK(ota_utf8_valid(e->file, strlen(e->file)), "file name is not UTF-8");
	FUZZ_CHECK(ota_manifest_version_ok(e->version), "bad version accepted");
	FUZZ_CHECK(ota_manifest_target_ok(e->target), "bad target accepted");
}

static void check_pick(const struct ota_index *idx, const char *target, const char *installed)
{
	const struct ota_index_entry *e = ota_index_pick(idx, target, installed);

	if (!e)
		return;
	FUZZ_CHECK(e >= idx->entries && e < idx->entries + idx->n, "pick is not an entry");
	FUZZ_CHECK(strcmp(e->target, target) == 0, "pick is for another target");
	FUZZ_CHECK(!*installed || ota_semver_cmp(e->version, installed) > 0,
		   "pick is not newer than the installed version");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ota_index idx;
	struct ota_err err = {0};
	size_t i;
	int rc;

	memset(&idx, 0, sizeof(idx));
	rc = ota_index_parse(data, size, NAME, &idx, &err);
	fuzz_note("ota_index_parse", rc, &err);
	if (rc) {
		fuzz_check_failure(rc, &err, "ota_index_parse");
		ota_index_free(&idx); /* also after a failure */
		return 0;
	}
	FUZZ_CHECK(idx.n <= OTA_INDEX_MAX_BUNDLES, "too many entries accepted");
	for (i = 0; i < idx.n; i++)
		check_entry(&idx.entries[i]);
	check_pick(&idx, "edge-gw-v2", "");
	if (idx.n) {
		check_pick(&idx, idx.entries[0].target, "");
		check_pick(&idx, idx.entries[0].target, idx.entries[0].version);
	}
	ota_index_free(&idx);
	return 0;
}
