/* SPDX-License-Identifier: Apache-2.0 */
/* index_write.c - `ota-bundle index DIR`: describe every bundle in DIR in
 * DIR/index.json (see index.h), written atomically so that a web server
 * never serves half an index. */
#include "lib/index.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/bundle_read.h"
#include "lib/canon.h"
#include "lib/ctlesc.h"
#include "lib/fsutil.h"
#include "lib/trust.h"

/* The unverified manifest of the bundle on fd: enough to describe it. */
static int read_manifest(int fd, const char *name, struct ota_manifest **m,
			 struct ota_err *err)
{
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	int rc;

	if ((rc = ota_bundle_reader_new(&r, fd, name, err)) == 0 &&
	    (rc = ota_bundle_read_head(r, &head, err)) == 0)
		rc = ota_manifest_parse(head->manifest.data, head->manifest.len, name, m, err);
	ota_bundle_reader_free(r);
	return rc;
}

static int describe(const char *dir, const char *name, json_t **out, struct ota_err *err)
{
	char path[PATH_MAX], hex[OTA_SHA256_HEX_LEN + 1];
	unsigned char sha[OTA_SHA256_LEN];
	struct ota_manifest *m = NULL;
	unsigned long long size;
	struct stat st;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s/%s: path too long", dir, name);
	/* A FIFO named *.bundle never blocks the open. */
	fd = ota_open_regular(AT_FDCWD, path, O_NOFOLLOW, NULL, &st, err);
	if (fd < 0)
		return fd;
	if ((rc = read_manifest(fd, path, &m, err)) == 0 &&
		 lseek(fd, 0, SEEK_SET) != 0)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (rc == 0)
		rc = ota_sha256_fd(fd, path, sha, &size, err);
	close(fd);
	if (rc == 0) {
		ota_hex(sha, sizeof(sha), hex);
		*out = json_pack("{s:s, s:s, s:I, s:s, s:s}", "file", name, "sha256", hex, "size",
				 (json_int_t)size, "target", m->target, "version", m->version);
		if (!*out)
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	ota_manifest_free(m);
	return rc;
}

/* A trust file: its sequence and target read, its signatures left to
 * the device. */
static int describe_trust(const char *dir, const char *name, json_t **out, struct ota_err *err)
{
	char path[PATH_MAX], hex[OTA_SHA256_HEX_LEN + 1];
	unsigned char sha[OTA_SHA256_LEN];
	struct ota_trust t;
	struct ota_buf b;
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s/%s: path too long", dir, name);
	ota_trust_init(&t);
	ota_buf_init(&b, OTA_TRUST_FILE_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, rc, "%s: not a trust file (over %d bytes)", path,
				 OTA_TRUST_FILE_MAX);
	if (rc == 0 && (rc = ota_trust_parse(b.data, b.len, path, &t, err)) == 0 &&
	    (rc = ota_sha256(b.data, b.len, sha, err)) == 0) {
		ota_hex(sha, sizeof(sha), hex);
		*out = json_pack("{s:s, s:I, s:s, s:I, s:s}", "file", name, "sequence",
				 (json_int_t)t.sequence, "sha256", hex, "size", (json_int_t)b.len,
				 "target", t.target);
		if (!*out)
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	ota_buf_free(&b);
	ota_trust_free(&t);
	return rc;
}

static int warn(struct ota_buf *warnings, const struct ota_err *why, struct ota_err *err)
{
	int rc;

	if (!warnings)
		return 0;
	/* Escaped: a newline in a file name cannot start a line of its own. */
	if ((rc = ota_ctlesc(why->msg, SIZE_MAX, warnings, err)) == 0)
		rc = ota_buf_putc(warnings, '\n', err);
	return rc;
}

static int write_index(const char *dir, const json_t *root, struct ota_err *err)
{
	char path[PATH_MAX];
	struct ota_buf b;
	int rc;

	ota_buf_init(&b, OTA_INDEX_MAX);
	snprintf(path, sizeof(path), "%s/" OTA_INDEX_FILE, dir);
	rc = ota_canon_dump(root, &b, err);
	if (rc == OTA_EFORMAT && b.len >= OTA_INDEX_MAX)
		rc = ota_err_set(err, OTA_EFORMAT, "%s: would be larger than %d bytes", path,
				 OTA_INDEX_MAX);
	if (rc == 0)
		rc = ota_write_file_atomic(path, b.data, b.len, true, err);
	ota_buf_free(&b);
	return rc;
}

/* Describe each name of dir into list; *count those listed, the others
 * warned about. */
static int describe_all(const char *dir, char **names, size_t n,
			int (*describe_one)(const char *, const char *, json_t **, struct ota_err *),
			json_t *list, size_t *count, struct ota_buf *warnings, struct ota_err *err)
{
	struct ota_err why;
	size_t i;
	json_t *e;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++) {
		why = (struct ota_err){0};
		e = NULL;
		rc = describe_one(dir, names[i], &e, &why);
		if (rc == 0 && json_array_append_new(list, e))
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		else if (rc == 0)
			(*count)++;
		else if (rc != OTA_EINTERNAL)
			rc = warn(warnings, &why, err);
		else
			*err = why;
	}
	return rc;
}

int ota_index_write_dir(const char *dir, size_t *count, size_t *n_trust,
			struct ota_buf *warnings, struct ota_err *err)
{
	json_t *root = NULL, *list = json_array(), *trust = json_array();
	char **names = NULL, **tnames = NULL;
	size_t n = 0, tn = 0, listed = 0;
	int rc;

	*count = 0;
	if (!list || !trust) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	if ((rc = ota_bundle_names(dir, &names, &n, err)) ||
	    (rc = ota_trust_names(dir, &tnames, &tn, err)) ||
	    (rc = describe_all(dir, names, n, describe, list, count, warnings, err)) ||
	    (rc = describe_all(dir, tnames, tn, describe_trust, trust, &listed, warnings, err)))
		goto out;
	/* No "trust" key without trust files: such an index reads as before. */
	root = listed ? json_pack("{s:O, s:i, s:O}", "bundles", list, "format", OTA_INDEX_FORMAT,
				  "trust", trust)
		      : json_pack("{s:O, s:i}", "bundles", list, "format", OTA_INDEX_FORMAT);
	if (!root)
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (rc == 0)
		rc = write_index(dir, root, err);
	if (rc == 0 && n_trust)
		*n_trust = listed;
out:
	ota_dir_names_free(names, n);
	ota_dir_names_free(tnames, tn);
	json_decref(list);
	json_decref(trust);
	json_decref(root);
	return rc;
}
