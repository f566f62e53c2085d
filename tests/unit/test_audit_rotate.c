/* SPDX-License-Identifier: Apache-2.0 */
/* test_audit_rotate.c - the audit history in bounded segments (lib/audit.c,
 * audit_chain.c): rotation keeps the chain verifiable across segments and
 * says from which seq it is proven; a segment removed, reordered or
 * renamed outside rotation is detected; a power cut at each step of a
 * rotation is tolerated; a reader running beside a writer never sees a
 * false alarm. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

#include "tests/unit/audit_fixture.h"

/* Small segments: a record is ~330 bytes, so about 6 to a segment. */
static const struct ota_audit_limits small = {2048, 3};

static void append_small(struct fixture *f, int from, int to)
{
	int i;

	for (i = from; i <= to; i++)
		append_lim(f, i, &small);
}

/* The rotated segments' first seqs, ascending; returns how many. */
static size_t segments(struct fixture *f, unsigned long long *first, size_t max)
{
	struct dirent *de;
	DIR *d = opendir(f->dir);
	size_t n = 0, i, j;
	unsigned long long v, t;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (n < max && sscanf(de->d_name, "history.%llu.jsonl", &v) == 1)
			first[n++] = v;
	closedir(d);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (first[j] < first[i]) {
				t = first[i];
				first[i] = first[j];
				first[j] = t;
			}
	return n;
}

static void seg_path(struct fixture *f, unsigned long long first, char *out, size_t len)
{
	snprintf(out, len, "%s/history.%010llu.jsonl", f->dir, first);
}

static void test_audit_rotation_keeps_segments_bounded_and_chained(void **state)
{
	struct fixture *f = *state;
	unsigned long long first[16];
	char *lines[LINES_MAX], path[160];
	size_t n, i, k;

	append_small(f, 1, 60);
	n = segments(f, first, 16);
	assert_int_equal(n, small.keep - 1);
	for (i = 0; i < n; i++) {
		/* Each segment is named after its first record and bounded. */
		seg_path(f, first[i], path, sizeof(path));
		k = read_lines(path, lines);
		assert_true(k > 0);
		assert_non_null(strstr(lines[0], "\"seq\":"));
		assert_int_equal(strtoull(strstr(lines[0], "\"seq\":") + 6, NULL, 10), first[i]);
		free_lines(lines, k);
	}
	assert_verifies(f);
	assert_true(f->check.rotated);
	assert_int_equal(f->check.first_seq, first[0]);
	assert_int_equal(f->check.last_seq, 60);
	assert_int_equal(f->check.records, 60 - first[0] + 1);
}

static void test_audit_segment_removed_outside_rotation_detected(void **state)
{
	struct fixture *f = *state;
	unsigned long long first[16];
	char path[160];

	append_small(f, 1, 40);
	assert_int_equal(segments(f, first, 16), 2);
	seg_path(f, first[0], path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_tampered(f, "records removed other than by rotation");
}

static void test_audit_middle_segment_removed_detected(void **state)
{
	struct fixture *f = *state;
	unsigned long long first[16];
	char path[160];

	append_small(f, 1, 40);
	assert_int_equal(segments(f, first, 16), 2);
	seg_path(f, first[1], path, sizeof(path));
	assert_int_equal(unlink(path), 0);
	assert_tampered(f, "missing (removed or moved)");
}

static void test_audit_swapped_segments_detected(void **state)
{
	struct fixture *f = *state;
	unsigned long long first[16];
	char a[160], b[160], t[170];

	append_small(f, 1, 40);
	assert_int_equal(segments(f, first, 16), 2);
	seg_path(f, first[0], a, sizeof(a));
	seg_path(f, first[1], b, sizeof(b));
	snprintf(t, sizeof(t), "%s.x", a);
	assert_int_equal(rename(a, t), 0);
	assert_int_equal(rename(b, a), 0);
	assert_int_equal(rename(t, b), 0);
	assert_tampered(f, "the segment's name says");
}

/* Power cut right after the active segment was renamed, before the
 * record that caused the rotation was written. */
static void test_audit_cut_after_rotation_rename_tolerated(void **state)
{
	struct fixture *f = *state;
	char *lines[LINES_MAX], path[160];
	size_t n;

	append_small(f, 1, 3);
	n = read_lines(f->path, lines);
	free_lines(lines, n);
	seg_path(f, 1, path, sizeof(path));
	assert_int_equal(rename(f->path, path), 0);
	assert_verifies(f);
	assert_int_equal(f->check.last_seq, 3);
	append_small(f, 4, 4);
	assert_verifies(f);
	assert_int_equal(f->check.last_seq, 4);
}

/* Power cut after the head named the new oldest seq, before the oldest
 * segment was unlinked: more records than the head requires. */
static void test_audit_cut_before_oldest_segment_unlinked_tolerated(void **state)
{
	struct fixture *f = *state;
	unsigned long long before[16], after[16];
	char path[160] = "", *data = NULL;
	size_t nb, na, len = 0;
	int i;

	for (i = 1; i <= 60; i++) {
		nb = segments(f, before, 16);
		if (nb) {
			free(data);
			seg_path(f, before[0], path, sizeof(path));
			data = slurp(path, &len);
		}
		append_lim(f, i, &small);
		na = segments(f, after, 16);
		if (nb && na && after[0] != before[0])
			break; /* this append dropped the segment at `path` */
	}
	assert_true(i <= 60);
	assert_non_null(data);
	spill(path, data, len);
	free(data);
	assert_verifies(f);
	assert_int_equal(f->check.first_seq, before[0]);
	append_small(f, i + 1, i + 1);
	assert_verifies(f);
}

/* A writer appending and rotating in a child, readers verifying all the
 * while in the parent: every read is consistent. */
static void test_audit_reader_beside_writer_sees_no_false_alarm(void **state)
{
	struct fixture *f = *state;
	int status, reads = 0;
	pid_t pid;

	append_small(f, 1, 1);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int i = 2; i <= 150; i++)
			append_lim(f, i, &small);
		_exit(0);
	}
	while (waitpid(pid, &status, WNOHANG) == 0) {
		assert_verifies(f);
		reads++;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_verifies(f);
	assert_int_equal(f->check.last_seq, 150);
	assert_true(reads > 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_audit_rotation_keeps_segments_bounded_and_chained),
		T(test_audit_segment_removed_outside_rotation_detected),
		T(test_audit_middle_segment_removed_detected),
		T(test_audit_swapped_segments_detected),
		T(test_audit_cut_after_rotation_rename_tolerated),
		T(test_audit_cut_before_oldest_segment_unlinked_tolerated),
		T(test_audit_reader_beside_writer_sees_no_false_alarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
