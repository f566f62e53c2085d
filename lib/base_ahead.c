/* SPDX-License-Identifier: Apache-2.0 */
/* base_ahead.c - the base files of a sharing plan opened and hashed on a
 * small pool of threads (one per core, at most HASHERS), in the order
 * staging takes them, a few files ahead: hashing the base files is most
 * of what a delta install costs, and the staging thread meanwhile walks
 * the manifest and makes the links.  The result of each file is the one
 * base_open_hashed gives (base_impl.h): the same checks, only earlier;
 * the link is still checked to be the inode that was hashed (extract.h).
 *
 * The slots form a ring: a hasher claims the next slot and walks the plan
 * to its file (both under walk_mu, so slots and files go in the same
 * order), hashes it with no lock held and marks its slot ready; staging
 * takes the slots in ring order, each once it is ready.  mu guards the
 * ring only, and is held for a few instructions: staging never waits
 * for a walk. */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/base_impl.h"
#include "lib/bundle.h"

#define SLOTS 64  /* files hashed ahead (descriptors held; ~5 KiB each) */
#define HASHERS 2 /* threads at most: one per core of the devices we target */

struct slot {
	size_t k;                    /* the k-th file planned for */
	bool ready;                  /* hashed: rc, f and why are set */
	int rc;                      /* base_open_hashed's */
	const struct source *s;      /* where it is planned from, NULL if nowhere */
	const char *path;            /* its path there (in e_path or the plan) */
	struct ota_entry e;          /* the file, copied: the walk moves on */
	char e_path[OTA_PATH_MAX + 1];
	struct ota_base_file f;
	struct ota_err why;
};

struct hasher {
	struct base_ahead *a;
	pthread_t thread;
	bool started;
	struct base_hasher hs;
};

struct base_ahead {
	struct ota_base *b;
	const char *name;
	pthread_mutex_t walk_mu; /* the walk and the claiming of slots */
	pthread_mutex_t mu;      /* the ring */
	pthread_cond_t filled, freed;
	struct slot slots[SLOTS];
	size_t head, n;  /* claimed slots from head on, each filled once ready */
	size_t taken;    /* files the staging thread has taken */
	bool stop, done; /* asked to stop; every file walked */
	struct ota_err fatal; /* why the walk ended early (code 0: it did not) */
	struct ota_manifest_walk w; /* under walk_mu: the plan's files, in order */
	struct base_cursor c;
	struct hasher hashers[HASHERS];
	size_t n_hashers;
	char cur[OTA_PATH_MAX + 1]; /* the path of the file last taken */
};

/* Under walk_mu: the next slot, once there is room, and the next file
 * of the plan into it; NULL once every file is walked or when asked to
 * stop. */
static struct slot *claim(struct base_ahead *a)
{
	const struct ota_entry *e;
	struct ota_err why = {0};
	struct slot *x = NULL;
	size_t len = 0;
	int rc;

	pthread_mutex_lock(&a->mu);
	while (a->n == SLOTS && !a->stop)
		pthread_cond_wait(&a->freed, &a->mu);
	if (!a->stop && !a->done) {
		x = &a->slots[(a->head + a->n++) % SLOTS];
		x->ready = false;
	}
	pthread_mutex_unlock(&a->mu);
	if (!x)
		return NULL;
	while ((rc = ota_manifest_walk_next(&a->w, &e, &why)) > 0 && e->type != OTA_ENTRY_FILE)
		;
	if (rc > 0 && (len = strlen(e->path)) > OTA_PATH_MAX)
		rc = ota_err_set(&why, OTA_EINTERNAL, "base: a path of %zu bytes", len);
	if (rc <= 0) {
		/* x is the last slot claimed (walk_mu is held): given back. */
		pthread_mutex_lock(&a->mu);
		a->n--;
		if (rc < 0)
			a->fatal = why;
		a->done = true;
		pthread_cond_signal(&a->filled);
		pthread_mutex_unlock(&a->mu);
		return NULL;
	}
	x->k = a->c.k;
	x->e = *e;
	memcpy(x->e_path, e->path, len + 1);
	x->e.path = x->e_path;
	x->e.link_target = NULL;
	if (!base_next_source(a->b, &a->c, &x->e, &x->s, &x->path))
		x->s = NULL;
	return x;
}

/* Fill slot x with its file's result (outside the lock: only this thread
 * writes a claimed slot until it is ready). */
