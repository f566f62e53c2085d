/* SPDX-License-Identifier: Apache-2.0 */
/* base_ahead.c - the base files of a sharing plan opened and hashed on a
 * second thread, in the order staging takes them, a few files ahead:
 * hashing the base files is most of what a delta install costs, and the
 * staging thread meanwhile walks the manifest and makes the links.  The
 * result of each file is the one base_open_hashed gives (base_impl.h):
 * the same checks, only earlier; the link is still checked to be the
 * inode that was hashed (extract.h). */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base_impl.h"
#include "lib/bundle.h"

#define SLOTS 16 /* files hashed ahead (open descriptors held) */

struct slot {
	size_t k;            /* the k-th file planned for */
	int rc;              /* base_open_hashed's */
	struct ota_base_file f;
	char path[OTA_PATH_MAX + 1]; /* f's path, copied */
	struct ota_err why;
};

struct base_ahead {
	struct ota_base *b;
	const char *name;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
	struct slot slots[SLOTS];
	size_t head, n;  /* filled slots from head on */
	size_t taken;    /* files the staging thread has taken */
	bool stop, done; /* asked to stop; every file walked */
	struct ota_err fatal; /* why the walk ended early (code 0: it did not) */
	struct base_hasher hs;
	struct ota_manifest_walk w;
	char cur[OTA_PATH_MAX + 1]; /* the path of the file last taken */
};

/* Fill slot x with file e's result (outside the lock: only this thread
 * writes a slot until it is counted in n). */
static void hash_one(struct base_ahead *a, struct base_cursor *c, const struct ota_entry *e,
		     struct slot *x)
{
	const struct source *s;
	const char *path;

	x->k = c->k;
	x->why.code = 0;
	x->f = (struct ota_base_file){.fd = -1, .dir = -1};
	x->rc = base_next_source(a->b, c, e, &s, &path)
			? base_open_hashed(&a->hs, e, s, path, &x->f, a->name, &x->why)
			: 0;
	if (x->rc == 1)
		snprintf(x->path, sizeof(x->path), "%s", path);
}

static void *run(void *arg)
{
	struct base_ahead *a = arg;
	struct base_cursor c = {0, 0};
	const struct ota_entry *e;
	struct ota_err why = {0};
	size_t tail;
	bool stop;
	int rc;

	ota_manifest_walk_init(&a->w, a->b->m);
	while ((rc = ota_manifest_walk_next(&a->w, &e, &why)) > 0) {
		if (e->type != OTA_ENTRY_FILE)
			continue;
		pthread_mutex_lock(&a->mu);
		while (a->n == SLOTS && !a->stop)
			pthread_cond_wait(&a->freed, &a->mu);
		tail = (a->head + a->n) % SLOTS;
		stop = a->stop;
		pthread_mutex_unlock(&a->mu);
		if (stop)
			break;
		hash_one(a, &c, e, &a->slots[tail]);
		pthread_mutex_lock(&a->mu);
		a->n++;
		pthread_cond_signal(&a->filled);
		pthread_mutex_unlock(&a->mu);
	}
	pthread_mutex_lock(&a->mu);
	if (rc < 0)
		a->fatal = why;
	a->done = true;
	pthread_cond_signal(&a->filled);
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int base_ahead_start(struct ota_base *b, const char *name, struct ota_err *err)
{
	struct base_ahead *a = calloc(1, sizeof(*a));

	if (!a || !(a->hs.h = ota_sha256_new()) || !(a->hs.buf = malloc(OTA_BUNDLE_IO_CHUNK))) {
		base_ahead_free(a);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	a->b = b;
	a->name = name;
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->filled, NULL);
	pthread_cond_init(&a->freed, NULL);
	if (pthread_create(&a->thread, NULL, run, a)) {
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->filled);
		pthread_cond_destroy(&a->freed);
		a->b = NULL; /* no thread to stop */
		base_ahead_free(a);
		return ota_err_set(err, OTA_EINTERNAL, "cannot start a hashing thread");
	}
	b->ahead = a;
	return 0;
}

int base_ahead_next(struct ota_base *b, const struct ota_entry *e, struct ota_base_file *f,
		    struct ota_err *why)
{
	struct base_ahead *a = b->ahead;
	struct slot *x;
	int rc;

	pthread_mutex_lock(&a->mu);
	while (!a->n && !a->done)
		pthread_cond_wait(&a->filled, &a->mu);
	if (!a->n) {
		*why = a->fatal;
		pthread_mutex_unlock(&a->mu);
		return why->code ? why->code
				 : ota_err_set(why, OTA_EINTERNAL, "base: no plan for %s", e->path);
	}
	x = &a->slots[a->head];
	rc = x->rc;
	if (x->k != a->taken++) { /* never: both walk the same files in order */
		rc = ota_err_set(why, OTA_EINTERNAL, "base: file %zu hashed for file %zu", x->k,
				 a->taken - 1);
		ota_base_file_close(&x->f);
	} else if (rc == 1) {
		*f = x->f;
		memcpy(a->cur, x->path, strlen(x->path) + 1);
		f->path = a->cur;
	} else if (rc < 0) {
		*why = x->why;
	}
	a->head = (a->head + 1) % SLOTS;
	a->n--;
	pthread_cond_signal(&a->freed);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

void base_ahead_free(struct base_ahead *a)
{
	size_t i;

	if (!a)
		return;
	if (a->b) {
		pthread_mutex_lock(&a->mu);
		a->stop = true;
		pthread_cond_signal(&a->freed);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
		for (i = 0; i < a->n; i++)
			ota_base_file_close(&a->slots[(a->head + i) % SLOTS].f);
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->filled);
		pthread_cond_destroy(&a->freed);
	}
	ota_sha256_free(a->hs.h);
	free(a->hs.buf);
	free(a);
}
