/* SPDX-License-Identifier: Apache-2.0 */
/* manifest.c - the manifest data model: building, checking, and the
 * struct <-> canonical JSON mapping (format in manifest.h). */
#include "lib/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "lib/path.h"
#include "lib/semver.h"

struct ota_manifest *ota_manifest_new(void)
{
	return calloc(1, sizeof(struct ota_manifest));
}

void ota_manifest_free(struct ota_manifest *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; m->entries && i < m->n_entries; i++) {
		free(m->entries[i].path);
		free(m->entries[i].link_target);
	}
	free(m->entries);
	free(m->version);
	free(m->target);
	free(m->delta.base);
	free(m->dirs);
	ota_buf_free(&m->bytes);
	free(m);
}

static bool charset_ok(const char *s, size_t max, const char *extra)
{
	size_t n = strlen(s);
	size_t i;

	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(extra, c)))
			return false;
	}
	return true;
}

/* Versions name directories on the device (releases/<version>), so they
 * are held to a charset that can never be a path trick, and never contain
 * ".tmp-", which marks the device's temporary names (release.h): a release
 * so named would be swept away as a leftover. */
bool ota_manifest_version_ok(const char *s)
{
	return charset_ok(s, OTA_VERSION_MAX, "._+~-") && !strstr(s, OTA_TMP_MARK);
}

int ota_manifest_version_check(const char *v, bool cut, struct ota_err *err)
{
	/* A name that could not even be a directory is malformed (4), as
	 * before; one that could but is not semantic has its own class. */
	if (cut || !v || !ota_manifest_version_ok(v))
		return ota_err_set(err, OTA_EFORMAT, "version: must be 1-%d of [A-Za-z0-9._+~-], "
				   "without \"" OTA_TMP_MARK "\"", OTA_VERSION_MAX);
	if (!ota_semver_valid(v))
		return ota_err_set(err, OTA_EVERSION, "version: \"%s\" is not a semantic version: "
				   "use " OTA_SEMVER_FORM, v);
	return 0;
}

bool ota_manifest_target_ok(const char *s)
{
	return charset_ok(s, OTA_TARGET_MAX, "._-");
}

int ota_manifest_set(struct ota_manifest *m, const char *version, const char *target,
		     unsigned long long rollback_index, long long created, struct ota_err *err)
{
	char *v = strdup(version);
	char *t = strdup(target);

	if (!v || !t) {
		free(v);
		free(t);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	free(m->version);
	free(m->target);
	m->version = v;
	m->target = t;
	m->rollback_index = rollback_index;
	m->created = created;
	return 0;
}

int ota_manifest_add(struct ota_manifest *m, const struct ota_entry *e, struct ota_err *err)
{
	struct ota_entry copy = *e;

	if (m->n_entries >= OTA_MANIFEST_MAX_ENTRIES)
		return ota_err_set(err, OTA_EFORMAT, "more than %d entries", OTA_MANIFEST_MAX_ENTRIES);
	if (m->n_entries == m->cap_entries) {
		size_t cap = m->cap_entries ? m->cap_entries * 2 : 64;
		struct ota_entry *p = realloc(m->entries, cap * sizeof(*p));
		if (!p)
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		m->entries = p;
		m->cap_entries = cap;
	}
	copy.path = strdup(e->path);
	copy.link_target = e->link_target ? strdup(e->link_target) : NULL;
	if (!copy.path || (e->link_target && !copy.link_target)) {
		free(copy.path);
		free(copy.link_target);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	m->entries[m->n_entries++] = copy;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ota_entry *)a)->path, ((const struct ota_entry *)b)->path);
}

const struct ota_entry *ota_manifest_find(const struct ota_manifest *m, const char *path)
{
	struct ota_entry key = {.path = (char *)path};

	if (!m->n_entries)
		return NULL;
	return bsearch(&key, m->entries, m->n_entries, sizeof(key), entry_cmp);
}

/* The parent of every entry must be a "dir" entry: a file under a symlink
 * would let extraction write through the link, out of the tree. */
static int check_parent(const struct ota_manifest *m, const struct ota_entry *e,
			struct ota_err *err)
{
	size_t plen = ota_path_parent_len(e->path);
	const struct ota_entry *parent;
	struct ota_quoted q;
	char *dir;

