/* delivery_usb.c - the USB source (delivery.h): a mounted medium.  Every
 * *.bundle is judged by its signed head alone (signatures, manifest,
 * device class, newer than installed, rollback index) before a byte is
 * copied; the newest is copied into the spool and installed from there.
 * Bad and foreign bundles are named and skipped.  The medium is only ever
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
#include "agent/supervisor.h"
#include "agent/trust_set.h"
#include "lib/antirollback.h"
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
	char installed[OTA_VERSION_MAX + 1];
	unsigned long long floor; /* the device's rollback-index floor */
	struct candidate *c; /* bundles worth installing, newest first once sorted */
	size_t n_c, n_older, n_foreign, n_refused;
	int first_rc;             /* of the first bundle refused */
	struct ota_err first_err; /* and its reason */
};

/* Read-only, never following a link, never blocking on a fifo, and not
 * even touching the access time where we may. */
static int open_medium(const struct agent *a, const char *path, unsigned long long *size,
		       struct ota_err *err)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int fd = open(path, flags | O_NOATIME);
	struct stat st;

	if (fd < 0 && errno == EPERM)
		fd = open(path, flags);
	if (fd < 0 && errno == ELOOP)
		return ota_err_set(err, OTA_EIO, "%s: a symbolic link, not followed", path);
	if (fd < 0)
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return ota_err_set(err, OTA_EIO, "%s: not a regular file", path);
	}
	*size = (unsigned long long)st.st_size;
	if (*size > a->cfg.max_bundle_bytes) {
		close(fd);
		return ota_err_set(err, OTA_EFETCH, "%s: %llu bytes is over watch.max_bundle_mb "
				   "(%u MiB)", path, *size, a->cfg.max_bundle_mb);
	}
	return fd;
}

static void refuse(struct scan *s, int rc, const struct ota_err *why)
{
	delivery_note(s->p, why);
	s->n_refused++;
	if (!s->first_rc) {
		s->first_rc = rc;
		s->first_err = *why;
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
				       .threshold = s->a->threshold}; /* the trust set's */
	struct ota_verify_session v = {0};
	struct ota_err why = {0};
	char path[PATH_MAX];
	unsigned long long size;
	bool device_fault;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", s->dir);
	fd = open_medium(s->a, path, &size, &why);
	rc = fd < 0 ? fd : ota_verify_open(&v, fd, path, &opts, &why);
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
		refuse(s, rc, &why);
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
static int take(struct scan *s, const struct candidate *c, struct ota_err *err)
{
	struct ota_progress prog;
	char medium[PATH_MAX], spooled[PATH_MAX];
	struct ota_err ignored;
	unsigned long long size;
	int fd, rc;

	snprintf(medium, sizeof(medium), "%s/%s", s->dir, c->name);
	if ((fd = open_medium(s->a, medium, &size, err)) < 0)
		return fd;
	delivery_progress_init(&prog, s->a);
	supervisor_notify(s->a, "STATUS=copying %s", medium);
	supervisor_busy(s->a, 60000);
	rc = ota_spool_copy(s->a->cfg.state_dir, fd, medium, size, c->name, &prog, spooled,
			    sizeof(spooled), err);
	close(fd);
	if (rc) {
		ota_spool_clear(s->a->cfg.state_dir, &ignored);
		return rc;
	}
	return delivery_install_spooled(s->a, spooled, medium, s->p, err);
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
		fault = ota_code_fault(rc);
		if (fault == OTA_FAULT_DEVICE) {
			*err = why;
			return rc;
		}
		refuse(s, rc, &why);
		/* The bundle's or the medium's fault: the next may be fine.  A
		 * release that failed its health check: nothing older now. */
		if (fault == OTA_FAULT_RELEASE)
			break;
	}
	*err = s->first_err;
	s->p->noted = s->first_rc != 0;
	return s->first_rc;
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
	struct scan s = {.a = a, .dir = dir, .p = p};
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = agent_lock(a, err)) || (rc = ota_spool_clear(a->cfg.state_dir, err)) ||
	    (rc = trust_set_load(a, err)) ||
	    (rc = engine_installed(a, s.installed, &s.floor, err)) ||
	    (rc = ota_bundle_names(dir, &names, &n, err)))
		goto out;
	if (n && !(s.c = calloc(n, sizeof(*s.c)))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	supervisor_notify(a, "STATUS=looking at %s", dir);
	for (i = 0; rc == 0 && i < n && !supervisor_stopping(a); i++) {
		supervisor_busy(a, 60000);
		rc = examine(&s, names[i], err);
	}
	/* Stopping: nothing was copied yet, so nothing is left to undo. */
	if (rc == 0 && supervisor_stopping(a))
		goto out;
	if (rc == 0)
		rc = install_newest(&s, err);
	if (rc == 0 || p->noted)
		summarize(&s, n);
out:
	free(s.c);
	ota_dir_names_free(names, n);
	agent_unlock(a);
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
