/* SPDX-License-Identifier: Apache-2.0 */
/* base_take.c - taking the files of a base release as the plan says
 * (base.h): each hashed as it is copied, or before it is shared. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base_impl.h"
#include "lib/bundle.h"
#include "lib/fsutil.h"

/* Copy fd through write (NULL: only hash it); 0 and the hash and size. */
static int copy_hashing(struct base_hasher *b, int fd, const char *src, unsigned long long want,
			int (*write)(void *, const void *, size_t, struct ota_err *), void *ctx,
			unsigned char digest[OTA_SHA256_LEN], unsigned long long *total,
			struct ota_err *err)
{
	/* At most the size the manifest gives plus one byte, which is enough
	 * to tell a longer file: a huge (or sparse) file in a base file's
	 * place is never written whole into staging. */
	unsigned long long room = want + 1;
	ssize_t n;
	int rc = ota_sha256_reset(b->h, err);

	*total = 0;
	while (rc == 0 && room) {
		n = read(fd, b->buf, room < OTA_BUNDLE_IO_CHUNK ? (size_t)room : OTA_BUNDLE_IO_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ota_err_errno(err, OTA_EIO, errno, "%s", src);
		if (n == 0)
			break;
		*total += (unsigned long long)n;
		room -= (unsigned long long)n;
		if (*total > want)
			break;
		if ((rc = ota_sha256_update(b->h, b->buf, (size_t)n, err)) == 0 && write)
			rc = write(ctx, b->buf, (size_t)n, err);
	}
	return rc ? rc : ota_sha256_final(b->h, digest, err);
}

int base_next_source(const struct ota_base *b, struct base_cursor *c, const struct ota_entry *e,
		     const struct source **s, const char **path)
{
	size_t k = c->k++;

	*path = e->path;
	if (c->next < b->n_pend && b->pend[c->next].k == k) {
		if (b->pend[c->next].src == SIZE_MAX) {
			c->next++;
			return 0;
		}
		*s = &b->src[b->pend[c->next].src];
		*path = b->pend[c->next++].path;
		return 1;
	}
	if (b->def == SIZE_MAX || !b->same || !(b->same[k / 8] & (1u << (k % 8))))
		return 0;
	*s = &b->src[b->def];
	return 1;
}

/* Open the base file path of s for e: its descriptor, or OTA_EFILESET. */
static int open_base(const struct source *s, const char *path, const struct ota_entry *e,
		     struct stat *st, const char *name, struct ota_err *err)
{
	struct ota_quoted q1, q2;
	struct ota_err why;
	/* A FIFO or device in a base file's place never blocks the copy. */
	int fd = s->dirfd < 0 ? ota_err_set(&why, OTA_EIO, "not a directory")
			      : ota_open_regular(s->dirfd, path, O_NOFOLLOW, ota_path_quote(path, &q1),
						 st, &why);

	if (fd < 0)
		return ota_err_set(err, OTA_EFILESET, "%s: delta: base file %s/%s, for %s", name,
				   s->dir, why.msg, ota_path_quote(e->path, &q2));
	return fd;
}

static int damaged(const struct source *s, const char *path, const struct ota_entry *e,
		   const char *name, struct ota_err *err)
{
	struct ota_quoted q1, q2;

	return ota_err_set(err, OTA_EHASH, "%s: delta: base file damaged: %s/%s, for %s", name,
			   s->dir, ota_path_quote(path, &q1), ota_path_quote(e->path, &q2));
}

/* Copy (or only hash, write NULL) fd, the base file path of s, for e. */
static int take_bytes(struct base_hasher *b, int fd, const struct source *s, const char *path,
		      const struct ota_entry *e,
		      int (*write)(void *, const void *, size_t, struct ota_err *), void *ctx,
		      const char *name, struct ota_err *err)
{
	unsigned char digest[OTA_SHA256_LEN];
	unsigned long long total;
	int rc = copy_hashing(b, fd, s->dir, e->size, write, ctx, digest, &total, err);

	if (rc == 0 && (total != e->size || memcmp(digest, e->sha256, OTA_SHA256_LEN)))
		rc = damaged(s, path, e, name, err);
	return rc;
}

int ota_base_fill(struct ota_base *b, const struct ota_entry *e,
		  int (*write)(void *ctx, const void *buf, size_t len, struct ota_err *err),
		  void *ctx, const char *name, struct ota_err *err)
{
	const struct source *s;
	const char *path;
	struct ota_quoted q;
	int fd, rc;

	if (!base_next_source(b, &b->cur, e, &s, &path))
		return ota_err_set(err, OTA_EINTERNAL, "%s: delta: no plan for %s", name,
				   ota_path_quote(e->path, &q));
	if ((fd = open_base(s, path, e, NULL, name, err)) < 0)
		return fd;
	rc = take_bytes(&b->hs, fd, s, path, e, write, ctx, name, err);
	close(fd);
	return rc;
}

int base_open_hashed(struct base_hasher *hs, const struct ota_entry *e, const struct source *s,
		     const char *path, struct ota_base_file *f, const char *name, struct ota_err *why)
{
	int rc;

	*f = (struct ota_base_file){.fd = -1, .dir = -1};
	/* The design's form records no size to bound the read by. */
	if (e->any_size)
		return 0;
	f->fd = open_base(s, path, e, &f->st, name, why);
	/* Hashed before it is shared: a damaged base file is never linked. */
	rc = f->fd < 0 ? f->fd
		       : (unsigned long long)f->st.st_size != e->size
				 ? damaged(s, path, e, name, why)
				 : take_bytes(hs, f->fd, s, path, e, NULL, NULL, name, why);
	if (rc) {
		ota_base_file_close(f);
		return rc;
	}
	f->dir = s->dirfd;
	f->path = path;
	f->tree = s->dir;
	return 1;
}

int ota_base_take(struct ota_base *b, const struct ota_entry *e, struct ota_base_file *f,
		  const char *name, struct ota_err *err)
{
	const struct source *s;
	const char *path;
	struct ota_err why = {0};
	int rc;

	*f = (struct ota_base_file){.fd = -1, .dir = -1};
	if (b->ahead)
		rc = base_ahead_next(b, e, f, &why);
	else if (!base_next_source(b, &b->cur, e, &s, &path))
		rc = 0;
	else
		rc = base_open_hashed(&b->hs, e, s, path, f, name, &why);
	if (rc == 0 && e->omitted)
		return ota_err_set(err, OTA_EINTERNAL, "%s: delta: no plan for %s", name, e->path);
	/* A file the payload holds is written from there instead. */
	if (rc >= 0 || (!e->omitted && rc != OTA_EINTERNAL))
		return rc > 0 ? 1 : 0;
	if (err)
		*err = why;
	return rc;
}

int ota_base_copy(struct ota_base *b, struct ota_base_file *f, const struct ota_entry *e,
		  int (*write)(void *ctx, const void *buf, size_t len, struct ota_err *err),
		  void *ctx, const char *name, struct ota_err *err)
{
	struct source s = {.dir = (char *)f->tree};

	/* Hashed again as it is copied: it may have changed since. */
	if (lseek(f->fd, 0, SEEK_SET) < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s/%s", f->tree, f->path);
	return take_bytes(&b->hs, f->fd, &s, f->path, e, write, ctx, name, err);
}

void ota_base_file_close(struct ota_base_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}
