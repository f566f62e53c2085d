/* SPDX-License-Identifier: Apache-2.0 */
/* delivery_usb.c - the USB source (delivery.h): a mounted medium.  Every
 * *.bundle is judged by its signed head alone (signatures, manifest,
 * device class, newer than installed, rollback index) before the rest of
 * it is read; the newest is installed straight off the medium (or, with
 * watch.direct: 0, copied into the spool and installed from there).  Bad
 * and foreign bundles are named and skipped.  The medium is only ever
 * read. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/delivery.h"
#include "agent/engine.h"
#include "agent/interrupt.h"
#include "agent/supervisor.h"
#include "agent/trust_set.h"
#include "lib/antirollback.h"
#include "lib/clock.h"
#include "lib/fsutil.h"
#include "lib/index.h"
#include "lib/semver.h"
#include "lib/spool.h"
#include "lib/verify.h"

struct candidate {
	const char *name; /* borrowed from the scan's names */
	char version[OTA_VERSION_MAX + 1];
};

struct scan {
	struct agent *a;
	const char *dir;
	struct delivery_pass *p;
	struct delivery_spool spool;
	char installed[OTA_VERSION_MAX + 1];
	unsigned long long floor; /* the device's rollback-index floor */
	struct candidate *c; /* bundles worth installing, newest first once sorted */
	size_t n_c, n_older, n_foreign, n_refused;
	int first_rc;             /* of the first bundle refused */
	struct ota_err first_err; /* and its reason */
	int newer_rc;             /* of the first newer bundle refused (exit status) */
	struct ota_err newer_err;
};

/* Read-only, never following a link, never blocking on a fifo, and not
 * even touching the access time where we may. */
static int open_medium(const struct agent *a, const char *path, unsigned long long *size,
		       struct ota_err *err)
{
	struct stat st;
	int fd = ota_open_regular(AT_FDCWD, path, O_NOFOLLOW | O_NOATIME, NULL, &st, err);

	if (fd < 0)
		return fd;
	*size = (unsigned long long)st.st_size;
	if (*size > a->cfg.max_bundle_bytes) {
		close(fd);
		return ota_err_set(err, OTA_EFETCH, "%s: %llu bytes is over watch.max_bundle_mb "
				   "(%u MiB)", path, *size, a->cfg.max_bundle_mb);
	}
	return fd;
}

/* newer: a bundle for this device, newer than what runs (its signed head
 * read), refused: what decides the exit status (install_newest). */
static void refuse(struct scan *s, int rc, const struct ota_err *why, bool newer)
{
	delivery_note(s->p, why);
	s->n_refused++;
	if (!s->first_rc) {
		s->first_rc = rc;
		s->first_err = *why;
	}
	if (newer && !s->newer_rc) {
		s->newer_rc = rc;
		s->newer_err = *why;
	}
}

/* Judge one bundle by its signed head. */
static int judge(struct scan *s, const char *path, const struct ota_manifest *m,
		 struct candidate *c, struct ota_err *why)
{
	int rc;

	if (s->p->skip && strcmp(m->version, s->p->skip) == 0)
		return ota_err_set(why, OTA_EROLLBACK, "%s: %s failed to install before: not "
				   "tried again until ota-agent restarts", path, m->version);
	/* Not newer: counted, not named (a stick keeps old releases). */
	if (ota_antirollback_judge(s->installed, s->floor, m->version, m->rollback_index) ==
	    OTA_NOT_NEWER)
		return 1;
	if ((rc = ota_antirollback_check(s->installed, s->floor, m->version, m->rollback_index,
					 path, why)))
		return rc;
	memcpy(c->version, m->version, strlen(m->version) + 1);
	return 0;
}

