/* SPDX-License-Identifier: Apache-2.0 */
/* audit.c - appending to the audit history: a record's bytes, its place
 * in the chain, rotation of the segments, the head (see audit.h and
 * schema/history.md).  Only the agent appends, under its run lock. */
#include "lib/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/audit_seg.h"
#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/ctlesc.h"
#include "lib/fault.h"
#include "lib/fsutil.h"
#include "lib/isotime.h"
#include "lib/path.h"
#include "lib/reserve.h"

/* A record's place in the chain: its seq and the hash of its bytes. */
struct link {
	unsigned long long seq;
	char hash[OTA_SHA256_HEX_LEN + 1];
};

/* What the end of a segment holds. */
struct tail {
	off_t size;     /* of the segment */
	off_t end;      /* just past its last complete line */
	bool garbage;   /* unterminated bytes too long to be a torn record */
	bool have;      /* a last complete line was found */
	bool linked;    /* and it parsed: seq, prev, hash below */
	unsigned long long seq;
	char prev[OTA_SHA256_HEX_LEN + 1], hash[OTA_SHA256_HEX_LEN + 1];
};

/* A sanitized copy of s as a JSON string; NULL when out of memory. */
static json_t *text(const char *s, size_t max)
{
	struct ota_buf b;
	json_t *j = NULL;

	ota_buf_init(&b, 0);
	if (ota_ctlesc(s, max, &b, NULL) == 0)
		j = json_stringn(b.data ? (const char *)b.data : "", b.len);
	ota_buf_free(&b);
	return j;
}

