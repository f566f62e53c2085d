/* SPDX-License-Identifier: Apache-2.0 */
/* progress.h - how far long work has got, and a way to stop it (curl's
 * transfer-progress model): the library counts bytes and files done of
 * their totals and calls the caller's hook, which may draw a progress line
 * (cli/progress.c), feed a watchdog, or cancel.  One hook for every long
 * operation: hashing and verifying a payload, staging it, creating and
 * signing a bundle, copying a bundle off a medium, downloading one.
 *
 * The hook is called per block and per entry, and at least every second
 * or so while a download waits or retries, so it must be cheap.  Non-zero
 * from it cancels the operation, which then fails with an "interrupted"
 * reason. */
#ifndef OTA_PROGRESS_H
#define OTA_PROGRESS_H

struct ota_progress {
	unsigned long long bytes, bytes_total; /* of file data; total 0 if unknown */
	unsigned long long files, files_total;
	int (*fn)(struct ota_progress *p); /* NULL: nobody is looking */
	void *ctx;                         /* the caller's */
};

/* Count n more bytes and f more files done, then call the hook: its
 * answer (0 to go on).  p may be NULL. */
static inline int ota_progress_add(struct ota_progress *p, unsigned long long n, unsigned f)
{
	if (!p)
		return 0;
	p->bytes += n;
	p->files += f;
	return p->fn ? p->fn(p) : 0;
}

/* Set bytes done of total (a copy or a download that knows its place),
 * then call the hook: its answer.  p may be NULL. */
static inline int ota_progress_at(struct ota_progress *p, unsigned long long done,
				  unsigned long long total)
{
	if (!p)
		return 0;
	p->bytes = done;
	p->bytes_total = total;
	return p->fn ? p->fn(p) : 0;
}

#endif
