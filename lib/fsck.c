/* SPDX-License-Identifier: Apache-2.0 */
/* fsck.c - the releases on disk against their kept manifests (fsck.h). */
#include "lib/fsck.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/layout.h"
#include "lib/release.h"
#include "lib/tree.h"

struct fsck {
	const char *dir;
	int dirfd;
	void (*report)(void *ctx, const char *path, const char *why);
	void *ctx;
	size_t *damaged;
};

static void damage(struct fsck *f, const char *path, const char *why)
{
	(*f->damaged)++;
	f->report(f->ctx, path, why);
}

/* A file of the tree against its entry: its size first (a huge file in
 * its place is not read), then its bytes. */
static int check_file(struct fsck *f, const struct ota_entry *e, struct ota_err *err)
{
	unsigned char digest[OTA_SHA256_LEN];
	unsigned long long size;
	struct ota_err why;
	struct stat st;
	int fd = ota_open_regular(f->dirfd, e->path, O_NOFOLLOW, e->path, &st, &why), rc;

	if (fd < 0) {
		damage(f, e->path, why.msg);
		return 0;
	}
	if (!e->any_size && (unsigned long long)st.st_size != e->size) {
		close(fd);
		damage(f, e->path, "size differs from the manifest");
		return 0;
	}
	rc = ota_sha256_fd(fd, e->path, digest, &size, &why);
	close(fd);
	if (rc == OTA_EINTERNAL)
		return ota_err_set(err, rc, "%s", why.msg);
	if (rc)
		damage(f, e->path, why.msg);
	else if ((!e->any_size && size != e->size) || memcmp(digest, e->sha256, OTA_SHA256_LEN))
		damage(f, e->path, "hash mismatch");
	return 0;
}

/* An entry both the manifest (want) and the tree (have) hold. */
static int check_entry(struct fsck *f, const struct ota_entry *want, const struct ota_entry *have,
		       struct ota_err *err)
{
	if (want->type != have->type)
		damage(f, want->path, "type differs from the manifest");
	else if (want->type == OTA_ENTRY_SYMLINK && strcmp(want->link_target, have->link_target))
		damage(f, want->path, "link target differs from the manifest");
	else if (want->type == OTA_ENTRY_FILE)
		return check_file(f, want, err);
	return 0;
}

/* Both sorted by path: walked in step. */
static int compare(struct fsck *f, const struct ota_manifest *want,
		   const struct ota_manifest *have, struct ota_err *err)
{
	struct ota_manifest_walk *w = malloc(sizeof(*w));
	const struct ota_entry *e = NULL;
	size_t i = 0;
	int rc, c;

	if (!w)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	ota_manifest_walk_init(w, want);
	rc = ota_manifest_walk_next(w, &e, err);
	while (rc >= 0 && (rc > 0 || i < have->n_entries)) {
		c = rc == 0 ? 1 : i == have->n_entries ? -1 : strcmp(e->path, have->entries[i].path);
		if (c > 0) {
			damage(f, have->entries[i++].path, "not in the manifest");
			continue;
		}
		if (c < 0)
			damage(f, e->path, "missing");
		else if ((rc = check_entry(f, e, &have->entries[i++], err)))
			break;
		rc = ota_manifest_walk_next(w, &e, err);
	}
	free(w);
	return rc < 0 ? rc : 0;
}

int ota_fsck_tree(const char *dir, const struct ota_manifest *m,
		  void (*report)(void *ctx, const char *path, const char *why), void *ctx,
		  size_t *damaged, struct ota_err *err)
{
	struct fsck f = {dir, -1, report, ctx, damaged};
	struct ota_manifest *have = ota_manifest_new();
	struct ota_err why;
	int rc;

	*damaged = 0;
	if (!have || ota_manifest_set(have, "0.0.0", "fsck", 0, 0, err)) {
		ota_manifest_free(have);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	if ((f.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", dir);
		goto out;
	}
	/* Listed without reading a byte: each file is hashed once, below. */
	rc = ota_tree_list(dir, have, &why);
	if (rc == OTA_EINTERNAL) {
		*err = why;
	} else if (rc) {
		damage(&f, "", why.msg);
		rc = 0;
	} else {
		rc = compare(&f, m, have, err);
	}
out:
	if (f.dirfd >= 0)
		close(f.dirfd);
	ota_manifest_free(have);
	return rc;
}

/* The manifest kept for version under state_dir (layout.h). */
static int kept_manifest(const char *state_dir, const char *version, struct ota_manifest **m,
			 struct ota_err *err)
{
	char path[PATH_MAX];
	struct ota_buf b;
	int rc = ota_layout_manifest(state_dir, version, path, sizeof(path), err);

	*m = NULL;
	if (rc)
		return rc;
	ota_buf_init(&b, OTA_MANIFEST_MAX);
	rc = ota_buf_load_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == 0)
		rc = ota_manifest_load(&b, path, m, err);
	ota_buf_free(&b);
	return rc;
}

struct each {
	const char *version;
	void (*report)(void *ctx, const char *version, const char *path, const char *why);
	void *ctx;
};

static void report_one(void *ctx, const char *path, const char *why)
{
	struct each *r = ctx;

	r->report(r->ctx, r->version, path, why);
}

int ota_fsck_releases(const char *app_dir, const char *state_dir,
		      void (*report)(void *ctx, const char *version, const char *path,
				     const char *why),
		      void *ctx, struct ota_fsck_count *count, struct ota_err *err)
{
	char **v = NULL, dir[PATH_MAX];
	struct ota_manifest *m;
	struct each r = {NULL, report, ctx};
	struct ota_err why;
	size_t n = 0, i, damaged;
	int rc = ota_release_list(app_dir, &v, &n, err);

	*count = (struct ota_fsck_count){0};
	for (i = 0; rc == 0 && i < n; i++) {
		r.version = v[i];
		count->releases++;
		if (ota_release_path(app_dir, v[i], dir, sizeof(dir))) {
			rc = ota_err_set(err, OTA_EIO, "%s: path too long", app_dir);
			break;
		}
		/* A release without its manifest cannot be checked: damage too. */
		if ((rc = kept_manifest(state_dir, v[i], &m, &why))) {
			rc = rc == OTA_EINTERNAL ? ota_err_set(err, rc, "%s", why.msg) : 0;
			count->damaged++;
			count->bad_releases++;
			report(ctx, v[i], "", why.msg);
			continue;
		}
		count->files += m->n_files;
		rc = ota_fsck_tree(dir, m, report_one, &r, &damaged, err);
		count->damaged += damaged;
		count->bad_releases += damaged > 0;
		ota_manifest_free(m);
	}
	ota_release_list_free(v, n);
	return rc;
}
