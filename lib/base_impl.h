/* SPDX-License-Identifier: Apache-2.0 */
/* base_impl.h - inside the base module only: the plan that base.c makes
 * (a source for each file, found before anything is written) and that
 * base_take.c follows as the files come, in manifest order. */
#ifndef OTA_BASE_IMPL_H
#define OTA_BASE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/base.h"
#include "lib/hash.h"

struct source {
	char *dir;
	char *version;       /* NULL if not known */
	char *manifest_path; /* NULL if none */
	int dirfd;           /* -1 if it cannot be opened */
};

/* A file that is not at its own path in the base release. */
struct pending {
	unsigned char sha256[OTA_SHA256_LEN];
	unsigned long long size;
	size_t k;    /* it is the k-th file planned for */
	char *want;  /* an omitted file's path in the new release, else NULL */
	size_t src;  /* where it was found, or SIZE_MAX */
	char *path;  /* its path there */
	bool omitted; /* not in the payload: it must be found */
	bool damaged; /* a file of another size is at its path in the base tree */
};

/* Where a walk of the plan is: the files done, the next pending one. */
struct base_cursor {
	size_t k, next;
};

/* What hashing a base file takes: one per thread. */
struct base_hasher {
	struct ota_sha256 *h;
	unsigned char *buf; /* OTA_BUNDLE_IO_CHUNK bytes */
};

struct base_ahead; /* base_ahead.c: the base files hashed on other threads */

struct ota_base {
	struct source *src;
	size_t n_src;
	size_t def; /* the release the delta names (else the newest), or SIZE_MAX */
	struct pending *pend;
	size_t n_pend, cap_pend;
	size_t n_moved; /* pending files the payload holds (at most OTA_BASE_MOVED_MAX) */
	unsigned char *same; /* bit k: the k-th file is at its own path in def */
	unsigned long long found_bytes; /* of the files a source was found for */
	struct base_cursor cur; /* fill and take: the next file */
	bool share;     /* every file is planned for, not only omitted ones */
	bool planned;
	struct base_hasher hs;
	const struct ota_manifest *m; /* planned for (borrowed) */
	struct base_ahead *ahead;     /* NULL: each file hashed when taken */
};

/* The source planned for the next file e at cursor c (advanced): 1 with
 * *s and *path, 0 if there is none (a file the payload holds, found
 * nowhere). */
int base_next_source(const struct ota_base *b, struct base_cursor *c, const struct ota_entry *e,
		     const struct source **s, const char **path);
/* Open the base file path of s for e and hash it with hs: 1 and *f if its
 * bytes are e's, 0 if e is not to be shared (no size recorded), else
 * OTA_EHASH or OTA_EFILESET, the reason in why. */
int base_open_hashed(struct base_hasher *hs, const struct ota_entry *e, const struct source *s,
		     const char *path, struct ota_base_file *f, const char *name, struct ota_err *why);

/* Start hashing the planned base files on other threads, in the order
 * they will be taken; 0, or OTA_EINTERNAL (then each is hashed when
 * taken, as without it).  name is the bundle's, borrowed. */
int base_ahead_start(struct ota_base *b, const char *name, struct ota_err *err);
/* The next file's result, as base_open_hashed's (f's path valid until
 * the next call), waiting for it if need be. */
int base_ahead_next(struct ota_base *b, const struct ota_entry *e, struct ota_base_file *f,
		    struct ota_err *why);
/* Stop and join the threads and free what they hold; NULL is fine. */
void base_ahead_free(struct base_ahead *a);

#endif
