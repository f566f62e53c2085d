/* SPDX-License-Identifier: Apache-2.0 */
/* delivery.h - how bundles reach the device: delivery sources behind one
 * interface (curl's vtls, git's transports).  A source knows where the
 * config puts it and runs one pass there: find the newest bundle for this
 * device that is newer than what is installed, judged by its signed head,
 * and install it straight from the medium or the wire (engine.h: the
 * signed head verified first, every file hashed as it is staged), or,
 * with watch.direct: 0, bring it into the spool first and install that
 * copy.  The delivery path never changes the safety guarantees: every
 * install verifies as always.  Adding a source (a second USB path, a drop directory, a mirror)
 * is one file and one entry in delivery_sources.
 */
#ifndef OTA_AGENT_DELIVERY_H
#define OTA_AGENT_DELIVERY_H

#include <limits.h>
#include <stdbool.h>

#include "agent/agent.h"
#include "lib/buf.h"
#include "lib/bundle_read.h"
#include "lib/index.h"
#include "lib/progress.h"
#include "lib/trust.h"

/* What one pass did.  Init with delivery_pass_init, free with _free. */
struct delivery_pass {
	struct ota_buf notes;   /* one line per bundle refused or skipped, each
				   "FILE: reason\n", to print on stderr */
	struct ota_buf summary; /* for stdout: a line per trust file applied
				   (delivery_trust.h), then one of what came of it */
	bool installed;         /* a bundle was promoted */
	bool noted;             /* the pass's error is already in notes */
	char version[OTA_VERSION_MAX + 1]; /* installed or attempted */
	const char *skip;       /* a version not to try (watch: failed before) */
};

struct delivery_source {
	const char *name; /* "usb", "http": for messages */
	/* Where the config puts this source (watch.usb, watch.http), or NULL. */
	const char *(*configured)(const struct ota_config *c);
	/* False when there is nothing at where to look at now (no medium
	 * mounted): the daemon then skips the pass without a word. */
	bool (*present)(const char *where);
	/* One pass over where.  0 when there was nothing newer or it was
	 * promoted (p->installed); otherwise the code of the first bundle
	 * refused (p->noted) or of what stopped the pass.  Takes the run lock
	 * for the copy and the install only. */
	int (*pass)(struct agent *a, const char *where, struct delivery_pass *p,
		    struct ota_err *err);
};

extern const struct delivery_source delivery_usb;  /* delivery_usb.c: a mounted medium */
extern const struct delivery_source delivery_http; /* delivery_http.c: URL/index.json */
/* Every source, in the order the daemon visits them; NULL-terminated. */
extern const struct delivery_source *const delivery_sources[];

void delivery_pass_init(struct delivery_pass *p);
void delivery_pass_free(struct delivery_pass *p);
/* Append "FILE: reason" (why's message) to p->notes. */
void delivery_note(struct delivery_pass *p, const struct ota_err *why);
/* Print notes on stderr (prefixed with the tool's name) and the summary on
 * stdout; the exit status for rc (0 when rc is). */
int delivery_pass_report(const struct delivery_pass *p, int rc, const struct ota_err *err);

/* One pass of src over where, reported (delivery_pass_report): what
 * `import` and `poll --once` run.  Returns the exit status. */
int delivery_run_once(struct agent *a, const struct delivery_source *src, const char *where);

/* What the sources share. */

/* A pass a signal stopped (interrupt.h) before an install began:
 * OTA_EINTR, "WHERE: interrupted by SIGINT: nothing installed". */
int delivery_stopped(const char *where, struct ota_err *err);

/* A pass's spool: its source's directory (layout.h), held with the
 * source's spool lock (lock.h) for the whole pass (one pass per source at
 * a time), emptied when opened.  With watch.direct: 0 the copy or
 * download into it runs without the run lock, which a rollback may need
 * meanwhile; a direct install holds the run lock while it reads, bounded
 * as its source is (watch.stall_timeout, min_rate, max_time). */
struct delivery_spool {
	char dir[PATH_MAX];
	int lock_fd;
};

