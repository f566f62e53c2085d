/* SPDX-License-Identifier: Apache-2.0 */
/* test_manifest.c - the manifest parser and builder (lib/manifest.c,
 * lib/manifest_json.c).  Manifests are written with ' for " to stay
 * readable; each is canonical unless the row says otherwise, and every
 * refusal must give its exact code and a reason naming what is wrong. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/manifest.h"

#define NAME "manifest.json"
/* SHA-256 of "test", as Python's hashlib.sha256(b"test").hexdigest(). */
#define H_TEST "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define H_EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* A manifest with these entries and files and a fixed valid header. */
#define WITH(entries, files)                                                                    \
	"{'created':0,'entries':{" entries "},'files':{" files "},'format':1,"                  \
	"'rollback_index':0,'target':'t','version':'1.0.0'}"
/* A manifest with no entries and these header values. */
#define HEAD(created, format, rbi, target, version)                                             \
	"{'created':" created ",'entries':{},'files':{},'format':" format                       \
	",'rollback_index':" rbi ",'target':" target ",'version':" version "}"
#define FILE4 "{'mode':420,'size':4,'type':'file'}"
#define DIR "{'mode':493,'type':'dir'}"
#define LINK(t) "{'target':'" t "','type':'symlink'}"

#define FULL                                                                                    \
	"{'created':1700000000,'entries':{'bin':{'mode':493,'type':'dir'},"                     \
	"'bin/app':{'mode':493,'size':4,'type':'file'},'bin/start':" LINK("app") ","          \
	"'etc':{'mode':365,'type':'dir'},'etc/conf':{'mode':420,'size':0,'type':'file'},"       \
	"'etc/empty':{'mode':448,'type':'dir'},'top':" LINK("bin/app") "},"                    \
	"'files':{'bin/app':'" H_TEST "','etc/conf':'" H_EMPTY "'},"                            \
	"'format':1,'rollback_index':3,'target':'edge-gw-v2','version':'1.2.0'}"

/* Paths that canonical JSON must escape: control characters, DEL, quote,
 * backslash, non-ASCII, and a non-BMP code point as a surrogate pair. */
#define CTRL_PATH "a\\nb\\t\\u0001\\u007f\\\"\\\\"
#define UNICODE                                                                                 \
	WITH("'" CTRL_PATH "':" FILE4 ",'d\\u00e9j\\u00e0':" DIR ","                           \
	     "'d\\u00e9j\\u00e0/\\ud83d\\ude00':" FILE4 ","                                     \
	     "'\\uff21':" LINK("d\\u00e9j\\u00e0/\\ud83d\\ude00"),                              \
	     "'" CTRL_PATH "':'" H_TEST "','d\\u00e9j\\u00e0/\\ud83d\\ude00':'" H_TEST "'")

/* s with every ' turned into "; the caller frees it. */
static char *dq(const char *s)
{
	char *d = strdup(s), *p;

	assert_non_null(d);
	for (p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	return d;
}

static int parse(const char *quoted, struct ota_manifest **m, struct ota_err *err)
{
	char *json = dq(quoted);
	int rc = ota_manifest_parse((const unsigned char *)json, strlen(json), NAME, m, err);

	free(json);
	return rc;
}

static struct ota_manifest *parse_ok(const char *quoted)
{
	struct ota_err err = {0};
	struct ota_manifest *m = NULL;

	if (parse(quoted, &m, &err))
		fail_msg("refused: %s", err.msg);
	assert_non_null(m);
	return m;
}

/* The bytes of a parsed manifest re-serialize to exactly the input. */
static void assert_reserializes(const char *quoted)
{
	struct ota_manifest *m = parse_ok(quoted);
	struct ota_err err = {0};
	struct ota_buf out;
	char *json = dq(quoted);

	ota_buf_init(&out, 0);
	assert_int_equal(ota_manifest_serialize(m, &out, &err), 0);
	assert_string_equal((char *)out.data, json);
	assert_int_equal(out.len, strlen(json));
	ota_buf_free(&out);
	free(json);
	ota_manifest_free(m);
}

struct refusal {
	const char *what;
	const char *json; /* with ' for " */
	int code;
	const char *why; /* must appear in the reason */
};

static void assert_refusals(const struct refusal *t, size_t n)
{
	struct ota_manifest *m;
	struct ota_err err;
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		m = (struct ota_manifest *)t; /* parse must reset it */
		rc = parse(t[i].json, &m, &err);
		if (rc == 0)
			ota_manifest_free(m);
		if (rc != t[i].code)
			fail_msg("%s: got %d, want %d (%s)", t[i].what, rc, t[i].code, err.msg);
		assert_null(m);
		assert_int_equal(err.code, t[i].code);
		if (!strstr(err.msg, t[i].why))
			fail_msg("%s: reason \"%s\" lacks \"%s\"", t[i].what, err.msg, t[i].why);
	}
}