static int examine(struct scan *s, const char *name, struct ota_err *err)
{
	struct ota_verify_opts opts = {.keys = &s->a->keys,
				       .device_class = s->a->cfg.device_class,
				       .threshold = s->a->threshold, /* the trust set's */
				       .spool_dir = s->a->cfg.state_dir};
	struct ota_verify_session v = {0};
	struct ota_err why = {0};
	char path[PATH_MAX];
	unsigned long long size;
	bool device_fault, head;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", s->dir);
	fd = open_medium(s->a, path, &size, &why);
	rc = fd < 0 ? fd : ota_verify_open(&v, fd, path, &opts, &why);
	head = rc == 0;
	if (rc == 0)
		rc = judge(s, path, v.res.manifest, &s->c[s->n_c], &why);
	/* A fault of the device stops the scan; the bundle's are noted. */
	device_fault = rc < 0 && ota_code_fault(rc) == OTA_FAULT_DEVICE;
	if (rc == 0)
		s->c[s->n_c++].name = name;
	else if (rc == 1)
		s->n_older++;
	else if (device_fault)
		*err = why;
	else if (rc != OTA_ETARGET)
		refuse(s, rc, &why, head);
	/* Another device's: named, skipped, not a failure of this import. */
	if (rc == OTA_ETARGET) {
		s->n_foreign++;
		delivery_note(s->p, &why);
	}
	ota_verify_close(&v);
	if (fd >= 0)
		close(fd);
	return device_fault ? rc : 0;
}

static int newest_first(const void *x, const void *y)
{
	const struct candidate *a = x, *b = y;
	int c = ota_semver_cmp(b->version, a->version);

	return c ? c : strcmp(a->name, b->name);
}

/* Copy the candidate off the medium into the spool, install it from there. */
/* The copy off the medium failed (a stick pulled out, a bad sector; or a
 * signal, which is what systemd sends the import unit when the stick
 * goes): said so plainly, and kept in the history, since no run
 * recorded it. */
static void copy_failed(struct scan *s, const struct candidate *c, struct ota_err *err)
{
	char why[OTA_ERR_MSG_MAX];
	struct ota_err ignored;

	snprintf(why, sizeof(why), "%s", err->msg);
	if (interrupt_signal())
		ota_err_set(err, OTA_EINTR, "%s/%s: interrupted by %s while the bundle was copied "
			    "off the medium (pulled out?): nothing installed, the device as it was",
			    s->dir, c->name, interrupt_name(interrupt_signal()));
	else
		ota_err_set(err, OTA_EIO, "%s/%s: the medium failed or was pulled out while the "
			    "bundle was copied off it (%s): nothing installed, the device as it was",
			    s->dir, c->name, why);
	/* The history is appended to under the run lock only; with another
	 * run holding it, the line on stderr is all there is. */
	if (agent_lock(s->a, &ignored) == 0) {
		engine_record(s->a, c->version, c->name, err, &ignored);
		agent_unlock(s->a);
	}
}

/* A bundle on the medium as a source (bundle_read.h) for a direct
 * install: read in order up to the size it had when opened; a read that
 * fails or a file that shrank is the medium failing or pulled out.
 *
 * A direct install holds the run lock while it reads, so the medium is
 * held to the bounds of a download: under watch.min_rate for a whole
 * watch.stall_timeout, or longer than watch.max_time in all, and the read
 * is cut.  A stick that trickles (worn out, or made to) cannot keep a
 * rollback waiting longer than that. */
struct medium {
	int fd;
	const char *path;
	unsigned long long size, pos;
	const struct ota_config *cfg;
	long long start_ms, window_ms;  /* the read's start, this window's */
	unsigned long long window_pos;  /* pos when this window began */
};

/* 0 while the read keeps to its bounds, else OTA_EIO naming the bound. */
static int medium_in_bounds(struct medium *m, struct ota_err *err)
{
	long long now = ota_monotonic_ms(), span = now - m->window_ms;

	if (m->cfg->max_fetch_ms && now - m->start_ms > (long long)m->cfg->max_fetch_ms)
		return ota_err_set(err, OTA_EIO, "%s: reading the bundle off the medium took over "
				   "%u ms (watch.max_time): nothing installed", m->path,
				   m->cfg->max_fetch_ms);
	if (span < (long long)m->cfg->stall_timeout_ms)
		return 0;
	if ((m->pos - m->window_pos) * 1000 < (unsigned long long)m->cfg->min_rate * span)
		return ota_err_set(err, OTA_EIO, "%s: the medium gave %llu bytes in %lld ms, under "
				   "watch.min_rate (%u B/s) for watch.stall_timeout: too slow, "
				   "nothing installed", m->path, m->pos - m->window_pos, span,
				   m->cfg->min_rate);
	m->window_ms = now;
	m->window_pos = m->pos;
	return 0;
}

