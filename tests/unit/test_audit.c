/* SPDX-License-Identifier: Apache-2.0 */
/* test_audit.c - the audit history's chain (lib/audit.c, audit_chain.c):
 * a fresh history verifies; an edited, reordered or removed record, a
 * truncated tail, a missing or damaged head are each detected with the
 * line and seq at fault; a power cut between the append and the head
 * update is tolerated, and evidence of a cut tail survives later appends.
 * Files are tampered with directly, as an attacker with the disk would. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>

#include "tests/unit/audit_fixture.h"

static void test_audit_fresh_history_verifies(void **state)
{
	struct fixture *f = *state;

	append_n(f, 1, 10);
	assert_verifies(f);
	assert_int_equal(f->check.records, 10);
	assert_int_equal(f->check.first_seq, 1);
	assert_int_equal(f->check.last_seq, 10);
	assert_false(f->check.rotated || f->check.torn_tail || f->check.unanchored);
	assert_int_equal(strlen(f->check.head_sha256), 64);
}

static void test_audit_empty_history_verifies(void **state)
{
	struct fixture *f = *state;

	assert_verifies(f);
	assert_int_equal(f->check.records, 0);
}

static void test_audit_record_is_canonical_and_chained(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	json_t *r;
	size_t n;

	append_n(f, 1, 2);
	n = read_lines(f->path, lines);
	assert_int_equal(n, 2);
	r = json_loads(lines[0], 0, NULL);
	assert_non_null(r);
	assert_int_equal(json_integer_value(json_object_get(r, "seq")), 1);
	assert_string_equal(json_string_value(json_object_get(r, "prev")),
			    "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(json_string_value(json_object_get(r, "time")), "2023-11-14T22:13:21Z");
	assert_string_equal(json_string_value(json_object_get(r, "bundle")), "app-1.2.3.bundle");
	assert_int_equal(json_array_size(json_object_get(r, "signers")), 1);
	assert_int_equal(json_object_size(r), 12);
	json_decref(r);
	/* Keys in canonical order: the line is its own canonical form. */
	assert_true(strncmp(lines[0], "{\"bundle\":", 10) == 0);
	free_lines(lines, n);
}

static void test_audit_edited_record_in_the_middle_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX], *p;
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	p = strstr(lines[4], "step 5");
	assert_non_null(p);
	p[5] = '9'; /* still canonical JSON: only the hash gives it away */
	write_lines(f->path, lines, n);
	free_lines(lines, n);
	assert_tampered(f, "history.jsonl:6: seq 6 does not chain to seq 5");
}

static void test_audit_edited_last_record_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	strstr(lines[9], "step 10")[5] = '2';
	write_lines(f->path, lines, n);
	free_lines(lines, n);
	assert_tampered(f, "seq 10 differs from the chain head");
}

static void test_audit_reordered_records_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX], *t;
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	t = lines[3];
	lines[3] = lines[4];
	lines[4] = t;
	write_lines(f->path, lines, n);
	free_lines(lines, n);
	assert_tampered(f, "history.jsonl:4: seq 5 after seq 3");
}

static void test_audit_removed_middle_record_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	free(lines[4]);
	lines[4] = NULL;
	write_lines(f->path, lines, n);
	free_lines(lines, n);
	assert_tampered(f, "history.jsonl:5: seq 6 after seq 4: record 5 missing");
}

static void test_audit_truncated_tail_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	write_lines(f->path, lines, 7);
	free_lines(lines, n);
	assert_tampered(f, "the history ends at seq 7, but history.head names seq 10");
}

static void test_audit_last_record_removed_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	write_lines(f->path, lines, 9);
	free_lines(lines, n);
	assert_tampered(f, "ends at seq 9");
}

static void test_audit_whole_log_removed_detected(void **state)
{
	struct fixture *f = *state;

	append_n(f, 1, 3);
	assert_int_equal(unlink(f->path), 0);
	assert_tampered(f, "no records, but history.head names seq 3");
}

static void test_audit_missing_head_detected(void **state)
{
	struct fixture *f = *state;

	append_n(f, 1, 3);
	assert_int_equal(unlink(f->head), 0);
	assert_tampered(f, "history.head is missing");
}

