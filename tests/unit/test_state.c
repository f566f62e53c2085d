/* SPDX-License-Identifier: Apache-2.0 */
/* test_state.c - the agent's persistent state of lib/state.c: state.json
 * round trips in every state, absent is IDLE, damage is refused; the state
 * names both ways; device.json round trips and absent is index 0. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/state.h"

#define N_STATES 7 /* OTA_IDLE .. OTA_ROLLING_BACK */

struct fixture {
	char dir[64]; /* mkdtemp: the state dir */
	struct ota_err err;
};

/* The calls under test, in one place. */
static int run_load(struct fixture *f, struct ota_run *run)
{
	return ota_state_load(f->dir, run, &f->err);
}

static int run_save(struct fixture *f, const struct ota_run *run)
{
	return ota_state_save(f->dir, run, &f->err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-state.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;

	ota_rm_tree(f->dir, &err);
	free(f);
	return 0;
}

static void put(const struct fixture *f, const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void test_state_names_parse_back_for_every_state(void **state)
{
	static const char *const want[N_STATES] = {"IDLE",	   "VERIFYING", "STAGING",
						   "SWITCHING",	   "HEALTH_CHECK", "PROMOTED",
						   "ROLLING_BACK"};
	int s;

	(void)state;
	for (s = OTA_IDLE; s <= OTA_ROLLING_BACK; s++) {
		assert_string_equal(ota_state_name((enum ota_state)s), want[s]);
		assert_int_equal(ota_state_parse(want[s]), s);
	}
	assert_string_equal(ota_state_name((enum ota_state)N_STATES), "?");
	assert_string_equal(ota_state_name((enum ota_state)-1), "?");
}

static void test_state_parse_refuses_unknown_names(void **state)
{
	static const char *const bad[] = {"", "idle", "IDLE ", " IDLE", "?", "HEALTH-CHECK",
					  "PROMOTEDX", "ROLLING"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(ota_state_parse(bad[i]), -1);
}

static void test_state_round_trips_every_state(void **state)
{
	struct fixture *f = *state;
	struct ota_run in, out;
	int s;

	for (s = OTA_IDLE; s <= OTA_ROLLING_BACK; s++) {
		memset(&in, 0, sizeof(in));
		in.state = (enum ota_state)s;
		snprintf(in.version, sizeof(in.version), "2.%d.0-rc.1+b7", s);
		snprintf(in.from, sizeof(in.from), "1.%d.0", s);
		if (run_save(f, &in))
			fail_msg("%s", f->err.msg);
		memset(&out, 0x55, sizeof(out));
		if (run_load(f, &out))
			fail_msg("%s", f->err.msg);
		assert_int_equal(out.state, s);
		assert_string_equal(out.version, in.version);
		assert_string_equal(out.from, in.from);
	}
}

static void test_state_round_trips_empty_versions_and_the_longest(void **state)
{
	struct fixture *f = *state;
	struct ota_run in = {0}, out;

	in.state = OTA_VERIFYING; /* the version not known yet, nothing current */
	assert_int_equal(run_save(f, &in), 0);
	memset(&out, 0x55, sizeof(out));
	assert_int_equal(run_load(f, &out), 0);
	assert_int_equal(out.state, OTA_VERIFYING);
	assert_string_equal(out.version, "");
	assert_string_equal(out.from, "");
	memset(in.version, '7', OTA_VERSION_MAX);
	in.version[OTA_VERSION_MAX] = '\0';
	assert_int_equal(run_save(f, &in), 0);
	assert_int_equal(run_load(f, &out), 0);
	assert_string_equal(out.version, in.version);
}

static void test_state_absent_file_is_an_idle_run(void **state)
{
	struct fixture *f = *state;
	struct ota_run out;

	memset(&out, 0x55, sizeof(out));
	assert_int_equal(run_load(f, &out), 0);
	assert_int_equal(out.state, OTA_IDLE);
	assert_string_equal(out.version, "");
	assert_string_equal(out.from, "");
}

static void test_state_damaged_file_is_eformat(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"",
		"{\"from\":\"1.0.0\",\"state\":\"STAGING\",\"version\":\"2.0.0\"", /* cut */
		"[\"STAGING\"]\n",						   /* not an object */
		"{\"from\":\"1.0.0\",\"version\":\"2.0.0\"}\n",			   /* no state */
		"{\"from\":\"1.0.0\",\"state\":3,\"version\":\"2.0.0\"}\n",	   /* not a name */
		"{\"from\":\"1.0.0\",\"state\":\"staging\",\"version\":\"2.0.0\"}\n",
		"{\"from\":\"1.0.0\",\"state\":\"UPDATING\",\"version\":\"2.0.0\"}\n",
		"{\"from\":\"1.0.0\",\"state\":\"STAGING\"}\n",			   /* no version */
		"{\"from\":\"../x\",\"state\":\"STAGING\",\"version\":\"2.0.0\"}\n",
		"{\"from\":\"1.0.0\",\"state\":\"STAGING\",\"version\":\"2.0.0.tmp-1\"}\n",
		"{\"from\":\"1.0.0\",\"state\":\"STAGING\",\"version\":7}\n",
	};
	struct ota_run out;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(f, "state.json", bad[i]);
		if (run_load(f, &out) != OTA_EFORMAT)
			fail_msg("not refused as malformed: %s", bad[i]);
	}
}

static void test_state_over_long_version_is_eformat(void **state)
{
	struct fixture *f = *state;
	char text[256], v[OTA_VERSION_MAX + 2];
	struct ota_run out;

	memset(v, '7', OTA_VERSION_MAX + 1);
	v[OTA_VERSION_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "{\"from\":\"1.0.0\",\"state\":\"STAGING\",\"version\":\"%s\"}\n",
		 v);
	put(f, "state.json", text);
	assert_int_equal(run_load(f, &out), OTA_EFORMAT);
	assert_non_null(strstr(f->err.msg, "version"));
	snprintf(text, sizeof(text), "{\"from\":\"%s\",\"state\":\"STAGING\",\"version\":\"1.0.0\"}\n",
		 v);
	put(f, "state.json", text);
	assert_int_equal(run_load(f, &out), OTA_EFORMAT);
	assert_non_null(strstr(f->err.msg, "from"));
}

static void test_state_save_writes_canonical_json_and_replaces(void **state)
{
	struct fixture *f = *state;
	struct ota_run in = {OTA_SWITCHING, "2.0.0", "1.0.0", false};
	char path[128], text[256] = "";
	FILE *fp;
	size_t n;

	put(f, "state.json", "garbage");
	assert_int_equal(run_save(f, &in), 0);
	snprintf(path, sizeof(path), "%s/state.json", f->dir);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(text, 1, sizeof(text) - 1, fp);
	assert_int_equal(fclose(fp), 0);
	text[n] = '\0';
	assert_string_equal(text,
			    "{\"from\":\"1.0.0\",\"state\":\"SWITCHING\",\"version\":\"2.0.0\"}\n");
}

static void test_device_round_trips_and_absent_is_zero(void **state)
{
	struct fixture *f = *state;
	static const unsigned long long idx[] = {0, 1, 42, 1ULL << 53};
	struct ota_device d = {99, 0}, out;
	size_t i;

	assert_int_equal(ota_device_load(f->dir, &d, &f->err), 0);
	assert_int_equal(d.rollback_index, 0);
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		d.rollback_index = idx[i];
		if (ota_device_save(f->dir, &d, &f->err))
			fail_msg("%s", f->err.msg);
		out.rollback_index = 7;
		if (ota_device_load(f->dir, &out, &f->err))
			fail_msg("%s", f->err.msg);
		assert_int_equal(out.rollback_index, idx[i]);
	}
}

