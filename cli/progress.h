/* SPDX-License-Identifier: Apache-2.0 */
/* progress.h - the progress line of long work, on stderr when it is a
 * terminal: bytes and files done of their totals, the rate and the time
 * left, redrawn in place a few times a second and erased when the work
 * ends.  Nothing at all when stderr is not a terminal or with --quiet.
 * The library counts into its progress hook (lib/progress.h); this only
 * draws, and never cancels.
 *
 * OTA_PROGRESS_MS sets the redraw period (default 250 ms, also the delay
 * before the first line, so quick work shows nothing); 0 redraws at every
 * count, which the tests use. */
#ifndef OTA_CLI_PROGRESS_H
#define OTA_CLI_PROGRESS_H

#include <stdbool.h>
#include <time.h>

#include "lib/progress.h"

struct ota_cli_progress {
	struct ota_progress progress;
	char what[256];        /* "app.bundle: verifying" */
	bool on, shown;
	struct timespec start, last;
	long period_ms;
};

/* Start a line for the work named by what (copied).  quiet: never draw. */
void ota_cli_progress_start(struct ota_cli_progress *p, const char *what, bool quiet);
/* The progress to give the library: NULL when nothing will be drawn. */
struct ota_progress *ota_cli_progress_hook(struct ota_cli_progress *p);
/* Erase the line, if one was drawn, before the result or error is printed. */
void ota_cli_progress_end(struct ota_cli_progress *p);

#endif
