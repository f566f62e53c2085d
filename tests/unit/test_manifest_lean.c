/* SPDX-License-Identifier: Apache-2.0 */
/* test_manifest_lean.c - the manifest reader of lib/manifest_json.c against
 * the one it replaced (a jansson tree, kept here verbatim as the oracle):
 * for 30,000 seeded changes to valid manifests, made on the JSON value and
 * written canonical, so that they reach the manifest rules and not only
 * the canonical checks, both must give the same code.  Then the lean form
 * (ota_manifest_load) must walk to exactly the entries the built form has. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/hash.h"
#include "lib/manifest.h"
#include "lib/path.h"

#define NAME "manifest.json"
#define CHANGES 30000

/* ---- the oracle: lib/manifest_json.c before the lean reader ---------- */
/* True when obj has exactly the n keys given. */
static bool keys_exactly(const json_t *obj, const char *const *keys, size_t n)
{
	size_t i;

	if (!json_is_object(obj) || json_object_size(obj) != n)
		return false;
	for (i = 0; i < n; i++)
		if (!json_object_get(obj, keys[i]))
			return false;
	return true;
}

static const char *get_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	/* A string holding U+0000 would be cut short as a C string. */
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static bool get_int(const json_t *obj, const char *key, long long min, long long max,
		    long long *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return false;
	*out = json_integer_value(v);
	return true;
}

static int parse_entry(struct ota_manifest *m, const char *path, size_t plen, const json_t *v,
		       struct ota_err *err)
{
	static const char *const file_keys[] = {"mode", "size", "type"};
	static const char *const dir_keys[] = {"mode", "type"};
	static const char *const link_keys[] = {"target", "type"};
	struct ota_entry e = {.path = (char *)path};
	const char *type = json_is_object(v) ? get_str(v, "type") : NULL;
	long long mode = 0, size = 0;
	struct ota_quoted q;

	if (strlen(path) != plen)
		return ota_err_set(err, OTA_EPATH, "entries: path contains NUL");
	if (type && strcmp(type, "file") == 0 && keys_exactly(v, file_keys, 3) &&
	    get_int(v, "mode", 0, 07777, &mode) && get_int(v, "size", 0, 1LL << 53, &size)) {
		e.type = OTA_ENTRY_FILE;
	} else if (type && strcmp(type, "dir") == 0 && keys_exactly(v, dir_keys, 2) &&
		   get_int(v, "mode", 0, 07777, &mode)) {
		e.type = OTA_ENTRY_DIR;
	} else if (type && strcmp(type, "symlink") == 0 && keys_exactly(v, link_keys, 2) &&
		   (e.link_target = (char *)get_str(v, "target"))) {
		e.type = OTA_ENTRY_SYMLINK;
	} else {
		return ota_err_set(err, OTA_EFORMAT, "entries: \"%s\": bad entry",
				   ota_path_quote(path, &q));
	}
	e.mode = (unsigned int)mode;
	e.size = (unsigned long long)size;
	return ota_manifest_add(m, &e, err);
}

static int parse_files(struct ota_manifest *m, const json_t *files, struct ota_err *err)
{
	struct ota_quoted q;
	const char *path;
	size_t plen;
	json_t *v;

	if (!json_is_object(files))
		return ota_err_set(err, OTA_EFORMAT, "files: not an object");
	json_object_keylen_foreach((json_t *)files, path, plen, v) {
		struct ota_entry *e = (struct ota_entry *)ota_manifest_find(m, path);
		if (strlen(path) != plen || !e)
			return ota_err_set(err, OTA_EFILESET, "files: \"%s\" is not in entries",
					   ota_path_quote(path, &q));
		if (e->type != OTA_ENTRY_FILE)
			return ota_err_set(err, OTA_EFORMAT, "files: \"%s\" is not a file",
					   ota_path_quote(path, &q));
		if (!json_is_string(v) || json_string_length(v) != OTA_SHA256_HEX_LEN ||
		    ota_unhex(json_string_value(v), e->sha256, OTA_SHA256_LEN))
			return ota_err_set(err, OTA_EFORMAT, "files: \"%s\": bad sha256",
					   ota_path_quote(path, &q));
	}
	if (json_object_size(files) != m->n_files)
		return ota_err_set(err, OTA_EFILESET, "files: %zu hashes for %zu files",
				   json_object_size(files), m->n_files);
	return 0;
}

