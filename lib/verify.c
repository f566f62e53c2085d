/* SPDX-License-Identifier: Apache-2.0 */
/* verify.c - the verification policy of verify.h: signatures, manifest,
 * target, then the payload streamed and hashed entry by entry. */
#include "lib/verify.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/hash.h"
#include "lib/path.h"
#include "lib/fsutil.h"

void ota_verify_result_free(struct ota_verify_result *res)
{
	ota_manifest_free(res->manifest);
	res->manifest = NULL;
	res->n_signed = 0;
}

static bool signed_already(const struct ota_verify_result *res, const char *id)
{
	size_t i;

	for (i = 0; i < res->n_signed; i++)
		if (!strcmp(res->signed_by[i], id))
			return true;
	return false;
}

/* Feed the manifest to every stream in pieces: one pass over the bytes,
 * however many signatures (pure Ed25519 hashes R || A before the message,
 * so each signature needs its own SHA-512, but not its own read). */
static int feed_all(struct ota_sig_stream *s, size_t n, const struct ota_buf *msg,
		    struct ota_err *err)
{
	size_t at, piece, i;
	int rc;

	for (at = 0; at < msg->len; at += piece) {
		piece = msg->len - at < OTA_BUNDLE_IO_CHUNK ? msg->len - at : OTA_BUNDLE_IO_CHUNK;
		for (i = 0; i < n; i++)
			if ((rc = ota_sig_stream_update(&s[i], msg->data + at, piece, err)))
				return rc;
		ota_buf_drop_pages(msg); /* a mapped manifest: buf.h */
	}
	return 0;
}

/* SHA-256 of the manifest's bytes, a piece at a time like feed_all. */
static int manifest_sha256(const struct ota_buf *msg, unsigned char out[OTA_SHA256_LEN],
			   struct ota_err *err)
{
	struct ota_sha256 *h = ota_sha256_new();
	size_t at, piece;
	int rc = h ? 0 : ota_err_set(err, OTA_EINTERNAL, "out of memory");

	for (at = 0; rc == 0 && at < msg->len; at += piece) {
		piece = msg->len - at < OTA_BUNDLE_IO_CHUNK ? msg->len - at : OTA_BUNDLE_IO_CHUNK;
		rc = ota_sha256_update(h, msg->data + at, piece, err);
		ota_buf_drop_pages(msg);
	}
	if (rc == 0)
		rc = ota_sha256_final(h, out, err);
	ota_sha256_free(h);
	return rc;
}

/* The verdicts in bundle order: the first trusted signature that fails
 * is the one named, as when they were checked one by one. */
static int judge_all(struct ota_sig_stream *s, size_t n, const char *name,
		     struct ota_verify_result *res, struct ota_err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if ((rc = ota_sig_stream_final(&s[i], err))) {
			while (++i < n)
				ota_sig_stream_abort(&s[i]);
			return ota_err_prefix(err, rc, "%s: bad signature", name);
		}
		/* Distinct keys: the same key signing twice counts once. */
		if (!signed_already(res, s[i].pk->id))
			memcpy(res->signed_by[res->n_signed++], s[i].pk->id, sizeof(s[i].pk->id));
	}
	return 0;
}

int ota_verify_signatures(const struct ota_bundle_head *head, const char *name,
			  const struct ota_verify_opts *opts, struct ota_verify_result *res,
			  struct ota_err *err)
{
	struct ota_sig_stream s[OTA_BUNDLE_MAX_SIGS];
	unsigned int need = opts->threshold ? opts->threshold : 1;
	size_t i, n = 0;
	int rc = 0;

	res->n_signed = 0;
	for (i = 0; i < head->n_sigs && i < OTA_BUNDLE_MAX_SIGS && rc == 0; i++) {
		const struct ota_pubkey *pk = ota_keyring_find(opts->keys, head->sigs[i].keyid);
		if (!pk)
			continue; /* someone else's signature: not ours to judge */
		if ((rc = ota_sig_stream_start(&s[n], pk, head->sigs[i].sig, err)) == 0)
			n++;
	}
	if (rc == 0)
		rc = feed_all(s, n, &head->manifest, err);
	if (rc) {
		for (i = 0; i < n; i++)
			ota_sig_stream_abort(&s[i]);
		return rc;
	}
	if ((rc = judge_all(s, n, name, res, err)))
		return rc;
	if (head->n_sigs == 0)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: the bundle is not signed",
				   name);
	if (res->n_signed < need)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: %zu of %zu signatures by a "
				   "trusted key, %u needed", name, res->n_signed, head->n_sigs, need);
	return 0;
}

static int check_target(const struct ota_manifest *m, const char *name,
			const struct ota_verify_opts *opts, struct ota_err *err)
{
	if (strcmp(m->target, opts->device_class))
		return ota_err_set(err, OTA_ETARGET, "%s: wrong target: bundle is for \"%s\", "
				   "this device is \"%s\"", name, m->target, opts->device_class);
	return 0;
}

