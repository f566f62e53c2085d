/* SPDX-License-Identifier: Apache-2.0 */
/* delivery.c - the table of delivery sources and what their passes share
 * (delivery.h): the notes and summary a pass reports, the install straight
 * from a source or from its spool copy, the progress hooks. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/delivery.h"
#include "agent/engine.h"
#include "agent/interrupt.h"
#include "agent/supervisor.h"
#include "cli/cli.h"
#include "lib/ctlesc.h"
#include "lib/fault.h"
#include "lib/fsutil.h"
#include "lib/layout.h"
#include "lib/lock.h"
#include "lib/spool.h"

/* An install may take this long per byte of bundle (staging on slow
 * flash, 512 KiB/s) on top of its health-check bound. */
#define STAGE_MS_PER_MIB 2000ULL
#define INSTALL_SLACK_MS 60000ULL
/* The lease renewed at each progress report of a copy or a download. */
#define PROGRESS_LEASE_MS 60000ULL

const struct delivery_source *const delivery_sources[] = {&delivery_usb, &delivery_http, NULL};

void delivery_pass_init(struct delivery_pass *p)
{
	memset(p, 0, sizeof(*p));
	ota_buf_init(&p->notes, 1024 * 1024);
	ota_buf_init(&p->summary, 4096);
}

void delivery_pass_free(struct delivery_pass *p)
{
	ota_buf_free(&p->notes);
	ota_buf_free(&p->summary);
}

void delivery_note(struct delivery_pass *p, const struct ota_err *why)
{
	struct ota_err ignored;

	/* Past the cap (a medium with thousands of bad files) lines are lost. */
	/* Escaped: a newline in a file name cannot start a line of its own. */
	if (ota_ctlesc(why->msg, SIZE_MAX, &p->notes, &ignored) == 0)
		ota_buf_putc(&p->notes, '\n', &ignored);
}

int delivery_pass_report(const struct delivery_pass *p, int rc, const struct ota_err *err)
{
	const char *line = (const char *)p->notes.data, *nl;

	for (; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ota_cli_say(stderr, "%.*s", (int)(nl - line), line);
	}
	/* One line each: what the trust step applied, then the pass's own. */
	for (line = p->summary.len ? (const char *)p->summary.data : NULL; line && *line;
	     line = *nl ? nl + 1 : nl) {
		nl = strchrnul(line, '\n');
		ota_cli_print(stdout, "%.*s", (int)(nl - line), line);
	}
	fflush(stdout);
	if (rc && !p->noted)
		return ota_cli_fail(err);
	return ota_exit_status(rc);
}

static int on_progress(struct ota_progress *p)
{
	struct agent *a = p->ctx;

	/* The tests' stop in the middle of a copy or a download. */
	if (p->bytes)
		ota_fault_point("DELIVERING");
	supervisor_busy(a, PROGRESS_LEASE_MS);
	return supervisor_stopping(a) || interrupt_signal();
}

void delivery_progress_init(struct ota_progress *p, struct agent *a)
{
	memset(p, 0, sizeof(*p));
	p->fn = on_progress;
	p->ctx = a;
}

/* The worst case of one install: a restart in recover, the restart, the
 * restart count, a health wait whose last poll may run over by its checks,
 * the restart of a rollback; and staging the bundle. */
static unsigned long long install_bound_ms(const struct agent *a, unsigned long long size)
{
	return 8ULL * a->cfg.timeout_ms + (size >> 20) * STAGE_MS_PER_MIB + INSTALL_SLACK_MS;
}

/* The message names source where it named the spool copy. */
static void rename_in_message(struct ota_err *err, const char *path, const char *source)
{
	char msg[OTA_ERR_MSG_MAX];
	const char *at = strstr(err->msg, path);

	if (!at)
		return;
	snprintf(msg, sizeof(msg), "%.*s%s%s", (int)(at - err->msg), err->msg, source,
		 at + strlen(path));
	memcpy(err->msg, msg, sizeof(msg));
}

