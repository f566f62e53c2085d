/* SPDX-License-Identifier: Apache-2.0 */
/* test_trust_roles.c - role-aware trust files and freshness (lib/trust*.c,
 * lib/freshness.c): round trips of format 2 and timestamps, strict member
 * sets, root alone signing trust files, retirement on rotation, signers
 * judged by their retirement time, and the attested time that never goes
 * back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/freshness.h"
#include "lib/fsutil.h"
#include "lib/manifest.h"
#include "lib/state.h"
#include "lib/trust.h"

#define NKEYS 6
enum { A, B, C, CI, CI2, TS };

#include "tests/unit/trust_fixture.h"

#define BIT(k) (1U << (k))

/* Root {a,b,c} 2, release `rel` 1, at seq and created, following prev,
 * signed by `signers`. */
static void roles(const struct fx *f, struct ota_trust *t, unsigned long long seq,
		  unsigned int rel, long long created, const struct ota_trust *prev,
		  unsigned int signers)
{
	struct ota_keyring root, release;
	struct ota_trust_spec s = {.sequence = seq, .target = "*", .root = &root,
				   .release = &release, .root_threshold = 2,
				   .release_threshold = 1, .created = created, .previous = prev};
	int i;

	ring(f, BIT(A) | BIT(B) | BIT(C), &root);
	ring(f, rel, &release);
	assert_int_equal(ota_trust_make_roles(t, &s, NULL), 0);
	ota_keyring_free(&root);
	ota_keyring_free(&release);
	snprintf(t->source, sizeof(t->source), "t%llu.trust", seq);
	for (i = 0; i < NKEYS; i++)
		if (signers & 1U << i)
			assert_int_equal(ota_trust_sign(t, f->k[i], NULL), 0);
}

/* Format it, parse it back: the same document, the same fields. */
static void reparse(const struct ota_trust *t, struct ota_trust *back)
{
	struct ota_buf b;
	struct ota_err err = {0};

	ota_buf_init(&b, 0);
	assert_int_equal(ota_trust_format(t, &b, NULL), 0);
	if (ota_trust_parse(b.data, b.len, "x.trust", back, &err))
		fail_msg("%s", err.msg);
	ota_buf_free(&b);
	assert_true(ota_trust_same(t, back));
}

static void test_roles_round_trip_with_every_field(void **state)
{
	struct fx *f = *state;
	struct ota_trust t1, t2, back;

	roles(f, &t1, 1, BIT(CI), 1000, NULL, BIT(A) | BIT(B));
	roles(f, &t2, 2, BIT(CI2), 2000, &t1, BIT(A) | BIT(B));
	assert_int_equal(t2.retired.n, 1);
	assert_string_equal(t2.retired.keys[0].id, f->id[CI]);
	assert_int_equal(t2.retired_at[0], 2000);
	reparse(&t2, &back);
	assert_int_equal(back.format, OTA_TRUST_FORMAT_ROLES);
	assert_int_equal(back.created, 2000);
	assert_int_equal(back.release.threshold, 1);
	assert_string_equal(back.release.keys.keys[0].id, f->id[CI2]);
	assert_int_equal(back.retired_at[0], 2000);
	assert_int_equal(ota_trust_check_self(&back, NULL), 0);
	ota_trust_free(&back);
	ota_trust_free(&t1);
	ota_trust_free(&t2);
}

/* Each wrong document is refused by the parser, whoever signed it. */
static void test_roles_parse_is_strict(void **state)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{"{\"created\":1,\"format\":2,\"kind\":\"trust\",\"sequence\":1,\"target\":\"*\"}",
		 "not a trust document"},
		{"{\"created\":1,\"format\":3,\"kind\":\"trust\",\"sequence\":1,\"target\":\"*\"}",
		 "format: expected 1 or 2"},
		{"{\"created\":5,\"expires\":5,\"format\":2,\"kind\":\"timestamp\",\"sequence\":1,"
		 "\"target\":\"*\"}", "expires: expected seconds after created"},
		{"{\"created\":5,\"format\":2,\"kind\":\"timestamp\",\"sequence\":1,\"target\":\"*\"}",
		 "not a timestamp"},
		{"{\"created\":5,\"expires\":9,\"extra\":1,\"format\":2,\"kind\":\"timestamp\","
		 "\"sequence\":1,\"target\":\"*\"}", "not a timestamp"},
	};
	struct ota_err err;
	struct ota_trust t;
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s\n", bad[i].doc);
		assert_int_equal(ota_trust_parse((const unsigned char *)text, strlen(text), "x",
						 &t, &err), OTA_EFORMAT);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("%s: %s", bad[i].doc, err.msg);
	}
}