struct stream {
	struct ota_bundle_reader *r;
	const struct ota_payload_sink *sink;
	struct ota_progress *progress;
	struct ota_sha256 *h;
	struct ota_manifest_walk *w, *w2; /* the walk, and scratch for lookups */
	const char *name;
};

/* Why the payload entry `got` is not the expected entry `want`. */
static int out_of_place(struct stream *s, const struct ota_manifest *m,
			const struct ota_entry *want, const char *got, struct ota_err *err)
{
	const struct ota_entry *e;
	struct ota_quoted q;
	int rc = ota_manifest_lookup(m, got, s->w2, &e, err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ota_err_set(err, OTA_EFILESET, "%s: not in the manifest: %s", s->name,
				   ota_path_quote(got, &q));
	if (e->omitted)
		return ota_err_set(err, OTA_EFILESET, "%s: in the payload, but the manifest omits it "
				   "(delta of %s): %s", s->name, m->delta.base, ota_path_quote(got, &q));
	if (!want || strcmp(got, want->path) < 0)
		return ota_err_set(err, OTA_EFILESET, "%s: duplicate or out-of-order entry: %s",
				   s->name, ota_path_quote(got, &q));
	return ota_err_set(err, OTA_EFILESET, "%s: missing from the bundle: %s", s->name,
			   ota_path_quote(want->path, &q));
}

/* The caller's progress hook asked to stop. */
static int interrupted(const struct stream *s, struct ota_err *err)
{
	return ota_err_set(err, OTA_EIO, "%s: interrupted", s->name);
}

static int stream_file(struct stream *s, const struct ota_entry *e, struct ota_err *err)
{
	unsigned char digest[OTA_SHA256_LEN];
	unsigned long long total = 0;
	struct ota_quoted q;
	const void *block;
	size_t n;
	int rc = ota_sha256_reset(s->h, err);

	while (rc == 0) {
		rc = ota_bundle_read_block(s->r, &block, &n, err);
		if (rc || n == 0)
			break;
		total += n;
		rc = ota_sha256_update(s->h, block, n, err);
		if (rc == 0 && s->sink)
			rc = s->sink->data(s->sink->ctx, block, n, err);
		if (rc == 0 && ota_progress_add(s->progress, n, 0))
			rc = interrupted(s, err);
	}
	if (rc == 0)
		rc = ota_sha256_final(s->h, digest, err);
	if (rc == 0 && ((!e->any_size && total != e->size) ||
			memcmp(digest, e->sha256, OTA_SHA256_LEN)))
		rc = ota_err_set(err, OTA_EHASH, "%s: hash mismatch: %s", s->name,
				 ota_path_quote(e->path, &q));
	return rc;
}

static int check_item(struct stream *s, const struct ota_entry *e,
		      const struct ota_bundle_item *it, struct ota_err *err)
{
	struct ota_quoted q;

	if (it->type != e->type)
		return ota_err_set(err, OTA_EPATH, "%s: entry type differs from the manifest: %s",
				   s->name, ota_path_quote(e->path, &q));
	if (e->type == OTA_ENTRY_FILE && !e->any_size && it->size != e->size)
		return ota_err_set(err, OTA_EHASH, "%s: hash mismatch: %s (size %llu, manifest "
				   "says %llu)", s->name, ota_path_quote(e->path, &q), it->size,
				   e->size);
	if (e->type == OTA_ENTRY_SYMLINK && strcmp(it->link_target, e->link_target))
		return ota_err_set(err, OTA_EHASH, "%s: symlink target differs from the manifest: "
				   "%s", s->name, ota_path_quote(e->path, &q));
	return 0;
}

/* One entry that the payload holds. */
static int stream_entry(struct stream *s, const struct ota_manifest *m,
			const struct ota_entry *e, struct ota_err *err)
{
	struct ota_bundle_item it;
	struct ota_quoted q;
	int rc = ota_bundle_next(s->r, &it, err);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return ota_err_set(err, OTA_EFILESET, "%s: missing from the bundle: %s", s->name,
				   ota_path_quote(e->path, &q));
	if (strcmp(it.path, e->path))
		return out_of_place(s, m, e, it.path, err);
	rc = check_item(s, e, &it, err);
	if (rc == 0 && s->sink)
		rc = s->sink->entry(s->sink->ctx, e, err);
	if (rc == 0 && e->type == OTA_ENTRY_FILE)
		rc = stream_file(s, e, err);
	return rc;
}

static int stream_payload(struct stream *s, const struct ota_manifest *m, struct ota_err *err)
{
	struct ota_bundle_item it;
	const struct ota_entry *e;
	int rc;

	ota_manifest_walk_init(s->w, m);
	while ((rc = ota_manifest_walk_next(s->w, &e, err)) > 0) {
		if (!e->omitted)
			rc = stream_entry(s, m, e, err);
		else if (s->sink && s->sink->omitted && !(rc = s->sink->omitted(s->sink->ctx, e, err)) &&
			 ota_progress_add(s->progress, e->size, 0))
			rc = interrupted(s, err);
		else if (!s->sink || !s->sink->omitted)
			continue; /* neither checked nor counted */
		if (rc == 0 && ota_progress_add(s->progress, 0, e->type == OTA_ENTRY_FILE))
			rc = interrupted(s, err);
		if (rc)
			return rc;
	}
	if (rc < 0)
		return rc;
	rc = ota_bundle_next(s->r, &it, err);
	if (rc > 0)
		return out_of_place(s, m, NULL, it.path, err);
	return rc;
}

int ota_verify_payload(struct ota_bundle_reader *r, const struct ota_manifest *m,
		       const char *name, const struct ota_payload_sink *sink,
		       struct ota_progress *progress, struct ota_err *err)
{
	struct stream s = {.r = r, .sink = sink, .progress = progress, .name = name};
	int rc;

	s.h = ota_sha256_new();
	s.w = malloc(sizeof(*s.w));
	s.w2 = malloc(sizeof(*s.w2));
	if (!s.h || !s.w || !s.w2)
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	else
		rc = stream_payload(&s, m, err);
	ota_sha256_free(s.h);
	free(s.w);
	free(s.w2);
	return rc;
}

int ota_verify_open(struct ota_verify_session *v, int fd, const char *name,
		    const struct ota_verify_opts *opts, struct ota_err *err)
{
	struct ota_bundle_source src = {.fd = fd};

	return ota_verify_open_source(v, &src, name, opts, err);
}

int ota_verify_open_source(struct ota_verify_session *v, const struct ota_bundle_source *src,
			   const char *name, const struct ota_verify_opts *opts,
			   struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_buf bytes;
	int rc;

	memset(v, 0, sizeof(*v));
	v->name = name;
	v->progress = opts->progress;
	if ((rc = ota_bundle_reader_open(&v->r, src, name, err)))
		return rc;
	ota_bundle_reader_spool(v->r, opts->spool_dir);
	if ((rc = ota_bundle_read_head(v->r, &head, err)) ||
	    (rc = ota_verify_signatures(head, name, opts, &v->res, err)))
		return rc;
	v->res.compress = head->compress;
	if ((rc = manifest_sha256(&head->manifest, v->res.manifest_sha256, err)))
		return rc;
	/* Only now, with the bytes authenticated, does the parser see them;
	 * it takes them over, so the manifest is held once. */
	ota_bundle_take_manifest(v->r, &bytes);
	rc = ota_manifest_load(&bytes, name, &v->res.manifest, err);
	if (rc == 0)
		rc = check_target(v->res.manifest, name, opts, err);
	return rc;
}

int ota_verify_finish(struct ota_verify_session *v, const struct ota_payload_sink *sink,
		      struct ota_err *err)
{
	const struct ota_manifest *m = v->res.manifest;
	bool omitted_too = sink && sink->omitted;

	if (v->progress) {
		v->progress->files_total = m->n_files - (omitted_too ? 0 : m->delta.n_omitted);
		v->progress->bytes_total =
			m->payload_bytes - (omitted_too ? 0 : m->delta.omitted_bytes);
	}
	return ota_verify_payload(v->r, m, v->name, sink, v->progress, err);
}

void ota_verify_close(struct ota_verify_session *v)
{
	ota_bundle_reader_free(v->r);
	v->r = NULL;
	ota_verify_result_free(&v->res);
}

int ota_verify_bundle_fd(int fd, const char *name, const struct ota_verify_opts *opts,
			 struct ota_verify_result *res, struct ota_err *err)
{
	struct ota_verify_session v;
	int rc = ota_verify_open(&v, fd, name, opts, err);

	if (rc == 0)
		rc = ota_verify_finish(&v, NULL, err);
	memset(res, 0, sizeof(*res));
	if (rc == 0) {
		*res = v.res;
		v.res.manifest = NULL;
	}
	ota_verify_close(&v);
	return rc;
}

int ota_verify_bundle(const char *path, const struct ota_verify_opts *opts,
		      struct ota_verify_result *res, struct ota_err *err)
{
	int fd = ota_open_regular(AT_FDCWD, path, 0, NULL, NULL, err);
	int rc;

	if (fd < 0) {
		memset(res, 0, sizeof(*res));
		return fd;
	}
	rc = ota_verify_bundle_fd(fd, path, opts, res, err);
	close(fd);
	return rc;
}
