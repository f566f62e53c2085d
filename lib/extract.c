/* SPDX-License-Identifier: Apache-2.0 */
/* extract.c - all-or-nothing extraction of a verified tree (extract.h). */
#include "lib/extract.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fsutil.h"
#include "lib/path.h"

struct ota_extract {
	const struct ota_manifest *m;
	char *dest;
	char *tmp;
	int root;     /* dirfd of tmp */
	int fd;       /* file being written, -1 if none */
	int dir;      /* dirfd of the last parent opened (dir_path), -1 if none */
	char *dir_path; /* that parent's path in the tree */
	unsigned int cur_mode;           /* of that file: entries given to */
	char cur_path[OTA_PATH_MAX + 1]; /* _entry may not outlive the call */
	bool durable;
	bool readonly; /* a release: no write bit anywhere once committed */
	bool no_clone; /* FICLONE refused once: not tried again */
	bool committed;
};

/* The mode an entry gets on disk: the manifest's, without write bits in
 * a read-only tree. */
static unsigned int disk_mode(const struct ota_extract *x, unsigned int mode)
{
	return x->readonly ? mode & ~0222u : mode;
}

int ota_extract_new(struct ota_extract **out, const char *dest, const struct ota_manifest *m,
		    bool durable, struct ota_err *err)
{
	struct ota_extract *x = calloc(1, sizeof(*x));
	int rc = 0;

	*out = NULL;
	if (!x)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	x->root = x->fd = x->dir = -1;
	x->m = m;
	x->durable = durable;
	if (!(x->dest = strdup(dest)) || asprintf(&x->tmp, "%s.tmp-XXXXXX", dest) < 0) {
		x->tmp = NULL;
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	rc = ota_check_absent(dest, err);
	if (rc)
		goto out;
	if (!mkdtemp(x->tmp)) {
		/* Parents are not made: on failure they would be left behind. */
		rc = errno == ENOENT
			     ? ota_err_set(err, OTA_EIO, "%s: parent directory does not exist", dest)
			     : ota_err_errno(err, OTA_EIO, errno, "%s", dest);
		free(x->tmp);
		x->tmp = NULL;
		goto out;
	}
	x->root = open(x->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->root < 0)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", x->tmp);
out:
	if (rc)
		ota_extract_free(x);
	else
		*out = x;
	return rc;
}

void ota_extract_free(struct ota_extract *x)
{
	if (!x)
		return;
	if (x->fd >= 0)
		close(x->fd);
	if (x->dir >= 0)
		close(x->dir);
	free(x->dir_path);
	if (x->root >= 0)
		close(x->root);
	if (x->tmp && !x->committed)
		ota_rm_tree(x->tmp, NULL);
	free(x->tmp);
	free(x->dest);
	free(x);
}

static int finish_file(struct ota_extract *x, struct ota_err *err)
{
	int rc = 0;

	if (x->fd < 0)
		return 0;
	/* Durability comes from one syncfs at commit (see there). */
	if (fchmod(x->fd, disk_mode(x, x->cur_mode)))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s/%s: chmod", x->dest, x->cur_path);
	if (close(x->fd) && rc == 0)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s/%s: close", x->dest, x->cur_path);
	x->fd = -1;
	return rc;
}

/* Open the directory at path in the tree one component at a time, each
 * with O_NOFOLLOW from the root, into x->dir: a component that is no
 * longer the directory made here (swapped for a symlink while we worked)
 * is refused, never followed. */
static int open_dir(struct ota_extract *x, const char *path, size_t len, struct ota_err *err)
{
	char name[OTA_NAME_MAX + 1];
	int cur = x->root, next;
	const char *p = path, *end = path + len, *slash;
	size_t n;

	while (p < end) {
		slash = memchr(p, '/', (size_t)(end - p));
		n = (size_t)((slash ? slash : end) - p);
		if (n > OTA_NAME_MAX) { /* manifest.c checked it; fail closed anyway */
			if (cur != x->root)
				close(cur);
			return ota_err_set(err, OTA_EPATH, "%s/%.*s: name too long", x->dest,
					   (int)len, path);
		}
		memcpy(name, p, n);
		name[n] = '\0';
		next = openat(cur, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cur != x->root)
			close(cur);
		if (next < 0)
			return ota_err_errno(err, OTA_EIO, errno, "%s/%.*s", x->dest, (int)len,
					     path);
		cur = next;
		p += n + 1;
	}
	x->dir = cur;
	return 0;
}

/* The directory that holds path, and path's last component.  Entries
 * come in path order, so the last parent is kept and mostly reused. */
static int parent_of(struct ota_extract *x, const char *path, int *dirfd, const char **name,
		     struct ota_err *err)
{
	size_t len = ota_path_parent_len(path);
	int rc;

	*name = len ? path + len + 1 : path;
	*dirfd = x->root;
	if (len == 0)
		return 0;
	if (x->dir >= 0 && strlen(x->dir_path) == len && memcmp(x->dir_path, path, len) == 0) {
		*dirfd = x->dir;
		return 0;
	}
	if (x->dir >= 0)
		close(x->dir);
	x->dir = -1;
	free(x->dir_path);
	if (!(x->dir_path = strndup(path, len)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	rc = open_dir(x, path, len, err);
	if (rc == 0)
		*dirfd = x->dir;
	return rc;
}

int ota_extract_entry(struct ota_extract *x, const struct ota_entry *e, struct ota_err *err)
{
	const char *name;
	int rc = finish_file(x, err), dir;

	if (rc || (rc = parent_of(x, e->path, &dir, &name, err)))
		return rc;
	x->cur_mode = e->mode;
	snprintf(x->cur_path, sizeof(x->cur_path), "%s", e->path);
	/* Parents are manifest "dir" entries made here by mkdirat, never links
	 * (manifest.c checks it), reached without following any link, and
	 * O_NOFOLLOW|O_EXCL guard the last step. */
	switch (e->type) {
	case OTA_ENTRY_DIR:
		if (mkdirat(dir, name, 0700))
			return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, e->path);
		return 0;
	case OTA_ENTRY_SYMLINK:
		if (symlinkat(e->link_target, dir, name))
			return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, e->path);
		return 0;
	case OTA_ENTRY_FILE:
		x->fd =
		    openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (x->fd < 0)
			return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, e->path);
		return 0;
	}
	return ota_err_set(err, OTA_EINTERNAL, "bad entry type");
}

