/* SPDX-License-Identifier: Apache-2.0 */
/* progress.c - drawing the progress line of progress.h on stderr. */
#include "cli/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/ctlesc.h"

static long ms_since(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000L + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

/* "412.3 MB", "12.0 kB": decimal units, as disks and links are sold. */
static void human(unsigned long long n, char *out, size_t len)
{
	static const char *const unit[] = {"B", "kB", "MB", "GB", "TB"};
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, len, u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void draw(struct ota_cli_progress *p, const struct timespec *now)
{
	const struct ota_progress *m = &p->progress;
	char done[32], total[32], rate[32], eta[32] = "";
	long ms = ms_since(&p->start, now);
	double bps = ms > 0 ? (double)m->bytes * 1000.0 / (double)ms : 0;
	unsigned long long left;
	int pct = m->bytes_total ? (int)(m->bytes * 100 / m->bytes_total) : 100;

	human(m->bytes, done, sizeof(done));
	human(m->bytes_total, total, sizeof(total));
	human((unsigned long long)bps, rate, sizeof(rate));
	if (bps > 0 && m->bytes_total > m->bytes) {
		left = (unsigned long long)((double)(m->bytes_total - m->bytes) / bps);
		snprintf(eta, sizeof(eta), ", ETA %llu:%02llu", left / 60, left % 60);
	}
	fprintf(stderr, "\r\033[K%s: %s: %s of %s (%d%%), %llu of %llu files, %s/s%s",
		ota_cli_prog(), p->what, done, total, pct, m->files, m->files_total, rate, eta);
	fflush(stderr);
	p->shown = true;
}

static int tick(struct ota_progress *m)
{
	struct ota_cli_progress *p = m->ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms_since(&p->last, &now) < p->period_ms)
		return 0;
	p->last = now;
	draw(p, &now);
	return 0;
}

void ota_cli_progress_start(struct ota_cli_progress *p, const char *what, bool quiet)
{
	const char *env = getenv("OTA_PROGRESS_MS");
	struct ota_buf esc;
	char *end;

	memset(p, 0, sizeof(*p));
	/* A name from a medium drawn on the terminal: escaped, as every message. */
	ota_buf_init(&esc, 0);
	if (ota_ctlesc(what, sizeof(p->what) - 1, &esc, NULL) == 0 && esc.data)
		snprintf(p->what, sizeof(p->what), "%.*s", (int)esc.len, (const char *)esc.data);
	ota_buf_free(&esc);
	p->period_ms = 250;
	if (env && *env) {
		p->period_ms = strtol(env, &end, 10);
		if (*end || p->period_ms < 0)
			p->period_ms = 250;
	}
	p->on = !quiet && isatty(STDERR_FILENO);
	p->progress.fn = tick;
	p->progress.ctx = p;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	p->last = p->start;
}

struct ota_progress *ota_cli_progress_hook(struct ota_cli_progress *p)
{
	return p->on ? &p->progress : NULL;
}

void ota_cli_progress_end(struct ota_cli_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	fflush(stderr);
	p->shown = false;
}
