/* SPDX-License-Identifier: Apache-2.0 */
/* delta.c - delta bundles, build side (delta.h): marking what a base
 * release already has. */
#include "lib/delta.h"

#include <stdlib.h>
#include <string.h>


static int sha_cmp(const void *a, const void *b)
{
	return memcmp(a, b, OTA_SHA256_LEN);
}

int ota_delta_mark(struct ota_manifest *m, const struct ota_manifest *base,
		   const unsigned char base_sha256[OTA_SHA256_LEN], struct ota_err *err)
{
	struct ota_manifest_walk *w = malloc(sizeof(*w));
	unsigned char *have = malloc(base->n_files * OTA_SHA256_LEN + 1);
	const struct ota_entry *e;
	size_t k = 0, i;
	int rc;

	/* Marked again: the earlier base's name is not leaked. */
	free(m->delta.base);
	m->delta.base = NULL;
	if (!w || !have || !(m->delta.base = strdup(base->version))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	ota_manifest_walk_init(w, base);
	while ((rc = ota_manifest_walk_next(w, &e, err)) > 0)
		if (e->type == OTA_ENTRY_FILE && k < base->n_files)
			memcpy(have + OTA_SHA256_LEN * k++, e->sha256, OTA_SHA256_LEN);
	if (rc < 0)
		goto out;
	if (k)
		qsort(have, k, OTA_SHA256_LEN, sha_cmp);
	memcpy(m->delta.base_manifest, base_sha256, OTA_SHA256_LEN);
	m->delta.n_omitted = 0;
	m->delta.omitted_bytes = 0;
	for (i = 0; i < m->n_entries; i++) {
		struct ota_entry *f = &m->entries[i];
		f->omitted = f->type == OTA_ENTRY_FILE && k &&
			     bsearch(f->sha256, have, k, OTA_SHA256_LEN, sha_cmp);
		m->delta.n_omitted += f->omitted;
		m->delta.omitted_bytes += f->omitted ? f->size : 0;
	}
	if (m->delta.n_omitted == 0) { /* nothing in common: a full bundle, not a delta */
		free(m->delta.base);
		m->delta.base = NULL;
	}
out:
	free(w);
	free(have);
	return rc;
}
