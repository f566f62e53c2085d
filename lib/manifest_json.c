/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_json.c - reading manifest bytes (manifest.h) without a JSON
 * tree: the text is checked canonical byte by byte (canon.h), then the
 * manifest's rules are checked on the bytes in place, a few passes over
 * them, in the order of the classes of exit-codes.md: form and types (4)
 * before paths (9) before the file set (10).  The lean form keeps the
 * bytes; the built form copies the entries out. */
#include "lib/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/manifest_raw.h"
#include "lib/path.h"

enum { K_CREATED, K_DELTA, K_ENTRIES, K_EXPIRES, K_FILES, K_FORMAT, K_RBI, K_TARGET, K_VERSION, N_TOP };

struct parse {
	const unsigned char *b, *end;
	const struct ota_buf *map; /* b's buffer when it may be mapped (buf.h) */
	struct ota_manifest *m;
	const unsigned char *v[N_TOP]; /* each top-level value, NULL if absent */
	bool version_cut, legacy;
	uint32_t *dirs;
	size_t n_dirs, cap_dirs;
	const unsigned char *omitted; /* the '[' of delta.omitted */
	char path[OTA_PATH_MAX + 1], target[OTA_PATH_MAX + 1], other[OTA_PATH_MAX + 1];
	char parent[OTA_PATH_MAX + 1]; /* the last parent found to be a dir */
	size_t parent_len;             /* its length; (size_t)-1 for none */
};

static struct ota_canon_cur at(const struct parse *p, const unsigned char *where)
{
	return (struct ota_canon_cur){.p = where, .end = p->end, .map = p->map};
}

static int damaged(struct ota_err *err)
{
	return ota_err_set(err, OTA_EINTERNAL, "manifest: checked text did not read back");
}

static int not_a_manifest(struct ota_err *err)
{
	return ota_err_set(err, OTA_EFORMAT, "not a manifest: keys must be exactly created, "
			   "entries, files, format, rollback_index, target, version (and delta, "
			   "in a delta bundle's, and expires, if set), or the design's files, "
			   "target, version");
}

static int top_level(struct parse *p, struct ota_err *err)
{
	static const char *const names[N_TOP] = {"created", "delta", "entries", "expires", "files",
						 "format", "rollback_index", "target", "version"};
	struct ota_canon_cur cur = at(p, p->b);
	char key[16];
	size_t len, i;
	int rc;

	if (ota_canon_eat(&cur, '{') || raw_next_member(&cur, '}') == 1)
		return not_a_manifest(err);
	do {
		rc = ota_canon_get_string(&cur, key, sizeof(key), &len);
		for (i = 0; rc == 0 && i < N_TOP && strcmp(key, names[i]); i++)
			;
		if (rc != 0 || i == N_TOP || ota_canon_eat(&cur, ':'))
			return not_a_manifest(err);
		p->v[i] = cur.p;
		if (ota_canon_skip(&cur))
			return damaged(err);
	} while ((rc = raw_next_member(&cur, '}')) == 0);
	/* The design's own form: these three keys alone (manifest.h). */
	p->legacy = p->v[K_FILES] && p->v[K_TARGET] && p->v[K_VERSION] && !p->v[K_CREATED] &&
		    !p->v[K_DELTA] && !p->v[K_ENTRIES] && !p->v[K_EXPIRES] && !p->v[K_FORMAT] &&
		    !p->v[K_RBI];
	/* delta and expires are optional: absent, a manifest reads as before. */
	for (i = 0; i < N_TOP && !p->legacy; i++)
		if (!p->v[i] && i != K_DELTA && i != K_EXPIRES)
			return not_a_manifest(err);
	return rc < 0 ? damaged(err) : 0;
}

static bool get_int(const struct parse *p, int k, long long min, long long max, long long *v)
{
	struct ota_canon_cur cur = at(p, p->v[k]);

	return (*cur.p == '-' || (*cur.p >= '0' && *cur.p <= '9')) &&
	       ota_canon_get_int(&cur, v) == 0 && *v >= min && *v <= max;
}

/* A string without U+0000 into out; *cut if it did not fit. */
static bool get_str(const struct parse *p, const unsigned char *v, char *out, size_t cap,
		    bool *cut)
{
	struct ota_canon_cur cur = at(p, v);
	size_t len;
	int rc;

	if (*v != '"' || (rc = ota_canon_get_string(&cur, out, cap, &len)) < 0 ||
	    (rc & OTA_CANON_NUL))
		return false;
	*cut = rc & OTA_CANON_CUT;
	return true;
}

