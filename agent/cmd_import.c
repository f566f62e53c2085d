/* ota-agent import DIR: install from a mounted medium (a USB stick).
 * Every *.bundle is judged by its signed head alone (signatures, manifest,
 * device class, newer than installed, rollback index) before a byte is
 * copied; the newest is copied into the spool and installed from there.
 * Bad and foreign bundles are named on stderr and skipped.  The medium is
 * only ever read. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/index.h"
#include "lib/semver.h"
#include "lib/spool.h"
#include "lib/verify.h"
#include "lib/fsutil.h"

struct candidate {
	const char *name; /* borrowed from the scan's names */
	char version[OTA_VERSION_MAX + 1];
};

struct scan {
	struct agent *a;
	const char *dir;
	struct agent_pass *p;
	char installed[OTA_VERSION_MAX + 1];
	unsigned long long rollback_index;
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
 * read), refused: what decides the exit status (cmd_import's comment). */
static void refuse(struct scan *s, int rc, const struct ota_err *why, bool newer)
{
	agent_note(s->p, why);
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
	if (s->p->skip && strcmp(m->version, s->p->skip) == 0)
		return ota_err_set(why, OTA_EROLLBACK, "%s: %s failed to install before: not "
				   "tried again until ota-agent restarts", path, m->version);
	if (s->installed[0] && ota_semver_cmp(m->version, s->installed) <= 0)
		return 1;
	if (m->rollback_index < s->rollback_index)
		return ota_err_set(why, OTA_EROLLBACK, "%s: rollback index %llu is lower than %llu, "
				   "the highest this device accepted", path, m->rollback_index,
				   s->rollback_index);
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
	bool head;
	int fd, rc;

	if (snprintf(path, sizeof(path), "%s/%s", s->dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", s->dir);
	fd = open_medium(s->a, path, &size, &why);
	rc = fd < 0 ? fd : ota_verify_open(&v, fd, path, &opts, &why);
	head = rc == 0;
	if (rc == 0 && (rc = judge(s, path, v.res.manifest, &s->c[s->n_c], &why)) == 0)
		s->c[s->n_c++].name = name;
	else if (rc == 1)
		s->n_older++;
	else if (rc == OTA_EINTERNAL)
		*err = why;
	else if (rc != OTA_ETARGET)
		refuse(s, rc, &why, head);
	/* Another device's: named, skipped, not a failure of this import. */
	if (rc == OTA_ETARGET) {
		s->n_foreign++;
		agent_note(s->p, &why);
	}
	ota_verify_close(&v);
	if (fd >= 0)
		close(fd);
	return rc == OTA_EINTERNAL ? rc : 0;
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
	struct ota_progress prog = {agent_progress, s->a};
	char medium[PATH_MAX], spooled[PATH_MAX];
	struct ota_err ignored;
	unsigned long long size;
	int fd, rc;

	snprintf(medium, sizeof(medium), "%s/%s", s->dir, c->name);
	if ((fd = open_medium(s->a, medium, &size, err)) < 0)
		return fd;
	agent_notify(s->a, "STATUS=copying %s", medium);
	agent_busy(s->a, 60000);
	rc = ota_spool_copy(s->a->cfg.state_dir, fd, medium, size, c->name, &prog, spooled,
			    sizeof(spooled), err);
	close(fd);
	if (rc) {
		ota_spool_clear(s->a->cfg.state_dir, &ignored);
		return rc;
	}
	return agent_install_spooled(s->a, spooled, medium, s->p, err);
}

/* A fault of this bundle (the next one may be fine), not of the device. */
static bool try_next(int rc)
{
	return rc == OTA_EIO || rc == OTA_EFETCH || rc == OTA_EROLLBACK ||
	       (rc <= OTA_EFORMAT && rc >= OTA_EFILESET);
}

static int install_newest(struct scan *s, struct ota_err *err)
{
	struct ota_err why;
	size_t i;
	int rc;

	if (s->n_c > 1)
		qsort(s->c, s->n_c, sizeof(*s->c), newest_first);
	for (i = 0; i < s->n_c; i++) {
		why = (struct ota_err){0};
		if ((rc = take(s, &s->c[i], &why)) == 0)
			return 0;
		if (rc == OTA_EINTERNAL || rc == OTA_EBUSY || rc == OTA_ENOSPC) {
			*err = why;
			return rc;
		}
		refuse(s, rc, &why, true);
		if (!try_next(rc))
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

int agent_import_dir(struct agent *a, const char *dir, struct agent_pass *p,
		     struct ota_err *err)
{
	struct scan s = {.a = a, .dir = dir, .p = p};
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = agent_lock(a, err)) || (rc = ota_spool_clear(a->cfg.state_dir, err)) ||
	    (rc = agent_trust_load(a, err)) ||
	    (rc = agent_installed(a, s.installed, &s.rollback_index, err)) ||
	    (rc = ota_bundle_names(dir, &names, &n, err)))
		goto out;
	if (n && !(s.c = calloc(n, sizeof(*s.c)))) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	agent_notify(a, "STATUS=looking at %s", dir);
	for (i = 0; rc == 0 && i < n && !agent_stopping(a); i++) {
		agent_busy(a, 60000);
		rc = examine(&s, names[i], err);
	}
	/* Stopping: nothing was copied yet, so nothing is left to undo. */
	if (rc == 0 && agent_stopping(a))
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

int cmd_import(struct agent *a, int argc, char **argv)
{
	struct agent_pass p;
	struct ota_err err = {0};
	const char *dir = argc == 2 ? argv[1] : a->cfg.usb_dir;
	int rc;

	if (argc >= 2 && argv[1][0] == '-' && argv[1][1])
		return ota_cli_usage("import: unknown option '%s'", argv[1]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return ota_cli_usage("import: expected one directory (a mounted medium)");
	if (!dir)
		return ota_cli_usage("import: no directory given and no watch.usb in the config");
	agent_pass_init(&p);
	rc = agent_import_dir(a, dir, &p, &err);
	rc = agent_pass_report(&p, rc, &err);
	agent_pass_free(&p);
	return rc;
}
