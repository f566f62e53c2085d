/* SPDX-License-Identifier: Apache-2.0 */
/* test_config_history.c - the config's history section (lib/config.c):
 * its defaults, its two keys, and their ranges, each refusal naming the
 * file and line as every config error does. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"

#define BASE "device_class: d\napp_dir: /a\nstate_dir: /s\nkeys: /k\nservice:\n  restart: x\n"

static int load(const char *extra, struct ota_config *c, struct ota_err *err)
{
	char dir[] = "/tmp/ota-test-confhist.XXXXXX", path[64];
	FILE *fp;
	int rc;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/agent.yaml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(BASE, fp);
	fputs(extra, fp);
	assert_int_equal(fclose(fp), 0);
	rc = ota_config_load(path, NULL, c, err);
	unlink(path);
	rmdir(dir);
	return rc;
}

static void test_config_history_defaults(void **state)
{
	struct ota_config c;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(load("", &c, &err), 0);
	assert_int_equal(c.history_max_kb, 256);
	assert_int_equal(c.history_keep, 4);
	ota_config_free(&c);
}

static void test_config_history_keys(void **state)
{
	struct ota_config c;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(load("history:\n  max_kb: 16\n  keep: 64\n", &c, &err), 0);
	assert_int_equal(c.history_max_kb, 16);
	assert_int_equal(c.history_keep, 64);
	ota_config_free(&c);
}

static void test_config_history_refusals(void **state)
{
	static const char *const rows[][2] = {
		{"history:\n  max_kb: 15\n", "8: history.max_kb: expected an integer 16..16384, got \"15\""},
		{"history:\n  keep: 1\n", "8: history.keep: expected an integer 2..64, got \"1\""},
		{"history:\n  rotate: 3\n", "8: unknown key \"rotate\" (expected one of: max_kb, keep)"},
		{"history: 3\n", "7: history: expected a mapping, got \"3\""},
	};
	struct ota_config c;
	struct ota_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(&err, 0, sizeof(err));
		assert_int_equal(load(rows[i][0], &c, &err), OTA_ECONFIG);
		if (!strstr(err.msg, rows[i][1]))
			fail_msg("row %zu: got \"%s\", want \"...%s\"", i, err.msg, rows[i][1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_history_defaults),
		cmocka_unit_test(test_config_history_keys),
		cmocka_unit_test(test_config_history_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