static int from_json(struct ota_manifest *m, const json_t *root, struct ota_err *err)
{
	static const char *const keys[] = {"created", "entries", "files", "format",
					   "rollback_index", "target", "version"};
	const json_t *entries = json_object_get(root, "entries");
	long long format, rbi, created;
	const char *path, *version, *target;
	size_t plen;
	json_t *v;
	int rc;

	if (!keys_exactly(root, keys, 7))
		return ota_err_set(err, OTA_EFORMAT, "not a manifest: keys must be exactly "
				   "created, entries, files, format, rollback_index, target, version");
	if (!get_int(root, "format", 0, 1 << 30, &format) || format != OTA_MANIFEST_FORMAT)
		return ota_err_set(err, OTA_EFORMAT, "unsupported manifest format");
	version = get_str(root, "version");
	target = get_str(root, "target");
	if (!version || !target || !get_int(root, "rollback_index", 0, 1LL << 53, &rbi) ||
	    !get_int(root, "created", 0, 1LL << 53, &created))
		return ota_err_set(err, OTA_EFORMAT, "bad version, target, rollback_index or created");
	rc = ota_manifest_set(m, version, target, (unsigned long long)rbi, created, err);
	if (rc)
		return rc;
	if (!json_is_object(entries) || json_object_size(entries) > OTA_MANIFEST_MAX_ENTRIES)
		return ota_err_set(err, OTA_EFORMAT, "entries: not an object or too many");
	json_object_keylen_foreach((json_t *)entries, path, plen, v) {
		rc = parse_entry(m, path, plen, v, err);
		if (rc)
			return rc;
	}
	rc = ota_manifest_check(m, err);
	if (rc)
		return rc;
	return parse_files(m, json_object_get(root, "files"), err);
}

static int old_parse(const unsigned char *data, size_t len, const char *name,
		     struct ota_manifest **out, struct ota_err *err)
{
	struct ota_manifest *m = NULL;
	json_t *root = NULL;
	int rc;

	*out = NULL;
	if (len > OTA_MANIFEST_MAX)
		return ota_err_set(err, OTA_EFORMAT, "%s: larger than %u bytes", name,
				   OTA_MANIFEST_MAX);
	rc = ota_canon_parse_canonical(data, len, name, &root, err);
	if (rc)
		goto out;
	m = ota_manifest_new();
	if (!m) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	rc = from_json(m, root, err);
	if (rc) {
		ota_err_prefix(err, rc, "%s", name);
		goto out;
	}
	*out = m;
	m = NULL;
out:
	json_decref(root);
	ota_manifest_free(m);
	return rc;
}

/* ---- seeds: valid manifests --------------------------------------------- */

#define H_TEST "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static uint64_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 33;
}

/* A release of random dirs, files and links whose names need escaping or
 * sort in tricky ways ("a-b" < "a/b" < "a0"), as a JSON value. */
