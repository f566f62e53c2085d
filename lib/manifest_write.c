/* SPDX-License-Identifier: Apache-2.0 */
/* manifest_write.c - the canonical bytes of a built manifest, written
 * straight from its sorted entries (the same bytes Python's json.dumps
 * gives, with canon.c's string escaper), and writing them to a file. */
#include "lib/manifest.h"

#include <stdio.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/fsutil.h"

static int put_num(struct ota_buf *o, const char *key, unsigned long long v, struct ota_err *err)
{
	char num[48];

	snprintf(num, sizeof(num), "%s%llu", key, v);
	return ota_buf_puts(o, num, err);
}

static int put_str(struct ota_buf *o, const char *s, struct ota_err *err)
{
	return ota_canon_put_string(o, s, strlen(s), err);
}

/* Each step returns 0 or the negative code of the failure: a chain of
 * steps joined by || stops at the first that fails, its code in rc. */
static int put_entry(struct ota_buf *o, const struct ota_entry *e, struct ota_err *err)
{
	int rc;

	if ((rc = put_str(o, e->path, err)))
		return rc;
	if (e->type == OTA_ENTRY_SYMLINK) {
		if ((rc = ota_buf_puts(o, ":{\"target\":", err)) ||
		    (rc = put_str(o, e->link_target, err)))
			return rc;
		return ota_buf_puts(o, ",\"type\":\"symlink\"}", err);
	}
	if ((rc = put_num(o, ":{\"mode\":", e->mode, err)) ||
	    (e->type == OTA_ENTRY_FILE && (rc = put_num(o, ",\"size\":", e->size, err))))
		return rc;
	return ota_buf_puts(o, e->type == OTA_ENTRY_FILE ? ",\"type\":\"file\"}"
						    : ",\"type\":\"dir\"}", err);
}

enum list { OMITTED, ENTRIES, FILES };

/* One member of "delta.omitted" (the path), "entries" or "files". */
static int put_member(struct ota_buf *o, const struct ota_entry *e, enum list which,
		      struct ota_err *err)
{
	char hex[OTA_SHA256_HEX_LEN + 4];
	int rc;

	if (which == ENTRIES)
		return put_entry(o, e, err);
	if ((rc = put_str(o, e->path, err)) || which == OMITTED)
		return rc;
	hex[0] = ':';
	hex[1] = '"';
	ota_hex(e->sha256, OTA_SHA256_LEN, hex + 2);
	hex[OTA_SHA256_HEX_LEN + 2] = '"';
	hex[OTA_SHA256_HEX_LEN + 3] = '\0';
	return ota_buf_puts(o, hex, err);
}

/* The members of "delta.omitted", "entries" or "files", in entry order. */
static int put_list(struct ota_buf *o, const struct ota_manifest *m, enum list which,
		    struct ota_err *err)
{
	bool first = true;
	size_t i;
	int rc;

	for (i = 0; i < m->n_entries; i++) {
		const struct ota_entry *e = &m->entries[i];
		if (which != ENTRIES &&
		    (e->type != OTA_ENTRY_FILE || (which == OMITTED && !e->omitted)))
			continue;
		if ((!first && (rc = ota_buf_putc(o, ',', err))) ||
		    (rc = put_member(o, e, which, err)))
			return rc;
		first = false;
	}
	return 0;
}

static int put_delta(struct ota_buf *o, const struct ota_manifest *m, struct ota_err *err)
{
	char hex[OTA_SHA256_HEX_LEN + 1];
	int rc;

	ota_hex(m->delta.base_manifest, OTA_SHA256_LEN, hex);
	if ((rc = ota_buf_puts(o, "\"delta\":{\"base\":", err)) ||
	    (rc = put_str(o, m->delta.base, err)) ||
	    (rc = ota_buf_puts(o, ",\"base_manifest\":\"", err)) ||
	    (rc = ota_buf_puts(o, hex, err)) || (rc = ota_buf_puts(o, "\",\"omitted\":[", err)) ||
	    (rc = put_list(o, m, OMITTED, err)))
		return rc;
	return ota_buf_puts(o, "]},", err);
}

/* Keys in canonical order: created, delta, entries, expires (if set),
 * files, format, rollback_index, target, version. */
static int put_manifest(struct ota_buf *o, const struct ota_manifest *m, struct ota_err *err)
{
	int rc;

	if ((rc = put_num(o, "{\"created\":", (unsigned long long)m->created, err)) ||
	    (rc = ota_buf_putc(o, ',', err)) || (m->delta.base && (rc = put_delta(o, m, err))) ||
	    (rc = ota_buf_puts(o, "\"entries\":{", err)) || (rc = put_list(o, m, ENTRIES, err)) ||
	    (rc = ota_buf_putc(o, '}', err)) ||
	    (m->expires && (rc = put_num(o, ",\"expires\":", (unsigned long long)m->expires, err))) ||
	    (rc = ota_buf_puts(o, ",\"files\":{", err)) || (rc = put_list(o, m, FILES, err)) ||
	    (rc = put_num(o, "},\"format\":", OTA_MANIFEST_FORMAT, err)) ||
	    (rc = put_num(o, ",\"rollback_index\":", m->rollback_index, err)) ||
	    (rc = ota_buf_puts(o, ",\"target\":", err)) || (rc = put_str(o, m->target, err)) ||
	    (rc = ota_buf_puts(o, ",\"version\":", err)) || (rc = put_str(o, m->version, err)))
		return rc;
	return ota_buf_putc(o, '}', err);
}

int ota_manifest_serialize(const struct ota_manifest *m, struct ota_buf *out, struct ota_err *err)
{
	size_t old_len = out->len;
	int rc;

	if ((!m->entries || m->legacy) && m->bytes.data)
		return ota_buf_append(out, m->bytes.data, m->bytes.len, err);
	if (!m->entries && m->n_entries)
		return ota_err_set(err, OTA_EINTERNAL, "manifest: %zu entries, but neither their "
				   "list nor the manifest's bytes", m->n_entries);
	rc = put_manifest(out, m, err);
	/* Leave out as it was rather than holding half a manifest. */
	if (rc && out->data) {
		out->len = old_len;
		out->data[old_len] = '\0';
	}
	return rc;
}

int ota_manifest_write_file(const struct ota_manifest *m, const char *path, struct ota_err *err)
{
	struct ota_buf b;
	const struct ota_buf *src = &m->bytes;
	int rc = 0;

	ota_buf_init(&b, OTA_MANIFEST_MAX);
	if ((m->entries && !m->legacy) || !m->bytes.data) {
		rc = ota_manifest_serialize(m, &b, err);
		src = &b;
	}
	if (rc == 0) {
		struct ota_atomic t = {.fd = -1};

		if ((rc = ota_atomic_open(&t, path, 0644, err)) == 0 &&
		    (rc = ota_buf_write_fd(src, t.fd, path, err)) == 0)
			rc = ota_atomic_commit(&t, true, err);
		ota_atomic_abort(&t);
	}
	ota_buf_free(&b);
	return rc;
}