int delivery_stopped(const char *where, struct ota_err *err)
{
	return ota_err_set(err, OTA_EINTR, "%s: interrupted by %s: nothing installed", where,
			   interrupt_name(interrupt_signal()));
}

int delivery_spool_open(struct agent *a, const char *source, struct delivery_spool *s,
			struct ota_err *err)
{
	int rc;

	s->lock_fd = -1;
	if ((rc = ota_layout_spool(a->cfg.state_dir, source, s->dir, sizeof(s->dir), err)) ||
	    (rc = ota_lock_take_spool(s->dir, &s->lock_fd, err)))
		return rc;
	return ota_spool_clear(s->dir, err);
}

void delivery_spool_close(struct delivery_spool *s)
{
	struct ota_err ignored;

	if (s->lock_fd < 0)
		return;
	ota_spool_clear(s->dir, &ignored);
	close(s->lock_fd);
	s->lock_fd = -1;
}

int delivery_check_lock(struct agent *a, struct ota_err *err)
{
	long pid = 0;
	int held = ota_lock_holder(a->cfg.state_dir, &pid, err);

	if (held < 0 || a->lock_fd >= 0)
		return held < 0 ? held : 0;
	if (held == 0)
		return 0;
	if (pid)
		return ota_err_set(err, OTA_EBUSY, "%s/lock: another ota-agent run holds the lock "
				   "(pid %ld)", a->cfg.state_dir, pid);
	return ota_err_set(err, OTA_EBUSY, "%s/lock: another ota-agent run holds the lock",
			   a->cfg.state_dir);
}

int delivery_install_spooled(struct agent *a, const struct delivery_spool *s, const char *path,
			     const char *source, struct delivery_pass *p, struct ota_err *err)
{
	struct ota_err ignored;
	struct stat st;
	unsigned long long size = stat(path, &st) == 0 ? (unsigned long long)st.st_size : 0;
	int rc = agent_lock(a, err);

	if (rc == 0) {
		supervisor_notify(a, "STATUS=installing %s", source);
		supervisor_busy(a, install_bound_ms(a, size));
		a->origin = source;
		rc = engine_install(a, path, p->version, err);
		a->origin = NULL;
		agent_unlock(a);
	}
	if (rc)
		rename_in_message(err, path, source);
	else
		p->installed = true;
	ota_spool_clear(s->dir, &ignored);
	return rc;
}

int delivery_install_direct(struct agent *a, const struct ota_bundle_source *src,
			    const char *name, unsigned long long size, struct delivery_pass *p,
			    struct ota_err *err)
{
	int rc = agent_lock(a, err);

	if (rc)
		return rc;
	supervisor_notify(a, "STATUS=installing %s", name);
	supervisor_busy(a, install_bound_ms(a, size));
	rc = engine_install_source(a, src, name, p->version, err);
	agent_unlock(a);
	if (rc == 0)
		p->installed = true;
	return rc;
}

static int on_direct_progress(struct ota_progress *p)
{
	struct delivery_direct_progress *d = p->ctx;

	if (p->bytes)
		ota_fault_point("DELIVERING");
	supervisor_busy(d->a, d->lease_ms);
	return supervisor_stopping(d->a) || interrupt_signal();
}

void delivery_direct_progress_init(struct delivery_direct_progress *d, struct agent *a,
				   unsigned long long size)
{
	memset(d, 0, sizeof(*d));
	d->p.fn = on_direct_progress;
	d->p.ctx = d;
	d->a = a;
	d->lease_ms = install_bound_ms(a, size);
}

int delivery_run_once(struct agent *a, const struct delivery_source *src, const char *where)
{
	struct delivery_pass p;
	struct ota_err err = {0};
	int rc;

	delivery_pass_init(&p);
	rc = src->pass(a, where, &p, &err);
	rc = delivery_pass_report(&p, rc, &err);
	delivery_pass_free(&p);
	return rc;
}