static json_t *seed_manifest(uint64_t *s)
{
	static const char *const names[] = {"a", "a-b", "a.b", "a0", "b", "d\xc3\xa9j\xc3\xa0",
					    "\xf0\x9f\x98\x80", "\xef\xbc\xa1", "x\ny", "q\"b\\",
					    "\x7f", "z"};
	json_t *m = json_pack("{s:I,s:{},s:{},s:i,s:I,s:s,s:s}", "created", (json_int_t)1700000000,
			      "entries", "files", "format", 1, "rollback_index", (json_int_t)3,
			      "target", "edge-gw-v2", "version", "1.2.0");
	json_t *entries = json_object_get(m, "entries"), *files = json_object_get(m, "files");
	char dirs[8][64], path[200];
	size_t n_dirs = 0, i, n = 4 + rnd(s) % 20;

	for (i = 0; i < n; i++) {
		const char *name = names[rnd(s) % (sizeof(names) / sizeof(names[0]))];
		const char *dir = n_dirs && rnd(s) % 2 ? dirs[rnd(s) % n_dirs] : "";
		int kind = (int)(rnd(s) % 3);
		snprintf(path, sizeof(path), "%s%s%s", dir, *dir ? "/" : "", name);
		if (json_object_get(entries, path))
			continue;
		if (kind == 0 && n_dirs < 8 && strlen(path) < 60) {
			json_object_set_new(entries, path, json_pack("{s:s,s:i}", "type", "dir", "mode",
								     0755));
			strcpy(dirs[n_dirs++], path);
		} else if (kind == 1) {
			json_object_set_new(entries, path, json_pack("{s:s,s:s}", "type", "symlink",
								     "target", names[rnd(s) % 4]));
		} else {
			json_object_set_new(entries, path, json_pack("{s:s,s:i,s:i}", "type", "file",
								     "mode", 0644, "size", 4));
			json_object_set_new(files, path, json_string(H_TEST));
		}
	}
	return m;
}

/* ---- changes made on the value ------------------------------------------ */

static json_t *odd_value(uint64_t *s)
{
	switch (rnd(s) % 12) {
	case 0: return json_integer(-1);
	case 1: return json_integer(4096);
	case 2: return json_integer((json_int_t)(1LL << 53) + 1);
	case 3: return json_string("420");
	case 4: return json_true();
	case 5: return json_object();
	case 6: return json_array();
	case 7: return json_stringn("a\0b", 3);
	case 8: return json_string("");
	case 9: return json_integer(0);
	case 10: return json_string("../../etc/passwd");
	default: return json_string("/abs");
	}
}

static const char *odd_path(uint64_t *s, const char *base, char *buf, size_t cap)
{
	/* What goes before and after base. */
	static const char *const forms[][2] = {{"", "/.."}, {"../", ""}, {"", "/"}, {"/", ""},
					       {"", "//x"}, {"", "/."}, {"nodir/", ""},
					       {"", "/x"}, {"", "-x"}, {"", "/a"}};
	char longname[300];
	size_t k = rnd(s) % (sizeof(forms) / sizeof(forms[0]));

	if (rnd(s) % 10 == 0) {
		memset(longname, 'n', 299);
		longname[299] = '\0';
		snprintf(buf, cap, "%s/%s", base, longname);
		return buf;
	}
	snprintf(buf, cap, "%s%s%s", forms[k][0], base, forms[k][1]);
	return buf;
}

static const char *pick_key(json_t *obj, uint64_t *s)
{
	size_t n = json_object_size(obj), k;
	const char *key;
	json_t *v;

	if (!n)
		return NULL;
	k = rnd(s) % n;
	json_object_foreach(obj, key, v) {
		if (k-- == 0)
			return key;
	}
	return NULL;
}

static void change_entry(json_t *m, uint64_t *s)
{
	static const char *const members[] = {"mode", "size", "target", "type", "x"};
	static const char *const types[] = {"file", "dir", "symlink", "fifo"};
	json_t *entries = json_object_get(m, "entries"), *e;
	const char *key = json_is_object(entries) ? pick_key(entries, s) : NULL;
	char buf[600], *copy;

	if (!key)
		return;
	e = json_object_get(entries, key);
	switch (rnd(s) % 5) {
	case 0:
		json_object_del(entries, key);
		break;
	case 1:
		copy = strdup(key);
		json_object_set(entries, odd_path(s, copy, buf, sizeof(buf)), e);
		if (rnd(s) % 2)
			json_object_del(entries, copy);
		free(copy);
		break;
	case 2:
		if (json_is_object(e))
			json_object_set_new(e, "type", json_string(types[rnd(s) % 4]));
		break;
	case 3:
		if (json_is_object(e))
			json_object_set_new(e, members[rnd(s) % 5], odd_value(s));
		break;
	default:
		if (json_is_object(e))
			json_object_del(e, members[rnd(s) % 5]);
	}
}

