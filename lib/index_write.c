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

int ota_index_write_dir(const char *dir, size_t *count, struct ota_buf *warnings,
			struct ota_err *err)
{
	json_t *root = NULL, *list = json_array(), *e;
	struct ota_err why;
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	*count = 0;
	if (!list)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if ((rc = ota_bundle_names(dir, &names, &n, err)))
		goto out;
	for (i = 0; rc == 0 && i < n; i++) {
		why = (struct ota_err){0};
		e = NULL;
		rc = describe(dir, names[i], &e, &why);
		if (rc == 0 && json_array_append_new(list, e))
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		else if (rc == 0)
			(*count)++;
		else if (rc != OTA_EINTERNAL)
			rc = warn(warnings, &why, err);
		else
			*err = why;
	}
	if (rc == 0 && !(root = json_pack("{s:O, s:i}", "bundles", list, "format",
					  OTA_INDEX_FORMAT)))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (rc == 0)
		rc = write_index(dir, root, err);
out:
	ota_dir_names_free(names, n);
	json_decref(list);
	json_decref(root);
	return rc;
}
