/* SPDX-License-Identifier: Apache-2.0 */
/* test_trust.c - trust files and the rules of key rotation (lib/trust.c,
 * lib/trust_state.c): round trips, strict parsing, who must sign, replay,
 * and the state file kept whole across a crash before its rename. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/trust.h"

#define NKEYS 5

#include "tests/unit/trust_fixture.h"

/* A trust document over keys `mask` with threshold m at seq, signed by
 * the keys `signers`. */
static void make(const struct fx *f, struct ota_trust *t, unsigned long long seq,
		 unsigned int mask, unsigned int m, unsigned int signers)
{
	struct ota_keyring kr;
	int i;

	ring(f, mask, &kr);
	assert_int_equal(ota_trust_make(t, seq, "*", m, &kr, NULL), 0);
	ota_keyring_free(&kr);
	snprintf(t->source, sizeof(t->source), "t%llu.trust", seq);
	for (i = 0; i < NKEYS; i++)
		if (signers & 1U << i)
			assert_int_equal(ota_trust_sign(t, f->k[i], NULL), 0);
}

/* The factory set: keys mask, threshold m, sequence 0. */
static void factory(const struct fx *f, struct ota_trust *t, unsigned int mask, unsigned int m)
{
	ota_trust_init(t);
	ring(f, mask, &t->keys);
	t->threshold = m;
	strcpy(t->target, "*");
}

static void reparse(const struct ota_trust *t, struct ota_trust *back, int want, const char *why)
{
	struct ota_buf b;
	struct ota_err err = {0};
	int rc;

	ota_buf_init(&b, 0);
	assert_int_equal(ota_trust_format(t, &b, NULL), 0);
	rc = ota_trust_parse(b.data, b.len, "t.trust", back, &err);
	ota_buf_free(&b);
	if (rc != want)
		fail_msg("parse gave %d, want %d (%s)", rc, want, err.msg);
	if (why && !strstr(err.msg, why))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, why);
}

static void assert_parse(const char *text, int want, const char *why)
{
	struct ota_trust t;
	struct ota_err err = {0};
	int rc = ota_trust_parse((const unsigned char *)text, strlen(text), "t.trust", &t, &err);

	ota_trust_free(&t);
	if (rc != want)
		fail_msg("parse gave %d, want %d (%s) for %s", rc, want, err.msg, text);
	if (why && !strstr(err.msg, why))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, why);
}

static void test_trust_file_round_trips_and_is_canonical(void **state)
{
	struct fx *f = *state;
	struct ota_trust t, back;
	const char *doc;

	make(f, &t, 7, 0x7, 2, 0x5);
	doc = (const char *)t.doc.data;
	assert_true(strncmp(doc, "{\"format\":1,\"keys\":{\"", 21) == 0);
	assert_non_null(strstr(doc, "},\"kind\":\"trust\",\"sequence\":7,\"target\":\"*\","
				    "\"threshold\":2}"));
	reparse(&t, &back, 0, NULL);
	assert_true(ota_trust_same(&t, &back));
	assert_int_equal(back.sequence, 7);
	assert_int_equal(back.threshold, 2);
	assert_int_equal(back.keys.n, 3);
	assert_int_equal(back.n_sigs, 2);
	assert_true(strcmp(back.sigs[0].keyid, back.sigs[1].keyid) < 0);
	assert_int_equal(ota_trust_check_self(&back, NULL), 0);
	ota_trust_free(&t);
	ota_trust_free(&back);
}

static void test_trust_signing_twice_replaces_the_signature(void **state)
{
	struct fx *f = *state;
	struct ota_trust t;

	make(f, &t, 1, 0x3, 1, 0x3);
	assert_int_equal(ota_trust_sign(&t, f->k[0], NULL), 0);
	assert_int_equal(t.n_sigs, 2);
	ota_trust_free(&t);
}

