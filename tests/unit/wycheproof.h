/* SPDX-License-Identifier: Apache-2.0 */
/* wycheproof.h - what the Ed25519 unit tests share: Wycheproof's
 * ed25519_test.json read from $OTA_TESTDATA (../shared/testdata, never
 * copied in), and its hex fields decoded.  Included after cmocka.h. */
#ifndef OTA_TEST_WYCHEPROOF_H
#define OTA_TEST_WYCHEPROOF_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"

/* The vectors' JSON, owned by the caller (json_decref); fails the test
 * when OTA_TESTDATA is unset or the file does not parse. */
static __attribute__((unused)) json_t *wycheproof_load(void)
{
	const char *dir = getenv("OTA_TESTDATA");
	char path[4096];
	json_error_t jerr;
	json_t *root;

	if (!dir || !*dir)
		fail_msg("OTA_TESTDATA is not set (point it at shared/testdata)");
	if ((size_t)snprintf(path, sizeof(path), "%s/wycheproof/ed25519_test.json", dir) >=
	    sizeof(path))
		fail_msg("OTA_TESTDATA path too long");
	root = json_load_file(path, 0, &jerr);
	if (!root)
		fail_msg("%s: %s (line %d)", path, jerr.text, jerr.line);
	return root;
}

/* hex decoded into a new buffer *out (freed by the caller); its length. */
static __attribute__((unused)) size_t wycheproof_unhex(const char *hex, unsigned char **out)
{
	size_t n = strlen(hex) / 2;

	*out = malloc(n + 1);
	assert_non_null(*out);
	if (strlen(hex) % 2 || ota_unhex(hex, *out, n))
		fail_msg("bad hex in the vectors: %s", hex);
	return n;
}

#endif