static void change_files(json_t *m, uint64_t *s)
{
	json_t *files = json_object_get(m, "files"), *entries = json_object_get(m, "entries");
	const char *key = json_is_object(files) ? pick_key(files, s) : NULL;

	switch (rnd(s) % 4) {
	case 0:
		if (key)
			json_object_del(files, key);
		break;
	case 1:
		key = json_is_object(entries) ? pick_key(entries, s) : NULL;
		if (key && json_is_object(files))
			json_object_set_new(files, key, json_string(H_TEST));
		break;
	case 2:
		if (key)
			json_object_set_new(files, key, odd_value(s));
		break;
	default:
		if (key)
			json_object_set_new(files, key, json_string("9F86D081884C7D659A2FEAA0C55AD015"
								    "A3BF4F1B2B0B822CD15D6C15B0F00A08"));
	}
}

static void change_top(json_t *m, uint64_t *s)
{
	static const char *const keys[] = {"created", "entries", "files", "format",
					   "rollback_index", "target", "version", "extra"};
	static const char *const versions[] = {"1/2", "", ".1", "1.0.tmp-x", "1\xc3\xa9",
					       "-1", "2.0~rc1+b3", "a+b"};
	const char *key = keys[rnd(s) % 8];

	switch (rnd(s) % 4) {
	case 0:
		json_object_del(m, key);
		break;
	case 1:
		json_object_set_new(m, key, odd_value(s));
		break;
	case 2:
		json_object_set_new(m, rnd(s) % 2 ? "version" : "target",
				    json_string(versions[rnd(s) % 8]));
		break;
	default:
		json_object_set_new(m, key, json_integer((json_int_t)(rnd(s) % 3)));
	}
}

static int new_parse(const struct ota_buf *b, int *lean_rc, struct ota_err *err)
{
	struct ota_manifest *m = NULL;
	struct ota_err lerr = {0};
	struct ota_buf copy;
	int rc = ota_manifest_parse(b->data, b->len, NAME, &m, err);

	ota_manifest_free(m);
	m = NULL;
	ota_buf_init(&copy, OTA_MANIFEST_MAX);
	assert_int_equal(ota_buf_append(&copy, b->data, b->len, &lerr), 0);
	*lean_rc = ota_manifest_load(&copy, NAME, &m, &lerr);
	assert_null(copy.data);
	ota_manifest_free(m);
	return rc;
}

static void test_manifest_reader_agrees_with_the_tree_parser(void **state)
{
	struct ota_err e_old, e_new;
	struct ota_manifest *m;
	struct ota_buf b;
	uint64_t s = 11;
	size_t i, refused = 0;
	int k, rc_old, rc_new, rc_lean;
	json_t *v;

	(void)state;
	for (i = 0; i < CHANGES; i++) {
		v = seed_manifest(&s);
		for (k = 0; k < (int)(rnd(&s) % 3); k++) {
			switch (rnd(&s) % 4) {
			case 0: change_top(v, &s); break;
			case 1: change_files(v, &s); break;
			default: change_entry(v, &s);
			}
		}
		ota_buf_init(&b, 0);
		memset(&e_old, 0, sizeof(e_old));
		memset(&e_new, 0, sizeof(e_new));
		if (ota_canon_dump(v, &b, &e_old) == 0) {
			m = NULL;
			rc_old = old_parse(b.data, b.len, NAME, &m, &e_old);
			ota_manifest_free(m);
			rc_new = new_parse(&b, &rc_lean, &e_new);
			if (rc_old != rc_new || rc_new != rc_lean)
				fail_msg("old %d (%s), new %d (%s), lean %d: %s", rc_old, e_old.msg, rc_new,
					 e_new.msg, rc_lean, (char *)b.data);
			refused += rc_new != 0;
		}
		ota_buf_free(&b);
		json_decref(v);
	}
	/* Both outcomes must be common, or the changes test nothing. */
	assert_true(refused > CHANGES / 4 && refused < CHANGES - CHANGES / 10);
}

