/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_create.c - a release tree into a bundle (bundle_create.h): one
 * pass with the manifest and signatures written into reserved space, or
 * two passes when the stream is compressed or a delta. */
#include "lib/bundle_create.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle_write.h"
#include "lib/delta.h"
#include "lib/hashq.h"
#include "lib/path.h"
#include "lib/sig.h"
#include "lib/tree.h"
#include "lib/fsutil.h"

/* What one run needs besides its options. */
struct run {
	const struct ota_create *c;
	struct ota_manifest *m;
	struct ota_bundle_writer *w;
	struct ota_hashq *q;
	int root;                  /* dirfd of the tree */
	size_t *order;             /* c->keys sorted by key id */
	char (*ids)[OTA_KEYID_HEX_LEN + 1];
	unsigned char (*got)[OTA_SHA256_LEN]; /* two passes: the second hashes */
	struct ota_buf bytes;      /* the manifest */
	unsigned char *small;      /* a small file whole, hashed here at once:
				      handing it over would cost more */
};

#define SMALL_FILE (128 * 1024)

static int changed(const struct run *r, const struct ota_entry *e, const char *how,
		   struct ota_err *err)
{
	struct ota_quoted q;

	return ota_err_set(err, OTA_EIO, "%s/%s: %s while bundling", r->c->tree,
			   ota_path_quote(e->path, &q), how);
}

/* The caller's progress hook asked to stop. */
static int interrupted(const struct run *r, struct ota_err *err)
{
	return ota_err_set(err, OTA_EIO, "%s: interrupted", r->c->name);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec && a->st_ino == b->st_ino;
}

