/* bundle_sign.c - rewrite a bundle with one more signature (bundle_sign.h). */
#include "lib/bundle_sign.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle_read.h"
#include "lib/bundle_write.h"
#include "lib/fsutil.h"
#include "lib/verify.h"

int ota_bundle_read_manifest(const char *path, struct ota_buf *out, struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if ((rc = ota_bundle_reader_new(&r, fd, path, err)) == 0 &&
	    (rc = ota_bundle_read_head(r, &head, err)) == 0)
		rc = ota_buf_append(out, head->manifest.data, head->manifest.len, err);
	ota_bundle_reader_free(r);
	close(fd);
	return rc;
}

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

static int rewrite(struct ota_bundle_reader *r, const struct ota_bundle_head *head,
		   const struct ota_manifest *m, int fd, const char *path, const char *id,
		   const unsigned char *sig, struct ota_err *err)
{
	struct ota_bundle_writer *w = NULL;
	struct ota_payload_sink sink = {sink_entry, sink_data, NULL};
	int rc;

	if ((rc = ota_bundle_writer_new(&w, fd, path, head->compress, m->created, err)) ||
	    (rc = ota_bundle_write_manifest(w, head->manifest.data, head->manifest.len, err)) ||
	    (rc = write_signatures(w, head, id, sig, err)))
		goto out;
	sink.ctx = w;
	if ((rc = ota_verify_payload(r, m, path, &sink, err)) == 0)
		rc = ota_bundle_writer_finish(w, err);
out:
	ota_bundle_writer_free(w);
	return rc;
}

int ota_bundle_add_signature(const char *path, const unsigned char pub[OTA_KEY_RAW_LEN],
			     const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	struct ota_manifest *m = NULL;
	struct ota_atomic out = {.fd = -1};
	struct ota_pubkey pk = {0};
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (fstat(fd, &st)) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
		goto out;
	}
	if ((rc = ota_bundle_reader_new(&r, fd, path, err)) ||
	    (rc = ota_bundle_read_head(r, &head, err)) ||
	    (rc = ota_manifest_parse(head->manifest.data, head->manifest.len, path, &m, err)) ||
	    (rc = ota_pubkey_from_raw(&pk, pub, path, err)))
		goto out;
	rc = ota_sig_verify(&pk, head->manifest.data, head->manifest.len, sig, err);
	if (rc) {
		ota_err_prefix(err, rc, "%s: bad signature: it does not sign this bundle's manifest",
			       path);
		goto out;
	}
	if ((rc = ota_atomic_open(&out, path, st.st_mode & 0777, err)) ||
	    (rc = rewrite(r, head, m, out.fd, path, pk.id, sig, err)))
		goto out;
	rc = ota_atomic_commit(&out, true, err);
out:
	ota_atomic_abort(&out);
	ota_pubkey_free(&pk);
	ota_manifest_free(m);
	ota_bundle_reader_free(r);
	close(fd);
	return rc;
}
