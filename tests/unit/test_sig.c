/* SPDX-License-Identifier: Apache-2.0 */
/* test_sig.c - Ed25519 signatures (lib/sig.c) and the weak-key check.
 * Runs every vector of $OTA_TESTDATA/wycheproof/ed25519_test.json, shows
 * that plain OpenSSL accepts a forgery under a small-order key that our
 * path refuses (streamed too), holds the streamed check (ota_sig_stream)
 * to the one-shot one's verdicts and messages, and holds the base64 text
 * form to one spelling. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/sig.h"
#include "tests/unit/wycheproof.h"

#define NAME "test.sig"

/* Small-order encodings (libsodium's blocklist), written out here again
 * rather than shared with lib/keys.c so a typo there cannot hide. */
static const char *const weak_hex[] = {
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
};

static void unhex_or_fail(const char *hex, unsigned char *out, size_t n)
{
	if (strlen(hex) != 2 * n || ota_unhex(hex, out, n) != 0)
		fail_msg("bad hex in test data: %s", hex);
}

/* A fresh key pair: the private EVP_PKEY and its public half as pk. */
static EVP_PKEY *new_pair(struct ota_pubkey *pk)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_err err = {0};
	EVP_PKEY *key = NULL;

	assert_int_equal(ota_key_generate(&key, &err), 0);
	assert_int_equal(ota_key_raw_public(key, raw, &err), 0);
	assert_int_equal(ota_pubkey_from_raw(pk, raw, "test.pub", &err), 0);
	return key;
}

/* ---- Wycheproof ---- */

/* Does our path accept this vector?  A signature that is not 64 bytes
 * cannot even be passed to ota_sig_verify: rejected. */
static bool accepts(const struct ota_pubkey *pk, const char *msg_hex, const char *sig_hex)
{
	unsigned char sig[OTA_SIG_RAW_LEN], *msg;
	size_t len = strlen(msg_hex) / 2;
	struct ota_err err = {0};
	int rc;

	if (strlen(sig_hex) != 2 * OTA_SIG_RAW_LEN)
		return false;
	unhex_or_fail(sig_hex, sig, sizeof(sig));
	msg = malloc(len + 1);
	assert_non_null(msg);
	unhex_or_fail(msg_hex, msg, len);
	rc = ota_sig_verify(pk, msg, len, sig, &err);
	free(msg);
	if (rc != 0 && rc != OTA_EBADSIG)
		fail_msg("ota_sig_verify returned %d: %s", rc, err.msg);
	return rc == 0;
}

struct wp_count {
	size_t total, valid, accepted, weak_keys, mismatches;
};

static void run_group(json_t *group, struct wp_count *c)
{
	json_t *pkj = json_object_get(json_object_get(group, "publicKey"), "pk");
	json_t *tests = json_object_get(group, "tests"), *t;
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	bool loaded, valid, ok;
	const char *result;
	size_t i;

	assert_true(json_is_string(pkj) && json_is_array(tests));
	unhex_or_fail(json_string_value(pkj), raw, sizeof(raw));
	/* A key refused as weak counts as rejecting every vector under it. */
	loaded = ota_pubkey_from_raw(&pk, raw, "wycheproof", &err) == 0;
	if (!loaded)
		c->weak_keys++;
	json_array_foreach(tests, i, t)
	{
		result = json_string_value(json_object_get(t, "result"));
		if (!result || (strcmp(result, "valid") && strcmp(result, "invalid")))
			fail_msg("tcId %lld: unexpected result",
				 json_integer_value(json_object_get(t, "tcId")));
		valid = strcmp(result, "valid") == 0;
		if (valid && !loaded)
			fail_msg("tcId %lld: a valid vector uses a key we refuse: %s",
				 json_integer_value(json_object_get(t, "tcId")), err.msg);
		ok = loaded && accepts(&pk, json_string_value(json_object_get(t, "msg")),
				       json_string_value(json_object_get(t, "sig")));
		if (ok != valid) {
			print_message("# tcId %lld (%s): expected %s\n",
				      json_integer_value(json_object_get(t, "tcId")),
				      json_string_value(json_object_get(t, "comment")), result);
			c->mismatches++;
		}
		c->total++;
		c->valid += valid;
		c->accepted += ok;
	}
	ota_pubkey_free(&pk);
}

