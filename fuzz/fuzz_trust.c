/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_trust.c - trust files and timestamps (lib/trust.h), parsed from any
 * bytes: they arrive on sticks and from indexes.  No crash or leak; a
 * refusal is one line naming the file with OTA_EFORMAT or OTA_EKEY; an
 * accepted file has its fields in range, formats back to exactly its
 * input bytes, and the rules (check_self, and an update or a timestamp
 * against it) give a code of err.h without crashing. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/trust.h"

#define NAME "fuzz.trust"

/* The thresholds of a trust file's roles, each within its keys. */
static void check_roles(const struct ota_trust *t)
{
	FUZZ_CHECK(t->threshold >= 1 && t->threshold <= t->keys.n, "root threshold %u of %zu",
		   t->threshold, t->keys.n);
	FUZZ_CHECK(t->release.threshold >= 1 && t->release.threshold <= t->release.keys.n,
		   "release threshold %u of %zu", t->release.threshold, t->release.keys.n);
	FUZZ_CHECK(t->timestamp.threshold <= t->timestamp.keys.n, "timestamp threshold %u of %zu",
		   t->timestamp.threshold, t->timestamp.keys.n);
}

static void check_fields(const struct ota_trust *t)
{
	FUZZ_CHECK(t->format == OTA_TRUST_FORMAT || t->format == OTA_TRUST_FORMAT_ROLES,
		   "format %u accepted", t->format);
	FUZZ_CHECK(t->sequence >= 1 && t->sequence <= OTA_TRUST_SEQUENCE_MAX, "sequence %llu",
		   t->sequence);
	FUZZ_CHECK(t->expires == 0 || t->expires > t->created, "expires %lld before created %lld",
		   t->expires, t->created);
	if (t->kind == OTA_TRUST_KIND_TIMESTAMP) {
		FUZZ_CHECK(t->keys.n == 0 && t->expires, "a timestamp with keys or no expiry");
		return;
	}
	check_roles(t);
}

/* The text of an accepted file is exactly its input. */
static void check_round_trip(const struct ota_trust *t, const uint8_t *data, size_t size)
{
	struct ota_buf text;
	struct ota_err err = {0};

	ota_buf_init(&text, 0);
	FUZZ_CHECK(ota_trust_format(t, &text, &err) == 0, "an accepted file does not format: %s",
		   err.msg);
	FUZZ_CHECK(text.len == size && memcmp(text.data, data, size) == 0,
		   "the file changed through format");
	ota_buf_free(&text);
}

/* The rules, on t against itself: any code, never a crash. */
static void check_rules(const struct ota_trust *t)
{
	struct ota_err err = {0};
	int rc;

	if (t->kind == OTA_TRUST_KIND_TIMESTAMP)
		return;
	rc = ota_trust_check_self(t, &err);
	if (rc)
		fuzz_check_failure(rc, &err, "ota_trust_check_self");
	rc = ota_trust_check_update(t, t, NULL, &err);
	FUZZ_CHECK(rc == OTA_EROLLBACK, "a trust file updates itself: %d", rc);
	rc = ota_trust_check_timestamp(t, t, NULL, 0, &err);
	if (rc)
		fuzz_check_failure(rc, &err, "ota_trust_check_timestamp");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ota_trust t;
	struct ota_err err = {0};
	int rc = ota_trust_parse(data, size, NAME, &t, &err);

	fuzz_note("ota_trust_parse", rc, &err);
	if (rc) {
		fuzz_check_failure(rc, &err, "ota_trust_parse");
		FUZZ_CHECK(rc == OTA_EFORMAT || rc == OTA_EKEY || rc == OTA_EINTERNAL, "code %d: %s",
			   rc, err.msg);
		FUZZ_CHECK(strncmp(err.msg, NAME ":", strlen(NAME) + 1) == 0,
			   "message does not name the trust file: %s", err.msg);
		return 0;
	}
	check_fields(&t);
	check_round_trip(&t, data, size);
	check_rules(&t);
	ota_trust_free(&t);
	return 0;
}
