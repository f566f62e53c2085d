/* SPDX-License-Identifier: Apache-2.0 */
/* test_verify_wycheproof.c - every Ed25519 vector of Wycheproof
 * ($OTA_TESTDATA/wycheproof/ed25519_test.json) through exactly the steps
 * ota-verify takes for a bundle signature: the group's key written as a
 * .pub file and loaded by ota_keyring_load (PEM, key id, the small-order
 * refusal), the signature as the 88-character text of a signature entry
 * decoded by ota_sig_decode (so a signature of another length cannot
 * even be stated), then the signature policy ota_verify_signatures over
 * the message as manifest bytes.  It must accept exactly the vectors
 * marked valid.  (test_sig.c runs the same vectors on ota_sig_verify.) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/verify.h"
#include "tests/unit/wycheproof.h"

struct counts {
	size_t total, valid, accepted, refused_keys, mismatches;
};

struct fixture {
	char dir[64];
	char pub[96];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	*state = f;
	strcpy(f->dir, "/tmp/test_verify_wycheproof.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->pub, sizeof(f->pub), "%s/group.pub", f->dir);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	int rc = ota_rm_tree(f->dir, NULL);

	free(f);
	return rc;
}

/* The group's key as ota-verify would find it: a .pub file, loaded. */
static bool load_group_key(struct fixture *f, const char *hex, struct ota_keyring *kr)
{
	struct ota_err err = {0};
	unsigned char *raw;
	EVP_PKEY *pkey;
	size_t n = wycheproof_unhex(hex, &raw);

	assert_int_equal(n, OTA_KEY_RAW_LEN);
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, n);
	assert_non_null(pkey);
	assert_int_equal(ota_pubkey_write(pkey, f->pub, true, &err), 0);
	EVP_PKEY_free(pkey);
	free(raw);
	memset(kr, 0, sizeof(*kr));
	if (ota_keyring_load(kr, f->pub, &err) == 0)
		return true;
	assert_int_equal(err.code, OTA_EKEY);
	return false;
}

/* The signature as a bundle carries it, then the policy over msg. */
static bool verifies(const struct ota_keyring *kr, const char *msg_hex, const char *sig_hex)
{
	struct ota_verify_opts opts = {.keys = kr, .device_class = "any", .threshold = 1};
	struct ota_bundle_head head;
	struct ota_verify_result res = {0};
	struct ota_err err = {0};
	unsigned char *msg, *sig;
	size_t mlen = wycheproof_unhex(msg_hex, &msg), slen = wycheproof_unhex(sig_hex, &sig);
	int b64len, rc;
	char *text = malloc(4 * (slen / 3 + 1) + 2);

	assert_non_null(text);
	memset(&head, 0, sizeof(head));
	b64len = EVP_EncodeBlock((unsigned char *)text, sig, (int)slen);
	text[b64len] = '\n';
	rc = ota_sig_decode((const unsigned char *)text, (size_t)b64len + 1, "x.sig",
			    head.sigs[0].sig, &err);
	if (rc == 0) {
		ota_buf_init(&head.manifest, 0);
		assert_int_equal(ota_buf_append(&head.manifest, msg, mlen, &err), 0);
		memcpy(head.sigs[0].keyid, kr->keys[0].id, sizeof(head.sigs[0].keyid));
		head.n_sigs = 1;
		rc = ota_verify_signatures(&head, "wycheproof", &opts, &res, &err);
		if (rc != 0 && rc != OTA_EBADSIG)
			fail_msg("ota_verify_signatures returned %d: %s", rc, err.msg);
		ota_buf_free(&head.manifest);
	} else {
		assert_int_equal(rc, OTA_EFORMAT);
		assert_int_not_equal(slen, OTA_SIG_RAW_LEN);
	}
	free(text);
	free(msg);
	free(sig);
	return rc == 0;
}

static void run_group(struct fixture *f, json_t *group, struct counts *c)
{
	json_t *tests = json_object_get(group, "tests"), *t;
	const char *pk =
	    json_string_value(json_object_get(json_object_get(group, "publicKey"), "pk"));
	struct ota_keyring kr;
	bool loaded, valid, ok;
	size_t i;

	assert_true(pk && json_is_array(tests));
	loaded = load_group_key(f, pk, &kr);
	c->refused_keys += !loaded;
	json_array_foreach(tests, i, t)
	{
		valid = strcmp(json_string_value(json_object_get(t, "result")), "valid") == 0;
		ok = loaded && verifies(&kr, json_string_value(json_object_get(t, "msg")),
					json_string_value(json_object_get(t, "sig")));
		if (ok != valid) {
			print_message("# tcId %lld (%s): expected %s\n",
				      json_integer_value(json_object_get(t, "tcId")),
				      json_string_value(json_object_get(t, "comment")),
				      valid ? "valid" : "invalid");
			c->mismatches++;
		}
		c->total++;
		c->valid += valid;
		c->accepted += ok;
	}
	ota_keyring_free(&kr);
}

static void test_verify_wycheproof_ota_verify_path_accepts_exactly_the_valid_vectors(void **state)
{
	json_t *root = wycheproof_load(), *g;
	json_t *groups = json_object_get(root, "testGroups");
	struct counts c = {0};
	size_t i;

	assert_true(json_is_array(groups));
	json_array_foreach(groups, i, g) run_group(*state, g, &c);
	print_message("# wycheproof ed25519 via keyring + signature entry + policy: %zu vectors "
		      "(%zu valid), %zu accepted, %zu keys refused, %zu mismatches\n",
		      c.total, c.valid, c.accepted, c.refused_keys, c.mismatches);
	assert_int_equal(c.total,
			 (size_t)json_integer_value(json_object_get(root, "numberOfTests")));
	assert_true(c.valid > 0 && c.valid < c.total);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(c.accepted, c.valid);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_verify_wycheproof_ota_verify_path_accepts_exactly_the_valid_vectors, setup,
		teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
