/* SPDX-License-Identifier: Apache-2.0 */
/* hashq.c - the hashing thread of hashq.h: a small queue of chunks and
 * file ends under one mutex; buffers circulate between a free list and
 * the queue. */
#include "lib/hashq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The queue holds at most every buffer plus a file end after each. */
#define QLEN (2 * OTA_HASHQ_BUFFERS + 2)

struct item {
	unsigned char *buf; /* NULL: end of file, digest to out */
	size_t len;
	unsigned char *out;
};

struct ota_hashq {
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t work, room; /* something to hash / a buffer or slot freed */
	struct item q[QLEN];
	size_t head, n;            /* queued items */
	unsigned char *free_bufs[OTA_HASHQ_BUFFERS];
	size_t n_free;
	bool busy, stop;
	int error;                 /* first failure, as an OTA code */
	struct ota_sha256 *h;
	unsigned char *mem;
};

static void *run(void *arg)
{
	struct ota_hashq *q = arg;
	struct item it;
	int rc;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->n && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		if (!q->n)
			break;
		it = q->q[q->head];
		q->head = (q->head + 1) % QLEN;
		q->n--;
		q->busy = true;
		pthread_mutex_unlock(&q->mu);
		if (it.buf)
			rc = ota_sha256_update(q->h, it.buf, it.len, NULL);
		else if ((rc = ota_sha256_final(q->h, it.out, NULL)) == 0)
			rc = ota_sha256_reset(q->h, NULL);
		pthread_mutex_lock(&q->mu);
		if (rc && !q->error)
			q->error = rc;
		if (it.buf)
			q->free_bufs[q->n_free++] = it.buf;
		q->busy = false;
		pthread_cond_signal(&q->room);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int ota_hashq_new(struct ota_hashq **out, struct ota_err *err)
{
	struct ota_hashq *q = calloc(1, sizeof(*q));
	size_t i;

	*out = NULL;
	if (!q || !(q->h = ota_sha256_new()) ||
	    !(q->mem = malloc((size_t)OTA_HASHQ_BUFFERS * OTA_HASHQ_CHUNK))) {
		ota_hashq_free(q);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	for (i = 0; i < OTA_HASHQ_BUFFERS; i++)
		q->free_bufs[q->n_free++] = q->mem + i * OTA_HASHQ_CHUNK;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->room, NULL);
	if (pthread_create(&q->thread, NULL, run, q)) {
		ota_hashq_free(q);
		return ota_err_set(err, OTA_EINTERNAL, "cannot start the hashing thread");
	}
	q->started = true;
	*out = q;
	return 0;
}

void ota_hashq_free(struct ota_hashq *q)
{
	if (!q)
		return;
	if (q->started) {
		pthread_mutex_lock(&q->mu);
		q->stop = true;
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
		pthread_mutex_destroy(&q->mu);
		pthread_cond_destroy(&q->work);
		pthread_cond_destroy(&q->room);
	}
	ota_sha256_free(q->h);
	free(q->mem);
	free(q);
}

unsigned char *ota_hashq_buffer(struct ota_hashq *q)
{
	unsigned char *b;

	pthread_mutex_lock(&q->mu);
	while (!q->n_free)
		pthread_cond_wait(&q->room, &q->mu);
	b = q->free_bufs[--q->n_free];
	pthread_mutex_unlock(&q->mu);
	return b;
}

static void enqueue(struct ota_hashq *q, struct item it)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == QLEN)
		pthread_cond_wait(&q->room, &q->mu);
	q->q[(q->head + q->n) % QLEN] = it;
	q->n++;
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->mu);
}

void ota_hashq_push(struct ota_hashq *q, unsigned char *buf, size_t len)
{
	enqueue(q, (struct item){buf, len, NULL});
}

void ota_hashq_end(struct ota_hashq *q, unsigned char out[OTA_SHA256_LEN])
{
	enqueue(q, (struct item){NULL, 0, out});
}

int ota_hashq_drain(struct ota_hashq *q, struct ota_err *err)
{
	int rc;

	pthread_mutex_lock(&q->mu);
	while (q->n || q->busy)
		pthread_cond_wait(&q->room, &q->mu);
	rc = q->error;
	pthread_mutex_unlock(&q->mu);
	return rc ? ota_err_set(err, rc, "sha256 failed on the hashing thread") : 0;
}