static void hash_one(struct base_ahead *a, struct base_hasher *hs, struct slot *x)
{
	x->why.code = 0;
	x->f = (struct ota_base_file){.fd = -1, .dir = -1};
	x->rc = x->s ? base_open_hashed(hs, &x->e, x->s, x->path, &x->f, a->name, &x->why) : 0;
}

static void *run(void *arg)
{
	struct hasher *h = arg;
	struct base_ahead *a = h->a;
	struct slot *x;

	for (;;) {
		pthread_mutex_lock(&a->walk_mu);
		x = claim(a);
		pthread_mutex_unlock(&a->walk_mu);
		if (!x)
			break;
		hash_one(a, &h->hs, x);
		pthread_mutex_lock(&a->mu);
		x->ready = true;
		pthread_cond_signal(&a->filled);
		pthread_mutex_unlock(&a->mu);
	}
	return NULL;
}

/* Stop the threads started, close what they hashed that was not taken. */
static void stop_all(struct base_ahead *a)
{
	size_t i;

	pthread_mutex_lock(&a->mu);
	a->stop = true;
	pthread_cond_broadcast(&a->freed);
	pthread_mutex_unlock(&a->mu);
	for (i = 0; i < HASHERS; i++)
		if (a->hashers[i].started)
			pthread_join(a->hashers[i].thread, NULL);
	/* A claimed slot is hashed before its thread looks at stop. */
	for (i = 0; i < a->n; i++)
		ota_base_file_close(&a->slots[(a->head + i) % SLOTS].f);
	a->n = 0;
}

static size_t pool_size(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return cpus < 2 ? 1 : cpus < HASHERS ? (size_t)cpus : HASHERS;
}

int base_ahead_start(struct ota_base *b, const char *name, struct ota_err *err)
{
	struct base_ahead *a = calloc(1, sizeof(*a));
	size_t i;

	if (!a)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	a->b = b;
	a->name = name;
	a->n_hashers = pool_size();
	pthread_mutex_init(&a->walk_mu, NULL);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->filled, NULL);
	pthread_cond_init(&a->freed, NULL);
	ota_manifest_walk_init(&a->w, b->m);
	for (i = 0; i < a->n_hashers; i++) {
		struct hasher *h = &a->hashers[i];

		h->a = a;
		if (!(h->hs.h = ota_sha256_new()) || !(h->hs.buf = malloc(OTA_BUNDLE_IO_CHUNK))) {
			base_ahead_free(a);
			return ota_err_set(err, OTA_EINTERNAL, "out of memory");
		}
		if (pthread_create(&h->thread, NULL, run, h)) {
			base_ahead_free(a);
			return ota_err_set(err, OTA_EINTERNAL, "cannot start a hashing thread");
		}
		h->started = true;
	}
	b->ahead = a;
	return 0;
}

int base_ahead_next(struct ota_base *b, const struct ota_entry *e, struct ota_base_file *f,
		    struct ota_err *why)
{
	struct base_ahead *a = b->ahead;
	struct slot *x = &a->slots[a->head];
	int rc;

	pthread_mutex_lock(&a->mu);
	while (a->n ? !x->ready : !a->done)
		pthread_cond_wait(&a->filled, &a->mu);
	if (!a->n) {
		*why = a->fatal;
		pthread_mutex_unlock(&a->mu);
		return why->code ? why->code
				 : ota_err_set(why, OTA_EINTERNAL, "base: no plan for %s", e->path);
	}
	rc = x->rc;
	if (x->k != a->taken++) { /* never: both walk the same files in order */
		rc = ota_err_set(why, OTA_EINTERNAL, "base: file %zu hashed for file %zu", x->k,
				 a->taken - 1);
		ota_base_file_close(&x->f);
	} else if (rc == 1) {
		*f = x->f;
		memcpy(a->cur, x->f.path, strlen(x->f.path) + 1);
		f->path = a->cur;
	} else if (rc < 0) {
		*why = x->why;
	}
	a->head = (a->head + 1) % SLOTS;
	/* The hashers wait for the ring to be half empty, not for each
	 * slot: one wake-up per half ring, not per file. */
	if (--a->n <= SLOTS / 2)
		pthread_cond_broadcast(&a->freed);
	pthread_mutex_unlock(&a->mu);
	return rc;
}

void base_ahead_free(struct base_ahead *a)
{
	size_t i;

	if (!a)
		return;
	stop_all(a);
	pthread_mutex_destroy(&a->walk_mu);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->filled);
	pthread_cond_destroy(&a->freed);
	for (i = 0; i < HASHERS; i++) {
		ota_sha256_free(a->hashers[i].hs.h);
		free(a->hashers[i].hs.buf);
	}
	free(a);
}