static int medium_read(void *ctx, void *buf, size_t cap, size_t *n, struct ota_err *err)
{
	struct medium *m = ctx;
	size_t want = m->size - m->pos < cap ? (size_t)(m->size - m->pos) : cap;
	ssize_t got;

	*n = 0;
	if (want == 0)
		return 0;
	do
		got = read(m->fd, buf, want);
	while (got < 0 && errno == EINTR && !interrupt_signal());
	if (got < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s: the medium failed or was pulled out "
				     "while the bundle was read off it", m->path);
	if (got == 0)
		return ota_err_set(err, OTA_EIO, "%s: the medium failed or was pulled out while the "
				   "bundle was read off it (%llu of %llu bytes: shorter than it was)",
				   m->path, m->pos, m->size);
	m->pos += (unsigned long long)got;
	*n = (size_t)got;
	return medium_in_bounds(m, err);
}

static int medium_reread(void *ctx, unsigned long long off, void *buf, size_t len,
			 struct ota_err *err)
{
	struct medium *m = ctx;
	ssize_t got;

	if (off + len > m->pos)
		return ota_err_set(err, OTA_EINTERNAL, "%s: bytes %llu+%zu not read yet", m->path,
				   off, len);

	for (; len; len -= (size_t)got, off += (unsigned long long)got, buf = (char *)buf + got) {
		got = pread(m->fd, buf, len, (off_t)off);
		if (got < 0 && errno == EINTR)
			got = 0;
		else if (got <= 0)
			return ota_err_errno(err, OTA_EIO, got ? errno : EIO, "%s: the medium failed or "
					     "was pulled out while the bundle was read off it",
					     m->path);
	}
	return 0;
}

/* Install the candidate straight off the medium. */
static int take_direct(struct scan *s, int fd, const char *path, unsigned long long size,
		       struct ota_err *err)
{
	long long now = ota_monotonic_ms();
	struct medium m = {.fd = fd, .path = path, .size = size, .cfg = &s->a->cfg,
			   .start_ms = now, .window_ms = now};
	struct ota_bundle_source src = {.fd = -1, .read = medium_read, .reread = medium_reread,
					.ctx = &m};

	return delivery_install_direct(s->a, &src, path, size, s->p, err);
}

static int take(struct scan *s, const struct candidate *c, struct ota_err *err)
{
	struct ota_progress prog;
	char medium[PATH_MAX], spooled[PATH_MAX];
	struct ota_err ignored;
	unsigned long long size;
	int fd, rc;

	snprintf(medium, sizeof(medium), "%s/%s", s->dir, c->name);
	if ((rc = delivery_check_lock(s->a, err)))
		return rc;
	if ((fd = open_medium(s->a, medium, &size, err)) < 0)
		return fd;
	if (s->a->cfg.direct) {
		rc = take_direct(s, fd, medium, size, err);
		close(fd);
		return rc;
	}
	delivery_progress_init(&prog, s->a);
	supervisor_notify(s->a, "STATUS=copying %s", medium);
	supervisor_busy(s->a, 60000);
	rc = ota_spool_copy(s->spool.dir, fd, medium, size, c->name, &prog, spooled,
			    sizeof(spooled), err);
	close(fd);
	if (rc) {
		ota_spool_clear(s->spool.dir, &ignored);
		if (rc == OTA_EIO) {
			copy_failed(s, c, err);
			rc = err->code;
		}
		return rc;
	}
	return delivery_install_spooled(s->a, &s->spool, spooled, medium, s->p, err);
}

static int install_newest(struct scan *s, struct ota_err *err)
{
	enum ota_fault fault;
	struct ota_err why;
	size_t i;
	int rc;

	if (s->n_c > 1)
		qsort(s->c, s->n_c, sizeof(*s->c), newest_first);
	for (i = 0; i < s->n_c; i++) {
		why = (struct ota_err){0};
		if ((rc = take(s, &s->c[i], &why)) == 0)
			return 0;
		/* A copy a signal cut (an install says what it undid). */
		if (rc != OTA_EINTR && interrupt_signal())
			rc = delivery_stopped(s->dir, &why);
		fault = ota_code_fault(rc);
		if (fault == OTA_FAULT_DEVICE) {
			*err = why;
			return rc;
		}
		refuse(s, rc, &why, true);
		/* The bundle's or the medium's fault: the next may be fine.  A
		 * release that failed its health check: nothing older now. */
		if (fault == OTA_FAULT_RELEASE)
			break;
	}
	/* The most important outcome: a newer bundle refused; else, when the
	 * medium held this device's bundles and none was newer, that (0: the
	 * files refused on the way are named above and counted); else the
	 * first file refused. */
	*err = s->newer_rc ? s->newer_err : s->first_err;
	s->p->noted = s->first_rc != 0;
	return s->newer_rc ? s->newer_rc : s->n_older ? 0 : s->first_rc;
}