static void test_sig_wycheproof_accepts_exactly_the_valid_vectors(void **state)
{
	json_t *root = wycheproof_load(), *groups, *g;
	struct wp_count c = {0};
	json_int_t expected;
	size_t i;

	(void)state;
	groups = json_object_get(root, "testGroups");
	expected = json_integer_value(json_object_get(root, "numberOfTests"));
	assert_true(json_is_array(groups));
	json_array_foreach(groups, i, g) run_group(g, &c);
	print_message("# wycheproof ed25519: %zu vectors (%zu valid), %zu accepted, "
		      "%zu groups with a refused key, %zu mismatches\n",
		      c.total, c.valid, c.accepted, c.weak_keys, c.mismatches);
	json_decref(root);
	/* Every vector ran, and the file is the one we think it is. */
	assert_true(expected > 0);
	assert_int_equal(c.total, (size_t)expected);
	assert_int_equal(c.mismatches, 0);
	assert_int_equal(c.accepted, c.valid);
}

/* ---- small-order keys ---- */

static void test_sig_every_small_order_key_is_refused_with_either_sign_bit(void **state)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	size_t i;
	int sign;

	(void)state;
	for (i = 0; i < sizeof(weak_hex) / sizeof(weak_hex[0]); i++) {
		for (sign = 0; sign < 2; sign++) {
			unhex_or_fail(weak_hex[i], raw, sizeof(raw));
			raw[31] |= (unsigned char)(sign << 7);
			assert_true(ota_key_is_weak(raw));
			err.msg[0] = '\0';
			assert_int_equal(ota_pubkey_from_raw(&pk, raw, "weak.pub", &err), OTA_EKEY);
			assert_null(pk.pkey);
			assert_non_null(strstr(err.msg, "weak.pub: weak public key"));
		}
	}
}

static void test_sig_near_misses_of_small_order_keys_are_not_weak(void **state)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_pubkey pk;
	EVP_PKEY *key;

	(void)state;
	unhex_or_fail(weak_hex[1], raw, sizeof(raw));
	raw[0] = 0x02; /* y = 2 */
	assert_false(ota_key_is_weak(raw));
	unhex_or_fail(weak_hex[6], raw, sizeof(raw));
	raw[0] = 0xef; /* p + 2 */
	assert_false(ota_key_is_weak(raw));
	unhex_or_fail(weak_hex[2], raw, sizeof(raw));
	raw[30] ^= 0x01;
	assert_false(ota_key_is_weak(raw));
	key = new_pair(&pk);
	assert_false(ota_key_is_weak(pk.raw));
	ota_pubkey_free(&pk);
	EVP_PKEY_free(key);
}

/* R = the identity (01 00..00), S = 0: under the identity key the check
 * [S]B = R + [h]A holds for every message h. */
static void test_sig_openssl_alone_accepts_a_forgery_that_we_refuse(void **state)
{
	static const char *msgs[] = {"", "install me", "any message at all, really"};
	unsigned char ident[OTA_KEY_RAW_LEN] = {0x01}, forged[OTA_SIG_RAW_LEN] = {0x01};
	struct ota_err err = {0};
	struct ota_pubkey pk, hand;
	EVP_MD_CTX *ctx;
	EVP_PKEY *raw_key;
	size_t i;

	(void)state;
	raw_key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, ident, sizeof(ident));
	assert_non_null(raw_key);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		ctx = EVP_MD_CTX_new();
		assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, raw_key), 1);
		assert_int_equal(EVP_DigestVerify(ctx, forged, sizeof(forged),
						  (const unsigned char *)msgs[i], strlen(msgs[i])),
				 1);
		EVP_MD_CTX_free(ctx);
	}
	assert_int_equal(ota_pubkey_from_raw(&pk, ident, "ident.pub", &err), OTA_EKEY);
	/* Defence in depth: a key that bypassed the loader, even one whose
	 * raw[] claims to be harmless, is refused by verify itself. */
	memset(&hand, 0, sizeof(hand));
	hand.pkey = raw_key;
	memset(hand.raw, 0x42, sizeof(hand.raw));
	strcpy(hand.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		assert_int_equal(ota_sig_verify(&hand, (const unsigned char *)msgs[i],
						strlen(msgs[i]), forged, &err),
				 OTA_EBADSIG);
		assert_non_null(strstr(err.msg, "0123456789abcdef"));
	}
	EVP_PKEY_free(raw_key);
}