static int header(struct parse *p, struct ota_err *err)
{
	char version[OTA_VERSION_MAX + 2], target[OTA_TARGET_MAX + 2];
	long long format, rbi, created, expires = 0;
	bool target_cut;
	int rc;

	if (!get_int(p, K_FORMAT, 0, 1 << 30, &format) || format != OTA_MANIFEST_FORMAT)
		return ota_err_set(err, OTA_EFORMAT, "unsupported manifest format");
	if (!get_str(p, p->v[K_VERSION], version, sizeof(version), &p->version_cut) ||
	    !get_str(p, p->v[K_TARGET], target, sizeof(target), &target_cut) ||
	    !get_int(p, K_RBI, 0, 1LL << 53, &rbi) || !get_int(p, K_CREATED, 0, 1LL << 53, &created))
		return ota_err_set(err, OTA_EFORMAT, "bad version, target, rollback_index or created");
	/* A cut string is too long; "-" makes sure the check says so. */
	if (target_cut)
		target[0] = '-';
	if (p->v[K_EXPIRES] && (!get_int(p, K_EXPIRES, 1, 1LL << 53, &expires) || expires <= created))
		return ota_err_set(err, OTA_EFORMAT, "expires: expected seconds after created");
	rc = ota_manifest_set(p->m, version, target, (unsigned long long)rbi, created, err);
	p->m->expires = p->v[K_EXPIRES] ? expires : 0;
	if (rc == 0 && *p->v[K_ENTRIES] != '{')
		rc = ota_err_set(err, OTA_EFORMAT, "entries: not an object or too many");
	return rc;
}

static int push_dir(struct parse *p, const unsigned char *key, struct ota_err *err)
{
	uint32_t *grown;

	if (p->n_dirs == p->cap_dirs) {
		p->cap_dirs = p->cap_dirs ? 2 * p->cap_dirs : 64;
		grown = realloc(p->dirs, p->cap_dirs * sizeof(*grown));
		if (!grown)
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		p->dirs = grown;
	}
	p->dirs[p->n_dirs++] = (uint32_t)(key - p->b);
	return 0;
}

/* The members of "entries" one after the other, cur starting at its '{':
 * 1 and r filled, 0 after the last. */
static int next_entry(struct ota_canon_cur *cur, bool first, struct raw_entry *r, int *type,
		      struct ota_err *err)
{
	int rc;

	if (first) {
		if (ota_canon_eat(cur, '{'))
			return damaged(err);
		if (cur->p < cur->end && *cur->p == '}')
			return 0;
	} else if ((rc = raw_next_member(cur, '}')) != 0) {
		return rc == 1 ? 0 : damaged(err);
	}
	if (raw_entry_read(cur, r))
		return damaged(err);
	*type = raw_entry_type(r);
	return 1;
}

static const char *quoted(const struct raw_entry *r, struct ota_quoted *q)
{
	return ota_path_quote_n(r->path, r->path_cut ? OTA_PATH_MAX : r->path_len, q);
}

/* Form and types of every entry; the directory index; the counts. */
static int shapes(struct parse *p, struct ota_err *err)
{
	struct ota_canon_cur cur = at(p, p->v[K_ENTRIES]);
	struct raw_entry r = {.path = p->path, .target = p->target};
	struct ota_quoted q;
	int rc, type;

	for (rc = next_entry(&cur, true, &r, &type, err); rc > 0;
	     rc = next_entry(&cur, false, &r, &type, err)) {
		if (++p->m->n_entries > OTA_MANIFEST_MAX_ENTRIES)
			return ota_err_set(err, OTA_EFORMAT, "entries: not an object or too many");
		if (type < 0)
			return ota_err_set(err, OTA_EFORMAT, "entries: \"%s\": bad entry", quoted(&r, &q));
		if (type == OTA_ENTRY_DIR && (rc = push_dir(p, r.key, err)))
			return rc;
		p->m->n_files += type == OTA_ENTRY_FILE;
	}
	return rc;
}

static int header_values(const struct ota_manifest *m, bool version_cut, struct ota_err *err)
{
	int rc = ota_manifest_version_check(m->version, version_cut, err);

	if (rc)
		return rc;
	if (!ota_manifest_target_ok(m->target))
		return ota_err_set(err, OTA_EFORMAT, "target: must be 1-%d of [A-Za-z0-9._-]",
				   OTA_TARGET_MAX);
	return 0;
}

/* Whether the entry with this path (len bytes) is a dir (1), of another
 * type (0) or absent (-1): the last parent found, else a binary search of
 * the directory index, then, only to tell the two failures apart, a walk
 * of all entries. */