/* watch.scan_timeout ran out with left bundles not yet judged (a medium
 * of many bundles whose heads are costly): they are named as one note,
 * and the pass goes on with the ones judged. */
static void out_of_time(struct scan *s, size_t left)
{
	struct ota_err why;

	ota_err_set(&why, OTA_EFETCH, "%s: stopped judging bundles after %u ms "
		    "(watch.scan_timeout): %zu left unread", s->dir, s->a->cfg.scan_timeout_ms,
		    left);
	delivery_note(s->p, &why);
}

static void summarize(const struct scan *s, size_t n)
{
	struct ota_err ignored;
	char line[PATH_MAX + 512];

	if (s->p->installed)
		snprintf(line, sizeof(line), "%s: installed and promoted %s", s->dir,
			 s->p->version);
	else
		snprintf(line, sizeof(line), "%s: no bundle newer than %s for %s (%zu looked at: "
			 "%zu not newer, %zu for another device class, %zu refused)", s->dir,
			 s->installed[0] ? s->installed : "nothing", s->a->cfg.device_class, n,
			 s->n_older, s->n_foreign, s->n_refused);
	ota_buf_puts(&s->p->summary, line, &ignored);
}

static int usb_pass(struct agent *a, const char *dir, struct delivery_pass *p,
		    struct ota_err *err)
{
	struct scan s = {.a = a, .dir = dir, .p = p, .spool = {.lock_fd = -1}};
	struct delivery_trust trust;
	char **names = NULL;
	size_t n = 0, i;
	long long deadline;
	int rc;

	delivery_trust_init(&trust);
	/* Trust files first: a rotation on the medium decides which of its
	 * bundles are signed well enough. */
	if ((rc = delivery_spool_open(a, delivery_usb.name, &s.spool, err)) ||
	    (rc = delivery_trust_read_dir(&trust, dir, p, err)) ||
	    (rc = delivery_trust_apply(a, &trust, p, err)) ||
	    (rc = trust_set_load(a, err)) ||
	    (rc = engine_installed(a, s.installed, &s.floor, err)) ||
	    (rc = ota_bundle_names(dir, &names, &n, err)))
		goto out;
	if (n && !(s.c = calloc(n, sizeof(*s.c)))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	delivery_trust_fold(&trust, &s.n_refused, &s.first_rc, &s.first_err);
	supervisor_notify(a, "STATUS=looking at %s", dir);
	deadline = ota_monotonic_ms() + a->cfg.scan_timeout_ms;
	for (i = 0; rc == 0 && i < n && !supervisor_stopping(a) && !interrupt_signal(); i++) {
		if (ota_monotonic_ms() >= deadline) {
			out_of_time(&s, n - i);
			break;
		}
		supervisor_busy(a, 60000);
		rc = examine(&s, names[i], err);
	}
	/* Stopping: nothing was copied yet, so nothing is left to undo. */
	if (rc == 0 && supervisor_stopping(a))
		goto out;
	if (rc == 0 && interrupt_signal()) {
		rc = delivery_stopped(dir, err);
		goto out;
	}
	if (rc == 0)
		rc = install_newest(&s, err);
	if (rc == 0 || p->noted)
		summarize(&s, n);
out:
	delivery_trust_free(&trust);
	free(s.c);
	ota_dir_names_free(names, n);
	delivery_spool_close(&s.spool);
	return rc;
}

static const char *usb_configured(const struct ota_config *c)
{
	return c->usb_dir;
}

/* No medium mounted there: nothing to say, every interval. */
static bool usb_present(const char *dir)
{
	return access(dir, F_OK) == 0 || errno != ENOENT;
}

const struct delivery_source delivery_usb = {"usb", usb_configured, usb_present, usb_pass};
