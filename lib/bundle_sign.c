/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_sign.c - add a signature to a bundle (bundle_sign.h): into a
 * free slot of its head, or by rewriting it. */
#include "lib/bundle_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle_read.h"
#include "lib/bundle_slots.h"
#include "lib/bundle_write.h"
#include "lib/fault.h"
#include "lib/fsutil.h"
#include "lib/verify.h"

static int sink_entry(void *ctx, const struct ota_entry *e, struct ota_err *err)
{
	return ota_bundle_write_entry(ctx, e, err);
}

static int sink_data(void *ctx, const void *buf, size_t len, struct ota_err *err)
{
	return ota_bundle_write_data(ctx, buf, len, err);
}

static int sig_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ota_bundle_sig *)a)->keyid,
		      ((const struct ota_bundle_sig *)b)->keyid);
}

/* The old signatures, minus any by new_id, plus the new one, in key id
 * order (a slotted head has them in the order they were added); then as
 * many free slots as the head had room for in all. */
static int write_signatures(struct ota_bundle_writer *w, const struct ota_bundle_head *head,
			    const char *new_id, const unsigned char *sig, struct ota_err *err)
{
	struct ota_bundle_sig sorted[OTA_BUNDLE_MAX_SIGS];
	size_t i, n = head->n_sigs + 1, room = head->n_sigs + head->n_free;
	bool placed = false;
	int rc = 0;

	memcpy(sorted, head->sigs, head->n_sigs * sizeof(sorted[0]));
	qsort(sorted, head->n_sigs, sizeof(sorted[0]), sig_cmp);
	for (i = 0; i < head->n_sigs && rc == 0; i++) {
		int c = strcmp(sorted[i].keyid, new_id);
		if (c >= 0 && !placed) {
			rc = ota_bundle_write_signature(w, new_id, sig, err);
			placed = true;
		}
		if (c == 0)
			n--;
		else if (rc == 0)
			rc = ota_bundle_write_signature(w, sorted[i].keyid, sorted[i].sig, err);
	}
	if (!placed && rc == 0)
		rc = ota_bundle_write_signature(w, new_id, sig, err);
	if (rc == 0 && head->slots_at >= 0)
		rc = ota_bundle_write_slots(w, room > n ? (unsigned int)(room - n) : 0, err);
	return rc;
}

/* A writer on fd with the new head written: the manifest, then the old
 * signatures with the new one among them. */
static int write_head(struct ota_bundle_writer **w, const struct ota_bundle_head *head,
		      const struct ota_manifest *m, int fd, const char *path, const char *id,
		      const unsigned char *sig, struct ota_err *err)
{
	int rc = ota_bundle_writer_new(w, fd, path, head->compress, m->created, err);

	if (rc == 0)
		rc = ota_bundle_write_manifest(*w, m->bytes.data, m->bytes.len, err);
	if (rc == 0)
		rc = write_signatures(*w, head, id, sig, err);
	return rc;
}

/* Compressed: the whole stream again, payload checked as it passes. */
static int rewrite(struct ota_bundle_reader *r, const struct ota_bundle_head *head,
		   const struct ota_manifest *m, int fd, const char *path, const char *id,
		   const unsigned char *sig, struct ota_progress *progress, struct ota_err *err)
{
	struct ota_bundle_writer *w = NULL;
	struct ota_payload_sink sink = {sink_entry, sink_data, NULL, NULL};
	int rc = write_head(&w, head, m, fd, path, id, sig, err);

	sink.ctx = w;
	if (rc == 0 && (rc = ota_verify_payload(r, m, path, &sink, progress, err)) == 0)
		rc = ota_bundle_writer_finish(w, err);
	ota_bundle_writer_free(w);
	return rc;
}

