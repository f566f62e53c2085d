/* SPDX-License-Identifier: Apache-2.0 */
/* tree.c - scanning a release tree into manifest entries, and comparing a
 * scanned tree with a manifest (see tree.h). */
#include "lib/tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/path.h"
#include "lib/fsutil.h"

struct scan {
	struct ota_manifest *m;
	const char *root;
	bool hash; /* read and hash every file, or only stat it */
	char path[OTA_PATH_MAX + 1]; /* current relative path */
};

static int scan_dir(struct scan *s, int dfd, size_t plen, int depth, struct ota_err *err);

static int add_file(struct scan *s, int dfd, const char *name, struct ota_entry *e,
		    struct ota_err *err)
{
	unsigned long long size;
	struct ota_quoted q;
	int fd, rc;

	if (!s->hash)
		return ota_manifest_add(s->m, e, err);
	fd = ota_open_regular(dfd, name, O_NOFOLLOW, ota_path_quote(s->path, &q), NULL, err);
	if (fd < 0)
		return ota_err_prefix(err, fd, "%s", s->root);
	rc = ota_sha256_fd(fd, s->path, e->sha256, &size, err);
	close(fd);
	if (rc)
		return rc;
	if (size != e->size)
		return ota_err_set(err, OTA_EIO, "%s/%s: changed while being read", s->root, ota_path_quote(s->path, &q));
	return ota_manifest_add(s->m, e, err);
}

static int add_link(struct scan *s, int dfd, const char *name, struct ota_entry *e,
		    struct ota_err *err)
{
	char target[OTA_PATH_MAX + 1];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));
	struct ota_quoted q;
	int rc;

	if (n < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", s->root, ota_path_quote(s->path, &q));
	if ((size_t)n >= sizeof(target))
		return ota_err_set(err, OTA_EPATH, "%s/%s: link target too long", s->root, ota_path_quote(s->path, &q));
	target[n] = '\0';
	rc = ota_path_check_link(s->path, target, err);
	if (rc)
		return ota_err_prefix(err, rc, "%s: symlink leaves the tree", s->root);
	e->link_target = target;
	rc = ota_manifest_add(s->m, e, err); /* copies target */
	e->link_target = NULL;               /* which lives on this stack */
	return rc;
}

static int scan_one(struct scan *s, int dfd, const char *name, size_t plen, int depth,
		    struct ota_err *err)
{
	size_t nlen = strlen(name);
	struct ota_entry e = {.path = s->path};
	struct ota_quoted q;
	struct stat st;
	int rc, sub;

	if (plen + !!plen + nlen > OTA_PATH_MAX)
		return ota_err_set(err, OTA_EPATH, "%s: path too long under %s", name, s->root);
	sprintf(s->path + plen, "%s%s", plen ? "/" : "", name);
	rc = ota_path_check(s->path, strlen(s->path), err);
	if (rc)
		return ota_err_prefix(err, rc, "%s", s->root);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", s->root, ota_path_quote(s->path, &q));
	e.mode = st.st_mode & 07777;
	if (S_ISREG(st.st_mode)) {
		e.type = OTA_ENTRY_FILE;
		e.size = (unsigned long long)st.st_size;
		return add_file(s, dfd, name, &e, err);
	}
	if (S_ISLNK(st.st_mode)) {
		e.type = OTA_ENTRY_SYMLINK;
		e.mode = 0;
		return add_link(s, dfd, name, &e, err);
	}
	if (!S_ISDIR(st.st_mode))
		return ota_err_set(err, OTA_EPATH, "%s: special file (fifo, socket or device): %s",
				   s->root, ota_path_quote(s->path, &q));
	e.type = OTA_ENTRY_DIR;
	rc = ota_manifest_add(s->m, &e, err);
	if (rc)
		return rc;
	sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", s->root, ota_path_quote(s->path, &q));
	return scan_dir(s, sub, strlen(s->path), depth + 1, err);
}

/* Takes ownership of dfd. */
static int scan_dir(struct scan *s, int dfd, size_t plen, int depth, struct ota_err *err)
{
	DIR *d;
	struct dirent *de;
	struct ota_quoted q;
	int rc = 0;

	if (depth > OTA_TREE_MAX_DEPTH) {
		close(dfd);
		return ota_err_set(err, OTA_EPATH, "%s/%s: nested too deep", s->root, ota_path_quote(s->path, &q));
	}
	d = fdopendir(dfd);
	if (!d) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s/%s", s->root, ota_path_quote(s->path, &q));
		close(dfd);
		return rc;
	}
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				rc = ota_err_errno(err, OTA_EIO, errno, "%s: readdir", s->root);
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = scan_one(s, dirfd(d), de->d_name, plen, depth, err);
		if (rc)
			break;
		s->path[plen] = '\0';
	}
	closedir(d);
	return rc;
}

static int scan(const char *dir, struct ota_manifest *m, bool hash, struct ota_err *err)
{
	struct scan *s = calloc(1, sizeof(*s));
	int dfd, rc;

	if (!s)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	s->m = m;
	s->hash = hash;
	s->root = dir;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", dir);
		goto out;
	}
	rc = scan_dir(s, dfd, 0, 0, err);
	if (rc == 0)
		rc = ota_manifest_check(m, err);
out:
	free(s);
	return rc;
}

int ota_tree_scan(const char *dir, struct ota_manifest *m, struct ota_err *err)
{
	return scan(dir, m, true, err);
}

int ota_tree_list(const char *dir, struct ota_manifest *m, struct ota_err *err)
{
	return scan(dir, m, false, err);
}

static int compare_entry(const struct ota_entry *w, const struct ota_entry *h, struct ota_err *err)
{
	struct ota_quoted q;

	if (w->type != h->type)
		return ota_err_set(err, OTA_EPATH, "type differs from the manifest: %s",
				   ota_path_quote(w->path, &q));
	if (w->type == OTA_ENTRY_FILE &&
	    ((!w->any_size && w->size != h->size) || memcmp(w->sha256, h->sha256, OTA_SHA256_LEN)))
		return ota_err_set(err, OTA_EHASH, "hash mismatch: %s", ota_path_quote(w->path, &q));
	if (w->type == OTA_ENTRY_SYMLINK && strcmp(w->link_target, h->link_target))
		return ota_err_set(err, OTA_EHASH, "symlink target differs: %s",
				   ota_path_quote(w->path, &q));
	return 0;
}

int ota_tree_compare(const struct ota_manifest *want, const struct ota_manifest *have,
		     struct ota_err *err)
{
	struct ota_quoted q;
	size_t i = 0, j = 0;
	int c, rc;

	/* Both are sorted by path: one merge pass finds every difference. */
	while (i < want->n_entries || j < have->n_entries) {
		if (i == want->n_entries)
			c = 1;
		else if (j == have->n_entries)
			c = -1;
		else
			c = strcmp(want->entries[i].path, have->entries[j].path);
		if (c < 0)
			return ota_err_set(err, OTA_EFILESET, "missing from the tree: %s",
					   ota_path_quote(want->entries[i].path, &q));
		if (c > 0)
			return ota_err_set(err, OTA_EFILESET, "not in the manifest: %s",
					   ota_path_quote(have->entries[j].path, &q));
		rc = compare_entry(&want->entries[i++], &have->entries[j++], err);
		if (rc)
			return rc;
	}
	return 0;
}
