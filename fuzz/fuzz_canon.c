/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_canon.c - canonical JSON (lib/canon.h), for any bytes:
 *   - neither parser crashes, and each failure is a one-line OTA_EFORMAT;
 *   - parse_canonical(x) succeeds  =>  dump(parse(x)) == x, byte for byte
 *     (only the canonical spelling is accepted), and parse(x) succeeds;
 *   - parse(x) succeeds  =>  dump succeeds, and its output y is a fixed
 *     point: parse_canonical(y) succeeds and dumps to y again. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/canon.h"

#define NAME "fuzz.json"

/* dump(v) into out (fresh), which must succeed. */
static void dump_ok(const json_t *v, struct ota_buf *out, const char *what)
{
	struct ota_err err = {0};
	int rc;

	ota_buf_init(out, 0);
	rc = ota_canon_dump(v, out, &err);
	FUZZ_CHECK(rc == 0, "%s: dump of a parsed value failed: %s", what, err.msg);
}

static void check_canonical(const uint8_t *data, size_t size)
{
	struct ota_err err = {0};
	struct ota_buf out;
	json_t *v = NULL, *loose = NULL;
	int rc = ota_canon_parse_canonical(data, size, NAME, &v, &err);

	if (rc) {
		fuzz_check_failure(rc, &err, "ota_canon_parse_canonical");
		FUZZ_CHECK(v == NULL, "parse_canonical failed but left a value");
		return;
	}
	dump_ok(v, &out, "canonical");
	FUZZ_CHECK(out.len == size && memcmp(out.data, data, size) == 0,
		   "accepted as canonical, but dumps to %zu other bytes", out.len);
	ota_buf_free(&out);
	json_decref(v);
	rc = ota_canon_parse(data, size, NAME, &loose, &err);
	FUZZ_CHECK(rc == 0, "canonical text refused by the plain parser: %s", err.msg);
	json_decref(loose);
}

static void check_fixed_point(const uint8_t *data, size_t size)
{
	struct ota_err err = {0};
	struct ota_buf once, twice;
	json_t *v = NULL, *w = NULL;
	int rc = ota_canon_parse(data, size, NAME, &v, &err);

	if (rc) {
		fuzz_check_failure(rc, &err, "ota_canon_parse");
		FUZZ_CHECK(v == NULL, "parse failed but left a value");
		return;
	}
	dump_ok(v, &once, "parsed");
	json_decref(v);
	rc = ota_canon_parse_canonical(once.data, once.len, NAME, &w, &err);
	FUZZ_CHECK(rc == 0, "the canonical form of a value is refused: %s", err.msg);
	dump_ok(w, &twice, "re-parsed");
	FUZZ_CHECK(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0,
		   "canonical form is not a fixed point");
	json_decref(w);
	ota_buf_free(&once);
	ota_buf_free(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_canonical(data, size);
	check_fixed_point(data, size);
	return 0;
}