void ota_extract_set_readonly(struct ota_extract *x)
{
	x->readonly = true;
}

/* A copy-on-write clone of src at name (FICLONE: btrfs, XFS): a file of
 * its own, so its mode is free; 1 if made, 0 if the file system cannot
 * (then never tried again in this tree). */
static int clone_at(struct ota_extract *x, int dir, const char *name, int src,
		    unsigned int mode, struct ota_err *err)
{
	int fd, e;

	if (x->no_clone)
		return 0;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, x->cur_path);
	if (ioctl(fd, FICLONE, src) == 0) {
		e = fchmod(fd, disk_mode(x, mode)) ? errno : 0;
		if (close(fd) && !e)
			e = errno;
		return e ? ota_err_errno(err, OTA_EIO, e, "%s/%s", x->dest, x->cur_path) : 1;
	}
	e = errno;
	close(fd);
	if (unlinkat(dir, name, 0))
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, x->cur_path);
	if (e == EOPNOTSUPP || e == ENOTTY || e == EXDEV || e == EINVAL || e == ENOSYS)
		x->no_clone = true;
	return 0;
}

/* A hard link to the file src names (src_dir, src_path), which must be
 * the inode hashed (st): 1 if made, 0 if it cannot be (another mode or
 * owner, another file system, too many links, the file replaced). */
static int link_at(struct ota_extract *x, int dir, const char *name, const struct ota_entry *e,
		   int src_dir, const char *src_path, const struct stat *st, struct ota_err *err)
{
	struct stat made;

	/* One inode has one mode and one owner: all releases sharing it
	 * must want those. */
	if ((st->st_mode & 07777) != disk_mode(x, e->mode) || st->st_uid != geteuid() ||
	    st->st_gid != getegid())
		return 0;
	if (linkat(src_dir, src_path, dir, name, 0))
		return 0;
	if (fstatat(dir, name, &made, AT_SYMLINK_NOFOLLOW))
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, e->path);
	if (made.st_dev == st->st_dev && made.st_ino == st->st_ino)
		return 1;
	/* Not the file that was hashed: swapped since. */
	if (unlinkat(dir, name, 0))
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, e->path);
	return 0;
}

