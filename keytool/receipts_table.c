/* SPDX-License-Identifier: Apache-2.0 */
/* receipts_table.c - the fleet as `ota-keytool receipts` prints it: one
 * row per accepted receipt, as a table for a person, --json for scripts,
 * --csv for a spreadsheet (RFC 4180: every field quoted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/isotime.h"

int receipts_row(json_t *rows, const struct ota_receipt *r, const char *status,
		 const char *label, struct ota_err *err)
{
	json_t *row = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:I, s:I, s:s, s:I, s:I, s:s}",
		"device", r->device, "label", label, "hostname", r->hostname, "machine_id",
		r->machine_id, "class", r->device_class, "current", r->current, "last_good",
		r->last_good, "exit", r->exit, "result", r->result, "counter",
		(json_int_t)r->counter, "history_seq", (json_int_t)r->history_seq,
		"history_sha256", r->history_sha256, "attested_time",
		(json_int_t)r->attested_time, "time", (json_int_t)r->time, "status", status);

	json_object_set_new(row, "version", json_string(r->version));
	if (!row || json_array_append_new(rows, row))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	return 0;
}

static const char *const columns[] = {"device", "hostname", "class", "current", "last_good",
				      "result", "version", "exit", "counter", "history_seq",
				      "attested_time", "status"};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* A field as text: numbers printed, times as ISO 8601; none is none
 * ("-" in the table, empty in CSV). */
static void field(const json_t *row, const char *key, const char *none, char *out, size_t size)
{
	const json_t *v = json_object_get(row, key);
	char iso[OTA_ISOTIME_LEN];

	if (!strcmp(key, "attested_time")) {
		if (json_integer_value(v)) {
			ota_isotime_format((long long)json_integer_value(v), iso);
			snprintf(out, size, "%s", iso);
		} else {
			snprintf(out, size, "%s", none);
		}
	} else if (json_is_integer(v)) {
		snprintf(out, size, "%lld", (long long)json_integer_value(v));
	} else {
		snprintf(out, size, "%s", json_string_value(v) && *json_string_value(v)
						  ? json_string_value(v) : none);
	}
}

static void print_csv(const json_t *rows)
{
	char text[512], *p;
	size_t i, c;

	for (c = 0; c < N_COLUMNS; c++)
		printf("%s%s", c ? "," : "", columns[c]);
	printf("\n");
	for (i = 0; i < json_array_size(rows); i++) {
		for (c = 0; c < N_COLUMNS; c++) {
			field(json_array_get(rows, i), columns[c], "", text, sizeof(text));
			printf("%s\"", c ? "," : "");
			for (p = text; *p; p++)
				printf(*p == '"' ? "\"\"" : "%c", *p);
			printf("\"");
		}
		printf("\n");
	}
}

static void cell(size_t c, int width, const char *text)
{
	if (c + 1 < N_COLUMNS)
		printf("%-*s  ", width, text);
	else
		printf("%s\n", text);
}

static void print_table(const json_t *rows)
{
	static const char *const head[] = {"DEVICE", "HOST", "CLASS", "CURRENT", "LAST GOOD",
					   "OUTCOME", "VERSION", "EXIT", "COUNTER", "HISTORY",
					   "ATTESTED TIME", "RECEIPT"};
	static const int width[] = {16, 16, 12, 10, 10, 11, 10, 4, 7, 7, 20, 0};
	char text[512];
	size_t i, c;

	for (c = 0; c < N_COLUMNS; c++)
		cell(c, width[c], head[c]);
	for (i = 0; i < json_array_size(rows); i++)
		for (c = 0; c < N_COLUMNS; c++) {
			field(json_array_get(rows, i), columns[c], "-", text, sizeof(text));
			if (c == 0)
				text[16] = '\0'; /* the key id's first 16 digits, as elsewhere */
			cell(c, width[c], text);
		}
}

int receipts_print(const json_t *rows, bool json, bool csv, struct ota_err *err)
{
	char *text;

	if (csv) {
		print_csv(rows);
	} else if (json) {
		if (!(text = json_dumps(rows, JSON_COMPACT | JSON_SORT_KEYS)))
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		puts(text);
		free(text);
	} else {
		print_table(rows);
	}
	return fflush(stdout) ? ota_err_set(err, OTA_EIO, "stdout: write failed") : 0;
}
