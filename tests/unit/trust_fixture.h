/* SPDX-License-Identifier: Apache-2.0 */
/* trust_fixture.h - what the trust unit tests share: NKEYS fresh Ed25519
 * keys (define NKEYS before including), their raw public keys and ids, a
 * temp dir per test, and a keyring made of any of the keys. */
#ifndef OTA_TEST_TRUST_FIXTURE_H
#define OTA_TEST_TRUST_FIXTURE_H

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/fsutil.h"
#include "lib/keys.h"

struct fx {
	EVP_PKEY *k[NKEYS];
	unsigned char raw[NKEYS][OTA_KEY_RAW_LEN];
	char id[NKEYS][OTA_KEYID_HEX_LEN + 1];
	char dir[256];
};

static __attribute__((unused)) int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	int i;

	if (!f)
		return -1;
	for (i = 0; i < NKEYS; i++)
		if (ota_key_generate(&f->k[i], NULL) ||
		    ota_key_raw_public(f->k[i], f->raw[i], NULL) || ota_key_id(f->raw[i], f->id[i], NULL))
			return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test_trust.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	*state = f;
	return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
	struct fx *f = *state;
	int i, rc = ota_rm_tree(f->dir, NULL);

	for (i = 0; i < NKEYS; i++)
		EVP_PKEY_free(f->k[i]);
	free(f);
	return rc;
}

/* A keyring of the keys whose bits are set in mask. */
static __attribute__((unused)) void ring(const struct fx *f, unsigned int mask,
					 struct ota_keyring *kr)
{
	int i;

	memset(kr, 0, sizeof(*kr));
	for (i = 0; i < NKEYS; i++)
		if (mask & 1U << i)
			assert_int_equal(ota_keyring_add_raw(kr, f->raw[i], "test", NULL), 0);
}

#endif