/* len bytes of in at from to out at to, in the kernel where it can. */
static int copy_range(int in, off_t from, int out, off_t to, unsigned long long len,
		      const char *path, struct ota_err *err)
{
	unsigned char buf[64 * 1024];
	ssize_t n;

	while (len) {
		n = copy_file_range(in, &from, out, &to, len > (1u << 30) ? (1u << 30) : len, 0);
		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
			      errno == EOPNOTSUPP)) {
			n = pread(in, buf, len < sizeof(buf) ? len : sizeof(buf), from);
			if (n > 0 && ota_write_all(out, buf, (size_t)n, path, err) == 0) {
				from += n;
				to += n;
				len -= (unsigned long long)n;
				continue;
			}
			if (n > 0)
				return err->code;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? ota_err_errno(err, OTA_EIO, errno, "%s: copy", path)
				 : ota_err_set(err, OTA_EIO, "%s: shrank while being signed", path);
		len -= (unsigned long long)n;
	}
	return 0;
}

/* Uncompressed: the new head (manifest, signatures) through libarchive,
 * whose end-of-archive blocks the payload then overwrites, copied as it
 * is from the old file after its hashes were checked.  Byte for byte what
 * rewrite() would write, without passing the payload through user space
 * twice. */
static int rewrite_plain(struct ota_bundle_reader *r, const struct ota_bundle_head *head,
			 const struct ota_manifest *m, int in, const struct stat *st, int out,
			 const char *path, const char *id, const unsigned char *sig,
			 struct ota_progress *progress, struct ota_err *err)
{
	static const unsigned char zeros[1024];
	long long payload = ota_bundle_entry_offset(r);
	struct ota_bundle_writer *w = NULL;
	unsigned char tail[1024];
	off_t end;
	int rc = write_head(&w, head, m, out, path, id, sig, err);

	if (rc == 0)
		rc = ota_bundle_writer_finish(w, err);
	ota_bundle_writer_free(w);
	if (rc)
		return rc;
	end = lseek(out, 0, SEEK_END);
	if (end < 1024 || pread(out, tail, sizeof(tail), end - 1024) != (ssize_t)sizeof(tail) ||
	    memcmp(tail, zeros, sizeof(zeros)))
		return ota_err_set(err, OTA_EINTERNAL, "%s: unexpected end of the new head", path);
	if ((rc = ota_verify_payload(r, m, path, NULL, progress, err)))
		return rc;
	return copy_range(in, (off_t)payload, out, end - 1024,
			  (unsigned long long)(st->st_size - payload), path, err);
}

static int pwrite_block(int fd, const unsigned char *p, size_t len, long long at,
			const char *path, struct ota_err *err)
{
	ssize_t n = pwrite(fd, p, len, (off_t)at);

	/* Whole blocks at block offsets: a short write would be a torn
	 * one, and the caller stops at once. */
	if (n != (ssize_t)len)
		return ota_err_errno(err, OTA_EIO, n < 0 ? errno : ENOSPC, "%s: write", path);
	return 0;
}

static int sync_fd(int fd, const char *path, struct ota_err *err)
{
	return fdatasync(fd) ? ota_err_errno(err, OTA_EIO, errno, "%s: fsync", path) : 0;
}

/* Into the first free slot (bundle_slots.h): the signature's data block
 * and the shorter .slots header into the slot, durable, then the commit:
 * the .slots header overwritten by the signature's, durable.  1 with *why
 * when the head cannot take it in place: the caller rewrites. */
static int sign_in_slot(int fd, const char *path, const struct ota_bundle_head *h,
			const char *id, const unsigned char *sig, const char **why,
			struct ota_err *err)
{
	unsigned char cur[OTA_TAR_BLOCK], now[OTA_TAR_BLOCK], commit[OTA_TAR_BLOCK];
	unsigned char slot[OTA_BUNDLE_SLOT_SIZE];
	char name[sizeof(OTA_BUNDLE_SIG_DIR) + OTA_KEYID_HEX_LEN + sizeof(OTA_BUNDLE_SIG_EXT)];
	unsigned long long size = (unsigned long long)h->n_free * OTA_BUNDLE_SLOT_SIZE;
	int rc;