/* Open the spool of the source named source for a pass: OTA_EBUSY when
 * another pass from the same source holds it. */
int delivery_spool_open(struct agent *a, const char *source, struct delivery_spool *s,
			struct ota_err *err);
/* Empty it and drop its lock. */
void delivery_spool_close(struct delivery_spool *s);

/* OTA_EBUSY, naming the holder, when another run holds the run lock now:
 * asked before a copy or a download, so as not to make one for nothing
 * (the install takes the lock itself, and may still find it taken). */
int delivery_check_lock(struct agent *a, struct ota_err *err);

/* Install the copy at path in s, which came from source (a medium path
 * or a URL, named in messages in its place), under the run lock, taken
 * for the install only; the spool is emptied after. */
int delivery_install_spooled(struct agent *a, const struct delivery_spool *s, const char *path,
			     const char *source, struct delivery_pass *p, struct ota_err *err);
/* Install the bundle src gives (a file on a medium, a download as it
 * arrives), named name (its path or URL) in messages and the history, of
 * size bytes, under the run lock, taken for the install only.  A source
 * that fails or changes under the install fails it with nothing left
 * (engine.h); the history records the run. */
int delivery_install_direct(struct agent *a, const struct ota_bundle_source *src,
			    const char *name, unsigned long long size, struct delivery_pass *p,
			    struct ota_err *err);

/* A progress hook (ctx: the agent) for copies and downloads: feeds the
 * watchdog, and cancels when a stop signal is pending. */
void delivery_progress_init(struct ota_progress *p, struct agent *a);

/* The same for a download read by a direct install of size bytes: each
 * report renews the watchdog's lease for the whole install, not less. */
struct delivery_direct_progress {
	struct ota_progress p;
	struct agent *a;
	unsigned long long lease_ms;
};
void delivery_direct_progress_init(struct delivery_direct_progress *d, struct agent *a,
				   unsigned long long size);
/* delivery_trust.c: trust files that travel with bundles (schema/trust.md,
 * "On a medium or in an index"): the *.trust files of a medium, or those
 * an index lists, applied in sequence order before a bundle is chosen, so
 * that one medium can carry a rotation and a release signed by the new
 * keys.  Each is judged as `ota-agent trust FILE` judges it
 * (trust_apply.h); a bad or old one is named and skipped like a bad
 * bundle. */

#define DELIVERY_TRUST_MAX OTA_INDEX_MAX_TRUST /* trust files looked at per pass */

/* What the trust step of a pass came to. */
struct delivery_trust {
	struct ota_trust *files; /* owned: those that parsed, at most
				    DELIVERY_TRUST_MAX */
	size_t n;
	size_t applied, current, refused; /* current: already in force */
	int first_rc;                     /* of the first refused, 0 if none */
	struct ota_err first_err;
};

void delivery_trust_init(struct delivery_trust *t);
void delivery_trust_free(struct delivery_trust *t);

/* Take the trust file text (name for messages): parsed into t->files, or
 * refused (noted in p) when it does not parse. */
void delivery_trust_add(struct delivery_trust *t, const unsigned char *text, size_t len,
			const char *name, struct delivery_pass *p);

/* A trust file refused before it was parsed (unreadable, not what the
 * index said): noted in p, counted. */
void delivery_trust_refuse(struct delivery_trust *t, int rc, const struct ota_err *why,
			   struct delivery_pass *p);

/* Read every *.trust of dir (read-only, links not followed) into t. */
int delivery_trust_read_dir(struct delivery_trust *t, const char *dir,
			    struct delivery_pass *p, struct ota_err *err);

/* Apply t's files in sequence order, each under the run lock taken for it
 * alone; the refused are noted in p.  0, or the code of a fault of the
 * device (the lock, the trust state) that stops the pass. */
int delivery_trust_apply(struct agent *a, struct delivery_trust *t, struct delivery_pass *p,
			 struct ota_err *err);

/* t's refusals folded into a pass's count and its first refusal. */
void delivery_trust_fold(const struct delivery_trust *t, size_t *n_refused, int *first_rc,
			 struct ota_err *first_err);

#endif