static void test_roles_release_keys_never_count_toward_root(void **state)
{
	struct fx *f = *state;
	struct ota_trust t1, evil, t2;
	struct ota_err err;

	roles(f, &t1, 1, BIT(CI), 1000, NULL, BIT(A) | BIT(B));
	/* CI names itself root too, and signs: 0 of the root keys in force. */
	roles(f, &evil, 2, BIT(CI), 1000, NULL, BIT(CI) | BIT(A));
	assert_int_equal(ota_trust_check_update(&t1, &evil, NULL, &err), OTA_EUNTRUSTED);
	assert_non_null(strstr(err.msg, "signed by 1 of the root keys in force, 2 needed"));
	roles(f, &t2, 2, BIT(CI2), 2000, &t1, BIT(A) | BIT(B));
	assert_int_equal(ota_trust_check_update(&t1, &t2, NULL, NULL), 0);
	ota_trust_free(&t1);
	ota_trust_free(&evil);
	ota_trust_free(&t2);
}

static void test_roles_signers_judged_by_retirement_time(void **state)
{
	struct fx *f = *state;
	struct ota_trust t1, t2;
	struct ota_keyring kr = {0};
	char signers[2][OTA_KEYID_HEX_LEN + 1];
	struct ota_err err;

	roles(f, &t1, 1, BIT(CI), 1000, NULL, BIT(A) | BIT(B));
	roles(f, &t2, 2, BIT(CI2), 2000, &t1, BIT(A) | BIT(B));
	/* Retired keys are in the bundle keyring, judged afterwards. */
	assert_int_equal(ota_trust_release_keyring(&t2, &kr, NULL), 0);
	assert_int_equal(kr.n, 2);
	memcpy(signers[0], f->id[CI], sizeof(signers[0]));
	memcpy(signers[1], f->id[CI2], sizeof(signers[1]));
	assert_int_equal(ota_trust_check_signers(&t2, signers, 1, 1999, "b", NULL), 0);
	assert_int_equal(ota_trust_check_signers(&t2, signers, 1, 2000, "b", &err), OTA_EEXPIRED);
	assert_non_null(strstr(err.msg, "retired at trust sequence 2"));
	/* Alongside a key in force it still refuses: a retired key in use is a stolen key. */
	assert_int_equal(ota_trust_check_signers(&t2, signers, 2, 3000, "b", NULL), OTA_EEXPIRED);
	assert_int_equal(ota_trust_check_signers(&t2, signers + 1, 1, 3000, "b", NULL), 0);
	ota_keyring_free(&kr);
	ota_trust_free(&t1);
	ota_trust_free(&t2);
}

