/* SPDX-License-Identifier: Apache-2.0 */
/* base.c - the release trees a delta's omitted files come from, and any
 * file a release shares with them (base.h): a source for each found
 * before anything is written, by path in the release the delta names (or
 * the newest) or by SHA-256 in any tree, then each hashed as it is
 * copied, or before it is shared. */
#include "lib/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/base_impl.h"
#include "lib/bundle.h"
#include "lib/fsutil.h"
#include "lib/tree.h"

int ota_base_new(struct ota_base **out, struct ota_err *err)
{
	struct ota_base *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b || !(b->hs.h = ota_sha256_new()) || !(b->hs.buf = malloc(OTA_BUNDLE_IO_CHUNK))) {
		ota_base_free(b);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	b->def = SIZE_MAX;
	*out = b;
	return 0;
}

void ota_base_free(struct ota_base *b)
{
	size_t i;

	if (!b)
		return;
	base_ahead_free(b->ahead); /* first: its thread reads the rest */
	for (i = 0; i < b->n_src; i++) {
		free(b->src[i].dir);
		free(b->src[i].version);
		free(b->src[i].manifest_path);
		if (b->src[i].dirfd >= 0)
			close(b->src[i].dirfd);
	}
	for (i = 0; i < b->n_pend; i++) {
		free(b->pend[i].want);
		free(b->pend[i].path);
	}
	free(b->src);
	free(b->pend);
	free(b->same);
	ota_sha256_free(b->hs.h);
	free(b->hs.buf);
	free(b);
}

int ota_base_add(struct ota_base *b, const char *dir, const char *version,
		 const char *manifest_path, struct ota_err *err)
{
	struct source *grown = realloc(b->src, (b->n_src + 1) * sizeof(*grown)), *s;

	if (!grown)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	b->src = grown;
	s = &b->src[b->n_src];
	*s = (struct source){strdup(dir), version ? strdup(version) : NULL,
			     manifest_path ? strdup(manifest_path) : NULL, -1};
	b->n_src++;
	if (!s->dir || (version && !s->version) || (manifest_path && !s->manifest_path))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return 0;
}

/* The manifest of source s: its file (lean), else its tree hashed; NULL
 * (and nothing found there) when neither can be read. */
static struct ota_manifest *source_manifest(const struct source *s)
{
	struct ota_manifest *m = NULL;
	struct ota_buf bytes;

	ota_buf_init(&bytes, OTA_MANIFEST_MAX);
	if (s->manifest_path) {
		if (ota_buf_load_file_at(&bytes, AT_FDCWD, s->manifest_path, O_NOFOLLOW, NULL) == 0)
			ota_manifest_load(&bytes, s->manifest_path, &m, NULL);
		ota_buf_free(&bytes);
		return m;
	}
	if (s->dirfd < 0 || !(m = ota_manifest_new()) ||
	    ota_manifest_set(m, "0.0.0", "base", 0, 0, NULL) || ota_tree_scan(s->dir, m, NULL)) {
		ota_manifest_free(m);
		return NULL;
	}
	return m;
}

bool ota_base_share(struct ota_base *b)
{
	if (!b->planned)
		b->share = true;
	return b->share;
}

/* The files a plan is for: every file when sharing, else those omitted. */
static bool planned_for(const struct ota_base *b, const struct ota_entry *e)
{
	return b->share ? e->type == OTA_ENTRY_FILE : e->omitted;
}

static int add_pending(struct ota_base *b, const struct ota_entry *e, size_t k, bool damaged,
		       struct ota_err *err)
{
	struct pending *grown;

	/* A file the payload holds need not be found: past the bound it is
	 * simply written (the memory stays bounded at any file count), and
	 * with no release on disk there is nowhere to find it. */
	if (!e->omitted && (!b->n_src || b->n_moved++ >= OTA_BASE_MOVED_MAX))
		return 0;
	if (b->n_pend == b->cap_pend) {
		b->cap_pend = b->cap_pend ? 2 * b->cap_pend : 16;
		if (!(grown = realloc(b->pend, b->cap_pend * sizeof(*grown))))
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		b->pend = grown;
	}
	b->pend[b->n_pend] = (struct pending){.k = k, .size = e->size, .src = SIZE_MAX,
					      .omitted = e->omitted,
					      .want = e->omitted ? strdup(e->path) : NULL,
					      .damaged = damaged};
	memcpy(b->pend[b->n_pend].sha256, e->sha256, OTA_SHA256_LEN);
	if (e->omitted && !b->pend[b->n_pend].want)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	b->n_pend++;
	return 0;
}