	if (h->n_free == 0) {
		*why = "its signature slots are full";
		return 1;
	}
	snprintf(name, sizeof(name), "%s%s%s", OTA_BUNDLE_SIG_DIR, id, OTA_BUNDLE_SIG_EXT);
	ota_slots_sig_block(sig, slot);
	if ((rc = ota_slots_header(OTA_BUNDLE_SLOTS, size, h->slots_mtime, cur, err)) ||
	    (rc = ota_slots_header(OTA_BUNDLE_SLOTS, size - OTA_BUNDLE_SLOT_SIZE, h->slots_mtime,
				   slot + OTA_TAR_BLOCK, err)) ||
	    (rc = ota_slots_header(name, OTA_SIG_B64_LEN + 1, h->slots_mtime, commit, err)))
		return rc;
	/* Write only where the header is the one this writer makes (not one
	 * behind a pax header, say): the offsets are then those computed. */
	if (h->slots_at % OTA_TAR_BLOCK ||
	    pread(fd, now, sizeof(now), (off_t)h->slots_at) != (ssize_t)sizeof(now) ||
	    memcmp(now, cur, sizeof(cur))) {
		*why = "its reserved entry is not as ota-bundle writes it";
		return 1;
	}
	if ((rc = pwrite_block(fd, slot, sizeof(slot), h->slots_at + OTA_TAR_BLOCK, path, err)) ||
	    (rc = sync_fd(fd, path, err)))
		return rc;
	ota_fault_point("SIGN_SLOT_WRITTEN");
	if ((rc = pwrite_block(fd, commit, sizeof(commit), h->slots_at, path, err)) ||
	    (rc = sync_fd(fd, path, err)))
		return rc;
	ota_fault_point("SIGN_COMMITTED");
	return 0;
}

/* In place when the head allows: 0 done (*why NULL), 1 rewrite (*why
 * says why), or an error. */
static int try_in_place(int fd, bool writable, const char *path,
			const struct ota_bundle_head *h, const char *id,
			const unsigned char *sig, const char **why, struct ota_err *err)
{
	size_t i;

	*why = NULL;
	for (i = 0; i < h->n_sigs; i++)
		if (strcmp(h->sigs[i].keyid, id) == 0) {
			if (memcmp(h->sigs[i].sig, sig, OTA_SIG_RAW_LEN) == 0)
				return 0; /* this very signature is there */
			*why = "it replaces another signature by the same key";
			return 1;
		}
	if (h->compress != OTA_COMPRESS_NONE)
		*why = "it is compressed";
	else if (h->slots_at < 0)
		*why = "it has no signature slots";
	else if (!writable)
		*why = "it is not writable";
	if (*why)
		return 1;
	return sign_in_slot(fd, path, h, id, sig, why, err);
}

/* The bundle for reading and, when it can be, writing; locked, so two
 * signers of one bundle take turns. */
static int open_locked(const char *path, bool *writable, struct stat *st, struct ota_err *err)
{
	int fd = ota_open_regular(AT_FDCWD, path, O_RDWR, NULL, st, err);

	*writable = fd >= 0;
	if (fd < 0 && (errno == EACCES || errno == EROFS || errno == ETXTBSY))
		fd = ota_open_regular(AT_FDCWD, path, 0, NULL, st, err);
	if (fd < 0)
		return fd;
	if (flock(fd, LOCK_EX)) {
		close(fd);
		return ota_err_errno(err, OTA_EIO, errno, "%s: lock", path);
	}
	return fd;
}

/* The rewrite (the payload checked): to a temporary file, renamed over. */
static int rewrite_all(struct ota_bundle_reader *r, const struct ota_bundle_head *head,
		       const struct ota_manifest *m, int fd, const struct stat *st,
		       const char *path, const char *id, const unsigned char *sig,
		       struct ota_progress *progress, struct ota_err *err)
{
	struct ota_atomic out = {.fd = -1};
	int rc = ota_atomic_open(&out, path, st->st_mode & 0777, err);

