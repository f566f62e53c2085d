/* ota-agent watch: the daemon (ota-agent.service, Type=notify).  Every
 * watch.interval it scans watch.usb and polls watch.http, each pass as
 * `import` and `poll --once` would run it; it tells systemd READY=1,
 * STATUS= and STOPPING=1, feeds the watchdog (daemon.c) and stops cleanly
 * on SIGTERM or SIGINT, between passes or during a download. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/hash.h"

struct source {
	const char *where; /* a directory (USB) or a URL (HTTP) */
	bool usb;
	unsigned char last[OTA_SHA256_LEN]; /* of the last report printed */
	bool reported;
	char failed[OTA_VERSION_MAX + 1]; /* a version whose install failed */
};

/* Print a pass's report only when it differs from the last one of the
 * same source: a stick left in, or a bad bundle on the laptop, would
 * otherwise repeat the same lines every interval. */
static void report(struct source *s, const struct agent_pass *p, int rc,
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
		agent_pass_report(p, rc, err);
}

static void pass(struct agent *a, struct source *s)
{
	struct ota_err err = {0};
	struct agent_pass p;
	int rc;

	/* No medium mounted there: nothing to say, every interval. */
	if (s->usb && access(s->where, F_OK) && errno == ENOENT)
		return;
	agent_pass_init(&p);
	p.skip = s->failed[0] ? s->failed : NULL;
	rc = s->usb ? agent_import_dir(a, s->where, &p, &err)
		    : agent_poll_once(a, s->where, &p, &err);
	/* An install that was tried and failed is not tried again and again. */
	if (rc && p.version[0] && !p.installed)
		memcpy(s->failed, p.version, sizeof(s->failed));
	report(s, &p, rc, &err);
	if (p.installed)
		agent_notify(a, "STATUS=installed %s from %s", p.version, s->where);
	else if (rc)
		agent_notify(a, "STATUS=failed: %s", p.noted ? "a bundle was refused, see the log"
							 : err.msg);
	else
		agent_notify(a, "STATUS=idle: nothing new at %s", s->where);
	agent_pass_free(&p);
}

/* Fault injection for the watchdog test: the main thread hangs after its
 * first idle sleep. */
static void fault_hang(unsigned int cycle)
{
	if (cycle > 0 && getenv("OTA_AGENT_FAULT_HANG"))
		for (;;)
			sleep(1);
}

int agent_loop(struct agent *a, const char *usb, const char *url, unsigned int interval_ms)
{
	struct source src[2] = {{.where = usb, .usb = true}, {.where = url}};
	struct ota_err err = {0};
	unsigned int cycle;
	size_t i;

	/* Line by line into the journal; setvbuf fails only for a bad mode. */
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	if (agent_daemon_start(a, &err))
		return ota_cli_fail(&err);
	printf("watching%s%s%s%s every %u.%03u s\n", usb ? " " : "", usb ? usb : "",
	       url ? " " : "", url ? url : "", interval_ms / 1000, interval_ms % 1000);
	agent_notify(a, "READY=1\nSTATUS=watching");
	for (cycle = 0; !agent_stopping(a); cycle++) {
		fault_hang(cycle);
		for (i = 0; i < 2 && !agent_stopping(a); i++)
			if (src[i].where)
				pass(a, &src[i]);
		if (agent_idle(a, interval_ms))
			break;
	}
	agent_notify(a, "STOPPING=1\nSTATUS=stopping");
	printf("stopping\n");
	agent_daemon_stop(a);
	return 0;
}

int cmd_watch(struct agent *a, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ota_cli_usage("watch: takes no arguments (the config names the sources)");
	if (!a->cfg.usb_dir && !a->cfg.source_url) {
		struct ota_err err;
		ota_err_set(&err, OTA_ECONFIG, "watch: the config sets neither watch.usb nor "
			    "watch.http: nothing to watch");
		return ota_cli_fail(&err);
	}
	return agent_loop(a, a->cfg.usb_dir, a->cfg.source_url, a->cfg.watch_interval_ms);
}
