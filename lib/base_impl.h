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
	size_t k;    /* it is the k-th file planned for */
	char *want;  /* an omitted file's path in the new release, else NULL */
	size_t src;  /* where it was found, or SIZE_MAX */
	char *path;  /* its path there */
	bool omitted; /* not in the payload: it must be found */
	bool damaged; /* a file of another size is at its path in the base tree */
};

struct ota_base {
	struct source *src;
	size_t n_src;
	size_t def; /* the release the delta names (else the newest), or SIZE_MAX */
	struct pending *pend;
	size_t n_pend, cap_pend;
	size_t n_moved; /* pending files the payload holds (at most OTA_BASE_MOVED_MAX) */
	unsigned char *same; /* bit k: the k-th file is at its own path in def */
	size_t k, next; /* fill: files done, next pending */
	bool share;     /* every file is planned for, not only omitted ones */
	bool planned;
	struct ota_sha256 *h;
	unsigned char *buf;
};

#endif