	if (rc)
		return rc;
	if (progress) {
		progress->files_total = m->n_files - m->delta.n_omitted;
		progress->bytes_total = m->payload_bytes - m->delta.omitted_bytes;
	}
	/* With no payload entry at all there is nothing worth copying. */
	if (head->compress == OTA_COMPRESS_NONE && m->n_entries > m->delta.n_omitted)
		rc = rewrite_plain(r, head, m, fd, st, out.fd, path, id, sig, progress, err);
	else
		rc = rewrite(r, head, m, out.fd, path, id, sig, progress, err);
	if (rc == 0)
		rc = ota_atomic_commit(&out, true, err);
	ota_atomic_abort(&out);
	return rc;
}

int ota_bundle_sign(const char *path, const struct ota_bundle_signer *s,
		    struct ota_progress *progress, const char **rewrote,
		    unsigned char pub[OTA_KEY_RAW_LEN], struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	struct ota_manifest *m = NULL;
	struct ota_pubkey pk = {0};
	unsigned char sig[OTA_SIG_RAW_LEN];
	struct ota_buf bytes;
	struct stat st;
	bool writable;
	int fd = open_locked(path, &writable, &st, err);
	int rc;

	*rewrote = NULL;
	ota_buf_init(&bytes, OTA_MANIFEST_MAX);
	if (fd < 0)
		return fd;
	if ((rc = ota_bundle_reader_new(&r, fd, path, err)) ||
	    (rc = ota_bundle_read_head(r, &head, err)))
		goto out;
	ota_bundle_take_manifest(r, &bytes);
	/* Checked before it is signed: no signature over bytes that are not
	 * a manifest.  And the signature checked before it is written. */
	if ((rc = ota_manifest_load(&bytes, path, &m, err)) ||
	    (rc = s->sign(s->ctx, m->bytes.data, m->bytes.len, sig, pub, err)) ||
	    (rc = ota_pubkey_from_raw(&pk, pub, path, err)))
		goto out;
	rc = ota_sig_verify(&pk, m->bytes.data, m->bytes.len, sig, err);
	if (rc) {
		ota_err_prefix(err, rc, "%s: bad signature: it does not sign this bundle's manifest",
			       path);
		goto out;
	}
	rc = try_in_place(fd, writable, path, head, pk.id, sig, rewrote, err);
	if (rc == 1)
		rc = rewrite_all(r, head, m, fd, &st, path, pk.id, sig, progress, err);
out:
	OPENSSL_cleanse(sig, sizeof(sig));
	ota_pubkey_free(&pk);
	ota_manifest_free(m);
	ota_buf_free(&bytes);
	ota_bundle_reader_free(r);
	close(fd);
	return rc;
}

/* A signature made elsewhere (attach): handed over as it is. */
struct given {
	const unsigned char *pub, *sig;
};

static int give(void *ctx, const unsigned char *msg, size_t len,
		unsigned char sig[OTA_SIG_RAW_LEN], unsigned char pub[OTA_KEY_RAW_LEN],
		struct ota_err *err)
{
	const struct given *g = ctx;

	(void)msg;
	(void)len;
	(void)err;
	memcpy(sig, g->sig, OTA_SIG_RAW_LEN);
	memcpy(pub, g->pub, OTA_KEY_RAW_LEN);
	return 0;
}

int ota_bundle_add_signature(const char *path, const unsigned char pub[OTA_KEY_RAW_LEN],
			     const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_progress *progress,
			     const char **rewrote, struct ota_err *err)
{
	struct given g = {pub, sig};
	struct ota_bundle_signer s = {give, &g};
	unsigned char who[OTA_KEY_RAW_LEN];

	return ota_bundle_sign(path, &s, progress, rewrote, who, err);
}