static void test_trust_make_refuses_bad_values(void **state)
{
	struct fx *f = *state;
	struct ota_keyring kr;
	struct ota_trust t;

	ring(f, 0x3, &kr);
	assert_int_equal(ota_trust_make(&t, 0, "*", 1, &kr, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make(&t, (1ULL << 53) + 1, "*", 1, &kr, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make(&t, 1, "*", 3, &kr, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make(&t, 1, "*", 0, &kr, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make(&t, 1, "../x", 1, &kr, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make(&t, 1, "edge-gw-v2", 2, &kr, NULL), 0);
	ota_trust_free(&t);
	ota_keyring_free(&kr);
}

/* Documents that are not exactly what the device expects. */
static void test_trust_parse_is_strict(void **state)
{
	struct fx *f = *state;
	struct ota_trust t;
	char text[4096], *p;
	const char *doc;

	(void)f;
	make(f, &t, 1, 0x1, 1, 0x1);
	doc = (const char *)t.doc.data;
	assert_parse("", OTA_EFORMAT, "no line ends");
	snprintf(text, sizeof(text), "%s", doc);
	assert_parse(text, OTA_EFORMAT, "no line ends");
	snprintf(text, sizeof(text), "%s\n", doc);
	assert_parse(text, 0, NULL); /* control: unsigned, but well-formed */
	snprintf(text, sizeof(text), "%s \n", doc);
	assert_parse(text, OTA_EFORMAT, NULL);
	snprintf(text, sizeof(text), "%s\nsignature x\n", doc);
	assert_parse(text, OTA_EFORMAT, "t.trust:2: expected \"signature <key id>");
	snprintf(text, sizeof(text), "%s\r\n", doc);
	assert_parse(text, OTA_EFORMAT, NULL);
	/* a field changed, added or missing */
	snprintf(text, sizeof(text), "%s\n", doc);
	p = strstr(text, "\"kind\":\"trust\"");
	memcpy(p, "\"kind\":\"trusT\"", 14);
	assert_parse(text, OTA_EFORMAT, "kind");
	assert_parse("{\"format\":1,\"kind\":\"trust\"}\n", OTA_EFORMAT, "not a trust document");
	assert_parse("{\"format\":2,\"keys\":{},\"kind\":\"trust\",\"sequence\":1,\"target\":\"*\","
		     "\"threshold\":1}\n", OTA_EFORMAT, "format");
	assert_parse("{\"format\":1,\"keys\":{},\"kind\":\"trust\",\"sequence\":1,\"target\":\"*\","
		     "\"threshold\":1}\n", OTA_EFORMAT, "keys: expected 1..64");
	assert_parse("{\"format\":1,\"keys\":{},\"kind\":\"trust\",\"sequence\":0,\"target\":\"*\","
		     "\"threshold\":1}\n", OTA_EFORMAT, "sequence");
	assert_parse("{\"kind\":\"trust\",\"format\":1}\n", OTA_EFORMAT, "not canonical");
	/* a manifest is not a trust document, whoever signed it */
	assert_parse("{\"created\":1,\"entries\":{},\"files\":{},\"format\":1,\"rollback_index\":0,"
		     "\"target\":\"edge\",\"version\":\"1.0.0\"}\n", OTA_EFORMAT,
		     "not a trust document");
	ota_trust_free(&t);
}

/* A key listed under an id that is not its own, and a weak key. */
static void test_trust_parse_refuses_lying_key_ids_and_weak_keys(void **state)
{
	static const unsigned char identity[OTA_KEY_RAW_LEN] = {1};
	struct fx *f = *state;
	struct ota_trust t;
	char text[4096], id[OTA_KEYID_HEX_LEN + 1], *p;

	make(f, &t, 1, 0x1, 1, 0);
	snprintf(text, sizeof(text), "%s\n", (const char *)t.doc.data);
	p = strstr(text, "\"keys\":{\"") + 9;
	*p = *p == '0' ? '1' : '0';
	assert_parse(text, OTA_EKEY, "is not the key id of its key");
	/* the identity point, under its true key id */
	assert_int_equal(ota_key_id(identity, id, NULL), 0);
	snprintf(text, sizeof(text), "{\"format\":1,\"keys\":{\"%s\":\"AQAAAAAAAAAAAAAAAAAAAAAA"
		 "AAAAAAAAAAAAAAAAAAA=\"},\"kind\":\"trust\",\"sequence\":1,\"target\":\"*\","
		 "\"threshold\":1}\n", id);
	assert_parse(text, OTA_EKEY, "weak public key");
	ota_trust_free(&t);
}

static void test_trust_signatures_must_be_sorted_and_unique(void **state)
{
	struct fx *f = *state;
	struct ota_trust t, back;

	make(f, &t, 1, 0x3, 2, 0x3);
	t.sigs[1] = t.sigs[0];
	reparse(&t, &back, OTA_EFORMAT, "t.trust:3: signatures duplicated or out of order");
	ota_trust_free(&t);
}

static int check(const struct ota_trust *cur, const struct ota_trust *upd, const char *why)
{
	struct ota_err err = {0};
	int rc = ota_trust_check_update(cur, upd, "edge-gw-v2", &err);

	if (why && !strstr(err.msg, why))
		fail_msg("\"%s\" lacks \"%s\"", err.msg, why);
	return rc;
}

/* Factory {0,1,2} at 2; the update names {0,1,3} at 2. */
static void test_trust_update_needs_the_threshold_in_force_and_its_own(void **state)
{
	struct fx *f = *state;
	struct ota_trust cur, upd;

	factory(f, &cur, 0x7, 2);
	make(f, &upd, 1, 0xb, 2, 0x3);
	assert_int_equal(check(&cur, &upd, NULL), 0);
	ota_trust_free(&upd);
	/* one current key and the new one: too few of the root keys in force */
	make(f, &upd, 1, 0xb, 2, 0x9);
	assert_int_equal(check(&cur, &upd, "signed by 1 of the root keys in force, 2 needed"),
			 OTA_EUNTRUSTED);
	ota_trust_free(&upd);
	/* signatures by keys nobody trusts do not count, and do not refuse */
	make(f, &upd, 1, 0xb, 2, 0x19);
	assert_int_equal(check(&cur, &upd, "signed by 1 of the root keys in force"), OTA_EUNTRUSTED);
	ota_trust_free(&upd);
	/* {0,2} in force, but the new set {0,3,4} at 2 has only 0's signature */
	make(f, &upd, 1, 0x19, 2, 0x5);
	assert_int_equal(check(&cur, &upd, "signed by 1 of the root keys it names, 2 needed"),
			 OTA_EUNTRUSTED);
	ota_trust_free(&upd);
	ota_trust_free(&cur);
}

static void test_trust_update_refuses_replay_and_other_targets(void **state)
{
	struct fx *f = *state;
	struct ota_trust cur, upd;
	struct ota_keyring kr;

	make(f, &cur, 5, 0x3, 1, 0x1);
	make(f, &upd, 5, 0x3, 1, 0x1);
	assert_int_equal(check(&cur, &upd, "sequence 5 is not newer than 5"), OTA_EROLLBACK);
	ota_trust_free(&upd);
	make(f, &upd, 4, 0x3, 1, 0x3);
	assert_int_equal(check(&cur, &upd, "sequence 4 is not newer than 5"), OTA_EROLLBACK);
	ota_trust_free(&upd);
	ring(f, 0x3, &kr);
	assert_int_equal(ota_trust_make(&upd, 6, "other-board", 1, &kr, NULL), 0);
	assert_int_equal(ota_trust_sign(&upd, f->k[0], NULL), 0);
	assert_int_equal(check(&cur, &upd, "trust file for \"other-board\""), OTA_ETARGET);
	ota_trust_free(&upd);
	assert_int_equal(ota_trust_make(&upd, 6, "edge-gw-v2", 1, &kr, NULL), 0);
	assert_int_equal(ota_trust_sign(&upd, f->k[0], NULL), 0);
	assert_int_equal(check(&cur, &upd, NULL), 0);
	ota_trust_free(&upd);
	ota_keyring_free(&kr);
	ota_trust_free(&cur);
}

/* A sequence at the top of JSON's range (2^53) once left the device
 * unable to rotate again: the range is capped far below it, and no
 * rotation jumps more than OTA_TRUST_SEQUENCE_STEP. */
static void test_trust_sequence_is_capped_and_steps_are_bounded(void **state)
{
	struct fx *f = *state;
	struct ota_trust cur, upd;
	struct ota_keyring kr;
	char text[4096], *p;

	ring(f, 0x1, &kr);
	assert_int_equal(ota_trust_make(&upd, 9007199254740992ULL, "*", 1, &kr, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make(&upd, OTA_TRUST_SEQUENCE_MAX + 1, "*", 1, &kr, NULL),
			 OTA_EUSAGE);
	ota_keyring_free(&kr);
	make(f, &upd, 1, 0x1, 1, 0x1);
	snprintf(text, sizeof(text), "%s\n", (const char *)upd.doc.data);
	ota_trust_free(&upd);
	p = strstr(text, "\"sequence\":1,");
	assert_non_null(p);
	memmove(p + 27, p + 12, strlen(p + 12) + 1);
	memcpy(p, "\"sequence\":9007199254740992", 27);
	assert_parse(text, OTA_EFORMAT, "sequence: expected 1..4294967295");
	make(f, &cur, 5, 0x3, 1, 0x1);
	make(f, &upd, 5 + OTA_TRUST_SEQUENCE_STEP + 1, 0x3, 1, 0x1);
	assert_int_equal(check(&cur, &upd, "is more than 1000 above 5"), OTA_EROLLBACK);
	ota_trust_free(&upd);
	make(f, &upd, 5 + OTA_TRUST_SEQUENCE_STEP, 0x3, 1, 0x1);
	assert_int_equal(check(&cur, &upd, NULL), 0);
	ota_trust_free(&upd);
	ota_trust_free(&cur);
}

/* A signature under a key in force that does not verify refuses the
 * file, even when enough others are good. */
static void test_trust_update_with_a_bad_signature_is_refused(void **state)
{
	struct fx *f = *state;
	struct ota_trust cur, upd;

	factory(f, &cur, 0x7, 1);
	make(f, &upd, 1, 0x7, 1, 0x3);
	upd.sigs[1].sig[5] ^= 1;
	assert_int_equal(check(&cur, &upd, "bad signature"), OTA_EBADSIG);
	ota_trust_free(&upd);
	ota_trust_free(&cur);
}

/* Keys retired by sequence 1 do not count for sequence 2. */
static void test_trust_retired_keys_sign_nothing_after(void **state)
{
	struct fx *f = *state;
	struct ota_trust cur, upd;

	make(f, &cur, 1, 0x3, 2, 0x3);   /* {0,1} at 2 */
	make(f, &upd, 2, 0x7, 2, 0x0c);  /* signed by 2 and 3, never trusted */
	assert_int_equal(check(&cur, &upd, "signed by 0 of the root keys in force"), OTA_EUNTRUSTED);
	ota_trust_free(&upd);
	ota_trust_free(&cur);
}

static void crash_before_rename(void *ctx)
{
	(void)ctx;
	_exit(42);
}

/* A save killed between its fsync and its rename leaves the old state,
 * a temporary file that _clean removes, and nothing else. */
static void test_trust_state_survives_a_crash_before_the_rename(void **state)
{
	struct fx *f = *state;
	struct ota_trust one, two, got;
	char keys[512], path[600];
	pid_t pid;
	int st;

	snprintf(keys, sizeof(keys), "%s/no-factory-keys", f->dir);
	make(f, &one, 1, 0x3, 1, 0x3);
	make(f, &two, 2, 0x7, 2, 0x7);
	assert_int_equal(ota_trust_state_save(f->dir, &one, NULL, NULL, NULL), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(ota_trust_state_save(f->dir, &two, crash_before_rename, NULL, NULL));
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(WEXITSTATUS(st), 42);
	assert_int_equal(ota_trust_state_load(f->dir, keys, 1, &got, NULL), 0);
	assert_true(ota_trust_same(&got, &one));
	ota_trust_free(&got);
	assert_int_equal(ota_trust_state_clean(f->dir, NULL), 0);
	snprintf(path, sizeof(path), "%s/" OTA_TRUST_STATE_FILE, f->dir);
	assert_int_equal(ota_rm_tree(path, NULL), 0);
	assert_int_equal(rmdir(f->dir), 0); /* empty: no temporary file left */
	assert_int_equal(mkdir(f->dir, 0700), 0);
	ota_trust_free(&one);
	ota_trust_free(&two);
}

/* A damaged trust state never falls back to the factory keys. */
static void test_trust_state_damaged_fails_closed(void **state)
{
	struct fx *f = *state;
	struct ota_trust one, got;
	struct ota_err err = {0};
	char keys[512], path[600];
	FILE *fp;

	snprintf(keys, sizeof(keys), "%s/k.pub", f->dir);
	assert_int_equal(ota_pubkey_write(f->k[4], keys, false, NULL), 0);
	assert_int_equal(ota_trust_state_load(f->dir, keys, 1, &got, NULL), 0);
	assert_int_equal(got.sequence, 0); /* no state yet: the factory key */
	assert_int_equal(got.keys.n, 1);
	ota_trust_free(&got);
	make(f, &one, 1, 0x3, 2, 0x1); /* signed by 1 of its 2 */
	assert_int_equal(ota_trust_state_save(f->dir, &one, NULL, NULL, NULL), 0);
	assert_int_equal(ota_trust_state_load(f->dir, keys, 1, &got, &err), OTA_EUNTRUSTED);
	assert_non_null(strstr(err.msg, "damaged trust state, no key trusted"));
	assert_int_equal(got.keys.n, 0);
	snprintf(path, sizeof(path), "%s/" OTA_TRUST_STATE_FILE, f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("garbage\n", fp);
	fclose(fp);
	assert_int_equal(ota_trust_state_load(f->dir, keys, 1, &got, &err), OTA_EFORMAT);
	assert_int_equal(got.keys.n, 0);
	ota_trust_free(&one);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_trust_file_round_trips_and_is_canonical),
		T(test_trust_signing_twice_replaces_the_signature),
		T(test_trust_make_refuses_bad_values),
		T(test_trust_parse_is_strict),
		T(test_trust_parse_refuses_lying_key_ids_and_weak_keys),
		T(test_trust_signatures_must_be_sorted_and_unique),
		T(test_trust_update_needs_the_threshold_in_force_and_its_own),
		T(test_trust_update_refuses_replay_and_other_targets),
		T(test_trust_update_with_a_bad_signature_is_refused),
		T(test_trust_sequence_is_capped_and_steps_are_bounded),
		T(test_trust_retired_keys_sign_nothing_after),
		T(test_trust_state_survives_a_crash_before_the_rename),
		T(test_trust_state_damaged_fails_closed),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