static void test_device_damaged_file_is_eformat(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"{\"rollback_index\":-1}\n", "{\"rollback_index\":\"3\"}\n",
		"{\"rollback_index\":1.5}\n", "{}\n", "3\n", "{\"rollback_index\":",
		"{\"rollback_index\":1,\"attested_time\":-5}\n",
		"{\"rollback_index\":1,\"attested_time\":\"2026\"}\n",
	};
	struct ota_device d;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(f, "device.json", bad[i]);
		if (ota_device_load(f->dir, &d, &f->err) != OTA_EFORMAT)
			fail_msg("not refused as malformed: %s", bad[i]);
	}
}

/* The attested time: absent is none (0), round trips, and the time a
 * device judges by is the later of it and the wall clock. */
static void test_device_attested_time_round_trips_and_bounds_the_clock(void **state)
{
	struct fixture *f = *state;
	struct ota_device d = {3, 0}, out;

	put(f, "device.json", "{\"rollback_index\":3}\n");
	assert_int_equal(ota_device_load(f->dir, &out, &f->err), 0);
	assert_int_equal(out.attested_time, 0);
	d.attested_time = 1796000000;
	assert_int_equal(ota_device_save(f->dir, &d, &f->err), 0);
	assert_int_equal(ota_device_load(f->dir, &out, &f->err), 0);
	assert_int_equal(out.rollback_index, 3);
	assert_int_equal(out.attested_time, 1796000000);
	/* A clock set back does not move it; a clock ahead counts. */
	assert_int_equal(ota_device_now(&out, 0), 1796000000);
	assert_int_equal(ota_device_now(&out, 1796000001), 1796000001);
}