/* ota_sig_stream over msg fed in pieces of `piece` bytes. */
static int stream_verify(const struct ota_pubkey *pk, const unsigned char *msg, size_t len,
			 const unsigned char sig[OTA_SIG_RAW_LEN], size_t piece,
			 struct ota_err *err)
{
	struct ota_sig_stream s;
	size_t at, n;
	int rc = ota_sig_stream_start(&s, pk, sig, err);

	for (at = 0; rc == 0 && at < len; at += n) {
		n = len - at < piece ? len - at : piece;
		rc = ota_sig_stream_update(&s, msg + at, n, err);
	}
	if (rc) {
		ota_sig_stream_abort(&s);
		return rc;
	}
	return ota_sig_stream_final(&s, err);
}

static void test_sig_stream_refuses_the_forgery_under_a_small_order_key(void **state)
{
	unsigned char ident[OTA_KEY_RAW_LEN] = {0x01}, forged[OTA_SIG_RAW_LEN] = {0x01};
	struct ota_err err = {0};
	struct ota_pubkey hand;

	(void)state;
	memset(&hand, 0, sizeof(hand));
	hand.pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, ident, sizeof(ident));
	assert_non_null(hand.pkey);
	memset(hand.raw, 0x42, sizeof(hand.raw)); /* raw[] lies: the EVP key decides */
	strcpy(hand.id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	assert_int_equal(stream_verify(&hand, (const unsigned char *)"any", 3, forged, 1, &err),
			 OTA_EBADSIG);
	assert_string_equal(err.msg, "key 0123456789abcdef: weak or unusable public key");
	EVP_PKEY_free(hand.pkey);
}

/* The streamed check gives the one-shot check's code and message, for the
 * signature as made and for every bit of it and of the message flipped,
 * whatever the size of the pieces. */
static void test_sig_stream_gives_the_one_shot_verdicts_and_messages(void **state)
{
	unsigned char msg[300], sig[OTA_SIG_RAW_LEN];
	struct ota_err e1 = {0}, e2 = {0};
	static const size_t pieces[] = {1, 7, 64, 1000};
	struct ota_pubkey pk;
	EVP_PKEY *key = new_pair(&pk);
	size_t bit, i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 131 + 7);
	assert_int_equal(ota_sig_sign(key, msg, sizeof(msg), sig, &e1), 0);
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++)
		assert_int_equal(stream_verify(&pk, msg, sizeof(msg), sig, pieces[i], &e2), 0);
	assert_int_equal(stream_verify(&pk, msg, 0, sig, 1, &e2), OTA_EBADSIG);
	for (bit = 0; bit < 8 * sizeof(sig); bit += 3) {
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(ota_sig_verify(&pk, msg, sizeof(msg), sig, &e1), OTA_EBADSIG);
		assert_int_equal(stream_verify(&pk, msg, sizeof(msg), sig, 64, &e2), OTA_EBADSIG);
		assert_string_equal(e1.msg, e2.msg);
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(msg); bit += 37) {
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(stream_verify(&pk, msg, sizeof(msg), sig, 7, &e2), OTA_EBADSIG);
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	ota_pubkey_free(&pk);
	EVP_PKEY_free(key);
}

/* ---- sign and verify ---- */

static void test_sig_round_trip_verifies(void **state)
{
	static const unsigned char msg[] = "{\"version\":\"1.2.0\"}";
	unsigned char sig[OTA_SIG_RAW_LEN];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = new_pair(&pk);

	(void)state;
	assert_int_equal(ota_sig_sign(key, msg, sizeof(msg) - 1, sig, &err), 0);
	assert_int_equal(ota_sig_verify(&pk, msg, sizeof(msg) - 1, sig, &err), 0);
	assert_int_equal(ota_sig_sign(key, NULL, 0, sig, &err), 0);
	assert_int_equal(ota_sig_verify(&pk, NULL, 0, sig, &err), 0);
	ota_pubkey_free(&pk);
	EVP_PKEY_free(key);
}