static void test_timestamps_name_the_sequence_in_force(void **state)
{
	struct fx *f = *state;
	struct ota_trust t1, t2, ts, back;
	struct ota_err err;

	roles(f, &t1, 1, BIT(CI), 1000, NULL, BIT(A) | BIT(B));
	assert_int_equal(ota_trust_make_timestamp(&ts, &t1, 999, 5000, NULL), OTA_EUSAGE);
	assert_int_equal(ota_trust_make_timestamp(&ts, &t1, 1500, 5000, NULL), 0);
	snprintf(ts.source, sizeof(ts.source), "ts");
	assert_int_equal(ota_trust_sign(&ts, f->k[CI], NULL), 0);
	assert_int_equal(ota_trust_check_timestamp(&t1, &ts, NULL, 2000, NULL), OTA_EUNTRUSTED);
	assert_int_equal(ota_trust_sign(&ts, f->k[A], NULL), 0);
	assert_int_equal(ota_trust_sign(&ts, f->k[B], NULL), 0);
	reparse(&ts, &back);
	assert_int_equal(back.kind, OTA_TRUST_KIND_TIMESTAMP);
	assert_int_equal(ota_trust_check_timestamp(&t1, &back, NULL, 4999, NULL), 0);
	assert_int_equal(ota_trust_check_timestamp(&t1, &back, NULL, 5000, &err), OTA_EEXPIRED);
	/* A timestamp is not a trust file. */
	assert_int_equal(ota_trust_check_update(&t1, &back, NULL, NULL), OTA_EFORMAT);
	roles(f, &t2, 2, BIT(CI), 1000, NULL, BIT(A) | BIT(B));
	assert_int_equal(ota_trust_check_timestamp(&t2, &back, NULL, 2000, NULL), OTA_EROLLBACK);
	ota_trust_free(&back);
	ota_trust_free(&ts);
	ota_trust_free(&t1);
	ota_trust_free(&t2);
}