static json_t *signers(const struct ota_audit_rec *r)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < r->n_signers && i < OTA_AUDIT_SIGNERS_MAX; i++) {
		if (json_array_append_new(a, text(r->signers[i], OTA_KEYID_HEX_LEN))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The record's bytes, "\n" included, chained after `prev`. */
static int encode(const struct ota_audit_rec *r, const struct link *prev, struct ota_buf *line,
		  struct ota_err *err)
{
	char when[OTA_ISOTIME_LEN];
	json_t *o;
	int rc;

	ota_isotime_format(r->time, when);
	o = json_pack("{s:o, s:i, s:s, s:o, s:s, s:o, s:s, s:I, s:o, s:s, s:s, s:o}",
		      "bundle", text(r->bundle, OTA_NAME_MAX), "exit", r->exit, "from",
		      ota_state_name(r->from), "manifest_sha256",
		      text(r->manifest_sha256, OTA_SHA256_HEX_LEN), "prev", prev->hash, "reason",
		      text(r->reason, OTA_AUDIT_TEXT_MAX), "result", r->result ? r->result : "ok",
		      "seq", (json_int_t)(prev->seq + 1), "signers", signers(r), "time", when, "to",
		      ota_state_name(r->to), "version", text(r->version, OTA_VERSION_MAX));
	if (!o)
		return ota_err_set(err, OTA_EINTERNAL, "audit record: out of memory");
	rc = ota_canon_dump(o, line, err);
	json_decref(o);
	return rc ? rc : ota_buf_putc(line, '\n', err);
}

static int pread_all(int fd, unsigned char *buf, size_t len, off_t off, const char *path,
		     struct ota_err *err)
{
	ssize_t n;

	while (len) {
		n = pread(fd, buf, len, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ota_err_errno(err, OTA_EIO, n < 0 ? errno : EIO, "%s: read", path);
		buf += n;
		len -= (size_t)n;
		off += n;
	}
	return 0;
}

/* Look at the last 2 * OTA_AUDIT_LINE_MAX bytes of the segment on fd. */
static int find_tail(int fd, const char *path, struct tail *t, struct ota_err *err)
{
	const size_t win = 2 * OTA_AUDIT_LINE_MAX;
	unsigned char *buf = NULL;
	struct stat st;
	size_t len, e, b;
	off_t start;
	int rc;

	memset(t, 0, sizeof(*t));
	if (fstat(fd, &st))
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	t->size = st.st_size;
	start = st.st_size > (off_t)win ? st.st_size - (off_t)win : 0;
	len = (size_t)(st.st_size - start);
	if (!(buf = malloc(win)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if ((rc = pread_all(fd, buf, len, start, path, err)))
		goto out;
	for (e = len; e > 0 && buf[e - 1] != '\n'; e--)
		;
	t->end = start + (off_t)e;
	if (e == 0 && start > 0) {
		t->end = st.st_size;
		t->garbage = true;
		goto out;
	}
	for (b = e ? e - 1 : 0; b > 0 && buf[b - 1] != '\n'; b--)
		;
	if (e == 0 || (b == 0 && start > 0))
		goto out;
	t->have = true;
	if ((rc = ota_audit_line_hash(buf + b, e - b, t->hash, err)))
		goto out;
	t->linked = ota_audit_line_link(buf + b, e - b - 1, &t->seq, t->prev) == 0;
out:
	free(buf);
	return rc;
}

/* The seq of the first record of the segment on fd; 0 if it has none. */
static unsigned long long first_seq_of(int fd)
{
	unsigned char *buf = malloc(OTA_AUDIT_LINE_MAX);
	unsigned long long seq = 0;
	char prev[OTA_SHA256_HEX_LEN + 1];
	ssize_t n = buf ? pread(fd, buf, OTA_AUDIT_LINE_MAX, 0) : -1;
	unsigned char *nl = n > 0 ? memchr(buf, '\n', (size_t)n) : NULL;

	if (!nl || ota_audit_line_link(buf, (size_t)(nl - buf), &seq, prev))
		seq = 0;
	free(buf);
	return seq;
}

/* Segments beyond lim->keep are dropped oldest first, after the head
 * names the oldest seq kept: a power cut between the two leaves more
 * records than the head requires, never fewer. */
static int drop_old(const char *state_dir, unsigned int keep, const struct link *base,
		    struct ota_audit_head *head, struct ota_err *err)
{
	unsigned long long *segs = NULL;
	char path[4096];
	size_t n, i;
	int rc = ota_audit_segs_list(state_dir, &segs, &n, err);

	if (rc || n < keep)
		goto out;
	/* keep - 1 rotated segments stay beside the active one. */
	head->first_seq = segs[n - (keep - 1)];
	head->seq = base->seq;
	memcpy(head->sha256, base->hash, sizeof(head->sha256));
	if (head->first_seq > head->seq)
		head->first_seq = head->seq;
	if (base->seq && (rc = ota_audit_head_write(state_dir, head, err)))
		goto out;
	for (i = 0; i + (keep - 1) < n && rc == 0; i++) {
		if ((rc = ota_audit_seg_path(state_dir, segs[i], path, sizeof(path), err)) == 0 &&
		    unlink(path) && errno != ENOENT)
			rc = ota_err_errno(err, OTA_EIO, errno, "%s: unlink", path);
	}
	if (rc == 0)
		rc = ota_fsync_dir(state_dir, true, err);
out:
	free(segs);
	return rc;
}

/* The active segment on *fd becomes history.<its first seq>.jsonl. */
static int rotate(const char *state_dir, const char *active, int *fd,
		  const struct ota_audit_limits *lim, const struct link *base,
		  struct ota_audit_head *head, struct ota_err *err)
{
	unsigned long long first = first_seq_of(*fd);
	char path[4096];
	int rc;

	if (!first)
		first = base->seq ? base->seq : 1;
	if ((rc = ota_audit_seg_path(state_dir, first, path, sizeof(path), err)))
		return rc;
	close(*fd);
	*fd = -1;
	/* A segment of that name already there is not ours to overwrite:
	 * the active one then grows on (tampering, which --verify shows). */
	if (renameat2(AT_FDCWD, active, AT_FDCWD, path, RENAME_NOREPLACE))
		return errno == EEXIST ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s: rename", active);
	if ((rc = ota_fsync_dir(state_dir, true, err)))
		return rc;
	ota_fault_point("ROTATE");
	return drop_old(state_dir, lim->keep < 2 ? 2 : lim->keep, base, head, err);
}

/* Open (creating) the active segment for appending; *created when new. */
static int open_active(const char *path, int *fd, bool *created, struct ota_err *err)
{
	*created = true;
	*fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*fd < 0 && errno == EEXIST) {
		*created = false;
		*fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	}
	if (*fd < 0 && errno == ELOOP)
		return ota_err_set(err, OTA_EIO, "%s: a symbolic link, not followed", path);
	return *fd < 0 ? ota_err_errno(err, OTA_EIO, errno, "%s", path) : 0;
}

/* Cut a torn last line off the active segment; the tail record is found
 * there or, when the active segment is empty, in the newest rotated one. */
static int active_tail(const char *state_dir, const char *active, int fd, struct tail *t,
		       struct ota_err *err)
{
	unsigned long long *segs = NULL;
	char path[4096];
	size_t n;
	int rc = find_tail(fd, active, t, err), sfd;

	if (rc == 0 && !t->garbage && t->end < t->size && ftruncate(fd, t->end))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: truncate", active);
	if (rc || t->have || t->end > 0)
		return rc;
	if ((rc = ota_audit_segs_list(state_dir, &segs, &n, err)) || n == 0)
		goto out;
	if ((rc = ota_audit_seg_path(state_dir, segs[n - 1], path, sizeof(path), err)))
		goto out;
	if ((sfd = ota_open_regular(AT_FDCWD, path, O_NOFOLLOW, NULL, NULL, err)) < 0) {
		rc = sfd;
		goto out;
	}
	rc = find_tail(sfd, path, t, err);
	t->end = 0;
	close(sfd);
out:
	free(segs);
	return rc;
}

/* What the new record chains to.  The head file is the authority, so a
 * record cut off the end or changed stays a visible break; the log's last
 * record wins only when it is the head's record or the one right after it
 * (an append whose head update a power cut prevented). */
static void choose_base(const struct tail *t, const struct ota_audit_head *h, bool have_head,
			struct link *base)
{
	bool tail_ok = t->have && t->linked;

	if (tail_ok && (!have_head || (t->seq == h->seq && !strcmp(t->hash, h->sha256)) ||
			(t->seq == h->seq + 1 && !strcmp(t->prev, h->sha256)))) {
		base->seq = t->seq;
		memcpy(base->hash, t->hash, sizeof(base->hash));
	} else if (have_head) {
		base->seq = h->seq;
		memcpy(base->hash, h->sha256, sizeof(base->hash));
	} else {
		base->seq = 0;
		memcpy(base->hash, OTA_AUDIT_ZERO_HASH, sizeof(base->hash));
	}
}

static int write_record(const char *state_dir, const char *active, int fd, bool created,
			const struct tail *t, const struct ota_buf *line, struct ota_err *err)
{
	int rc = 0;

	/* Bytes no append of ours could have left are closed off, not cut. */
	if (t->garbage)
		rc = ota_write_all(fd, "\n", 1, active, err);
	/* O_APPEND and one write: a crash leaves at most a torn last line. */
	if (rc == 0)
		rc = ota_write_all(fd, line->data, line->len, active, err);
	if (rc == 0 && fsync(fd))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: fsync", active);
	if (rc == 0 && created)
		rc = ota_fsync_dir(state_dir, true, err);
	return rc;
}

/* *wrote once the record is in the log (so it is never written twice). */
static int append(const char *state_dir, const struct ota_audit_limits *lim,
		  const struct ota_audit_rec *r, bool *wrote, struct ota_err *err)
{
	const struct ota_audit_limits dflt = {OTA_AUDIT_MAX_KB_DEFAULT * 1024ULL,
					      OTA_AUDIT_KEEP_DEFAULT};
	struct ota_audit_head head;
	struct ota_buf line;
	struct link base;
	struct tail t;
	char active[4096];
	bool created = false, have_head;
	int fd = -1, rc;

	lim = lim ? lim : &dflt;
	ota_buf_init(&line, OTA_AUDIT_LINE_MAX);
	if ((rc = ota_audit_seg_path(state_dir, 0, active, sizeof(active), err)))
		goto out;
	/* A damaged head is rewritten from the log: the agent must go on. */
	rc = ota_audit_head_read(state_dir, &head, NULL, err);
	if (rc < 0 && rc != OTA_EFORMAT)
		goto out;
	have_head = rc == 0;
	if (!have_head)
		memset(&head, 0, sizeof(head));
	if ((rc = open_active(active, &fd, &created, err)) ||
	    (rc = active_tail(state_dir, active, fd, &t, err)))
		goto out;
	choose_base(&t, &head, have_head, &base);
	if ((rc = encode(r, &base, &line, err)))
		goto out;
	if (t.end > 0 && (unsigned long long)t.end + line.len > lim->max_bytes) {
		if ((rc = rotate(state_dir, active, &fd, lim, &base, &head, err)))
			goto out;
		if (fd < 0 && ((rc = open_active(active, &fd, &created, err)) ||
			       (rc = active_tail(state_dir, active, fd, &t, err))))
			goto out;
	}
	if ((rc = write_record(state_dir, active, fd, created, &t, &line, err)))
		goto out;
	*wrote = true;
	head.seq = base.seq + 1;
	if ((rc = ota_audit_line_hash(line.data, line.len, head.sha256, err)))
		goto out;
	if (!head.first_seq)
		head.first_seq = 1;
	rc = ota_audit_head_write(state_dir, &head, err);
	if (rc == OTA_ENOSPC && ota_reserve_release(state_dir))
		rc = ota_audit_head_write(state_dir, &head, err);
out:
	if (fd >= 0 && close(fd) && rc == 0)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: close", active);
	ota_buf_free(&line);
	return rc;
}

int ota_audit_append(const char *state_dir, const struct ota_audit_limits *lim,
		     const struct ota_audit_rec *r, struct ota_err *err)
{
	bool wrote = false;
	int rc = append(state_dir, lim, r, &wrote, err);

	/* A full disk: the room kept for this (reserve.h), and once more; a
	 * line torn by the first try is cut off by the second. */
	if (rc == OTA_ENOSPC && !wrote && ota_reserve_release(state_dir))
		rc = append(state_dir, lim, r, &wrote, err);
	return rc;
}