static void test_sig_any_flipped_bit_fails_and_names_the_key(void **state)
{
	unsigned char msg[] = "payload manifest", sig[OTA_SIG_RAW_LEN];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = new_pair(&pk);
	char id16[17];
	size_t bit;

	(void)state;
	memcpy(id16, pk.id, 16);
	id16[16] = '\0';
	assert_int_equal(ota_sig_sign(key, msg, sizeof(msg) - 1, sig, &err), 0);
	for (bit = 0; bit < 8 * sizeof(sig); bit++) {
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(ota_sig_verify(&pk, msg, sizeof(msg) - 1, sig, &err), OTA_EBADSIG);
		sig[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_non_null(strstr(err.msg, id16));
	for (bit = 0; bit < 8 * (sizeof(msg) - 1); bit++) {
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		assert_int_equal(ota_sig_verify(&pk, msg, sizeof(msg) - 1, sig, &err), OTA_EBADSIG);
		msg[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	assert_int_equal(ota_sig_verify(&pk, msg, sizeof(msg) - 1, sig, &err), 0);
	ota_pubkey_free(&pk);
	EVP_PKEY_free(key);
}

static void test_sig_other_key_fails(void **state)
{
	unsigned char sig[OTA_SIG_RAW_LEN];
	struct ota_err err = {0};
	struct ota_pubkey pk1, pk2;
	EVP_PKEY *k1 = new_pair(&pk1), *k2 = new_pair(&pk2);

	(void)state;
	assert_int_equal(ota_sig_sign(k1, (const unsigned char *)"m", 1, sig, &err), 0);
	assert_int_equal(ota_sig_verify(&pk2, (const unsigned char *)"m", 1, sig, &err),
			 OTA_EBADSIG);
	assert_int_equal(ota_sig_verify(&pk1, (const unsigned char *)"m", 1, sig, &err), 0);
	ota_pubkey_free(&pk1);
	ota_pubkey_free(&pk2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

static void test_sig_sign_refuses_a_non_ed25519_key(void **state)
{
	unsigned char sig[OTA_SIG_RAW_LEN];
	struct ota_err err = {0};
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	(void)state;
	assert_non_null(ec);
	assert_int_equal(ota_sig_sign(ec, (const unsigned char *)"m", 1, sig, &err), OTA_EKEY);
	EVP_PKEY_free(ec);
}

/* ---- base64 ---- */

/* A real signature's text, so the padding bits are those of real data. */
static void sig_text(char text[OTA_SIG_B64_LEN + 1], unsigned char raw[OTA_SIG_RAW_LEN])
{
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = new_pair(&pk);

	assert_int_equal(ota_sig_sign(key, (const unsigned char *)"x", 1, raw, &err), 0);
	ota_sig_encode(raw, text);
	ota_pubkey_free(&pk);
	EVP_PKEY_free(key);
}

static int decode(const char *text, size_t len, unsigned char out[OTA_SIG_RAW_LEN])
{
	struct ota_err err = {0};
	int rc = ota_sig_decode((const unsigned char *)text, len, NAME, out, &err);

	if (rc)
		assert_non_null(strstr(err.msg, NAME ": "));
	return rc;
}

static void test_sig_base64_round_trips_with_or_without_one_newline(void **state)
{
	unsigned char raw[OTA_SIG_RAW_LEN], back[OTA_SIG_RAW_LEN];
	char text[OTA_SIG_B64_LEN + 2];

	(void)state;
	sig_text(text, raw);
	assert_int_equal(strlen(text), OTA_SIG_B64_LEN);
	assert_string_equal(text + OTA_SIG_B64_LEN - 2, "==");
	assert_int_equal(decode(text, OTA_SIG_B64_LEN, back), 0);
	assert_memory_equal(raw, back, sizeof(raw));
	strcat(text, "\n");
	memset(back, 0, sizeof(back));
	assert_int_equal(decode(text, OTA_SIG_B64_LEN + 1, back), 0);
	assert_memory_equal(raw, back, sizeof(raw));
}

static void test_sig_base64_refuses_wrong_lengths_and_line_ends(void **state)
{
	static const char *const tails[] = {"\n\n", "\r\n", "\r", " ", "A", "=", "\t\n"};
	unsigned char raw[OTA_SIG_RAW_LEN], out[OTA_SIG_RAW_LEN];
	char text[OTA_SIG_B64_LEN + 1], longer[OTA_SIG_B64_LEN + 8];
	size_t i;

	(void)state;
	sig_text(text, raw);
	assert_int_equal(decode(text + 1, OTA_SIG_B64_LEN - 1, out), OTA_EFORMAT); /* 87 */
	assert_int_equal(decode(text, OTA_SIG_B64_LEN - 1, out), OTA_EFORMAT);
	assert_int_equal(decode("", 0, out), OTA_EFORMAT);
	for (i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		snprintf(longer, sizeof(longer), "%s%s", text, tails[i]);
		assert_int_equal(decode(longer, strlen(longer), out), OTA_EFORMAT);
	}
	/* 88 characters and a NUL: the length counts, not strlen */
	memcpy(longer, text, OTA_SIG_B64_LEN + 1);
	assert_int_equal(decode(longer, OTA_SIG_B64_LEN + 1, out), OTA_EFORMAT);
}

static void test_sig_base64_refuses_characters_outside_the_standard_alphabet(void **state)
{
	static const char bad[] = {'-', '_', '*', ' ', '\n', '=', '\0', '.', (char)0xc3};
	unsigned char raw[OTA_SIG_RAW_LEN], out[OTA_SIG_RAW_LEN];
	char text[OTA_SIG_B64_LEN + 1], t[OTA_SIG_B64_LEN + 1];
	size_t i;

	(void)state;
	sig_text(text, raw);
	for (i = 0; i < sizeof(bad); i++) {
		memcpy(t, text, sizeof(t));
		t[10] = bad[i];
		assert_int_equal(decode(t, OTA_SIG_B64_LEN, out), OTA_EFORMAT);
	}
	/* missing padding: 88 characters that do not end in "==" */
	memcpy(t, text, sizeof(t));
	t[86] = 'A';
	t[87] = 'A';
	assert_int_equal(decode(t, OTA_SIG_B64_LEN, out), OTA_EFORMAT);
}

/* The 86th character carries 2 bits of the last byte and 4 unused bits;
 * setting an unused bit decodes to the same bytes but is another text. */
static void test_sig_base64_refuses_non_canonical_last_character(void **state)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char raw[OTA_SIG_RAW_LEN], out[OTA_SIG_RAW_LEN], lenient[66];
	char text[OTA_SIG_B64_LEN + 1];
	size_t v;

	(void)state;
	sig_text(text, raw);
	v = (size_t)(strchr(alphabet, text[85]) - alphabet);
	assert_int_equal(v & 0x0f, 0);
	text[85] = alphabet[v | 0x01];
	/* OpenSSL alone takes it, and gets the very same bytes */
	assert_int_equal(EVP_DecodeBlock(lenient, (const unsigned char *)text, OTA_SIG_B64_LEN),
			 66);
	assert_memory_equal(lenient, raw, sizeof(raw));
	assert_int_equal(decode(text, OTA_SIG_B64_LEN, out), OTA_EFORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sig_wycheproof_accepts_exactly_the_valid_vectors),
	    cmocka_unit_test(test_sig_every_small_order_key_is_refused_with_either_sign_bit),
	    cmocka_unit_test(test_sig_near_misses_of_small_order_keys_are_not_weak),
	    cmocka_unit_test(test_sig_openssl_alone_accepts_a_forgery_that_we_refuse),
	    cmocka_unit_test(test_sig_stream_refuses_the_forgery_under_a_small_order_key),
	    cmocka_unit_test(test_sig_stream_gives_the_one_shot_verdicts_and_messages),
	    cmocka_unit_test(test_sig_round_trip_verifies),
	    cmocka_unit_test(test_sig_any_flipped_bit_fails_and_names_the_key),
	    cmocka_unit_test(test_sig_other_key_fails),
	    cmocka_unit_test(test_sig_sign_refuses_a_non_ed25519_key),
	    cmocka_unit_test(test_sig_base64_round_trips_with_or_without_one_newline),
	    cmocka_unit_test(test_sig_base64_refuses_wrong_lengths_and_line_ends),
	    cmocka_unit_test(test_sig_base64_refuses_characters_outside_the_standard_alphabet),
	    cmocka_unit_test(test_sig_base64_refuses_non_canonical_last_character),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