/* Whether the base release has e at its own path: by its manifest (walked
 * in step with the new one, both being sorted), or, without one, a
 * regular file of the right size there (its bytes are checked when
 * copied either way); *damaged if a file of another size is. */
static int at_same_path(struct ota_base *b, struct ota_manifest_walk *w, bool *more,
			const struct ota_entry **cur, const struct ota_entry *e, bool has_m,
			bool *damaged, struct ota_err *err)
{
	struct stat st;
	int rc = 1;

	*damaged = false;
	if (b->def == SIZE_MAX)
		return 0;
	if (!has_m) {
		if (!e->omitted) /* shared only by what a manifest says */
			return 0;
		if (fstatat(b->src[b->def].dirfd, e->path, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			return 0;
		*damaged = (unsigned long long)st.st_size != e->size;
		return !*damaged;
	}
	while (*more && strcmp((*cur)->path, e->path) < 0)
		if ((rc = ota_manifest_walk_next(w, cur, err)) <= 0)
			*more = false;
	if (rc < 0)
		return rc;
	return *more && strcmp((*cur)->path, e->path) == 0 && (*cur)->type == OTA_ENTRY_FILE &&
	       memcmp((*cur)->sha256, e->sha256, OTA_SHA256_LEN) == 0;
}

/* Pass 1: which files planned for are not at their own path in the base. */
static int find_moved(struct ota_base *b, const struct ota_manifest *m, struct ota_err *err)
{
	struct ota_manifest_walk *w = malloc(sizeof(*w)), *wb = malloc(sizeof(*wb));
	/* A tree without a manifest is not hashed for this: a stat will do. */
	struct ota_manifest *bm = b->def == SIZE_MAX || !b->src[b->def].manifest_path
					  ? NULL : source_manifest(&b->src[b->def]);
	const struct ota_entry *e, *cur = NULL;
	bool more = false, damaged;
	size_t k = 0;
	int rc = 0, same;

	if (!w || !wb) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	if (bm) {
		ota_manifest_walk_init(wb, bm);
		more = (rc = ota_manifest_walk_next(wb, &cur, err)) > 0;
	}
	if (!(b->same = calloc(m->n_files / 8 + 1, 1))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	ota_manifest_walk_init(w, m);
	while (rc >= 0 && (rc = ota_manifest_walk_next(w, &e, err)) > 0) {
		if (!planned_for(b, e) || k >= m->n_files)
			continue;
		same = at_same_path(b, wb, &more, &cur, e, bm != NULL, &damaged, err);
		if (same < 0)
			rc = same;
		else if (!same)
			rc = add_pending(b, e, k, damaged, err);
		else
			b->same[k / 8] |= (unsigned char)(1u << (k % 8));
		if (same > 0)
			b->found_bytes += e->size;
		k++;
	}
out:
	ota_manifest_free(bm);
	free(w);
	free(wb);
	return rc < 0 ? rc : 0;
}

static int pend_sha_cmp(const void *a, const void *b)
{
	return memcmp(((const struct pending *)a)->sha256, ((const struct pending *)b)->sha256,
		      OTA_SHA256_LEN);
}

static int pend_k_cmp(const void *a, const void *b)
{
	size_t x = ((const struct pending *)a)->k, y = ((const struct pending *)b)->k;

	return (x > y) - (x < y);
}

/* The first pending file with this hash (they are sorted by hash). */
static size_t first_with(const struct ota_base *b, const unsigned char *sha)
{
	size_t lo = 0, hi = b->n_pend, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(b->pend[mid].sha256, sha, OTA_SHA256_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Pass 2, for the moved ones only: any file of any release, by hash. */
static int find_by_hash(struct ota_base *b, size_t s, size_t *left, struct ota_err *err)
{
	struct ota_manifest *sm = source_manifest(&b->src[s]);
	struct ota_manifest_walk *w = malloc(sizeof(*w));
	const struct ota_entry *e;
	size_t i;
	int rc = 0;

	if (!w)
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (sm && w)
		ota_manifest_walk_init(w, sm);
	while (sm && w && *left && (rc = ota_manifest_walk_next(w, &e, err)) > 0) {
		if (e->type != OTA_ENTRY_FILE)
			continue;
		for (i = first_with(b, e->sha256); rc >= 0 && i < b->n_pend &&
		     !memcmp(b->pend[i].sha256, e->sha256, OTA_SHA256_LEN); i++) {
			if (b->pend[i].src != SIZE_MAX)
				continue;
			if (!(b->pend[i].path = strdup(e->path)))
				rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
			b->pend[i].src = s;
			b->found_bytes += b->pend[i].size;
			(*left)--;
		}
	}
	ota_manifest_free(sm);
	free(w);
	return rc < 0 ? rc : 0;
}

/* Why p, the first of left files, cannot be had. */
static int not_found(const struct ota_base *b, const struct pending *p,
		     const struct ota_manifest *m, const char *name, size_t left, struct ota_err *err)
{
	struct ota_quoted q;

	if (p->damaged)
		return ota_err_set(err, OTA_EHASH, "%s: delta of %s: base file damaged: %s/%s", name,
				   m->delta.base, b->src[b->def].dir, ota_path_quote(p->want, &q));
	if (!b->n_src)
		return ota_err_set(err, OTA_EFILESET, "%s: delta of %s: no base release here to "
				   "take its %zu omitted files from (the first \"%s\")", name,
				   m->delta.base, m->delta.n_omitted, ota_path_quote(p->want, &q));
	return ota_err_set(err, OTA_EFILESET, "%s: delta of %s: %zu of the files it leaves out "
			   "are in none of the base releases here (the first \"%s\")", name,
			   m->delta.base, left, ota_path_quote(p->want, &q));
}

/* The release the files are looked for at their own path in. */
static size_t default_source(const struct ota_base *b, const struct ota_manifest *m)
{
	size_t i;

	for (i = 0; m->delta.base && i < b->n_src; i++)
		if (b->src[i].version && strcmp(b->src[i].version, m->delta.base) == 0)
			return i;
	/* A full release is most like the newest one on disk (the last
	 * added: the agent adds them oldest first). */
	for (i = b->n_src; !m->delta.base && i-- > 0;)
		if (b->src[i].manifest_path)
			return i;
	/* A tree of unknown version (ota-verify --base DIR) is the base. */
	return b->n_src == 1 && !b->src[0].version ? 0 : SIZE_MAX;
}

/* OTA_EFILESET (or OTA_EHASH) for the first omitted file not found. */
static int check_found(const struct ota_base *b, const struct ota_manifest *m, const char *name,
		       struct ota_err *err)
{
	size_t i, n = 0;

	for (i = 0; i < b->n_pend; i++)
		n += b->pend[i].omitted && b->pend[i].src == SIZE_MAX;
	for (i = 0; n && i < b->n_pend; i++)
		if (b->pend[i].omitted && b->pend[i].src == SIZE_MAX)
			return not_found(b, &b->pend[i], m, name, n, err);
	return 0;
}

int ota_base_plan(struct ota_base *b, const struct ota_manifest *m, const char *name,
		  struct ota_err *err)
{
	size_t i, left;
	int rc;

	if (b->planned)
		return 0;
	b->planned = true;
	b->def = default_source(b, m);
	if ((rc = find_moved(b, m, err)))
		return rc;
	left = b->n_pend;
	if (left)
		qsort(b->pend, b->n_pend, sizeof(*b->pend), pend_sha_cmp);
	for (i = 0; i < b->n_src && left; i++)
		if ((rc = find_by_hash(b, i, &left, err)))
			return rc;
	if (b->n_pend)
		qsort(b->pend, b->n_pend, sizeof(*b->pend), pend_k_cmp);
	if ((rc = check_found(b, m, name, err)))
		return rc;
	b->m = m;
	return 0;
}

unsigned long long ota_base_found_bytes(const struct ota_base *b)
{
	return b ? b->found_bytes : 0;
}

void ota_base_hash_ahead(struct ota_base *b, const char *name)
{
	/* Without the thread (it could not start), each file is hashed as
	 * it is taken: the same checks, later. */
	if (b->share && b->planned && b->m && b->n_src && !b->ahead && b->cur.k == 0)
		(void)base_ahead_start(b, name, NULL);
}

void ota_base_hash_ahead_stop(struct ota_base *b)
{
	if (b) {
		base_ahead_free(b->ahead);
		b->ahead = NULL;
	}
}
