/* SPDX-License-Identifier: Apache-2.0 */
/* test_audit_view.c - reading the history as people do (lib/audit_view.c,
 * lib/isotime.c): records grouped into attempts with their path and
 * outcome, the --since and --version filters, and the times they take. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/audit_view.h"
#include "lib/isotime.h"

/* A record as the history holds it (only the fields the view reads). */
static json_t *rec(int seq, const char *time, const char *from, const char *to, const char *v,
		   const char *result, const char *reason)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[], s:i}", "seq", seq,
			 "time", time, "from", from, "to", to, "version", v, "result", result,
			 "reason", reason, "bundle", "b.bundle", "manifest_sha256", "", "signers",
			 "exit", strcmp(result, "ok") ? 15 : 0);
}

/* Three attempts: 1.0.0 promoted, 2.0.0 rolled back, a refused bundle. */
static json_t *three_attempts(void)
{
	static const char *const t[][6] = {
		{"2024-05-01T10:00:00Z", "IDLE", "VERIFYING", "", "ok", "bundle a"},
		{"2024-05-01T10:00:01Z", "VERIFYING", "STAGING", "1.0.0", "ok", "verified"},
		{"2024-05-01T10:00:02Z", "STAGING", "SWITCHING", "1.0.0", "ok", "staged"},
		{"2024-05-01T10:00:03Z", "SWITCHING", "HEALTH_CHECK", "1.0.0", "ok", "switched"},
		{"2024-05-01T10:00:04Z", "HEALTH_CHECK", "PROMOTED", "1.0.0", "ok", "health check passed"},
		{"2024-05-01T10:00:05Z", "PROMOTED", "IDLE", "1.0.0", "ok", "promoted"},
		{"2024-05-02T10:00:00Z", "IDLE", "VERIFYING", "", "ok", "bundle b"},
		{"2024-05-02T10:00:01Z", "VERIFYING", "STAGING", "2.0.0", "ok", "verified"},
		{"2024-05-02T10:00:02Z", "STAGING", "SWITCHING", "2.0.0", "ok", "staged"},
		{"2024-05-02T10:00:03Z", "SWITCHING", "HEALTH_CHECK", "2.0.0", "ok", "switched"},
		{"2024-05-02T10:01:03Z", "HEALTH_CHECK", "ROLLING_BACK", "2.0.0", "failed", "status 500"},
		{"2024-05-02T10:01:04Z", "ROLLING_BACK", "IDLE", "2.0.0", "rolled_back", "rolled back to 1.0.0"},
		{"2024-05-03T10:00:00Z", "IDLE", "VERIFYING", "", "ok", "bundle c"},
		{"2024-05-03T10:00:01Z", "VERIFYING", "IDLE", "", "refused", "c: bad signature"},
	};
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		json_array_append_new(a, rec((int)i + 1, t[i][0], t[i][1], t[i][2], t[i][3], t[i][4],
					     t[i][5]));
	return a;
}