static void test_audit_damaged_head_detected(void **state)
{
	struct fixture *f = *state;

	append_n(f, 1, 3);
	spill(f->head, "{\"seq\":3}\n", 10);
	assert_tampered(f, "history.head: damaged");
}

static void test_audit_non_canonical_line_detected(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX], *fat;
	size_t n;

	append_n(f, 1, 3);
	n = read_lines(f->path, lines);
	fat = malloc(strlen(lines[1]) + 2);
	assert_non_null(fat);
	fat[0] = ' ';
	strcpy(fat + 1, lines[1]);
	free(lines[1]);
	lines[1] = fat;
	write_lines(f->path, lines, n);
	free_lines(lines, n);
	assert_tampered(f, "history.jsonl:2: not a history record (not canonical JSON)");
}

/* The agent appends after it was cut: the break stays visible, because
 * the new record chains to the head file's record, not the cut log's. */
static void test_audit_cut_tail_stays_detected_after_appends(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	size_t n;

	append_n(f, 1, 10);
	n = read_lines(f->path, lines);
	write_lines(f->path, lines, 6);
	free_lines(lines, n);
	append_n(f, 11, 12);
	assert_tampered(f, "seq 11 after seq 6: records 7-10 missing");
}

static void test_audit_edited_last_record_stays_detected_after_appends(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX];
	size_t n;

	append_n(f, 1, 5);
	n = read_lines(f->path, lines);
	strstr(lines[4], "step 5")[5] = '7';
	write_lines(f->path, lines, n);
	free_lines(lines, n);
	append_n(f, 6, 6);
	assert_tampered(f, "history.jsonl:6: seq 6 does not chain to seq 5");
}

/* Power cut after the record's write began, before its fsync finished:
 * a torn last line, and the head still on the record before. */
static void test_audit_torn_last_line_tolerated_and_cut_off(void **state)
{
	struct fixture *f = *state;
	size_t hlen, len;
	char *head, *log;

	append_n(f, 1, 5);
	head = slurp(f->head, &hlen);
	append_n(f, 6, 6);
	spill(f->head, head, hlen);
	log = slurp(f->path, &len);
	spill(f->path, log, len - 20);
	assert_verifies(f);
	assert_true(f->check.torn_tail);
	assert_int_equal(f->check.last_seq, 5);
	/* The next append cuts the torn bytes off and goes on from seq 5. */
	append_n(f, 7, 7);
	assert_verifies(f);
	assert_false(f->check.torn_tail);
	assert_int_equal(f->check.last_seq, 6);
	assert_int_equal(f->check.records, 6);
	free(head);
	free(log);
}

/* Power cut after the record was fsynced, before the head moved. */
static void test_audit_record_past_head_tolerated(void **state)
{
	struct fixture *f = *state;
	size_t hlen;
	char *head;

	append_n(f, 1, 5);
	head = slurp(f->head, &hlen);
	append_n(f, 6, 6);
	spill(f->head, head, hlen);
	assert_verifies(f);
	assert_true(f->check.unanchored);
	assert_int_equal(f->check.last_seq, 6);
	append_n(f, 7, 7);
	assert_verifies(f);
	assert_false(f->check.unanchored);
	assert_int_equal(f->check.last_seq, 7);
	free(head);
}

static void test_audit_two_records_past_head_detected(void **state)
{
	struct fixture *f = *state;
	size_t hlen;
	char *head;

	append_n(f, 1, 5);
	head = slurp(f->head, &hlen);
	append_n(f, 6, 7);
	spill(f->head, head, hlen);
	assert_tampered(f, "goes on to seq 7, past seq 5");
	free(head);
}

/* The very first append, cut before the head file existed. */
static void test_audit_first_record_before_any_head_tolerated(void **state)
{
	struct fixture *f = *state;

	append_n(f, 1, 1);
	assert_int_equal(unlink(f->head), 0);
	assert_verifies(f);
	assert_true(f->check.unanchored);
}