static void test_manifest_accepts_minimal(void **state)
{
	struct ota_manifest *m = parse_ok(HEAD("0", "1", "0", "'t'", "'1.0.0'"));

	(void)state;
	assert_string_equal(m->version, "1.0.0");
	assert_string_equal(m->target, "t");
	assert_int_equal(m->n_entries, 0);
	assert_int_equal(m->n_files, 0);
	assert_null(ota_manifest_find(m, "a"));
	ota_manifest_free(m);
	assert_reserializes(HEAD("0", "1", "0", "'t'", "'1.0.0'"));
}

static void assert_entry(const struct ota_entry *e, const char *path, enum ota_entry_type type,
			 unsigned int mode, unsigned long long size)
{
	assert_string_equal(e->path, path);
	assert_int_equal(e->type, type);
	if (type != OTA_ENTRY_SYMLINK)
		assert_int_equal(e->mode, mode);
	if (type == OTA_ENTRY_FILE)
		assert_int_equal(e->size, size);
}

static void assert_hash(const struct ota_entry *e, const char *hex)
{
	char got[OTA_SHA256_HEX_LEN + 1];

	ota_hex(e->sha256, OTA_SHA256_LEN, got);
	assert_string_equal(got, hex);
}

static void test_manifest_accepts_dirs_files_and_symlinks(void **state)
{
	struct ota_manifest *m = parse_ok(FULL);
	const struct ota_entry *e = m->entries;

	(void)state;
	assert_string_equal(m->version, "1.2.0");
	assert_string_equal(m->target, "edge-gw-v2");
	assert_int_equal(m->rollback_index, 3);
	assert_int_equal(m->created, 1700000000);
	assert_int_equal(m->n_entries, 7);
	assert_int_equal(m->n_files, 2);
	assert_int_equal(m->payload_bytes, 4);
	assert_entry(&e[0], "bin", OTA_ENTRY_DIR, 0755, 0);
	assert_entry(&e[1], "bin/app", OTA_ENTRY_FILE, 0755, 4);
	assert_hash(&e[1], H_TEST);
	assert_entry(&e[2], "bin/start", OTA_ENTRY_SYMLINK, 0, 0);
	assert_string_equal(e[2].link_target, "app");
	assert_entry(&e[3], "etc", OTA_ENTRY_DIR, 0555, 0);
	assert_entry(&e[4], "etc/conf", OTA_ENTRY_FILE, 0644, 0);
	assert_hash(&e[4], H_EMPTY);
	assert_entry(&e[5], "etc/empty", OTA_ENTRY_DIR, 0700, 0);
	assert_entry(&e[6], "top", OTA_ENTRY_SYMLINK, 0, 0);
	assert_string_equal(e[6].link_target, "bin/app");
	ota_manifest_free(m);
	assert_reserializes(FULL);
}

static void test_manifest_accepts_escaped_control_and_non_ascii_paths(void **state)
{
	struct ota_manifest *m = parse_ok(UNICODE);
	const struct ota_entry *e = m->entries;

	(void)state;
	assert_int_equal(m->n_entries, 4);
	assert_int_equal(m->n_files, 2);
	/* Sorted by UTF-8 bytes: 'a' < 'd' < U+FF21 (ef bc a1). */
	assert_entry(&e[0], "a\nb\t\x01\x7f\"\\", OTA_ENTRY_FILE, 0644, 4);
	assert_hash(&e[0], H_TEST);
	assert_entry(&e[1], "d\xc3\xa9j\xc3\xa0", OTA_ENTRY_DIR, 0755, 0);
	assert_entry(&e[2], "d\xc3\xa9j\xc3\xa0/\xf0\x9f\x98\x80", OTA_ENTRY_FILE, 0644, 4);
	assert_entry(&e[3], "\xef\xbc\xa1", OTA_ENTRY_SYMLINK, 0, 0);
	assert_string_equal(e[3].link_target, "d\xc3\xa9j\xc3\xa0/\xf0\x9f\x98\x80");
	assert_ptr_equal(ota_manifest_find(m, "d\xc3\xa9j\xc3\xa0/\xf0\x9f\x98\x80"), &e[2]);
	ota_manifest_free(m);
	assert_reserializes(UNICODE);
}