int ota_extract_share(struct ota_extract *x, const struct ota_entry *e, int src,
		      int src_dir, const char *src_path, const struct stat *st,
		      struct ota_err *err)
{
	const char *name;
	int rc = finish_file(x, err), dir;

	if (rc || (rc = parent_of(x, e->path, &dir, &name, err)))
		return rc;
	if (e->type != OTA_ENTRY_FILE)
		return ota_err_set(err, OTA_EINTERNAL, "extract: sharing a non-file");
	x->cur_mode = e->mode;
	snprintf(x->cur_path, sizeof(x->cur_path), "%s", e->path);
	rc = clone_at(x, dir, name, src, e->mode, err);
	if (rc == 0)
		rc = link_at(x, dir, name, e, src_dir, src_path, st, err);
	return rc;
}

int ota_extract_write(struct ota_extract *x, const void *data, size_t len, struct ota_err *err)
{
	if (x->fd < 0)
		return ota_err_set(err, OTA_EINTERNAL, "extract: no file open");
	return ota_write_all(x->fd, data, len, x->cur_path, err);
}

/* Apply directory modes children-first (reverse manifest order), so a
 * read-only parent never blocks its children. */
static int finish_dirs(struct ota_extract *x, struct ota_err *err)
{
	struct ota_manifest_walk *w = malloc(sizeof(*w));
	const struct ota_entry *e;
	const char *name;
	int fd, dir, rc;

	if (!w)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	ota_manifest_walk_init(w, x->m);
	while ((rc = ota_manifest_walk_dir_back(w, &e, err)) > 0) {
		if ((rc = parent_of(x, e->path, &dir, &name, err)))
			break;
		fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fchmod(fd, disk_mode(x, e->mode))) {
			rc = ota_err_errno(err, OTA_EIO, errno, "%s/%s", x->dest, e->path);
			if (fd >= 0)
				close(fd);
			break;
		}
		close(fd);
	}
	free(w);
	if (rc == 0 && fchmod(x->root, disk_mode(x, 0755)))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", x->tmp);
	return rc;
}

/* Durable before it has its name: one syncfs(2) of the tree's file system
 * writes back and waits for every file's data and metadata and every
 * directory entry made here, as an fsync of each would, but in one
 * journal commit and one cache flush instead of one per file.  It runs
 * before the rename, so the rename can never reach the disk ahead of the
 * tree; the parent's fsync after the rename then makes the name durable.
 * Since Linux 5.8 syncfs reports writeback errors on the file system
 * since the fd was opened (at _new, before anything was written). */
static int make_durable(struct ota_extract *x, struct ota_err *err)
{
	if (syncfs(x->root))
		return ota_err_errno(err, OTA_EIO, errno, "%s: syncfs", x->tmp);
	return 0;
}

/* The tree renamed into place must be the one written, not one put at
 * its temporary name since (by whoever can write to dest's parent). */
static int check_still_ours(struct ota_extract *x, struct ota_err *err)
{
	struct stat mine, there;

	if (fstat(x->root, &mine) || lstat(x->tmp, &there))
		return ota_err_errno(err, OTA_EIO, errno, "%s", x->tmp);
	if (mine.st_dev != there.st_dev || mine.st_ino != there.st_ino)
		return ota_err_set(err, OTA_EIO, "%s: replaced while being extracted", x->tmp);
	return 0;
}

int ota_extract_commit(struct ota_extract *x, struct ota_err *err)
{
	int rc = finish_file(x, err);

	if (rc == 0)
		rc = finish_dirs(x, err);
	if (rc == 0)
		rc = check_still_ours(x, err);
	if (rc == 0 && x->durable)
		rc = make_durable(x, err);
	if (rc)
		return rc;
	if (renameat2(AT_FDCWD, x->tmp, AT_FDCWD, x->dest, RENAME_NOREPLACE))
		return errno == EEXIST ? ota_err_set(err, OTA_EEXIST, "%s: exists", x->dest)
				       : ota_err_errno(err, OTA_EIO, errno, "%s: rename", x->dest);
	x->committed = true;
	return x->durable ? ota_fsync_dir(x->dest, false, err) : 0;
}