static const char *get(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_view_attempts_grouped_with_path_and_outcome(void **state)
{
	json_t *recs = three_attempts(), *att = ota_audit_attempts(recs), *a;
	char *path;

	(void)state;
	assert_int_equal(json_array_size(att), 3);
	a = json_array_get(att, 0);
	assert_string_equal(get(a, "outcome"), OTA_OUTCOME_PROMOTED);
	assert_string_equal(get(a, "version"), "1.0.0");
	assert_string_equal(get(a, "reason"), "health check passed");
	assert_false(json_is_true(json_object_get(a, "failure")));
	path = json_dumps(json_object_get(a, "path"), JSON_COMPACT);
	assert_string_equal(path, "[\"IDLE\",\"VERIFYING\",\"STAGING\",\"SWITCHING\",\"HEALTH_CHECK\","
				  "\"PROMOTED\",\"IDLE\"]");
	free(path);
	a = json_array_get(att, 1);
	assert_string_equal(get(a, "outcome"), OTA_OUTCOME_ROLLED_BACK);
	assert_string_equal(get(a, "failed_in"), "HEALTH_CHECK");
	assert_int_equal(json_integer_value(json_object_get(a, "failed_step")), 4);
	assert_string_equal(get(a, "reason"), "status 500");
	assert_true(json_is_true(json_object_get(a, "failure")));
	a = json_array_get(att, 2);
	assert_string_equal(get(a, "outcome"), OTA_OUTCOME_REFUSED);
	assert_string_equal(get(a, "failed_in"), "VERIFYING");
	json_decref(att);
	json_decref(recs);
}

static void test_view_unfinished_and_partial_attempts(void **state)
{
	json_t *recs = three_attempts(), *att, *tail = json_array();
	size_t i;

	(void)state;
	/* The first two records rotated out; the last one not written yet. */
	for (i = 2; i + 1 < json_array_size(recs); i++)
		json_array_append(tail, json_array_get(recs, i));
	att = ota_audit_attempts(tail);
	assert_int_equal(json_array_size(att), 3);
	assert_string_equal(get(json_array_get(att, 0), "kind"), "partial");
	assert_string_equal(get(json_array_get(att, 0), "outcome"), OTA_OUTCOME_PROMOTED);
	assert_string_equal(get(json_array_get(att, 2), "outcome"), OTA_OUTCOME_UNFINISHED);
	json_decref(att);
	json_decref(tail);
	json_decref(recs);
}

static void test_view_interrupted_and_requested_rollback(void **state)
{
	json_t *recs = json_array(), *att;

	(void)state;
	json_array_append_new(recs, rec(1, "2024-05-01T10:00:00Z", "IDLE", "VERIFYING", "", "ok", "b"));
	json_array_append_new(recs, rec(2, "2024-05-01T10:00:01Z", "VERIFYING", "STAGING", "2", "ok", "v"));
	json_array_append_new(recs, rec(3, "2024-05-01T10:00:02Z", "STAGING", "SWITCHING", "2", "ok", "s"));
	json_array_append_new(recs, rec(4, "2024-05-01T10:05:00Z", "SWITCHING", "ROLLING_BACK", "2",
					"recovered", "recovered: interrupted in SWITCHING"));
	json_array_append_new(recs, rec(5, "2024-05-01T10:05:01Z", "ROLLING_BACK", "IDLE", "2",
					"rolled_back", "rolled back to 1"));
	json_array_append_new(recs, rec(6, "2024-05-01T11:00:00Z", "IDLE", "ROLLING_BACK", "2", "ok",
					"rollback requested"));
	json_array_append_new(recs, rec(7, "2024-05-01T11:00:01Z", "ROLLING_BACK", "IDLE", "2",
					"rolled_back", "rolled back"));
	att = ota_audit_attempts(recs);
	assert_int_equal(json_array_size(att), 2);
	assert_string_equal(get(json_array_get(att, 0), "outcome"), OTA_OUTCOME_INTERRUPTED);
	assert_string_equal(get(json_array_get(att, 0), "failed_in"), "SWITCHING");
	assert_string_equal(get(json_array_get(att, 1), "kind"), "rollback");
	assert_string_equal(get(json_array_get(att, 1), "outcome"), OTA_OUTCOME_ROLLBACK);
	assert_false(json_is_true(json_object_get(json_array_get(att, 1), "failure")));
	json_decref(att);
	json_decref(recs);
}

static void test_view_filter_by_version_keeps_whole_attempts(void **state)
{
	json_t *recs = three_attempts(), *out = ota_audit_filter(recs, LLONG_MIN, "2.0.0");

	(void)state;
	/* Its first record, written before the version was known, included. */
	assert_int_equal(json_array_size(out), 6);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 0), "seq")), 7);
	json_decref(out);
	out = ota_audit_filter(recs, LLONG_MIN, "9.9.9");
	assert_int_equal(json_array_size(out), 0);
	json_decref(out);
	json_decref(recs);
}

static void test_view_filter_since(void **state)
{
	json_t *recs = three_attempts(), *out;
	long long t;

	(void)state;
	assert_int_equal(ota_isotime_parse("2024-05-02T10:01:03Z", &t, NULL), 0);
	out = ota_audit_filter(recs, t, NULL);
	assert_int_equal(json_array_size(out), 4);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(out, 0), "seq")), 11);
	json_decref(out);
	json_decref(recs);
}

/* Records at these times, seq 1.., attempts of one record each. */
static json_t *stamped(const char *const *t, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, rec((int)i + 1, t[i], "IDLE", "IDLE", "1.0.0", "ok", "r"));
	return a;
}

/* The seqs --since t shows, as "3 4 5". */
static void assert_since(const json_t *recs, const char *since, const char *want)
{
	char have[256] = "";
	json_t *out;
	long long t;
	size_t i, n = 0;

	assert_int_equal(ota_isotime_parse(since, &t, NULL), 0);
	out = ota_audit_filter(recs, t, NULL);
	for (i = 0; i < json_array_size(out); i++)
		n += (size_t)snprintf(have + n, sizeof(have) - n, "%s%lld", i ? " " : "",
				      (long long)json_integer_value(
					      json_object_get(json_array_get(out, i), "seq")));
	json_decref(out);
	if (strcmp(have, want))
		fail_msg("--since %s: showed \"%s\", want \"%s\"", since, have, want);
}

/* A boot without a battery: the clock back to 1970 after record 2, then
 * NTP sets it again at record 5.  Records 3 and 4 are older than their
 * predecessor: never hidden while a later one is shown. */