/* A small file whole into one buffer: written, hashed here. */
static int small_file(struct run *r, int fd, const struct ota_entry *e,
		      const struct stat *before, unsigned char *out, struct ota_err *err)
{
	size_t got = 0;
	struct stat after;
	struct ota_quoted q;
	ssize_t n;
	int rc;

	while (got < e->size) {
		n = read(fd, r->small + got, (size_t)e->size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ota_err_errno(err, OTA_EIO, errno, "%s/%s", r->c->tree,
					     ota_path_quote(e->path, &q));
		if (n == 0)
			return changed(r, e, "shrank", err);
		got += (size_t)n;
	}
	/* A file that grew, shrank or was written to has moved its size or
	 * times since it was opened (tar's check): no need to read on. */
	if (fstat(fd, &after) || !same_file(before, &after))
		return changed(r, e, "changed", err);
	if ((rc = ota_bundle_write_data(r->w, r->small, got, err)))
		return rc;
	if (ota_progress_add(r->c->progress, got, 0))
		return interrupted(r, err);
	return ota_sha256(r->small, got, out, err);
}

/* Read a file once: each chunk written, then handed to the hashing thread;
 * the digest lands in out.  Like tar, a file whose size, times or inode
 * moved while it was read is refused. */
static int stream_file(struct run *r, const struct ota_entry *e, unsigned char *out,
		       struct ota_err *err)
{
	struct stat before, after;
	unsigned long long left = e->size;
	unsigned char *buf;
	ssize_t n;
	struct ota_quoted q;
	int fd = ota_open_regular(r->root, e->path, O_NOFOLLOW, ota_path_quote(e->path, &q),
				  &before, err), rc = 0;

	if (fd < 0)
		return ota_err_prefix(err, fd, "%s", r->c->tree);
	if ((unsigned long long)before.st_size != e->size)
		rc = changed(r, e, "changed", err);
	if (rc == 0 && e->size <= SMALL_FILE) {
		rc = small_file(r, fd, e, &before, out, err);
		close(fd);
		return rc;
	}
	while (rc == 0 && left) {
		buf = ota_hashq_buffer(r->q);
		n = read(fd, buf, left < OTA_HASHQ_CHUNK ? (size_t)left : OTA_HASHQ_CHUNK);
		if (n <= 0) {
			rc = n < 0 ? ota_err_errno(err, OTA_EIO, errno, "%s/%s", r->c->tree,
						   ota_path_quote(e->path, &q))
				   : changed(r, e, "shrank", err);
			ota_hashq_push(r->q, buf, 0); /* gives the buffer back */
			break;
		}
		rc = ota_bundle_write_data(r->w, buf, (size_t)n, err);
		ota_hashq_push(r->q, buf, (size_t)n);
		left -= (unsigned long long)n;
		if (rc == 0 && ota_progress_add(r->c->progress, (unsigned long long)n, 0))
			rc = interrupted(r, err);
	}
	if (rc == 0 && (fstat(fd, &after) || !same_file(&before, &after)))
		rc = changed(r, e, "changed", err);
	close(fd);
	ota_hashq_end(r->q, out);
	return rc;
}

static int stream_tree(struct run *r, struct ota_err *err)
{
	struct ota_manifest *m = r->m;
	size_t i;
	int rc = 0;

	for (i = 0; i < m->n_entries && rc == 0; i++) {
		struct ota_entry *e = &m->entries[i];
		if (e->omitted)
			continue;
		rc = ota_bundle_write_entry(r->w, e, err);
		if (rc == 0 && e->type == OTA_ENTRY_FILE) {
			rc = stream_file(r, e, r->got ? r->got[i] : e->sha256, err);
			if (rc == 0 && ota_progress_add(r->c->progress, 0, 1))
				rc = interrupted(r, err);
		}
	}
	return rc;
}

static int ids_cmp_ctx(const void *a, const void *b, void *ids)
{
	char (*id)[OTA_KEYID_HEX_LEN + 1] = ids;

	return strcmp(id[*(const size_t *)a], id[*(const size_t *)b]);
}

/* The keys' ids, and their order by id (the order of the entries). */
static int key_order(struct run *r, struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	size_t i, n = r->c->n_keys;
	int rc;

	r->order = calloc(n + 1, sizeof(*r->order));
	r->ids = calloc(n + 1, sizeof(*r->ids));
	if (!r->order || !r->ids)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	for (i = 0; i < n; i++) {
		r->order[i] = i;
		if ((rc = ota_key_raw_public(r->c->keys[i], raw, err)) ||
		    (rc = ota_key_id(raw, r->ids[i], err)))
			return rc;
	}
	qsort_r(r->order, n, sizeof(*r->order), ids_cmp_ctx, r->ids);
	for (i = 1; i < n; i++)
		if (strcmp(r->ids[r->order[i - 1]], r->ids[r->order[i]]) == 0)
			return ota_err_set(err, OTA_EUSAGE, "the same key given twice (%.16s)",
					   r->ids[r->order[i]]);
	return 0;
}

/* The signature entry's text: base64 and "\n". */
static int sign_text(struct run *r, size_t k, char text[OTA_SIG_B64_LEN + 2],
		     struct ota_err *err)
{
	unsigned char sig[OTA_SIG_RAW_LEN];
	int rc = ota_sig_sign(r->c->keys[k], r->bytes.data, r->bytes.len, sig, err);

	if (rc == 0) {
		ota_sig_encode(sig, text);
		text[OTA_SIG_B64_LEN] = '\n';
	}
	return rc;
}

/* The reserved entry after the signatures (bundle_slots.h): what is
 * left of c->slots once the keys are in.  A compressed stream has it too
 * (so the tar inside is the same), though it is signed by rewriting. */
static int write_slots(struct run *r, struct ota_err *err)
{
	const struct ota_create *c = r->c;

	if (c->slots == 0)
		return 0;
	return ota_bundle_write_slots(r->w, c->slots > c->n_keys ? c->slots - (unsigned)c->n_keys : 0,
				      err);
}

static void set_totals(struct run *r)
{
	if (!r->c->progress)
		return;
	r->c->progress->files_total = r->m->n_files - r->m->delta.n_omitted;
	r->c->progress->bytes_total = r->m->payload_bytes - r->m->delta.omitted_bytes;
}

static int pwrite_all(int fd, const void *buf, size_t len, long long off, const char *name,
		      struct ota_err *err)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = pwrite(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ota_err_errno(err, OTA_EIO, n ? errno : ENOSPC, "%s: write", name);
		p += n;
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Uncompressed and full: list, reserve, stream once, fill in. */
static int one_pass(struct run *r, struct ota_err *err)
{
	const struct ota_create *c = r->c;
	long long at, *sig_at = calloc(c->n_keys + 1, sizeof(*sig_at));
	char text[OTA_SIG_B64_LEN + 2];
	size_t i, len;
	int rc;

	if (!sig_at)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if ((rc = ota_tree_list(c->tree, r->m, err)) ||
	    (rc = ota_manifest_serialize(r->m, &r->bytes, err)))
		goto out;
	len = r->bytes.len;
	set_totals(r);
	if ((rc = ota_bundle_writer_new(&r->w, c->fd, c->name, c->compress, r->m->created, err)) ||
	    (rc = ota_bundle_reserve_manifest(r->w, len, &at, err)))
		goto out;
	for (i = 0; i < c->n_keys && rc == 0; i++)
		rc = ota_bundle_reserve_signature(r->w, r->ids[r->order[i]], &sig_at[i], err);
	if (rc || (rc = write_slots(r, err)) || (rc = stream_tree(r, err)) || (rc = ota_bundle_writer_finish(r->w, err)) ||
	    (rc = ota_hashq_drain(r->q, err)))
		goto out;
	r->bytes.len = 0;
	if ((rc = ota_manifest_serialize(r->m, &r->bytes, err)))
		goto out;
	if (r->bytes.len != len) { /* sizes were fixed when listed: cannot be */
		rc = ota_err_set(err, OTA_EINTERNAL, "%s: manifest changed length", c->name);
		goto out;
	}
	rc = pwrite_all(c->fd, r->bytes.data, len, at, c->name, err);
	for (i = 0; i < c->n_keys && rc == 0; i++)
		if ((rc = sign_text(r, r->order[i], text, err)) == 0)
			rc = pwrite_all(c->fd, text, OTA_SIG_B64_LEN + 1, sig_at[i], c->name, err);
out:
	free(sig_at);
	return rc;
}

/* Compressed or a delta: hash, decide, then stream what is left, checking
 * that each file still has the hash it had. */
static int two_pass(struct run *r, struct ota_err *err)
{
	const struct ota_create *c = r->c;
	unsigned char sig[OTA_SIG_RAW_LEN];
	size_t i;
	int rc;

	if ((rc = ota_tree_scan(c->tree, r->m, err)) ||
	    (c->base && (rc = ota_delta_mark(r->m, c->base, c->base_sha256, err))))
		return rc;
	set_totals(r);
	if ((rc = ota_manifest_serialize(r->m, &r->bytes, err)) ||
	    (rc = ota_bundle_writer_new(&r->w, c->fd, c->name, c->compress, r->m->created, err)) ||
	    (rc = ota_bundle_write_manifest(r->w, r->bytes.data, r->bytes.len, err)))
		return rc;
	for (i = 0; i < c->n_keys && rc == 0; i++)
		if ((rc = ota_sig_sign(c->keys[r->order[i]], r->bytes.data, r->bytes.len, sig,
				       err)) == 0)
			rc = ota_bundle_write_signature(r->w, r->ids[r->order[i]], sig, err);
	if (rc == 0)
		rc = write_slots(r, err);
	if (rc || !(r->got = calloc(r->m->n_entries + 1, sizeof(*r->got))))
		return rc ? rc : ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if ((rc = stream_tree(r, err)) || (rc = ota_bundle_writer_finish(r->w, err)) ||
	    (rc = ota_hashq_drain(r->q, err)))
		return rc;
	for (i = 0; i < r->m->n_entries; i++) {
		const struct ota_entry *e = &r->m->entries[i];
		if (e->type == OTA_ENTRY_FILE && !e->omitted &&
		    memcmp(r->got[i], e->sha256, OTA_SHA256_LEN))
			return changed(r, e, "changed", err);
	}
	return 0;
}

int ota_bundle_create(const struct ota_create *c, struct ota_manifest *m, struct ota_err *err)
{
	struct run r = {.c = c, .m = m, .root = -1};
	int rc;

	ota_buf_init(&r.bytes, OTA_MANIFEST_MAX);
	if ((rc = key_order(&r, err)) || (rc = ota_hashq_new(&r.q, err)))
		goto out;
	if (!(r.small = malloc(SMALL_FILE + 1))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	r.root = open(c->tree, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (r.root < 0) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", c->tree);
		goto out;
	}
	if (c->compress == OTA_COMPRESS_NONE && !c->base)
		rc = one_pass(&r, err);
	else
		rc = two_pass(&r, err);
out:
	ota_hashq_free(r.q); /* before the entries its digests go to */
	ota_bundle_writer_free(r.w);
	if (r.root >= 0)
		close(r.root);
	free(r.order);
	free(r.ids);
	free(r.got);
	free(r.small);
	ota_buf_free(&r.bytes);
	return rc;
}
