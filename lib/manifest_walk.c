/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_walk.c - walking the entries of a manifest in either form
 * (manifest.h): the built array, or a lean manifest's canonical bytes read
 * entry by entry, "entries", "files" and a delta's "omitted" in lockstep
 * (all three are sorted the same way). */
#include "lib/manifest.h"

#include <string.h>

#include "lib/manifest_raw.h"

int raw_next_member(struct ota_canon_cur *cur, char close)
{
	if (cur->p < cur->end && *cur->p == (unsigned char)close)
		return 1;
	if (ota_canon_eat(cur, ','))
		return -1;
	ota_canon_tick(cur);
	return 0;
}

/* The string value of an entry's "target" or "type" (bit) into r. */
static int raw_string(struct ota_canon_cur *cur, struct raw_entry *r, unsigned bit)
{
	size_t len;
	int rc;

	if (bit == RAW_TARGET) {
		rc = ota_canon_get_string(cur, r->target, OTA_PATH_MAX + 1, &r->target_len);
		r->target_str = true;
		r->target_cut = rc > 0 && (rc & OTA_CANON_CUT);
		r->target_nul = rc > 0 && (rc & OTA_CANON_NUL);
		return rc < 0 ? -1 : 0;
	}
	rc = ota_canon_get_string(cur, r->type, sizeof(r->type), &len);
	if (rc < 0)
		return -1;
	if (rc)
		r->type[0] = '\0';
	return 0;
}

/* One member of an entry's object: which key, and its value. */
static int raw_member(struct ota_canon_cur *cur, struct raw_entry *r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} keys[] = {{"mode", RAW_MODE}, {"size", RAW_SIZE}, {"target", RAW_TARGET},
		    {"type", RAW_TYPE}};
	unsigned bit = RAW_OTHER;
	char key[8];
	size_t i, len;
	long long v;

	if (ota_canon_get_string(cur, key, sizeof(key), &len) < 0 || ota_canon_eat(cur, ':'))
		return -1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (len == strlen(keys[i].name) && strcmp(key, keys[i].name) == 0)
			bit = keys[i].bit;
	r->keys |= bit;
	if (cur->p < cur->end && (*cur->p == '-' || (*cur->p >= '0' && *cur->p <= '9'))) {
		if (ota_canon_get_int(cur, &v))
			return -1;
		r->ints |= bit;
		if (bit == RAW_MODE)
			r->mode = v;
		else if (bit == RAW_SIZE)
			r->size = v;
		return 0;
	}
	if (cur->p < cur->end && *cur->p == '"' && (bit == RAW_TARGET || bit == RAW_TYPE))
		return raw_string(cur, r, bit);
	return ota_canon_skip(cur);
}

int raw_entry_read(struct ota_canon_cur *cur, struct raw_entry *r)
{
	int rc;

	r->key = cur->p;
	r->keys = r->ints = 0;
	r->type[0] = r->target[0] = '\0';
	r->target_len = 0;
	r->target_str = r->target_cut = r->target_nul = false;
	rc = ota_canon_get_string(cur, r->path, OTA_PATH_MAX + 1, &r->path_len);
	if (rc < 0 || ota_canon_eat(cur, ':'))
		return -1;
	r->path_cut = rc & OTA_CANON_CUT; /* keys never hold U+0000 */
	r->object = cur->p < cur->end && *cur->p == '{';
	if (!r->object)
		return ota_canon_skip(cur);
	cur->p++;
	if (raw_next_member(cur, '}') == 1)
		return ota_canon_eat(cur, '}');
	do {
		if (raw_member(cur, r))
			return -1;
	} while ((rc = raw_next_member(cur, '}')) == 0);
	return rc < 0 ? -1 : ota_canon_eat(cur, '}');
}

int raw_entry_type(const struct raw_entry *r)
{
	bool mode_ok = (r->ints & RAW_MODE) && r->mode >= 0 && r->mode <= 07777;

	if (!r->object)
		return -1;
	if (strcmp(r->type, "file") == 0 && r->keys == (RAW_MODE | RAW_SIZE | RAW_TYPE) &&
	    mode_ok && (r->ints & RAW_SIZE) && r->size >= 0 && r->size <= (1LL << 53))
		return OTA_ENTRY_FILE;
	if (strcmp(r->type, "dir") == 0 && r->keys == (RAW_MODE | RAW_TYPE) && mode_ok)
		return OTA_ENTRY_DIR;
	/* A target that is a string, whatever its length: the path rules
	 * judge that later, as for any target. */
	if (strcmp(r->type, "symlink") == 0 && r->keys == (RAW_TARGET | RAW_TYPE) &&
	    r->target_str && !r->target_nul)
		return OTA_ENTRY_SYMLINK;
	return -1;
}

int raw_file_read(struct ota_canon_cur *cur, const unsigned char **key,
		  unsigned char out[OTA_SHA256_LEN], bool *hash_ok)
{
	char hex[OTA_SHA256_HEX_LEN + 2];
	size_t len;
	int rc;

	*key = cur->p;
	*hash_ok = false;
	if (ota_canon_get_string(cur, NULL, 0, &len) < 0 || ota_canon_eat(cur, ':'))
		return -1;
	if (cur->p >= cur->end || *cur->p != '"')
		return ota_canon_skip(cur);
	rc = ota_canon_get_string(cur, hex, sizeof(hex), &len);
	if (rc < 0)
		return -1;
	*hash_ok = rc == 0 && len == OTA_SHA256_HEX_LEN && ota_unhex(hex, out, OTA_SHA256_LEN) == 0;
	return 0;
}