static void assert_same_entry(const struct ota_entry *a, const struct ota_entry *b)
{
	assert_string_equal(a->path, b->path);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->size, b->size);
	assert_int_equal(a->omitted, b->omitted);
	assert_memory_equal(a->sha256, b->sha256, OTA_SHA256_LEN);
	if (a->type == OTA_ENTRY_SYMLINK)
		assert_string_equal(a->link_target, b->link_target);
}

/* Lean and built forms of the same bytes walk to the same entries, the
 * directories backwards included, and serialize to the same bytes. */
static void check_forms(const struct ota_buf *b)
{
	struct ota_manifest *built = NULL, *lean = NULL;
	struct ota_manifest_walk *w1 = malloc(sizeof(*w1)), *w2 = malloc(sizeof(*w2));
	const struct ota_entry *e1, *e2;
	struct ota_err err = {0};
	struct ota_buf copy, out;
	size_t n = 0;
	int r1, r2;

	assert_non_null(w1);
	assert_non_null(w2);
	ota_buf_init(&copy, OTA_MANIFEST_MAX);
	ota_buf_init(&out, 0);
	assert_int_equal(ota_buf_append(&copy, b->data, b->len, &err), 0);
	if (ota_manifest_parse(b->data, b->len, NAME, &built, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(ota_manifest_load(&copy, NAME, &lean, &err), 0);
	assert_null(lean->entries);
	assert_int_equal(lean->n_entries, built->n_entries);
	assert_int_equal(lean->n_files, built->n_files);
	assert_int_equal(lean->payload_bytes, built->payload_bytes);
	assert_int_equal(lean->delta.n_omitted, built->delta.n_omitted);
	ota_manifest_walk_init(w1, built);
	ota_manifest_walk_init(w2, lean);
	while ((r1 = ota_manifest_walk_next(w1, &e1, &err)) > 0) {
		assert_int_equal(ota_manifest_walk_next(w2, &e2, &err), 1);
		assert_same_entry(e1, e2);
		n++;
	}
	assert_int_equal(r1, 0);
	assert_int_equal(ota_manifest_walk_next(w2, &e2, &err), 0);
	assert_int_equal(n, built->n_entries);
	while ((r1 = ota_manifest_walk_dir_back(w1, &e1, &err)) > 0) {
		r2 = ota_manifest_walk_dir_back(w2, &e2, &err);
		assert_int_equal(r2, 1);
		assert_same_entry(e1, e2);
	}
	assert_int_equal(ota_manifest_walk_dir_back(w2, &e2, &err), 0);
	assert_int_equal(ota_manifest_serialize(built, &out, &err), 0);
	assert_int_equal(out.len, b->len);
	assert_memory_equal(out.data, b->data, b->len);
	ota_buf_free(&out);
	ota_manifest_free(built);
	ota_manifest_free(lean);
	free(w1);
	free(w2);
}

static void test_manifest_lean_and_built_forms_walk_alike(void **state)
{
	struct ota_err err = {0};
	struct ota_buf b;
	uint64_t s = 5;
	json_t *v;
	int i;

	(void)state;
	for (i = 0; i < 300; i++) {
		v = seed_manifest(&s);
		ota_buf_init(&b, 0);
		assert_int_equal(ota_canon_dump(v, &b, &err), 0);
		check_forms(&b);
		ota_buf_free(&b);
		json_decref(v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_manifest_reader_agrees_with_the_tree_parser),
		cmocka_unit_test(test_manifest_lean_and_built_forms_walk_alike),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
