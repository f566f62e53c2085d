/* progress.h - a caller's hook into long copies and downloads (spool.h,
 * fetch.h): told as bytes move, and able to cancel, so that a daemon can
 * feed its watchdog and stop promptly on SIGTERM. */
#ifndef OTA_PROGRESS_H
#define OTA_PROGRESS_H

struct ota_progress {
	/* done of total bytes so far (total 0 when not known).  Called at
	 * least every second or so while the operation runs, and while it
	 * waits to retry; non-zero cancels it (the operation then fails with
	 * an "interrupted" reason). */
	int (*fn)(void *ctx, unsigned long long done, unsigned long long total);
	void *ctx;
};

#endif