static void test_audit_text_not_utf8_is_escaped(void **state)
{
	struct fixture *f = *state;
	struct ota_audit_rec r = {.time = 1, .from = OTA_IDLE, .to = OTA_VERIFYING, .version = "",
				  .bundle = "\xff<b>\n\xe2\x80\xae.bundle", .manifest_sha256 = "",
				  .result = OTA_AUDIT_OK, .reason = "bad \x01 byte"};
	json_t *recs = NULL;

	assert_int_equal(ota_audit_append(f->dir, NULL, &r, &f->err), 0);
	assert_int_equal(ota_audit_load(f->dir, &recs, &f->err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "bundle")),
			    "\\xff<b>\\x0a\\xe2\\x80\\xae.bundle");
	assert_string_equal(json_string_value(json_object_get(json_array_get(recs, 0), "reason")),
			    "bad \\x01 byte");
	json_decref(recs);
	assert_verifies(f);
}

static void test_audit_long_reason_is_cut(void **state)
{
	struct fixture *f = *state;
	char reason[5000];
	struct ota_audit_rec r = {.time = 1, .from = OTA_IDLE, .to = OTA_VERIFYING, .version = "",
				  .bundle = "", .manifest_sha256 = "", .result = OTA_AUDIT_OK,
				  .reason = reason};
	json_t *recs = NULL;

	memset(reason, 'x', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	assert_int_equal(ota_audit_append(f->dir, NULL, &r, &f->err), 0);
	assert_int_equal(ota_audit_load(f->dir, &recs, &f->err), 0);
	assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(recs, 0),
								  "reason"))),
			 OTA_AUDIT_TEXT_MAX);
	json_decref(recs);
}

/* A history of the first agent's format (no seq, no prev): shown, but it
 * does not verify. */
static void test_audit_unchained_record_listed_not_verified(void **state)
{
	struct fixture *f = *state;
	const char old[] = "{\"from\":\"IDLE\",\"reason\":\"bundle a.bundle\",\"time\":"
			   "\"2024-01-01T00:00:00Z\",\"to\":\"VERIFYING\",\"version\":\"\"}\n";
	json_t *recs = NULL;

	spill(f->path, old, sizeof(old) - 1);
	assert_int_equal(ota_audit_load(f->dir, &recs, &f->err), 0);
	assert_int_equal(json_array_size(recs), 1);
	json_decref(recs);
	assert_tampered(f, "history.jsonl:1: not a history record of this format (seq)");
}

static void test_audit_check_json_has_every_field(void **state)
{
	struct fixture *f = *state;
	json_t *j;

	append_n(f, 1, 2);
	assert_verifies(f);
	j = ota_audit_check_json(&f->check);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "ok")));
	assert_true(json_is_null(json_object_get(j, "problem")));
	assert_int_equal(json_integer_value(json_object_get(j, "last_seq")), 2);
	assert_int_equal(json_object_size(j), 9);
	json_decref(j);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_audit_fresh_history_verifies),
		T(test_audit_empty_history_verifies),
		T(test_audit_record_is_canonical_and_chained),
		T(test_audit_edited_record_in_the_middle_detected),
		T(test_audit_edited_last_record_detected),
		T(test_audit_reordered_records_detected),
		T(test_audit_removed_middle_record_detected),
		T(test_audit_truncated_tail_detected),
		T(test_audit_last_record_removed_detected),
		T(test_audit_whole_log_removed_detected),
		T(test_audit_missing_head_detected),
		T(test_audit_damaged_head_detected),
		T(test_audit_non_canonical_line_detected),
		T(test_audit_cut_tail_stays_detected_after_appends),
		T(test_audit_edited_last_record_stays_detected_after_appends),
		T(test_audit_torn_last_line_tolerated_and_cut_off),
		T(test_audit_record_past_head_tolerated),
		T(test_audit_two_records_past_head_detected),
		T(test_audit_first_record_before_any_head_tolerated),
		T(test_audit_text_not_utf8_is_escaped),
		T(test_audit_long_reason_is_cut),
		T(test_audit_unchained_record_listed_not_verified),
		T(test_audit_check_json_has_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
