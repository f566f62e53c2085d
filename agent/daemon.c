/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.c - the watch loop (daemon.h): every interval, one pass over each
 * source watched, each as `import` or `poll --once` would run it, under
 * systemd's eye (supervisor.h) until SIGTERM or SIGINT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/daemon.h"
#include "agent/supervisor.h"
#include "cli/cli.h"
#include "lib/hash.h"

struct watched {
	const struct daemon_watch *w;
	unsigned char last[OTA_SHA256_LEN]; /* of the last report printed */
	bool reported;
	char failed[OTA_VERSION_MAX + 1]; /* a version whose install failed */
};

/* Print a pass's report only when it differs from the last one of the
 * same source: a stick left in, or a bad bundle on the laptop, would
 * otherwise repeat the same lines every interval. */
static void report(struct watched *s, const struct delivery_pass *p, int rc,
		   const struct ota_err *err)
{
	struct ota_sha256 *h = ota_sha256_new();
	unsigned char sum[OTA_SHA256_LEN];
	struct ota_err ignored;
	bool same;

	if (!h || ota_sha256_update(h, p->notes.data, p->notes.len, &ignored) ||
	    ota_sha256_update(h, p->summary.data, p->summary.len, &ignored) ||
	    (rc && !p->noted && ota_sha256_update(h, err->msg, strlen(err->msg), &ignored)) ||
	    ota_sha256_final(h, sum, &ignored))
		memset(sum, 0, sizeof(sum));
	ota_sha256_free(h);
	same = s->reported && memcmp(sum, s->last, sizeof(sum)) == 0 && !p->installed;
	memcpy(s->last, sum, sizeof(sum));
	s->reported = true;
	if (!same)
		delivery_pass_report(p, rc, err);
}

static void pass(struct agent *a, struct watched *s)
{
	const struct delivery_source *src = s->w->source;
	const char *where = s->w->where;
	struct ota_err err = {0};
	struct delivery_pass p;
	int rc;

	if (src->present && !src->present(where))
		return;
	delivery_pass_init(&p);
	p.skip = s->failed[0] ? s->failed : NULL;
	rc = src->pass(a, where, &p, &err);
	/* An install that was tried and failed is not tried again and again. */
	if (rc && p.version[0] && !p.installed)
		memcpy(s->failed, p.version, sizeof(s->failed));
	report(s, &p, rc, &err);
	if (p.installed)
		supervisor_notify(a, "STATUS=installed %s from %s", p.version, where);
	else if (rc)
		supervisor_notify(a, "STATUS=failed: %s",
				  p.noted ? "a bundle was refused, see the log" : err.msg);
	else
		supervisor_notify(a, "STATUS=idle: nothing new at %s", where);
	delivery_pass_free(&p);
}

/* Fault injection for the watchdog test: the main thread hangs after its
 * first idle sleep. */
static void fault_hang(unsigned int cycle)
{
	if (cycle > 0 && getenv("OTA_AGENT_FAULT_HANG"))
		for (;;)
			sleep(1);
}

static void say_watching(const struct daemon_watch *w, size_t n, unsigned int interval_ms)
{
	size_t i;

	printf("watching");
	for (i = 0; i < n; i++)
		printf(" %s", w[i].where);
	printf(" every %u.%03u s\n", interval_ms / 1000, interval_ms % 1000);
}

int daemon_loop(struct agent *a, const struct daemon_watch *w, size_t n,
		unsigned int interval_ms)
{
	struct watched *s = calloc(n, sizeof(*s));
	struct ota_err err = {0};
	unsigned int cycle;
	size_t i;

	if (!s) {
		ota_err_set(&err, OTA_EINTERNAL, "out of memory");
		return ota_cli_fail(&err);
	}
	for (i = 0; i < n; i++)
		s[i].w = &w[i];
	/* Line by line into the journal; setvbuf fails only for a bad mode. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	if (supervisor_start(a, &err)) {
		free(s);
		return ota_cli_fail(&err);
	}
	say_watching(w, n, interval_ms);
	supervisor_notify(a, "READY=1\nSTATUS=watching");
	for (cycle = 0; !supervisor_stopping(a); cycle++) {
		fault_hang(cycle);
		for (i = 0; i < n && !supervisor_stopping(a); i++)
			pass(a, &s[i]);
		if (supervisor_idle(a, interval_ms))
			break;
	}
	supervisor_notify(a, "STOPPING=1\nSTATUS=stopping");
	printf("stopping\n");
	supervisor_stop(a);
	free(s);
	return 0;
}