void ota_manifest_walk_init(struct ota_manifest_walk *w, const struct ota_manifest *m)
{
	w->m = m;
	w->next = 0;
	w->back = m->entries ? m->n_entries : m->n_dirs;
	w->epos = m->entries_at + 1; /* past the '{' */
	w->fpos = m->files_at + 1;
	w->opos = m->omitted_at + 1; /* past the '[' */
	w->steps = 0;
}

static int damaged(struct ota_err *err)
{
	return ota_err_set(err, OTA_EINTERNAL, "manifest damaged in memory since it was checked");
}

/* Fill w->e from the member at *pos of the bytes. */
static int read_at(struct ota_manifest_walk *w, size_t *pos, const unsigned char **key,
		   struct ota_err *err)
{
	const struct ota_buf *b = &w->m->bytes;
	struct ota_canon_cur cur = {.p = b->data + *pos, .end = b->data + b->len};
	struct raw_entry r = {.path = w->path, .target = w->target};
	int type;

	if (raw_entry_read(&cur, &r) || (type = raw_entry_type(&r)) < 0)
		return damaged(err);
	*pos = (size_t)(cur.p - b->data);
	*key = r.key;
	memset(&w->e, 0, sizeof(w->e));
	w->e.path = w->path;
	w->e.type = (enum ota_entry_type)type;
	w->e.mode = type == OTA_ENTRY_SYMLINK ? 0 : (unsigned int)r.mode;
	w->e.size = type == OTA_ENTRY_FILE ? (unsigned long long)r.size : 0;
	w->e.link_target = type == OTA_ENTRY_SYMLINK ? w->target : NULL;
	return 0;
}

/* The file entry's hash from "files", and whether "omitted" names it. */
static int read_file_side(struct ota_manifest_walk *w, const unsigned char *key,
			  struct ota_err *err)
{
	const struct ota_buf *b = &w->m->bytes;
	struct ota_canon_cur cur = {.p = b->data + w->fpos, .end = b->data + b->len};
	const unsigned char *fkey;
	bool ok;

	if (raw_file_read(&cur, &fkey, w->e.sha256, &ok) || !ok ||
	    ota_canon_string_cmp(fkey, key, cur.end) || raw_next_member(&cur, '}') < 0)
		return damaged(err);
	w->fpos = (size_t)(cur.p - b->data);
	if (!w->m->delta.base)
		return 0;
	cur.p = b->data + w->opos;
	if (cur.p < cur.end && *cur.p == '"' && ota_canon_string_cmp(cur.p, key, cur.end) == 0) {
		w->e.omitted = true;
		if (ota_canon_skip(&cur) || raw_next_member(&cur, ']') < 0)
			return damaged(err);
		w->opos = (size_t)(cur.p - b->data);
	}
	return 0;
}

int ota_manifest_walk_next(struct ota_manifest_walk *w, const struct ota_entry **e,
			   struct ota_err *err)
{
	const struct ota_manifest *m = w->m;
	const unsigned char *key;
	size_t pos = w->epos;
	int rc;

	if (w->next >= m->n_entries)
		return 0;
	if (m->entries) {
		*e = &m->entries[w->next++];
		return 1;
	}
	if ((rc = read_at(w, &pos, &key, err)))
		return rc;
	if (w->e.type == OTA_ENTRY_FILE && (rc = read_file_side(w, key, err)))
		return rc;
	/* Past the ',' (or onto the '}' after the last entry). */
	w->epos = pos + (pos < m->bytes.len && m->bytes.data[pos] == ',');
	w->next++;
	/* A walk runs as long as the payload streams: keep only the pages of
	 * the entries in hand (buf.h). */
	if (++w->steps % OTA_CANON_DROP_EVERY == 0)
		ota_buf_drop_pages(&m->bytes);
	*e = &w->e;
	return 1;
}

int ota_manifest_walk_dir_back(struct ota_manifest_walk *w, const struct ota_entry **e,
			       struct ota_err *err)
{
	const struct ota_manifest *m = w->m;
	const unsigned char *key;
	size_t pos;
	int rc;

	if (m->entries) {
		while (w->back > 0)
			if (m->entries[--w->back].type == OTA_ENTRY_DIR) {
				*e = &m->entries[w->back];
				return 1;
			}
		return 0;
	}
	if (w->back == 0)
		return 0;
	pos = m->dirs[--w->back];
	/* Directories are far apart in the bytes: a page or two each. */
	if (++w->steps % (OTA_CANON_DROP_EVERY / 32) == 0)
		ota_buf_drop_pages(&m->bytes);
	if ((rc = read_at(w, &pos, &key, err)))
		return rc;
	if (w->e.type != OTA_ENTRY_DIR)
		return damaged(err);
	*e = &w->e;
	return 1;
}

int ota_manifest_lookup(const struct ota_manifest *m, const char *path,
			struct ota_manifest_walk *w, const struct ota_entry **e,
			struct ota_err *err)
{
	int rc, c;

	if (m->entries) {
		*e = ota_manifest_find(m, path);
		return *e != NULL;
	}
	ota_manifest_walk_init(w, m);
	while ((rc = ota_manifest_walk_next(w, e, err)) > 0) {
		c = strcmp((*e)->path, path);
		if (c == 0)
			return 1;
		if (c > 0)
			return 0;
	}
	return rc;
}