static void test_view_since_clock_jumping_back_to_1970_hides_nothing_after(void **state)
{
	static const char *const t[] = {
		"2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z", "1970-01-01T00:00:05Z",
		"1970-01-01T00:01:00Z", "2026-03-05T10:00:00Z", "2026-03-06T10:00:00Z",
	};
	json_t *recs = stamped(t, sizeof(t) / sizeof(t[0]));

	(void)state;
	assert_since(recs, "2026-03-04", "3 4 5 6");
	assert_since(recs, "2026-03-02", "2 3 4 5 6");
	assert_since(recs, "2026-03-06", "6");
	assert_since(recs, "2026-03-07", "");
	assert_since(recs, "1970-01-01", "1 2 3 4 5 6");
	json_decref(recs);
}

/* The history ends on the 1970 clock: those records are shown for any
 * since after the last trusted time, never hidden. */
static void test_view_since_history_ending_in_1970_shows_its_tail(void **state)
{
	static const char *const t[] = {"2026-03-01T10:00:00Z", "2026-03-02T10:00:00Z",
					"1970-01-01T00:00:05Z", "1970-01-01T00:00:09Z"};
	json_t *recs = stamped(t, sizeof(t) / sizeof(t[0]));

	(void)state;
	assert_since(recs, "2026-03-10", "3 4");
	assert_since(recs, "2030-01-01", "3 4");
	json_decref(recs);
}

/* A clock stepped forward (to 2040) and set back by NTP: what follows the
 * jump is shown, the records before since by a sound clock are not. */
static void test_view_since_clock_jumping_forward_hides_nothing_after(void **state)
{
	static const char *const t[] = {
		"2026-03-01T10:00:00Z", "2040-01-01T00:00:00Z", "2026-03-02T10:00:00Z",
		"2026-03-03T10:00:00Z",
	};
	json_t *recs = stamped(t, sizeof(t) / sizeof(t[0]));

	(void)state;
	assert_since(recs, "2026-03-02T12:00:00Z", "2 3 4");
	assert_since(recs, "2026-03-01T12:00:00Z", "2 3 4");
	/* After the last sound time, only records a stepped clock stamped. */
	assert_since(recs, "2041-01-01", "3 4");
	json_decref(recs);
}

static void test_isotime_round_trip_and_forms(void **state)
{
	char s[OTA_ISOTIME_LEN];
	long long t;

	(void)state;
	ota_isotime_format(1700000000, s);
	assert_string_equal(s, "2023-11-14T22:13:20Z");
	ota_isotime_format(951782400, s); /* a leap day */
	assert_string_equal(s, "2000-02-29T00:00:00Z");
	assert_int_equal(ota_isotime_parse("2023-11-14T22:13:20Z", &t, NULL), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(ota_isotime_parse("2023-11-14T22:13:20+00:00", &t, NULL), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(ota_isotime_parse("2023-11-14T22:13", &t, NULL), 0);
	assert_int_equal(t, 1700000000 - 20);
	assert_int_equal(ota_isotime_parse("2023-11-14", &t, NULL), 0);
	assert_int_equal(t, 1699920000);
	assert_int_equal(ota_isotime_parse("1700000000", &t, NULL), 0);
	assert_int_equal(t, 1700000000);
	assert_int_equal(ota_isotime_parse("2000-02-29", &t, NULL), 0);
}

static void test_isotime_refuses_bad_times(void **state)
{
	static const char *const bad[] = {
		"", "yesterday", "2023-13-01", "2023-02-29", "2023-11-14T24:00", "2023-11-14T22:60",
		"2023-11-14T22:13:20+02:00", "2023-11-14 22:13", "-5", "12e3", "2023-1-1",
		"1969-12-31", "2023-11-14T22:13:20Zjunk", "99999999999999",
	};
	struct ota_err err = {0};
	size_t i;
	long long t;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ota_isotime_parse(bad[i], &t, &err) != OTA_EFORMAT)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_non_null(strstr(err.msg, "bad time"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_attempts_grouped_with_path_and_outcome),
		cmocka_unit_test(test_view_unfinished_and_partial_attempts),
		cmocka_unit_test(test_view_interrupted_and_requested_rollback),
		cmocka_unit_test(test_view_filter_by_version_keeps_whole_attempts),
		cmocka_unit_test(test_view_filter_since),
		cmocka_unit_test(test_view_since_clock_jumping_back_to_1970_hides_nothing_after),
		cmocka_unit_test(test_view_since_history_ending_in_1970_shows_its_tail),
		cmocka_unit_test(test_view_since_clock_jumping_forward_hides_nothing_after),
		cmocka_unit_test(test_isotime_round_trip_and_forms),
		cmocka_unit_test(test_isotime_refuses_bad_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