static void test_state_and_device_files_are_separate(void **state)
{
	struct fixture *f = *state;
	struct ota_run in = {OTA_PROMOTED, "3.0.0", "2.0.0", false}, out;
	struct ota_device d = {12, 0};

	assert_int_equal(run_save(f, &in), 0);
	assert_int_equal(ota_device_save(f->dir, &d, &f->err), 0);
	in.state = OTA_IDLE;
	assert_int_equal(run_save(f, &in), 0);
	d.rollback_index = 0;
	assert_int_equal(ota_device_load(f->dir, &d, &f->err), 0);
	assert_int_equal(d.rollback_index, 12);
	assert_int_equal(run_load(f, &out), 0);
	assert_int_equal(out.state, OTA_IDLE);
}

/* rollback --to's run: its release was on disk before, and recovery must
 * know it (kept); written only when set, so an install's file is as ever. */
static void test_state_kept_round_trips_and_is_written_only_when_set(void **state)
{
	struct fixture *f = *state;
	struct ota_run in = {OTA_HEALTH_CHECK, "1.0.0", "2.0.0", true}, out;
	char path[128], text[256] = "";
	FILE *fp;
	size_t n;

	assert_int_equal(run_save(f, &in), 0);
	assert_int_equal(run_load(f, &out), 0);
	assert_true(out.kept);
	snprintf(path, sizeof(path), "%s/state.json", f->dir);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(text, 1, sizeof(text) - 1, fp);
	assert_int_equal(fclose(fp), 0);
	text[n] = '\0';
	assert_string_equal(text, "{\"from\":\"2.0.0\",\"kept\":true,\"state\":\"HEALTH_CHECK\","
				  "\"version\":\"1.0.0\"}\n");
	in.kept = false;
	assert_int_equal(run_save(f, &in), 0);
	assert_int_equal(run_load(f, &out), 0);
	assert_false(out.kept);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_state_names_parse_back_for_every_state),
		T(test_state_parse_refuses_unknown_names),
		T(test_state_round_trips_every_state),
		T(test_state_round_trips_empty_versions_and_the_longest),
		T(test_state_absent_file_is_an_idle_run),
		T(test_state_damaged_file_is_eformat),
		T(test_state_over_long_version_is_eformat),
		T(test_state_save_writes_canonical_json_and_replaces),
		T(test_device_round_trips_and_absent_is_zero),
		T(test_device_damaged_file_is_eformat),
		T(test_device_attested_time_round_trips_and_bounds_the_clock),
		T(test_state_and_device_files_are_separate),
		T(test_state_kept_round_trips_and_is_written_only_when_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
