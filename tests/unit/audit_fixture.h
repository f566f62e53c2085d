/* SPDX-License-Identifier: Apache-2.0 */
/* audit_fixture.h - what the audit history's unit tests share: a fresh
 * state dir per test, records appended the agent's way, and the segment
 * files read and rewritten line by line to tamper with them. */
#ifndef OTA_TEST_AUDIT_FIXTURE_H
#define OTA_TEST_AUDIT_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/audit.h"
#include "lib/fsutil.h"

#define LINES_MAX 512

struct fixture {
	char dir[64];
	char path[128]; /* dir/history.jsonl */
	char head[128]; /* dir/history.head */
	struct ota_err err;
	struct ota_audit_check check;
};

static __attribute__((unused)) int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-audit.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/%s", f->dir, OTA_AUDIT_FILE);
	snprintf(f->head, sizeof(f->head), "%s/%s", f->dir, OTA_AUDIT_HEAD);
	*state = f;
	return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
	struct fixture *f = *state;

	ota_rm_tree(f->dir, NULL);
	free(f);
	return 0;
}

/* Append record number i (IDLE -> VERIFYING, reason "step i"). */
static __attribute__((unused)) void append_lim(struct fixture *f, int i, const struct ota_audit_limits *lim)
{
	static const char signer[][OTA_KEYID_HEX_LEN + 1] = {
		"683ee1432447428752ab60bd965793ba3c8ed98037e065809823002b4b3124ed"};
	char reason[32];
	struct ota_audit_rec r = {.time = 1700000000 + i, .from = OTA_IDLE, .to = OTA_VERIFYING,
				  .version = "1.2.3", .bundle = "app-1.2.3.bundle",
				  .manifest_sha256 = "", .signers = signer, .n_signers = 1,
				  .result = OTA_AUDIT_OK, .reason = reason};

	snprintf(reason, sizeof(reason), "step %d", i);
	assert_int_equal(ota_audit_append(f->dir, lim, &r, &f->err), 0);
}

static __attribute__((unused)) void append_n(struct fixture *f, int from, int to)
{
	int i;

	for (i = from; i <= to; i++)
		append_lim(f, i, NULL);
}

/* The lines of a file, newline included; returns how many. */
static __attribute__((unused)) size_t read_lines(const char *path, char **lines)
{
	FILE *fp = fopen(path, "rb");
	size_t n = 0, cap = 0;
	char *line = NULL;
	ssize_t len;

	assert_non_null(fp);
	while (n < LINES_MAX && (len = getline(&line, &cap, fp)) > 0) {
		lines[n] = malloc((size_t)len + 1);
		assert_non_null(lines[n]);
		memcpy(lines[n], line, (size_t)len + 1);
		n++;
	}
	free(line);
	fclose(fp);
	return n;
}

static __attribute__((unused)) void write_lines(const char *path, char **lines, size_t n)
{
	FILE *fp = fopen(path, "wb");
	size_t i;

	assert_non_null(fp);
	for (i = 0; i < n; i++)
		if (lines[i])
			assert_int_equal(fputs(lines[i], fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static __attribute__((unused)) void free_lines(char **lines, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(lines[i]);
}

/* Whole-file copies, for "the head before the append" power cuts. */
static __attribute__((unused)) char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	assert_non_null(fp);
	assert_non_null(buf);
	*len = fread(buf, 1, 1 << 20, fp);
	fclose(fp);
	return buf;
}

static __attribute__((unused)) void spill(const char *path, const char *data, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* ota_audit_verify's code; f->check and f->err filled. */
static __attribute__((unused)) int verify(struct fixture *f)
{
	memset(&f->err, 0, sizeof(f->err));
	return ota_audit_verify(f->dir, NULL, &f->check, &f->err);
}

static __attribute__((unused)) void assert_verifies(struct fixture *f)
{
	int rc = verify(f);

	if (rc)
		fail_msg("expected the history to verify: %s", f->err.msg);
}

/* Detected as tampered, with every word of want in the one-line reason. */
static __attribute__((unused)) void assert_tampered(struct fixture *f, const char *want)
{
	int rc = verify(f);

	if (rc != OTA_EAUDIT)
		fail_msg("expected OTA_EAUDIT, got %d: %s", rc, f->err.msg);
	if (!strstr(f->err.msg, want))
		fail_msg("expected \"%s\" in: %s", want, f->err.msg);
	assert_null(strchr(f->err.msg, '\n'));
}

#endif
