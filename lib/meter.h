/* meter.h - how far long work has got, for a caller that shows progress
 * (cli/progress.c): bytes and files done of known totals.  The library
 * only counts and calls tick; the caller decides whether and how often to
 * show anything, so tick must be cheap (it is called per block and per
 * entry). */
#ifndef OTA_METER_H
#define OTA_METER_H

struct ota_meter {
	unsigned long long bytes, bytes_total; /* of file data */
	unsigned long long files, files_total;
	void (*tick)(struct ota_meter *m); /* NULL: nobody is looking */
	void *ctx;                         /* the caller's */
};

/* Count n more bytes and f more files done, then tick.  m may be NULL. */
static inline void ota_meter_add(struct ota_meter *m, unsigned long long n, unsigned f)
{
	if (!m)
		return;
	m->bytes += n;
	m->files += f;
	if (m->tick)
		m->tick(m);
}

#endif