static void test_manifest_refuses_bad_top_level(void **state)
{
	static const struct refusal t[] = {
		{"unknown key",
		 "{'created':0,'entries':{},'extra':1,'files':{},'format':1,'rollback_index':0,"
		 "'target':'t','version':'1.0.0'}",
		 OTA_EFORMAT, "keys must be exactly"},
		{"missing created",
		 "{'entries':{},'files':{},'format':1,'rollback_index':0,'target':'t','version':'1.0.0'}",
		 OTA_EFORMAT, "keys must be exactly"},
		{"not an object", "[1]", OTA_EFORMAT, "keys must be exactly"},
		{"format 2", HEAD("0", "2", "0", "'t'", "'1.0.0'"), OTA_EFORMAT, "format"},
		{"format 0", HEAD("0", "0", "0", "'t'", "'1.0.0'"), OTA_EFORMAT, "format"},
		{"format string", HEAD("0", "'1'", "0", "'t'", "'1.0.0'"), OTA_EFORMAT, "format"},
		{"negative rollback_index", HEAD("0", "1", "-1", "'t'", "'1.0.0'"), OTA_EFORMAT,
		 "rollback_index"},
		{"rollback_index over 2^53", HEAD("0", "1", "9007199254740993", "'t'", "'1.0.0'"),
		 OTA_EFORMAT, "rollback_index"},
		{"negative created", HEAD("-1", "1", "0", "'t'", "'1.0.0'"), OTA_EFORMAT, "created"},
		{"real number", HEAD("0", "1", "1.0", "'t'", "'1.0.0'"), OTA_EFORMAT, "real"},
		{"null", HEAD("null", "1", "0", "'t'", "'1.0.0'"), OTA_EFORMAT, "null"},
		{"version a number", HEAD("0", "1", "0", "'t'", "1"), OTA_EFORMAT, "version"},
		{"keys out of order",
		 "{'entries':{},'created':0,'files':{},'format':1,'rollback_index':0,'target':'t',"
		 "'version':'1.0.0'}",
		 OTA_EFORMAT, "not canonical"},
		{"whitespace", "{'created': 0,'entries':{},'files':{},'format':1,'rollback_index':0,"
		 "'target':'t','version':'1.0.0'}",
		 OTA_EFORMAT, "not canonical"},
		{"needless escape", HEAD("0", "1", "0", "'\\u0074'", "'1.0.0'"), OTA_EFORMAT,
		 "not canonical"},
		{"entries out of order", WITH("'b':" DIR ",'a':" DIR, ""), OTA_EFORMAT,
		 "not canonical"},
		{"duplicate key", WITH("'a':" DIR ",'a':" DIR, ""), OTA_EFORMAT, "duplicate"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_manifest_refuses_bad_version_and_target(void **state)
{
	static const struct refusal t[] = {
		{"version with /", HEAD("0", "1", "0", "'t'", "'1/2'"), OTA_EFORMAT, "version"},
		{"version with space", HEAD("0", "1", "0", "'t'", "'1 2'"), OTA_EFORMAT, "version"},
		{"version '.'-led", HEAD("0", "1", "0", "'t'", "'.1'"), OTA_EFORMAT, "version"},
		{"version '..'", HEAD("0", "1", "0", "'t'", "'..'"), OTA_EFORMAT, "version"},
		{"version '-'-led", HEAD("0", "1", "0", "'t'", "'-1'"), OTA_EFORMAT, "version"},
		{"version empty", HEAD("0", "1", "0", "'t'", "''"), OTA_EFORMAT, "version"},
		{"version 65 chars",
		 HEAD("0", "1", "0", "'t'", "'12345678901234567890123456789012345678901234567890"
					    "123456789012345'"),
		 OTA_EFORMAT, "version"},
		{"version non-ASCII", HEAD("0", "1", "0", "'t'", "'1\\u00e9'"), OTA_EFORMAT,
		 "version"},
		{"version with the temporary-name mark", HEAD("0", "1", "0", "'t'", "'1.0.0-a.tmp-b'"),
		 OTA_EFORMAT, "version"},
		{"version v1.0.0", HEAD("0", "1", "0", "'t'", "'v1.0.0'"), OTA_EVERSION,
		 "version: \"v1.0.0\" is not a semantic version"},
		{"version 1.0", HEAD("0", "1", "0", "'t'", "'1.0'"), OTA_EVERSION, "semantic"},
		{"version 2.0.0~rc1", HEAD("0", "1", "0", "'t'", "'2.0.0~rc1'"), OTA_EVERSION,
		 "semantic"},
		{"version 1.0.0-01", HEAD("0", "1", "0", "'t'", "'1.0.0-01'"), OTA_EVERSION,
		 "semantic"},
		{"target '.'-led", HEAD("0", "1", "0", "'.t'", "'1.0.0'"), OTA_EFORMAT, "target"},
		{"target with /", HEAD("0", "1", "0", "'../t'", "'1.0.0'"), OTA_EFORMAT, "target"},
		{"target with +", HEAD("0", "1", "0", "'a+b'", "'1.0.0'"), OTA_EFORMAT, "target"},
		{"target empty", HEAD("0", "1", "0", "''", "'1.0.0'"), OTA_EFORMAT, "target"},
		{"U+0000 in version", HEAD("0", "1", "0", "'t'", "'1\\u0000'"), OTA_EFORMAT,
		 "version"},
		{"U+0000 in target", HEAD("0", "1", "0", "'t\\u0000x'", "'1.0.0'"), OTA_EFORMAT,
		 "target"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_manifest_refuses_malformed_entries(void **state)
{
	static const struct refusal t[] = {
		{"file with extra key", WITH("'f':{'mode':420,'size':4,'type':'file','x':1}", ""),
		 OTA_EFORMAT, "bad entry"},
		{"file without size", WITH("'f':{'mode':420,'type':'file'}", ""), OTA_EFORMAT,
		 "bad entry"},
		{"mode a string", WITH("'f':{'mode':'420','size':4,'type':'file'}", ""),
		 OTA_EFORMAT, "bad entry"},
		{"mode over 07777", WITH("'d':{'mode':4096,'type':'dir'}", ""), OTA_EFORMAT,
		 "bad entry"},
		{"negative size", WITH("'f':{'mode':420,'size':-1,'type':'file'}", ""),
		 OTA_EFORMAT, "bad entry"},
		{"size a bool", WITH("'f':{'mode':420,'size':true,'type':'file'}", ""),
		 OTA_EFORMAT, "bad entry"},
		{"dir with size", WITH("'d':{'mode':493,'size':0,'type':'dir'}", ""), OTA_EFORMAT,
		 "bad entry"},
		{"symlink with mode", WITH("'l':{'mode':511,'target':'x','type':'symlink'}", ""),
		 OTA_EFORMAT, "bad entry"},
		{"symlink target a number", WITH("'l':{'target':1,'type':'symlink'}", ""),
		 OTA_EFORMAT, "bad entry"},
		{"unknown type", WITH("'p':{'mode':420,'type':'fifo'}", ""), OTA_EFORMAT,
		 "bad entry"},
		{"U+0000 in link target", WITH("'l':" LINK("a\\u0000b"), ""), OTA_EFORMAT,
		 "bad entry"},
		{"entry not an object", WITH("'f':1", ""), OTA_EFORMAT, "bad entry"},
		{"entries an array", "{'created':0,'entries':[],'files':{},'format':1,"
		 "'rollback_index':0,'target':'t','version':'1.0.0'}", OTA_EFORMAT, "entries"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_manifest_refuses_files_map_that_differs_from_entries(void **state)
{
	static const struct refusal t[] = {
		{"file without hash", WITH("'f':" FILE4, ""), OTA_EFILESET, "0 hashes for 1 files"},
		{"hash for unlisted path", WITH("'f':" FILE4, "'f':'" H_TEST "','g':'" H_TEST "'"),
		 OTA_EFILESET, "\"g\" is not in entries"},
		{"hash for a dir", WITH("'d':" DIR, "'d':'" H_TEST "'"), OTA_EFORMAT,
		 "\"d\" is not a file"},
		{"hash for a symlink", WITH("'l':" LINK("x"), "'l':'" H_TEST "'"), OTA_EFORMAT,
		 "\"l\" is not a file"},
		{"uppercase hex", WITH("'f':" FILE4, "'f':'9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B"
						     "2B0B822CD15D6C15B0F00A08'"),
		 OTA_EFORMAT, "bad sha256"},
		{"63 hex digits", WITH("'f':" FILE4, "'f':'9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
						     "2b0b822cd15d6c15b0f00a0'"),
		 OTA_EFORMAT, "bad sha256"},
		{"65 hex digits", WITH("'f':" FILE4, "'f':'" H_TEST "0'"), OTA_EFORMAT, "bad sha256"},
		{"hash a number", WITH("'f':" FILE4, "'f':1"), OTA_EFORMAT, "bad sha256"},
		{"files an array", "{'created':0,'entries':{},'files':[],'format':1,"
		 "'rollback_index':0,'target':'t','version':'1.0.0'}", OTA_EFORMAT, "files"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

static void test_manifest_refuses_unsafe_paths_and_unlisted_parents(void **state)
{
	static const struct refusal t[] = {
		{"..", WITH("'..':" DIR, ""), OTA_EPATH, "\"..\" component"},
		{"a/../b", WITH("'a':" DIR ",'a/../b':" DIR, ""), OTA_EPATH, "\"..\" component"},
		{".", WITH("'.':" DIR, ""), OTA_EPATH, "\".\" component"},
		{"absolute", WITH("'/etc':" DIR, ""), OTA_EPATH, "absolute"},
		{"empty component", WITH("'a':" DIR ",'a//b':" DIR, ""), OTA_EPATH,
		 "empty component"},
		{"trailing slash", WITH("'a':" DIR ",'a/':" DIR, ""), OTA_EPATH, "trailing"},
		{"empty path", WITH("'':" DIR, ""), OTA_EPATH, "empty"},
		{"parent is a symlink", WITH("'d':" DIR ",'l':" LINK("d") ",'l/f':" FILE4,
					     "'l/f':'" H_TEST "'"),
		 OTA_EPATH, "parent of \"l/f\" is not a directory"},
		{"parent is a file", WITH("'f':" FILE4 ",'f/g':" DIR, "'f':'" H_TEST "'"), OTA_EPATH,
		 "parent of \"f/g\" is not a directory"},
		{"symlink climbs out", WITH("'l':" LINK("../etc/passwd"), ""), OTA_EPATH,
		 "climbs above the release root"},
		{"nested symlink climbs out", WITH("'d':" DIR ",'d/l':" LINK("../../x"), ""),
		 OTA_EPATH, "climbs above the release root"},
		{"absolute symlink", WITH("'l':" LINK("/etc/passwd"), ""), OTA_EPATH, "absolute"},
		{"x/y without x", WITH("'x/y':" DIR, ""), OTA_EFORMAT,
		 "parent of \"x/y\" is not listed"},
		{"a/b/c without a/b", WITH("'a':" DIR ",'a/b/c':" DIR, ""), OTA_EFORMAT,
		 "parent of \"a/b/c\" is not listed"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

/* path.h: a NUL in a release path is an unsafe path, and manifest_json.c
 * has an OTA_EPATH branch for it. */
/* jansson refuses a NUL in an object key before any path rule runs: such
 * text is not JSON we accept, so the class is malformed, like a lone
 * surrogate (tests/cli/attacks.bats). */
static void test_manifest_refuses_nul_in_path_as_malformed(void **state)
{
	static const struct refusal t[] = {
		{"U+0000 in an entry path", WITH("'a\\u0000b':" DIR, ""), OTA_EFORMAT, "NUL"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

/* "a-b" < "a/b" < "a0" in byte order; added out of order on purpose. */
#define ROUND_TRIP                                                                              \
	"{'created':1700000000,'entries':{'a':{'mode':493,'type':'dir'},"                       \
	"'a-b':{'mode':420,'size':4,'type':'file'},'a/b':{'target':'../a0','type':'symlink'},"  \
	"'a0':{'mode':384,'size':4,'type':'file'}},'files':{'a-b':'" H_TEST "','a0':'" H_TEST   \
	"'},'format':1,'rollback_index':7,'target':'dev','version':'2.0.0-rc.1+b3'}"

static struct ota_manifest *build(void)
{
	struct ota_manifest *m = ota_manifest_new();
	struct ota_err err = {0};
	struct ota_entry e[] = {
		{.path = "a0", .type = OTA_ENTRY_FILE, .mode = 0600, .size = 4},
		{.path = "a/b", .type = OTA_ENTRY_SYMLINK, .link_target = "../a0"},
		{.path = "a-b", .type = OTA_ENTRY_FILE, .mode = 0644, .size = 4},
		{.path = "a", .type = OTA_ENTRY_DIR, .mode = 0755},
	};
	size_t i;

	assert_non_null(m);
	assert_int_equal(ota_manifest_set(m, "2.0.0-rc.1+b3", "dev", 7, 1700000000, &err), 0);
	for (i = 0; i < sizeof(e) / sizeof(e[0]); i++) {
		if (e[i].type == OTA_ENTRY_FILE)
			assert_int_equal(ota_sha256("test", 4, e[i].sha256, &err), 0);
		assert_int_equal(ota_manifest_add(m, &e[i], &err), 0);
	}
	assert_int_equal(ota_manifest_check(m, &err), 0);
	return m;
}

static void test_manifest_check_sorts_entries_by_byte_order(void **state)
{
	struct ota_manifest *m = build();

	(void)state;
	assert_int_equal(m->n_entries, 4);
	assert_string_equal(m->entries[0].path, "a");
	assert_string_equal(m->entries[1].path, "a-b");
	assert_string_equal(m->entries[2].path, "a/b");
	assert_string_equal(m->entries[3].path, "a0");
	assert_int_equal(m->n_files, 2);
	assert_int_equal(m->payload_bytes, 8);
	ota_manifest_free(m);
}

static void test_manifest_serializes_as_python_and_round_trips(void **state)
{
	struct ota_manifest *m = build(), *back = NULL;
	struct ota_buf first, second;
	struct ota_err err = {0};
	char *want = dq(ROUND_TRIP);

	(void)state;
	ota_buf_init(&first, 0);
	ota_buf_init(&second, 0);
	assert_int_equal(ota_manifest_serialize(m, &first, &err), 0);
	/* Byte for byte what json.dumps(sort_keys=True, separators=(",",":"))
	 * writes, hashlib's digest of "test" in "files" included. */
	assert_string_equal((char *)first.data, want);
	assert_int_equal(ota_manifest_parse(first.data, first.len, NAME, &back, &err), 0);
	assert_int_equal(ota_manifest_serialize(back, &second, &err), 0);
	assert_int_equal(second.len, first.len);
	assert_memory_equal(second.data, first.data, first.len);
	assert_int_equal(back->rollback_index, 7);
	assert_string_equal(back->version, "2.0.0-rc.1+b3");
	assert_memory_equal(back->entries[3].sha256, m->entries[3].sha256, OTA_SHA256_LEN);
	ota_buf_free(&first);
	ota_buf_free(&second);
	ota_manifest_free(back);
	ota_manifest_free(m);
	free(want);
}

static void test_manifest_find_hits_and_misses(void **state)
{
	struct ota_manifest *m = build();
	static const char *const miss[] = {"", "b", "a/", "a/c", "a-", "a0/x", "A", "a/b/c"};
	size_t i;

	(void)state;
	for (i = 0; i < m->n_entries; i++)
		assert_ptr_equal(ota_manifest_find(m, m->entries[i].path), &m->entries[i]);
	assert_string_equal(ota_manifest_find(m, "a/b")->link_target, "../a0");
	for (i = 0; i < sizeof(miss) / sizeof(miss[0]); i++)
		if (ota_manifest_find(m, miss[i]))
			fail_msg("found \"%s\"", miss[i]);
	ota_manifest_free(m);
}

static void test_manifest_check_refuses_duplicate_path(void **state)
{
	struct ota_manifest *m = build();
	struct ota_entry d = {.path = "a", .type = OTA_ENTRY_DIR, .mode = 0700};
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_manifest_add(m, &d, &err), 0);
	assert_int_equal(ota_manifest_check(m, &err), OTA_EFILESET);
	assert_non_null(strstr(err.msg, "\"a\" listed twice"));
	ota_manifest_free(m);
}

/* The design's own manifest (build_manifest's form). */
#define DESIGN(files) "{'files':{" files "},'target':'edge-gw-v2','version':'1.0.0'}"

static void test_manifest_design_form_builds_files_and_implied_dirs(void **state)
{
	static const char text[] = DESIGN("'a/b-d':'" H_TEST "','a/b/c':'" H_EMPTY "',"
					  "'a/b/e':'" H_TEST "','top':'" H_TEST "'");
	static const char *const want[] = {"a", "a/b", "a/b-d", "a/b/c", "a/b/e", "top"};
	struct ota_manifest *m = parse_ok(text), *lean = NULL;
	struct ota_manifest_walk w;
	const struct ota_entry *e;
	struct ota_err err = {0};
	struct ota_buf bytes;
	char *json = dq(text);
	size_t i;

	(void)state;
	assert_true(m->legacy);
	assert_int_equal(m->rollback_index, 0);
	assert_int_equal(m->created, 0);
	assert_int_equal(m->n_entries, 6);
	assert_int_equal(m->n_files, 4);
	for (i = 0; i < 6; i++) {
		e = &m->entries[i];
		assert_string_equal(e->path, want[i]);
		if (i < 2) {
			assert_entry(e, want[i], OTA_ENTRY_DIR, 0755, 0);
		} else {
			assert_entry(e, want[i], OTA_ENTRY_FILE, 0644, 0);
			assert_true(e->any_size);
		}
	}
	assert_hash(&m->entries[3], H_EMPTY);
	assert_reserializes(text);
	/* The lean load gives the same entries, and keeps the bytes. */
	ota_buf_init(&bytes, 0);
	assert_int_equal(ota_buf_append(&bytes, json, strlen(json), &err), 0);
	assert_int_equal(ota_manifest_load(&bytes, NAME, &lean, &err), 0);
	ota_manifest_walk_init(&w, lean);
	for (i = 0; ota_manifest_walk_next(&w, &e, &err) > 0; i++)
		assert_string_equal(e->path, want[i]);
	assert_int_equal(i, 6);
	assert_int_equal(lean->bytes.len, strlen(json));
	ota_manifest_free(lean);
	ota_manifest_free(m);
	free(json);
}

static void test_manifest_design_form_refusals(void **state)
{
	static const struct refusal t[] = {
		{"a file under a file", DESIGN("'a':'" H_TEST "','a/b':'" H_TEST "'"), OTA_EFILESET,
		 "\"a\" listed twice"},
		{"a bad hash", DESIGN("'a':'" H_TEST "0'"), OTA_EFORMAT, "files: \"a\": bad sha256"},
		{"a hash not a string", DESIGN("'a':1"), OTA_EFORMAT, "bad sha256"},
		{"files not an object", "{'files':[],'target':'t','version':'1.0.0'}", OTA_EFORMAT,
		 "files: not an object"},
		{"a path with ..", DESIGN("'a/../b':'" H_TEST "'"), OTA_EPATH, ".."},
		{"an absolute path", DESIGN("'/etc/x':'" H_TEST "'"), OTA_EPATH, "/etc/x"},
		{"a version not semantic", "{'files':{},'target':'t','version':'v2'}", OTA_EVERSION,
		 "\"v2\" is not a semantic version"},
		{"a bad target", "{'files':{},'target':'a/b','version':'1.0.0'}", OTA_EFORMAT,
		 "target"},
		{"a fourth key", "{'files':{},'format':1,'target':'t','version':'1.0.0'}",
		 OTA_EFORMAT, "not a manifest"},
		{"no files", "{'target':'t','version':'1.0.0'}", OTA_EFORMAT, "not a manifest"},
	};

	(void)state;
	assert_refusals(t, sizeof(t) / sizeof(t[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_accepts_minimal),
		cmocka_unit_test(test_manifest_accepts_dirs_files_and_symlinks),
		cmocka_unit_test(test_manifest_accepts_escaped_control_and_non_ascii_paths),
		cmocka_unit_test(test_manifest_refuses_bad_top_level),
		cmocka_unit_test(test_manifest_refuses_bad_version_and_target),
		cmocka_unit_test(test_manifest_refuses_malformed_entries),
		cmocka_unit_test(test_manifest_refuses_files_map_that_differs_from_entries),
		cmocka_unit_test(test_manifest_refuses_unsafe_paths_and_unlisted_parents),
		cmocka_unit_test(test_manifest_refuses_nul_in_path_as_malformed),
		cmocka_unit_test(test_manifest_check_sorts_entries_by_byte_order),
		cmocka_unit_test(test_manifest_serializes_as_python_and_round_trips),
		cmocka_unit_test(test_manifest_find_hits_and_misses),
		cmocka_unit_test(test_manifest_check_refuses_duplicate_path),
		cmocka_unit_test(test_manifest_design_form_builds_files_and_implied_dirs),
		cmocka_unit_test(test_manifest_design_form_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