static void test_time_parse_absolute_and_relative(void **state)
{
	long long t;

	(void)state;
	assert_int_equal(ota_time_parse("--x", "1700000000", 5, &t, NULL), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(ota_time_parse("--x", "+2d", 100, &t, NULL), 0);
	assert_int_equal(t, 100 + 2 * 86400);
	assert_int_equal(ota_time_parse("--x", "+3h", 0, &t, NULL), 0);
	assert_int_equal(t, 3 * 3600);
	assert_int_equal(ota_time_parse("--x", "+7", 1, &t, NULL), 0);
	assert_int_equal(t, 8);
	assert_int_equal(ota_time_parse("--x", "-1", 0, &t, NULL), OTA_EUSAGE);
	assert_int_equal(ota_time_parse("--x", "+1y", 0, &t, NULL), OTA_EUSAGE);
	assert_int_equal(ota_time_parse("--x", "1d", 0, &t, NULL), OTA_EUSAGE);
	assert_int_equal(ota_time_parse("--x", "", 0, &t, NULL), OTA_EUSAGE);
	assert_int_equal(ota_time_parse("--x", "99999999999999999999", 0, &t, NULL), OTA_EUSAGE);
}

static void test_attested_time_never_goes_back(void **state)
{
	struct fx *f = *state;
	struct ota_device d;
	long long now;
	int raised;

	assert_int_equal(ota_fresh_attest(f->dir, 2000, &raised, NULL), 0);
	assert_true(raised);
	assert_int_equal(ota_fresh_attest(f->dir, 1500, &raised, NULL), 0);
	assert_false(raised);
	assert_int_equal(ota_device_load(f->dir, &d, NULL), 0);
	assert_int_equal(d.attested_time, 2000);
	/* The wall clock counts only ahead of it. */
	assert_int_equal(ota_fresh_now(f->dir, 100, &now, NULL), 0);
	assert_int_equal(now, 2000);
	assert_int_equal(ota_fresh_now(f->dir, 3000, &now, NULL), 0);
	assert_int_equal(now, 3000);
	assert_int_equal(ota_fresh_check_expires("b", 2000, 2000, NULL), OTA_EEXPIRED);
	assert_int_equal(ota_fresh_check_expires("b", 2001, 2000, NULL), 0);
	assert_int_equal(ota_fresh_check_expires("b", 0, 2000, NULL), 0);
	/* The floor rises the same way, and keeps the attested time. */
	assert_int_equal(ota_fresh_raise_floor(f->dir, 7, &raised, NULL), 0);
	assert_true(raised);
	assert_int_equal(ota_fresh_raise_floor(f->dir, 3, &raised, NULL), 0);
	assert_false(raised);
	assert_int_equal(ota_device_load(f->dir, &d, NULL), 0);
	assert_int_equal(d.rollback_index, 7);
	assert_int_equal(d.attested_time, 2000);
}

static void test_apply_refuses_with_nothing_written(void **state)
{
	struct fx *f = *state;
	struct ota_trust t1;
	struct ota_trust_applied out;
	struct ota_trust_device dev = {.state_dir = f->dir, .keys_path = "/nonexistent",
				       .wall = 0};
	struct ota_buf b;
	char path[300];
	struct ota_err err;

	/* A device whose trust.ota is t1 (a role-aware file). */
	roles(f, &t1, 1, BIT(CI), 1000, NULL, BIT(A) | BIT(B));
	assert_int_equal(ota_trust_state_save(f->dir, &t1, NULL, NULL, NULL), 0);
	ota_trust_free(&t1);
	/* An expired successor: 23, neither trust.ota nor device.json touched. */
	{
		struct ota_keyring root, rel;
		struct ota_trust t2;
		struct ota_trust_spec s = {.sequence = 2, .target = "*", .root = &root,
					   .release = &rel, .root_threshold = 2,
					   .release_threshold = 1, .created = 1000, .expires = 1100,
					   .min_rollback_index = 9};
		ring(f, BIT(A) | BIT(B) | BIT(C), &root);
		ring(f, BIT(CI), &rel);
		assert_int_equal(ota_trust_make_roles(&t2, &s, NULL), 0);
		assert_int_equal(ota_trust_sign(&t2, f->k[A], NULL), 0);
		assert_int_equal(ota_trust_sign(&t2, f->k[B], NULL), 0);
		ota_buf_init(&b, 0);
		assert_int_equal(ota_trust_format(&t2, &b, NULL), 0);
		dev.wall = 1200;
		assert_int_equal(ota_trust_state_apply(&dev, b.data, b.len, "t2", &out, &err),
				 OTA_EEXPIRED);
		ota_trust_applied_free(&out);
		snprintf(path, sizeof(path), "%s/device.json", f->dir);
		assert_int_equal(access(path, F_OK), -1);
		/* In time, it applies: floor and attested time raised. */
		dev.wall = 1050;
		assert_int_equal(ota_trust_state_apply(&dev, b.data, b.len, "t2", &out, &err), 0);
		assert_int_equal(out.what, OTA_TRUST_APPLIED);
		assert_true(out.floor_raised);
		assert_int_equal(out.attested, 1000);
		ota_trust_applied_free(&out);
		ota_buf_free(&b);
		ota_keyring_free(&root);
		ota_keyring_free(&rel);
		ota_trust_free(&t2);
	}
}

/* A manifest's expires: optional, canonical between entries and files,
 * after created; absent, the bytes are what they always were. */
static void test_manifest_expires_round_trips(void **state)
{
	static const char with[] = "{\"created\":10,\"entries\":{},\"expires\":20,\"files\":{},"
				   "\"format\":1,\"rollback_index\":0,\"target\":\"t\","
				   "\"version\":\"1.0.0\"}";
	static const char early[] = "{\"created\":10,\"entries\":{},\"expires\":10,\"files\":{},"
				    "\"format\":1,\"rollback_index\":0,\"target\":\"t\","
				    "\"version\":\"1.0.0\"}";
	struct ota_manifest *m = NULL;
	struct ota_buf b;

	(void)state;
	assert_int_equal(ota_manifest_parse((const unsigned char *)with, strlen(with), "m", &m,
					    NULL), 0);
	assert_int_equal(m->expires, 20);
	ota_buf_init(&b, 0);
	assert_int_equal(ota_manifest_serialize(m, &b, NULL), 0);
	assert_int_equal(b.len, strlen(with));
	assert_memory_equal(b.data, with, b.len);
	ota_buf_free(&b);
	ota_manifest_free(m);
	m = NULL;
	assert_int_equal(ota_manifest_parse((const unsigned char *)early, strlen(early), "m", &m,
					    NULL), OTA_EFORMAT);
	ota_manifest_free(m);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_roles_round_trip_with_every_field),
		T(test_roles_parse_is_strict),
		T(test_roles_release_keys_never_count_toward_root),
		T(test_roles_signers_judged_by_retirement_time),
		T(test_timestamps_name_the_sequence_in_force),
		T(test_time_parse_absolute_and_relative),
		T(test_attested_time_never_goes_back),
		T(test_apply_refuses_with_nothing_written),
		T(test_manifest_expires_round_trips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
