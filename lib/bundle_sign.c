/* bundle_sign.c - rewrite a bundle with one more signature (bundle_sign.h). */
#include "lib/bundle_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle_read.h"
#include "lib/bundle_write.h"
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

/* The old signatures, minus any by new_id, plus the new one, in key id order. */
static int write_signatures(struct ota_bundle_writer *w, const struct ota_bundle_head *head,
			    const char *new_id, const unsigned char *sig, struct ota_err *err)
{
	bool placed = false;
	size_t i;
	int rc = 0;

	for (i = 0; i < head->n_sigs && rc == 0; i++) {
		int c = strcmp(head->sigs[i].keyid, new_id);
		if (c >= 0 && !placed) {
			rc = ota_bundle_write_signature(w, new_id, sig, err);
			placed = true;
		}
		if (c != 0 && rc == 0)
			rc = ota_bundle_write_signature(w, head->sigs[i].keyid, head->sigs[i].sig, err);
	}
	if (!placed && rc == 0)
		rc = ota_bundle_write_signature(w, new_id, sig, err);
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
int ota_bundle_add_signature(const char *path, const unsigned char pub[OTA_KEY_RAW_LEN],
			     const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_progress *progress,
			     struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	struct ota_manifest *m = NULL;
	struct ota_atomic out = {.fd = -1};
	struct ota_pubkey pk = {0};
	struct ota_buf bytes;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	ota_buf_init(&bytes, OTA_MANIFEST_MAX);
	if (fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (fstat(fd, &st)) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
		goto out;
	}
	if ((rc = ota_bundle_reader_new(&r, fd, path, err)) ||
	    (rc = ota_bundle_read_head(r, &head, err)))
		goto out;
	ota_bundle_take_manifest(r, &bytes);
	if ((rc = ota_manifest_load(&bytes, path, &m, err)) ||
	    (rc = ota_pubkey_from_raw(&pk, pub, path, err)))
		goto out;
	rc = ota_sig_verify(&pk, m->bytes.data, m->bytes.len, sig, err);
	if (rc) {
		ota_err_prefix(err, rc, "%s: bad signature: it does not sign this bundle's manifest",
			       path);
		goto out;
	}
	if ((rc = ota_atomic_open(&out, path, st.st_mode & 0777, err)))
		goto out;
	if (progress) {
		progress->files_total = m->n_files - m->delta.n_omitted;
		progress->bytes_total = m->payload_bytes - m->delta.omitted_bytes;
	}
	/* With no payload entry at all there is nothing worth copying. */
	if (head->compress == OTA_COMPRESS_NONE && m->n_entries > m->delta.n_omitted)
		rc = rewrite_plain(r, head, m, fd, &st, out.fd, path, pk.id, sig, progress, err);
	else
		rc = rewrite(r, head, m, out.fd, path, pk.id, sig, progress, err);
	if (rc == 0)
		rc = ota_atomic_commit(&out, true, err);
out:
	ota_atomic_abort(&out);
	ota_pubkey_free(&pk);
	ota_manifest_free(m);
	ota_buf_free(&bytes);
	ota_bundle_reader_free(r);
	close(fd);
	return rc;
}
