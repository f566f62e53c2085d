/* delivery.c - what the USB and HTTP passes share: the run lock for one
 * pass, the install from the spool copy (the only copy ever installed),
 * the progress hook, and the notes and summary a pass reports. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/ctlesc.h"
#include "lib/fsutil.h"
#include "lib/lock.h"
#include "lib/spool.h"

/* An install may take this long per byte of bundle (staging on slow
 * flash, 512 KiB/s) on top of its health-check bound. */
#define STAGE_MS_PER_MIB 2000ULL
#define INSTALL_SLACK_MS 60000ULL
/* The lease renewed at each progress report of a copy or a download. */
#define PROGRESS_LEASE_MS 60000ULL

void agent_pass_init(struct agent_pass *p)
{
	memset(p, 0, sizeof(*p));
	ota_buf_init(&p->notes, 1024 * 1024);
	ota_buf_init(&p->summary, 4096);
}

void agent_pass_free(struct agent_pass *p)
{
	ota_buf_free(&p->notes);
	ota_buf_free(&p->summary);
}

void agent_note(struct agent_pass *p, const struct ota_err *why)
{
	struct ota_err ignored;

	/* Past the cap (a medium with thousands of bad files) lines are lost. */
	/* Escaped: a newline in a file name cannot start a line of its own. */
	if (ota_ctlesc(why->msg, SIZE_MAX, &p->notes, &ignored) == 0)
		ota_buf_putc(&p->notes, '\n', &ignored);
}

int agent_pass_report(const struct agent_pass *p, int rc, const struct ota_err *err)
{
	const char *line = (const char *)p->notes.data, *nl;

	for (; line && *line; line = nl + 1) {
		nl = strchr(line, '\n');
		ota_cli_say(stderr, "%.*s", (int)(nl - line), line);
	}
	if (p->summary.len)
		ota_cli_print(stdout, "%s", (const char *)p->summary.data);
	fflush(stdout);
	if (rc && !p->noted)
		return ota_cli_fail(err);
	return ota_exit_status(rc);
}

int agent_lock(struct agent *a, struct ota_err *err)
{
	char manifests[PATH_MAX], releases[PATH_MAX];
	int rc;

	if (a->lock_fd >= 0)
		return 0;
	snprintf(manifests, sizeof(manifests), "%s/manifests", a->cfg.state_dir);
	snprintf(releases, sizeof(releases), "%s/releases", a->cfg.app_dir);
	if ((rc = ota_mkdir_p(manifests, 0755, err)) || (rc = ota_mkdir_p(releases, 0755, err)) ||
	    (rc = ota_lock_take(a->cfg.state_dir, &a->lock_fd, err)))
		return rc;
	a->own_lock = true;
	return 0;
}

void agent_unlock(struct agent *a)
{
	if (!a->own_lock)
		return;
	close(a->lock_fd);
	a->lock_fd = -1;
	a->own_lock = false;
}

int agent_progress(void *ctx, unsigned long long done, unsigned long long total)
{
	struct agent *a = ctx;

	(void)done, (void)total;
	agent_busy(a, PROGRESS_LEASE_MS);
	return agent_stopping(a);
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

int agent_install_spooled(struct agent *a, const char *path, const char *source,
			  struct agent_pass *p, struct ota_err *err)
{
	struct ota_err ignored;
	struct stat st;
	unsigned long long size = stat(path, &st) == 0 ? (unsigned long long)st.st_size : 0;
	int rc;

	agent_notify(a, "STATUS=installing %s", source);
	agent_busy(a, install_bound_ms(a, size));
	a->origin = source;
	rc = agent_install_file(a, path, p->version, err);
	a->origin = NULL;
	if (rc)
		rename_in_message(err, path, source);
	else
		p->installed = true;
	ota_spool_clear(a->cfg.state_dir, &ignored);
	return rc;
}
