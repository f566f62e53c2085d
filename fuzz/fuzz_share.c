/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_share.c - escrow share files (lib/share.h), parsed from any bytes:
 * no crash or leak; a refusal is one line "NAME:LINE: ..." or "NAME: ..."
 * with OTA_EFORMAT, and leaves the share wiped (it holds a secret); an
 * accepted share has its fields in range, formats to a text that parses
 * back to the same share, and that text is a fixed point of
 * format(parse(.)).  Built once lib/share.c exists. */
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/share.h"

#define NAME "fuzz.share"

static void check_wiped(const struct ota_share *s)
{
	static const struct ota_share zero;

	FUZZ_CHECK(memcmp(s, &zero, sizeof(zero)) == 0, "a refused share was not wiped");
}

static void check_fields(const struct ota_share *s)
{
	FUZZ_CHECK(s->shares >= 1 && s->shares <= 255, "shares %u accepted", s->shares);
	FUZZ_CHECK(s->threshold >= 1 && s->threshold <= s->shares, "threshold %u of %u accepted",
		   s->threshold, s->shares);
	FUZZ_CHECK(s->index >= 1 && s->index <= s->shares, "index %u of %u accepted", s->index,
		   s->shares);
}

/* format(s) parses back to s, and formatting that gives the same text. */
static void check_round_trip(const struct ota_share *s)
{
	struct ota_buf once, twice;
	struct ota_share back;
	struct ota_err err = {0};

	ota_buf_init(&once, OTA_SHARE_FILE_MAX);
	ota_buf_init(&twice, OTA_SHARE_FILE_MAX);
	FUZZ_CHECK(ota_share_format(s, &once, &err) == 0, "an accepted share does not format: %s",
		   err.msg);
	FUZZ_CHECK(ota_share_parse(once.data, once.len, NAME, &back, &err) == 0,
		   "a formatted share does not parse: %s", err.msg);
	FUZZ_CHECK(memcmp(&back, s, sizeof(back)) == 0, "the share changed through its text");
	FUZZ_CHECK(ota_share_format(&back, &twice, &err) == 0, "format failed: %s", err.msg);
	FUZZ_CHECK(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0,
		   "the share's text is not a fixed point");
	ota_share_wipe(&back);
	ota_buf_cleanse(&once);
	ota_buf_cleanse(&twice);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ota_share s;
	struct ota_err err = {0};
	int rc;

	memset(&s, 0x5a, sizeof(s)); /* so that "wiped" means something */
	rc = ota_share_parse(data, size, NAME, &s, &err);
	fuzz_note("ota_share_parse", rc, &err);
	if (rc) {
		fuzz_check_failure(rc, &err, "ota_share_parse");
		FUZZ_CHECK(rc == OTA_EFORMAT || rc == OTA_EINTERNAL, "code %d: %s", rc, err.msg);
		FUZZ_CHECK(strncmp(err.msg, NAME ":", strlen(NAME) + 1) == 0,
			   "message does not name the share file: %s", err.msg);
		check_wiped(&s);
		return 0;
	}
	check_fields(&s);
	check_round_trip(&s);
	ota_share_wipe(&s);
	return 0;
}
