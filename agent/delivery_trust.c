/* SPDX-License-Identifier: Apache-2.0 */
/* delivery_trust.c - the trust step of a delivery pass (delivery.h):
 * trust files read off a medium or fetched from an index, applied in
 * sequence order before any bundle is judged. */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/delivery.h"
#include "agent/trust_apply.h"
#include "lib/buf.h"
#include "lib/dirnames.h"

void delivery_trust_init(struct delivery_trust *t)
{
	memset(t, 0, sizeof(*t));
}

void delivery_trust_free(struct delivery_trust *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		ota_trust_free(&t->files[i]);
	free(t->files);
	memset(t, 0, sizeof(*t));
}

void delivery_trust_refuse(struct delivery_trust *t, int rc, const struct ota_err *why,
			   struct delivery_pass *p)
{
	delivery_note(p, why);
	t->refused++;
	if (!t->first_rc) {
		t->first_rc = rc;
		t->first_err = *why;
	}
}

void delivery_trust_add(struct delivery_trust *t, const unsigned char *text, size_t len,
			const char *name, struct delivery_pass *p)
{
	struct ota_err why = {0};
	int rc;

	if (!t->files && !(t->files = calloc(DELIVERY_TRUST_MAX, sizeof(*t->files)))) {
		rc = ota_err_set(&why, OTA_EINTERNAL, "%s: out of memory", name);
		delivery_trust_refuse(t, rc, &why, p);
		return;
	}
	if (t->n == DELIVERY_TRUST_MAX) {
		rc = ota_err_set(&why, OTA_EFORMAT, "%s: more than %d trust files: not read", name,
				 DELIVERY_TRUST_MAX);
		delivery_trust_refuse(t, rc, &why, p);
		return;
	}
	if ((rc = ota_trust_parse(text, len, name, &t->files[t->n], &why))) {
		ota_trust_free(&t->files[t->n]);
		delivery_trust_refuse(t, rc, &why, p);
		return;
	}
	t->n++;
}

int delivery_trust_read_dir(struct delivery_trust *t, const char *dir,
			    struct delivery_pass *p, struct ota_err *err)
{
	char **names = NULL, path[PATH_MAX];
	struct ota_err why;
	struct ota_buf b;
	size_t n = 0, i;
	int rc;

	/* More than that on one medium is junk: named once, none read. */
	rc = ota_trust_names(dir, &names, &n, err);
	if (rc == OTA_EFORMAT) {
		delivery_trust_refuse(t, rc, err, p);
		*err = (struct ota_err){0};
		return 0;
	}
	ota_buf_init(&b, OTA_TRUST_FILE_MAX);
	for (i = 0; rc == 0 && i < n; i++) {
		why = (struct ota_err){0};
		b.len = 0;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path)) {
			rc = ota_err_set(&why, OTA_EIO, "%s: path too long", dir);
			delivery_trust_refuse(t, rc, &why, p);
			rc = 0;
			continue;
		}
		/* Read once into memory: what is judged is what is saved. */
		rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW | O_NOATIME, &why);
		if (rc == OTA_EFORMAT)
			ota_err_set(&why, rc, "%s: not a trust file (over %d bytes)", path,
				    OTA_TRUST_FILE_MAX);
		if (rc)
			delivery_trust_refuse(t, rc, &why, p);
		else
			delivery_trust_add(t, b.data, b.len, path, p);
		rc = 0;
	}
	ota_buf_free(&b);
	ota_dir_names_free(names, n);
	return rc;
}

/* By sequence; a timestamp after the trust file of its sequence. */
static int by_sequence(const void *x, const void *y)
{
	const struct ota_trust *a = x, *b = y;

	if (a->sequence != b->sequence)
		return a->sequence < b->sequence ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind == OTA_TRUST_KIND_TRUST ? -1 : 1;
	return strcmp(a->source, b->source);
}

static bool in_force(struct agent *a, const struct ota_trust *f)
{
	struct ota_err ignored;
	struct ota_trust cur;
	bool same;

	same = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &cur,
				    &ignored) == 0 &&
	       ota_trust_same(&cur, f);
	ota_trust_free(&cur);
	return same;
}

/* One file under the run lock. */
static int apply_one(struct agent *a, struct delivery_trust *t, const struct ota_trust *f,
		     struct delivery_pass *p, struct ota_err *err)
{
	char said[OTA_ERR_MSG_MAX + 4096];
	struct ota_err why = {0}, ignored;
	struct ota_buf text;
	int rc;

	/* The one in force already (a stick left in, seen at every pass of
	 * the daemon) needs no lock: nothing to write. */
	if (in_force(a, f)) {
		t->current++;
		return 0;
	}
	if ((rc = agent_lock(a, err)))
		return rc;
	/* Its own bytes again (the parser is strict: one text per document). */
	ota_buf_init(&text, OTA_TRUST_FILE_MAX);
	rc = ota_trust_format(f, &text, &why);
	if (rc == 0)
		rc = trust_apply(a, text.data, text.len, f->source, false, said, sizeof(said), &why);
	ota_buf_free(&text);
	agent_unlock(a);
	if (rc == 0) {
		t->applied++;
		ota_buf_puts(&p->summary, said, &ignored);
		ota_buf_putc(&p->summary, '\n', &ignored);
	} else if (rc == 1) {
		t->current++;
	} else if (ota_code_fault(rc) == OTA_FAULT_DEVICE) {
		*err = why;
		return rc;
	} else {
		delivery_trust_refuse(t, rc, &why, p);
	}
	return 0;
}

int delivery_trust_apply(struct agent *a, struct delivery_trust *t, struct delivery_pass *p,
			 struct ota_err *err)
{
	size_t i;
	int rc = 0;

	if (t->n > 1)
		qsort(t->files, t->n, sizeof(*t->files), by_sequence);
	for (i = 0; rc == 0 && i < t->n; i++)
		rc = apply_one(a, t, &t->files[i], p, err);
	return rc;
}

void delivery_trust_fold(const struct delivery_trust *t, size_t *n_refused, int *first_rc,
			 struct ota_err *first_err)
{
	*n_refused += t->refused;
	if (t->first_rc && !*first_rc) {
		*first_rc = t->first_rc;
		*first_err = t->first_err;
	}
}