static int parent_type(struct parse *p, const char *path, size_t len, struct ota_err *err)
{
	struct raw_entry r = {.path = p->other, .target = p->target};
	struct ota_canon_cur cur;
	size_t lo = 0, hi = p->n_dirs, mid;
	int c, type, rc;

	if (p->parent_len == len && memcmp(p->parent, path, len) == 0)
		return 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = ota_canon_string_cmp_utf8(p->b + p->dirs[mid], p->end, path, len);
		if (c == 0) {
			memcpy(p->parent, path, len);
			p->parent_len = len;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	cur = at(p, p->v[K_ENTRIES]);
	for (rc = next_entry(&cur, true, &r, &type, err); rc > 0;
	     rc = next_entry(&cur, false, &r, &type, err))
		if (!r.path_cut && r.path_len == len && memcmp(r.path, path, len) == 0)
			return 0;
	return rc < 0 ? rc : -1;
}

static int check_link(const struct raw_entry *r, struct ota_err *err)
{
	struct ota_quoted ql, qt;

	if (r->target_cut)
		return ota_err_set(err, OTA_EPATH, "unsafe symlink \"%s\" -> \"%s\": longer than "
				   "%d bytes", quoted(r, &ql),
				   ota_path_quote_n(r->target, OTA_PATH_MAX, &qt), OTA_PATH_MAX);
	return ota_path_check_link(r->path, r->target, err);
}

static int check_one(struct parse *p, const struct raw_entry *r, int type,
		     unsigned long long *bytes, struct ota_err *err)
{
	size_t plen;
	struct ota_quoted q;
	int rc = ota_path_check(r->path, r->path_len, err);

	if (rc == 0 && type == OTA_ENTRY_SYMLINK)
		rc = check_link(r, err);
	if (rc)
		return rc;
	plen = ota_path_parent_len(r->path);
	if (plen && (rc = parent_type(p, r->path, plen, err)) != 1) {
		if (rc == 0)
			return ota_err_set(err, OTA_EPATH, "entries: parent of \"%s\" is not a "
					   "directory", quoted(r, &q));
		return rc < -1 ? rc : ota_err_set(err, OTA_EFORMAT, "entries: parent of \"%s\" is "
						  "not listed", quoted(r, &q));
	}
	if (type != OTA_ENTRY_FILE)
		return 0;
	if (*bytes + (unsigned long long)r->size > (1ULL << 53))
		return ota_err_set(err, OTA_EFORMAT, "entries: \"%s\": size too large", quoted(r, &q));
	*bytes += (unsigned long long)r->size;
	return 0;
}

/* Paths, links and parents, in manifest order. */
static int paths(struct parse *p, struct ota_err *err)
{
	struct ota_canon_cur cur = at(p, p->v[K_ENTRIES]);
	struct raw_entry r = {.path = p->path, .target = p->target};
	unsigned long long bytes = 0;
	int rc, type;

	p->parent_len = (size_t)-1;
	for (rc = next_entry(&cur, true, &r, &type, err); rc > 0;
	     rc = next_entry(&cur, false, &r, &type, err))
		if ((rc = check_one(p, &r, type, &bytes, err)))
			return rc;
	p->m->payload_bytes = bytes;
	return rc;
}

/* "files": exactly one well-formed hash per file entry, nothing else;
 * both objects are sorted the same way, so one merge pass does it. */
static int files(struct parse *p, struct ota_err *err)
{
	struct ota_canon_cur fc = at(p, p->v[K_FILES]), ec = at(p, p->v[K_ENTRIES]);
	struct raw_entry r = {.path = p->path, .target = p->target};
	unsigned char sha[OTA_SHA256_LEN];
	const unsigned char *key;
	size_t hashes = 0, len;
	bool missing = false, ok;
	int rc, erc, type = -1, c = 0;
	struct ota_quoted q;

	if (ota_canon_eat(&fc, '{'))
		return ota_err_set(err, OTA_EFORMAT, "files: not an object");
	erc = next_entry(&ec, true, &r, &type, err);
	for (rc = *fc.p == '}'; rc == 0; rc = raw_next_member(&fc, '}')) {
		if (raw_file_read(&fc, &key, sha, &ok))
			return damaged(err);
		hashes++;
		while (erc > 0 && (c = ota_canon_string_cmp(r.key, key, p->end)) < 0) {
			missing |= type == OTA_ENTRY_FILE;
			erc = next_entry(&ec, false, &r, &type, err);
		}
		if (erc < 0)
			return erc;
		if (erc == 0 || c > 0) {
			struct ota_canon_cur kc = at(p, key);
			ota_canon_get_string(&kc, p->other, sizeof(p->other), &len);
			return ota_err_set(err, OTA_EFILESET, "files: \"%s\" is not in entries",
					   ota_path_quote_n(p->other, strlen(p->other), &q));
		}
		if (type != OTA_ENTRY_FILE)
			return ota_err_set(err, OTA_EFORMAT, "files: \"%s\" is not a file", quoted(&r, &q));
		if (!ok)
			return ota_err_set(err, OTA_EFORMAT, "files: \"%s\": bad sha256", quoted(&r, &q));
		erc = next_entry(&ec, false, &r, &type, err);
	}
	for (; erc > 0; erc = next_entry(&ec, false, &r, &type, err))
		missing |= type == OTA_ENTRY_FILE;
	if (rc < 0 || erc < 0)
		return erc < 0 ? erc : damaged(err);
	if (missing || hashes != p->m->n_files)
		return ota_err_set(err, OTA_EFILESET, "files: %zu hashes for %zu files", hashes,
				   p->m->n_files);
	return 0;
}

static int bad_delta(struct ota_err *err)
{
	return ota_err_set(err, OTA_EFORMAT, "delta: must be {\"base\":VERSION,"
			   "\"base_manifest\":SHA256,\"omitted\":[PATH, ...]}");
}

/* delta's object: base, base_manifest, omitted, in that (canonical) order. */
static int delta_head(struct parse *p, struct ota_err *err)
{
	struct ota_canon_cur cur = at(p, p->v[K_DELTA]);
	char key[16], hex[OTA_SHA256_HEX_LEN + 2], base[OTA_VERSION_MAX + 2];
	static const char *const keys[] = {"base", "base_manifest", "omitted"};
	size_t len, i;
	bool cut;

	if (ota_canon_eat(&cur, '{'))
		return bad_delta(err);
	for (i = 0; i < 3; i++) {
		if ((i && ota_canon_eat(&cur, ',')) || ota_canon_get_string(&cur, key, sizeof(key), &len) ||
		    strcmp(key, keys[i]) || ota_canon_eat(&cur, ':'))
			return bad_delta(err);
		if (i == 2)
			break;
		if (!get_str(p, cur.p, i ? hex : base, i ? sizeof(hex) : sizeof(base), &cut) || cut ||
		    (i == 0 && !ota_manifest_version_ok(base)) ||
		    (i == 1 && (strlen(hex) != OTA_SHA256_HEX_LEN ||
				ota_unhex(hex, p->m->delta.base_manifest, OTA_SHA256_LEN))) ||
		    ota_canon_skip(&cur))
			return bad_delta(err);
	}
	p->omitted = cur.p;
	if (*cur.p != '[' || ota_canon_skip(&cur) || *cur.p != '}')
		return bad_delta(err);
	if (!(p->m->delta.base = strdup(base)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	return 0;
}

/* Each omitted path: in order, once, and a file entry of the release. */
static int delta(struct parse *p, struct ota_err *err)
{
	struct ota_canon_cur oc, ec = at(p, p->v[K_ENTRIES]);
	struct raw_entry r = {.path = p->path, .target = p->target};
	const unsigned char *prev = NULL;
	struct ota_delta *d = &p->m->delta;
	int rc, erc, type = -1, c = -1;
	struct ota_quoted q;
	size_t len;

	if ((rc = delta_head(p, err)))
		return rc;
	oc = at(p, p->omitted + 1);
	erc = next_entry(&ec, true, &r, &type, err);
	for (rc = *oc.p == ']'; rc == 0; rc = raw_next_member(&oc, ']')) {
		if (*oc.p != '"' || (prev && ota_canon_string_cmp(prev, oc.p, p->end) >= 0))
			return ota_err_set(err, OTA_EFORMAT, "delta: omitted paths must be strings, "
					   "sorted, each once");
		prev = oc.p;
		while (erc > 0 && (c = ota_canon_string_cmp(r.key, prev, p->end)) < 0)
			erc = next_entry(&ec, false, &r, &type, err);
		if (erc < 0)
			return erc;
		if (erc == 0 || c > 0 || type != OTA_ENTRY_FILE) {
			ota_canon_get_string(&oc, p->other, sizeof(p->other), &len);
			return ota_err_set(err, OTA_EFORMAT, "delta: omitted \"%s\" is not a file of "
					   "the release", ota_path_quote_n(p->other, strlen(p->other), &q));
		}
		d->n_omitted++;
		d->omitted_bytes += (unsigned long long)r.size;
		if (ota_canon_skip(&oc))
			return damaged(err);
	}
	return rc < 0 ? damaged(err) : 0;
}

/* The design's form: its header, then entries built from "files". */
static int legacy(struct parse *p, struct ota_err *err)
{
	char version[OTA_VERSION_MAX + 2], target[OTA_TARGET_MAX + 2];
	bool target_cut;
	int rc;

	if (!get_str(p, p->v[K_VERSION], version, sizeof(version), &p->version_cut) ||
	    !get_str(p, p->v[K_TARGET], target, sizeof(target), &target_cut))
		return ota_err_set(err, OTA_EFORMAT, "bad version or target");
	if (target_cut)
		target[0] = '-';
	if ((rc = ota_manifest_set(p->m, version, target, 0, 0, err)) ||
	    (rc = header_values(p->m, p->version_cut, err)))
		return rc;
	return manifest_legacy_entries(p->v[K_FILES], p->end, p->m, err);
}

static int check_all(struct parse *p, const char *name, struct ota_err *err)
{
	int rc = p->map ? ota_canon_check_buf(p->map, name, err)
			: ota_canon_check(p->b, (size_t)(p->end - p->b), name, err);

	if (rc)
		return rc;
	if ((rc = top_level(p, err)) == 0 && p->legacy)
		rc = legacy(p, err);
	if (rc || p->legacy)
		return rc ? ota_err_prefix(err, rc, "%s", name) : 0;
	if ((rc = header(p, err)) || (rc = shapes(p, err)) ||
	    (rc = header_values(p->m, p->version_cut, err)) || (rc = paths(p, err)) ||
	    (rc = files(p, err)) || (p->v[K_DELTA] && (rc = delta(p, err))))
		return ota_err_prefix(err, rc, "%s", name);
	return 0;
}

/* The entries of the checked bytes copied into m's array. */
static int build(struct parse *p, struct ota_err *err)
{
	struct ota_manifest view = *p->m;
	struct ota_manifest_walk *w = malloc(sizeof(*w));
	const struct ota_entry *e;
	int rc;

	if (!w)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	view.bytes.data = (unsigned char *)p->b;
	view.bytes.len = (size_t)(p->end - p->b);
	view.entries = NULL;
	view.n_entries = p->m->n_entries;
	ota_manifest_walk_init(w, &view);
	p->m->n_entries = 0;
	while ((rc = ota_manifest_walk_next(w, &e, err)) > 0)
		if ((rc = ota_manifest_add(p->m, e, err)))
			break;
	free(w);
	return rc;
}

static int parse_bytes(const unsigned char *data, size_t len, const struct ota_buf *map,
		       const char *name, bool lean, struct ota_manifest **out, struct ota_err *err)
{
	struct parse *p = calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (len > OTA_MANIFEST_MAX)
		rc = ota_err_set(err, OTA_EFORMAT, "%s: larger than %u bytes", name, OTA_MANIFEST_MAX);
	else if (!p || !(p->m = ota_manifest_new()))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	else
		rc = 0;
	if (rc)
		goto out;
	p->b = data;
	p->end = data + len;
	p->map = map;
	rc = check_all(p, name, err);
	if (map)
		ota_buf_drop_pages(map);
	if (rc)
		goto out;
	/* The design's form is built, its bytes kept (the lean form takes
	 * them below, from the caller). */
	if (p->legacy) {
		if (!lean && (rc = ota_buf_append(&p->m->bytes, data, len, err)))
			goto out;
		*out = p->m;
		p->m = NULL;
		goto out;
	}
	p->m->entries_at = (size_t)(p->v[K_ENTRIES] - data);
	p->m->files_at = (size_t)(p->v[K_FILES] - data);
	p->m->omitted_at = p->omitted ? (size_t)(p->omitted - data) : 0;
	if (lean) {
		p->m->dirs = p->dirs;
		p->m->n_dirs = p->n_dirs;
		p->dirs = NULL;
	} else if ((rc = build(p, err))) {
		goto out;
	}
	*out = p->m;
	p->m = NULL;
out:
	if (p) {
		ota_manifest_free(p->m);
		free(p->dirs);
	}
	free(p);
	return rc;
}

int ota_manifest_parse(const unsigned char *data, size_t len, const char *name,
		       struct ota_manifest **out, struct ota_err *err)
{
	return parse_bytes(data, len, NULL, name, false, out, err);
}

int ota_manifest_load(struct ota_buf *bytes, const char *name, struct ota_manifest **out,
		      struct ota_err *err)
{
	int rc = parse_bytes(bytes->data, bytes->len, bytes, name, true, out, err);

	if (rc == 0) {
		(*out)->bytes = *bytes;
		ota_buf_init(bytes, bytes->max);
	} else {
		ota_buf_free(bytes);
	}
	return rc;
}
