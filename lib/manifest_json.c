/* manifest_json.c - struct ota_manifest <-> its canonical JSON bytes.
 * Parsing is strict: canonical text, exact key sets, exact types. */
#include "lib/manifest.h"

#include <jansson.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/path.h"

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

int ota_manifest_parse(const unsigned char *data, size_t len, const char *name,
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

static json_t *entry_json(const struct ota_entry *e)
{
	switch (e->type) {
	case OTA_ENTRY_FILE:
		return json_pack("{s:s, s:I, s:I}", "type", "file", "mode", (json_int_t)e->mode,
				 "size", (json_int_t)e->size);
	case OTA_ENTRY_DIR:
		return json_pack("{s:s, s:I}", "type", "dir", "mode", (json_int_t)e->mode);
	case OTA_ENTRY_SYMLINK:
		return json_pack("{s:s, s:s}", "type", "symlink", "target", e->link_target);
	}
	return NULL;
}

static json_t *to_json(const struct ota_manifest *m)
{
	json_t *root = json_pack("{s:I, s:s, s:s, s:I, s:I, s:{}, s:{}}", "format",
				 (json_int_t)OTA_MANIFEST_FORMAT, "version", m->version, "target",
				 m->target, "rollback_index", (json_int_t)m->rollback_index,
				 "created", (json_int_t)m->created, "entries", "files");
	json_t *entries = json_object_get(root, "entries");
	json_t *files = json_object_get(root, "files");
	char hex[OTA_SHA256_HEX_LEN + 1];
	size_t i;

	for (i = 0; root && i < m->n_entries; i++) {
		const struct ota_entry *e = &m->entries[i];
		if (json_object_set_new(entries, e->path, entry_json(e)))
			goto fail;
		if (e->type != OTA_ENTRY_FILE)
			continue;
		ota_hex(e->sha256, OTA_SHA256_LEN, hex);
		if (json_object_set_new(files, e->path, json_string(hex)))
			goto fail;
	}
	return root;
fail:
	json_decref(root);
	return NULL;
}

int ota_manifest_serialize(const struct ota_manifest *m, struct ota_buf *out, struct ota_err *err)
{
	json_t *root = to_json(m);
	int rc;

	if (!root)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory building the manifest");
	rc = ota_canon_dump(root, out, err);
	json_decref(root);
	return rc;
}