	if (plen == 0)
		return 0;
	dir = strndup(e->path, plen);
	if (!dir)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	parent = ota_manifest_find(m, dir);
	free(dir);
	if (!parent)
		return ota_err_set(err, OTA_EFORMAT, "entries: parent of \"%s\" is not listed",
				   ota_path_quote(e->path, &q));
	if (parent->type != OTA_ENTRY_DIR)
		return ota_err_set(err, OTA_EPATH, "entries: parent of \"%s\" is not a directory",
				   ota_path_quote(e->path, &q));
	return 0;
}

static int check_entry(const struct ota_manifest *m, const struct ota_entry *e,
		       struct ota_err *err)
{
	int rc = ota_path_check(e->path, strlen(e->path), err);
	struct ota_quoted q;

	if (rc)
		return rc;
	if (e->type != OTA_ENTRY_SYMLINK && (e->mode & ~07777u))
		return ota_err_set(err, OTA_EFORMAT, "entries: \"%s\": bad mode %o",
				   ota_path_quote(e->path, &q), e->mode);
	if (e->type == OTA_ENTRY_SYMLINK) {
		if (!e->link_target)
			return ota_err_set(err, OTA_EFORMAT, "entries: \"%s\": no target",
					   ota_path_quote(e->path, &q));
		rc = ota_path_check_link(e->path, e->link_target, err);
		if (rc)
			return rc;
	}
	return check_parent(m, e, err);
}

/* What ota_manifest_check adds up over the entries. */
struct tally {
	unsigned long long bytes, omitted_bytes;
	size_t files, omitted;
};

/* Entry i of the sorted entries, and what it adds to t. */
static int check_listed(const struct ota_manifest *m, size_t i, struct tally *t,
			struct ota_err *err)
{
	const struct ota_entry *e = &m->entries[i];
	struct ota_quoted q;
	int rc;

	if (i && strcmp(m->entries[i - 1].path, e->path) == 0)
		return ota_err_set(err, OTA_EFILESET, "entries: \"%s\" listed twice",
				   ota_path_quote(e->path, &q));
	if ((rc = check_entry(m, e, err)))
		return rc;
	if (e->type == OTA_ENTRY_FILE) {
		if (e->size > (1ULL << 53) || t->bytes + e->size > (1ULL << 53))
			return ota_err_set(err, OTA_EFORMAT, "entries: \"%s\": size too large",
					   ota_path_quote(e->path, &q));
		t->bytes += e->size;
		t->files++;
	}
	if (e->omitted && (e->type != OTA_ENTRY_FILE || !m->delta.base))
		return ota_err_set(err, OTA_EFORMAT, "\"%s\": omitted from the payload but not a "
				   "file of a delta", ota_path_quote(e->path, &q));
	t->omitted += e->omitted;
	t->omitted_bytes += e->omitted ? e->size : 0;
	return 0;
}

int ota_manifest_check(struct ota_manifest *m, struct ota_err *err)
{
	struct tally t = {0};
	size_t i;
	int rc;

	if ((rc = ota_manifest_version_check(m->version, false, err)))
		return rc;
	if (!m->target || !ota_manifest_target_ok(m->target))
		return ota_err_set(err, OTA_EFORMAT, "target: must be 1-%d of [A-Za-z0-9._-]",
				   OTA_TARGET_MAX);
	if (m->rollback_index > (1ULL << 53) || m->created < 0)
		return ota_err_set(err, OTA_EFORMAT, "rollback_index or created out of range");
	if (m->expires && (m->expires <= m->created || m->expires > (1LL << 53)))
		return ota_err_set(err, OTA_EFORMAT, "expires: expected seconds after created");
	if (m->n_entries) /* qsort(NULL, 0, ...) is undefined */
		qsort(m->entries, m->n_entries, sizeof(*m->entries), entry_cmp);
	for (i = 0; i < m->n_entries; i++)
		if ((rc = check_listed(m, i, &t, err)))
			return rc;
	if (m->delta.base && !ota_manifest_version_ok(m->delta.base))
		return ota_err_set(err, OTA_EFORMAT, "delta: bad base version");
	m->n_files = t.files;
	m->payload_bytes = t.bytes;
	m->delta.n_omitted = t.omitted;
	m->delta.omitted_bytes = t.omitted_bytes;
	return 0;
}
