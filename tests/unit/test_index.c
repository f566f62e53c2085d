/* SPDX-License-Identifier: Apache-2.0 */
/* test_index.c - the bundle index of lib/index.c: the strict parser (every
 * field, any JSON encoding, and a table of refusals with their reasons),
 * choosing the newest bundle for a class, listing a directory's bundles,
 * and writing the index of a directory holding no bundle. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/index.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define ENTRY(file, target, version) \
	"{\"file\":\"" file "\",\"sha256\":\"" H64 "\",\"size\":10,\"target\":\"" target \
	"\",\"version\":\"" version "\"}"

static int parse(const char *text, struct ota_index *idx, struct ota_err *err)
{
	return ota_index_parse((const unsigned char *)text, strlen(text), "index.json", idx, err);
}

static void test_index_parses_every_field(void **state)
{
	static const char text[] =
		"{\"bundles\":[{\"file\":\"app-1.2.0.bundle\",\"sha256\":\"" H64 "\","
		"\"size\":9007199254740992,\"target\":\"edge-gw-v2\",\"version\":\"1.2.0\"},"
		ENTRY("b.bundle", "other", "2.0.0") "],\"format\":1}";
	struct ota_index idx;
	struct ota_err err = {0};

	(void)state;
	if (parse(text, &idx, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(idx.n, 2);
	assert_string_equal(idx.entries[0].file, "app-1.2.0.bundle");
	assert_string_equal(idx.entries[0].version, "1.2.0");
	assert_string_equal(idx.entries[0].target, "edge-gw-v2");
	assert_true(idx.entries[0].size == 1ULL << 53);
	assert_int_equal(idx.entries[0].sha256[0], 0x01);
	assert_int_equal(idx.entries[0].sha256[31], 0xef);
	assert_string_equal(idx.entries[1].target, "other");
	ota_index_free(&idx);
	assert_null(idx.entries);
}

#define TRUST(file, seq, size, target) \
	"{\"file\":\"" file "\",\"sequence\":" seq ",\"sha256\":\"" H64 "\",\"size\":" size \
	",\"target\":\"" target "\"}"
#define WITH_TRUST(t) "{\"bundles\":[],\"format\":1,\"trust\":[" t "]}"

/* The optional trust list: every field read; a bad entry refused naming it. */
static void test_index_trust_list(void **state)
{
	static const struct {
		const char *text, *reason;
	} bad[] = {
		{WITH_TRUST(TRUST("fleet.bundle", "1", "10", "*")), "trust[0]: file: not a plain"},
		{WITH_TRUST(TRUST("../x.trust", "1", "10", "*")), "trust[0]: file: not a plain"},
		{WITH_TRUST(TRUST("a.trust", "0", "10", "*")), "trust[0]: sequence"},
		{WITH_TRUST(TRUST("a.trust", "4294967296", "10", "*")), "trust[0]: sequence"},
		{WITH_TRUST(TRUST("a.trust", "1", "65537", "*")), "trust[0]: size"},
		{WITH_TRUST(TRUST("a.trust", "1", "10", "*") "," TRUST("a.trust", "2", "10", "*")),
		 "trust[1]: file listed twice"},
		{"{\"bundles\":[],\"format\":1,\"trust\":{}}", "trust: not a list"},
		{"{\"bundles\":[],\"format\":1,\"other\":[]}", "keys must be exactly"},
	};
	static const char good[] =
		WITH_TRUST(TRUST("fleet-2.trust", "2", "300", "*") "," TRUST("b.trust", "7", "0",
									      "edge-gw-v2") ","
			   TRUST("current.ts", "2", "200", "*"));
	struct ota_index idx;
	struct ota_err err;
	size_t i;

	(void)state;
	err = (struct ota_err){0};
	if (parse(good, &idx, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(idx.n, 0);
	assert_int_equal(idx.n_trust, 3);
	assert_string_equal(idx.trust[2].file, "current.ts");
	assert_string_equal(idx.trust[0].file, "fleet-2.trust");
	assert_true(idx.trust[0].sequence == 2 && idx.trust[0].size == 300);
	assert_string_equal(idx.trust[1].target, "edge-gw-v2");
	ota_index_free(&idx);
	for (i = 0; i < N(bad); i++) {
		err = (struct ota_err){0};
		assert_int_equal(parse(bad[i].text, &idx, &err), OTA_EFORMAT);
		if (!strstr(err.msg, bad[i].reason))
			fail_msg("%s: expected %s, got %s", bad[i].text, bad[i].reason, err.msg);
		ota_index_free(&idx);
	}
}

/* A server may re-encode: whitespace, key order and escapes are free. */
static void test_index_accepts_any_encoding(void **state)
{
	static const char text[] =
		"{ \"format\" : 1,\n  \"bundles\" : [ { \"version\":\"1.0\", \"size\": 0,\n"
		"  \"target\":\"edge\", \"sha256\":\"" H64 "\", \"file\":\"a\\u002ebundle\" } ] }\n";
	struct ota_index idx;
	struct ota_err err = {0};

	(void)state;
	if (parse(text, &idx, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(idx.n, 1);
	assert_string_equal(idx.entries[0].file, "a.bundle");
	ota_index_free(&idx);
}

static void test_index_refusals(void **state)
{
	static const struct {
		const char *text, *why;
	} rows[] = {
		{"", "index.json"},
		{"[]", "not a bundle index"},
		{"{\"bundles\":[],\"format\":1,\"x\":1}", "not a bundle index"},
		{"{\"bundles\":{},\"format\":1}", "not a bundle index"},
		{"{\"bundles\":[],\"format\":2}", "unsupported index format"},
		{"{\"bundles\":[],\"format\":\"1\"}", "unsupported index format"},
		{"{\"bundles\":[],\"bundles\":[],\"format\":1}", "duplicate"},
		{"{\"bundles\":[],\"format\":1.0}", "index.json"},
		{"{\"bundles\":[null],\"format\":1}", "index.json"},
		{"{\"bundles\":[" ENTRY("a/b", "t", "1") "],\"format\":1}", "bundles[0]: file"},
		{"{\"bundles\":[" ENTRY("..", "t", "1") "],\"format\":1}", "bundles[0]: file"},
		{"{\"bundles\":[" ENTRY("", "t", "1") "],\"format\":1}", "bundles[0]: file"},
		{"{\"bundles\":[" ENTRY("a\\nb", "t", "1") "],\"format\":1}", "bundles[0]: file"},
		{"{\"bundles\":[" ENTRY("a\\u0000b", "t", "1") "],\"format\":1}", "bundles[0]: keys"},
		{"{\"bundles\":[" ENTRY("a", "t/x", "1") "],\"format\":1}", "bundles[0]: target"},
		{"{\"bundles\":[" ENTRY("a", "t", "../1") "],\"format\":1}", "bundles[0]: version"},
		{"{\"bundles\":[{\"file\":\"a\",\"sha256\":\"" H64 "\",\"size\":-1,\"target\":\"t\","
		 "\"version\":\"1\"}],\"format\":1}", "bundles[0]: size"},
		{"{\"bundles\":[{\"file\":\"a\",\"sha256\":\"" H64 "\",\"size\":9007199254740993,"
		 "\"target\":\"t\",\"version\":\"1\"}],\"format\":1}", "bundles[0]: size"},
		{"{\"bundles\":[{\"file\":\"a\",\"sha256\":\"" H64 "\",\"size\":\"1\",\"target\":\"t\","
		 "\"version\":\"1\"}],\"format\":1}", "bundles[0]: size"},
		{"{\"bundles\":[{\"file\":\"a\",\"sha256\":\"0123\",\"size\":1,\"target\":\"t\","
		 "\"version\":\"1\"}],\"format\":1}", "bundles[0]: sha256"},
		{"{\"bundles\":[{\"file\":\"a\",\"sha256\":\"" "0123456789ABCDEF0123456789abcdef"
		 "0123456789abcdef0123456789abcdef" "\",\"size\":1,\"target\":\"t\","
		 "\"version\":\"1\"}],\"format\":1}", "bundles[0]: sha256"},
		{"{\"bundles\":[{\"file\":\"a\",\"size\":1,\"target\":\"t\",\"version\":\"1\"}],"
		 "\"format\":1}", "bundles[0]: keys must be exactly"},
		{"{\"bundles\":[{\"extra\":1,\"file\":\"a\",\"sha256\":\"" H64 "\",\"size\":1,"
		 "\"target\":\"t\",\"version\":\"1\"}],\"format\":1}", "bundles[0]: keys"},
		{"{\"bundles\":[" ENTRY("a", "t", "1") "," ENTRY("a", "t", "2") "],\"format\":1}",
		 "bundles[1]: file listed twice"},
	};
	struct ota_index idx;
	struct ota_err err;
	size_t i;

	(void)state;
	for (i = 0; i < N(rows); i++) {
		err = (struct ota_err){0};
		if (parse(rows[i].text, &idx, &err) != OTA_EFORMAT)
			fail_msg("row %zu accepted: %s", i, rows[i].text);
		if (!strstr(err.msg, rows[i].why))
			fail_msg("row %zu: \"%s\" does not say \"%s\"", i, err.msg, rows[i].why);
		ota_index_free(&idx);
	}
}

static void test_index_refuses_too_many_bundles_and_too_many_bytes(void **state)
{
	size_t i, len = 0, cap = OTA_INDEX_MAX + 2;
	char *text = malloc(cap);
	struct ota_index idx;
	struct ota_err err = {0};

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "{\"bundles\":[");
	for (i = 0; i <= OTA_INDEX_MAX_BUNDLES; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s{}", i ? "," : "");
	len += (size_t)snprintf(text + len, cap - len, "],\"format\":1}");
	assert_int_equal(parse(text, &idx, &err), OTA_EFORMAT);
	assert_non_null(strstr(err.msg, "more than 10000 bundles"));
	ota_index_free(&idx);
	memset(text + len, ' ', cap - len);
	assert_int_equal(ota_index_parse((const unsigned char *)text, OTA_INDEX_MAX + 1,
					 "index.json", &idx, &err), OTA_EFORMAT);
	assert_non_null(strstr(err.msg, "larger than"));
	ota_index_free(&idx);
	free(text);
}

static void test_index_pick_newest_for_target_newer_than_installed(void **state)
{
	static const char text[] =
		"{\"bundles\":[" ENTRY("a", "edge", "1.9.0") "," ENTRY("b", "edge", "1.10.0") ","
		ENTRY("c", "other", "9.0.0") "," ENTRY("d", "edge", "1.10.0+build2") ","
		ENTRY("e", "edge", "1.10.0-rc1") "," ENTRY("f", "edge", "v9") "],\"format\":1}";
	struct ota_index idx;
	struct ota_err err = {0};
	const struct ota_index_entry *e;

	(void)state;
	if (parse(text, &idx, &err))
		fail_msg("%s", err.msg);
	/* Numeric order, not text order; equals keep the first in file order. */
	e = ota_index_pick(&idx, "edge", "");
	assert_non_null(e);
	assert_string_equal(e->file, "b");
	e = ota_index_pick(&idx, "edge", "1.9.5");
	assert_string_equal(e->file, "b");
	assert_null(ota_index_pick(&idx, "edge", "1.10.0"));
	assert_null(ota_index_pick(&idx, "edge", "2.0.0"));
	/* An installed version that is not semantic is older than any that
	 * is; an entry that is not semantic ("v9") is never picked. */
	assert_string_equal(ota_index_pick(&idx, "edge", "2.0")->file, "b");
	assert_string_equal(ota_index_pick(&idx, "edge", "v2")->file, "b");
	assert_string_equal(ota_index_pick(&idx, "other", "8.0.0")->file, "c");
	assert_null(ota_index_pick(&idx, "nobody", ""));
	ota_index_free(&idx);
}

static void test_index_name_rules(void **state)
{
	(void)state;
	assert_true(ota_index_name_ok("app-1.2.0.bundle"));
	assert_true(ota_index_name_ok("\xc3\xa9.bundle"));
	assert_false(ota_index_name_ok(""));
	assert_false(ota_index_name_ok("."));
	assert_false(ota_index_name_ok(".."));
	assert_false(ota_index_name_ok("a/b"));
	assert_false(ota_index_name_ok("a\tb"));
	assert_false(ota_index_name_ok("a\x7f"));
	assert_false(ota_index_name_ok("\xff.bundle"));
}

static void touch(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void test_index_lists_bundles_and_writes_an_empty_index(void **state)
{
	char dir[] = "/tmp/ota-test-index.XXXXXX", path[256], **names = NULL;
	struct ota_buf warnings, b;
	struct ota_err err = {0};
	size_t n = 0, count = 1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	touch(dir, "b.bundle", "not a bundle");
	touch(dir, "a.bundle", "");
	touch(dir, "._a.bundle", "macOS resource fork");
	touch(dir, "a.bundle.part", "");
	touch(dir, ".bundle", "");
	touch(dir, "README", "");
	snprintf(path, sizeof(path), "%s/d.bundle", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(ota_bundle_names(dir, &names, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "a.bundle");
	assert_string_equal(names[1], "b.bundle");
	assert_string_equal(names[2], "d.bundle");
	ota_dir_names_free(names, n);
	/* None is a bundle: each named in a warning, the index empty. */
	ota_buf_init(&warnings, 0);
	if (ota_index_write_dir(dir, &count, NULL, &warnings, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(count, 0);
	assert_non_null(strstr((char *)warnings.data, "/a.bundle"));
	assert_non_null(strstr((char *)warnings.data, "/b.bundle"));
	assert_non_null(strstr((char *)warnings.data, "/d.bundle: is a directory"));
	ota_buf_free(&warnings);
	ota_buf_init(&b, 0);
	snprintf(path, sizeof(path), "%s/index.json", dir);
	assert_int_equal(ota_buf_read_file(&b, path, &err), 0);
	assert_string_equal((char *)b.data, "{\"bundles\":[],\"format\":1}");
	ota_buf_free(&b);
	assert_int_equal(ota_rm_tree(dir, &err), 0);
	assert_int_equal(ota_bundle_names(dir, &names, &n, &err), OTA_EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_parses_every_field),
		cmocka_unit_test(test_index_trust_list),
		cmocka_unit_test(test_index_accepts_any_encoding),
		cmocka_unit_test(test_index_refusals),
		cmocka_unit_test(test_index_refuses_too_many_bundles_and_too_many_bytes),
		cmocka_unit_test(test_index_pick_newest_for_target_newer_than_installed),
		cmocka_unit_test(test_index_name_rules),
		cmocka_unit_test(test_index_lists_bundles_and_writes_an_empty_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
