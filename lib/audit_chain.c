/* SPDX-License-Identifier: Apache-2.0 */
/* audit_chain.c - reading the audit history back and checking its chain
 * (see audit.h, schema/history.md): every segment oldest first, every
 * record's form, seq and prev, then the end against history.head.  Lock
 * free: the head and the segment list are read before and after, and the
 * whole read is done again if an append or a rotation came in between. */
#include "lib/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/audit_seg.h"
#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/fsutil.h"

#define READ_CHUNK (64 * 1024)
#define SEGMENT_HARD_MAX (64ULL * 1024 * 1024)
#define READ_TRIES 10

/* One segment read line by line through a fixed buffer. */
struct lines {
	int fd;
	unsigned char *buf, *line; /* READ_CHUNK; OTA_AUDIT_LINE_MAX + 1 */
	size_t have, pos, len;
	unsigned long lineno;
	unsigned long long total;
};

enum { L_EOF, L_LINE, L_LONG, L_TORN };

/* The chain as read so far. */
struct chain {
	struct ota_audit_check *c;
	json_t *records;
	const char *file; /* segment being read, for messages */
	bool have_prev;
	unsigned long long prev_seq;
	char prev_hash[OTA_SHA256_HEX_LEN + 1];
	char last_prev[OTA_SHA256_HEX_LEN + 1]; /* the last record's "prev" */
};

static void __attribute__((format(printf, 2, 3))) problem(struct chain *ch, const char *fmt, ...)
{
	va_list ap;

	if (!ch->c->ok)
		return; /* the first problem is the one reported */
	ch->c->ok = false;
	va_start(ap, fmt);
	vsnprintf(ch->c->problem, sizeof(ch->c->problem), fmt, ap);
	va_end(ap);
}

static int fill(struct lines *l, struct ota_err *err)
{
	ssize_t n;

	do
		n = read(l->fd, l->buf, READ_CHUNK);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return ota_err_errno(err, OTA_EIO, errno, "history: read");
	l->have = (size_t)n;
	l->pos = 0;
	return 0;
}

/* The next line into l->line, "\n" included: L_LINE, L_LONG (longer than
 * a record may be; skipped), L_TORN (bytes without a final "\n") or L_EOF. */
static int next_line(struct lines *l, struct ota_err *err)
{
	unsigned char c;
	bool long_line = false;
	int rc;

	l->len = 0;
	for (;;) {
		if (l->pos == l->have) {
			if ((rc = fill(l, err)))
				return rc;
			if (l->have == 0)
				return l->len || long_line ? L_TORN : L_EOF;
		}
		c = l->buf[l->pos++];
		l->total++;
		if (l->len < OTA_AUDIT_LINE_MAX)
			l->line[l->len++] = c;
		else
			long_line = true;
		if (c == '\n') {
			l->lineno++;
			return long_line ? L_LONG : L_LINE;
		}
	}
}

static bool is_hex(const json_t *j, bool empty_ok)
{
	const char *s = json_string_value(j);

	return s && (*s ? ota_sha256_hex_ok(s) : empty_ok);
}

static bool is_result(const char *s)
{
	static const char *const ok[] = {OTA_AUDIT_OK, OTA_AUDIT_REFUSED, OTA_AUDIT_FAILED,
					 OTA_AUDIT_ROLLED_BACK, OTA_AUDIT_RECOVERED};
	size_t i;

	for (i = 0; s && i < sizeof(ok) / sizeof(ok[0]); i++)
		if (!strcmp(s, ok[i]))
			return true;
	return false;
}

static bool signers_ok(const json_t *a)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > OTA_AUDIT_SIGNERS_MAX)
		return false;
	json_array_foreach(a, i, v)
		if (!is_hex(v, false))
			return false;
	return true;
}

/* The field of o that is missing or wrong, or NULL when o is a record. */
static const char *bad_field(const json_t *o)
{
	const json_t *seq = json_object_get(o, "seq"), *ex = json_object_get(o, "exit");
	const char *from = json_string_value(json_object_get(o, "from"));
	const char *to = json_string_value(json_object_get(o, "to"));

	if (!json_is_object(o))
		return "not an object";
	if (!json_is_integer(seq) || json_integer_value(seq) < 1)
		return "seq";
	if (!is_hex(json_object_get(o, "prev"), false))
		return "prev";
	if (!json_is_string(json_object_get(o, "time")))
		return "time";
	if (!from || ota_state_parse(from) < 0)
		return "from";
	if (!to || ota_state_parse(to) < 0)
		return "to";
	if (!json_is_string(json_object_get(o, "version")))
		return "version";
	if (!json_is_string(json_object_get(o, "bundle")))
		return "bundle";
	if (!is_hex(json_object_get(o, "manifest_sha256"), true))
		return "manifest_sha256";
	if (!signers_ok(json_object_get(o, "signers")))
		return "signers";
	if (!is_result(json_string_value(json_object_get(o, "result"))))
		return "result";
	if (!json_is_integer(ex) || json_integer_value(ex) < 0 || json_integer_value(ex) > 255)
		return "exit";
	if (!json_is_string(json_object_get(o, "reason")))
		return "reason";
	return json_object_size(o) == 12 ? NULL : "unknown key";
}

/* seq s follows the record before it. */
static void check_link(struct chain *ch, unsigned long ln, unsigned long long s, const char *prev)
{
	unsigned long long p = ch->prev_seq;

	if (!ch->have_prev) {
		ch->c->first_seq = s;
		if (s == 1 && strcmp(prev, OTA_AUDIT_ZERO_HASH))
			problem(ch, "%s:%lu: seq 1 does not start the chain (its prev is not zero)",
				ch->file, ln);
	} else if (s == p + 1 && strcmp(prev, ch->prev_hash)) {
		problem(ch, "%s:%lu: seq %llu does not chain to seq %llu: one of the two was "
			"changed after it was written", ch->file, ln, s, p);
	} else if (s <= p) {
		problem(ch, "%s:%lu: seq %llu after seq %llu: records reordered or repeated",
			ch->file, ln, s, p);
	} else if (s == p + 2) {
		problem(ch, "%s:%lu: seq %llu after seq %llu: record %llu missing (removed or "
			"moved)", ch->file, ln, s, p, p + 1);
	} else if (s > p + 2) {
		problem(ch, "%s:%lu: seq %llu after seq %llu: records %llu-%llu missing (removed or "
			"moved)", ch->file, ln, s, p, p + 1, s - 1);
	}
}

/* One complete line of a segment whose first seq should be `first` (0:
 * the active segment) and which is at its start if first_line. */
static int one_record(struct chain *ch, const struct lines *l, unsigned long long first,
		      bool first_line, struct ota_err *err)
{
	char hash[OTA_SHA256_HEX_LEN + 1];
	const char *bad, *prev;
	json_t *o = NULL;
	unsigned long long s = 0;
	int rc = ota_audit_line_hash(l->line, l->len, hash, err);

	if (rc)
		return rc;
	if (ota_canon_parse_canonical(l->line, l->len - 1, ch->file, &o, NULL)) {
		problem(ch, "%s:%lu: not a history record (not canonical JSON)", ch->file, l->lineno);
	} else if ((bad = bad_field(o))) {
		problem(ch, "%s:%lu: not a history record of this format (%s)", ch->file, l->lineno,
			bad);
	} else {
		s = (unsigned long long)json_integer_value(json_object_get(o, "seq"));
		prev = json_string_value(json_object_get(o, "prev"));
		if (first_line && first && s != first)
			problem(ch, "%s:%lu: first record is seq %llu, the segment's name says %llu",
				ch->file, l->lineno, s, first);
		check_link(ch, l->lineno, s, prev);
		memcpy(ch->last_prev, prev, sizeof(ch->last_prev));
	}
	/* Whatever parses is shown, even when the chain is broken. */
	if (json_is_object(o) && json_array_append(ch->records, o))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	json_decref(o);
	if (!ch->have_prev && !s)
		ch->c->first_seq = 0;
	ch->have_prev = true;
	ch->prev_seq = s;
	memcpy(ch->prev_hash, hash, sizeof(hash));
	ch->c->records++;
	ch->c->last_seq = s;
	memcpy(ch->c->head_sha256, hash, sizeof(hash));
	return rc;
}

/* Read one segment (first: its first seq, 0 for the active one, which may
 * end in a torn line).  1 when it vanished: a rotation came in between. */
static int read_segment(struct chain *ch, const char *path, unsigned long long first,
			struct ota_err *err)
{
	struct lines l = {.fd = -1};
	int rc = 0, what = L_EOF;

	ch->file = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	l.fd = ota_open_regular(AT_FDCWD, path, O_NOFOLLOW, NULL, NULL, err);
	if (l.fd < 0)
		return errno == ENOENT ? 1 : l.fd;
	l.buf = malloc(READ_CHUNK);
	l.line = malloc(OTA_AUDIT_LINE_MAX + 1);
	if (!l.buf || !l.line) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	while (rc == 0 && (what = next_line(&l, err)) > L_EOF) {
		if (l.total > SEGMENT_HARD_MAX) {
			problem(ch, "%s: larger than %llu bytes", ch->file, SEGMENT_HARD_MAX);
			break;
		}
		if (what == L_LINE)
			rc = one_record(ch, &l, first, l.lineno == 1, err);
		else if (what == L_LONG)
			problem(ch, "%s:%lu: longer than a record may be (%d bytes)", ch->file,
				l.lineno, OTA_AUDIT_LINE_MAX);
		else if (first)
			problem(ch, "%s: ends in the middle of a record", ch->file);
		else
			ch->c->torn_tail = true;
	}
	if (rc == 0 && what < 0)
		rc = what;
	if (rc == 0 && first && l.lineno == 0)
		problem(ch, "%s: an empty rotated segment", ch->file);
out:
	free(l.buf);
	free(l.line);
	close(l.fd);
	return rc;
}

/* The end of the log against history.head (head_rc: 0 read, 1 absent,
 * OTA_EFORMAT damaged). */
static void check_end(struct chain *ch, int head_rc, const struct ota_audit_head *h)
{
	struct ota_audit_check *c = ch->c;

	if (head_rc == OTA_EFORMAT)
		return problem(ch, "%s: damaged", OTA_AUDIT_HEAD);
	if (head_rc == 1) {
		/* Only the very first append can be cut before the head exists. */
		if (c->records == 1 && c->last_seq == 1)
			c->unanchored = true;
		else if (c->records)
			problem(ch, "%s is missing: records cut off the end would go unseen",
				OTA_AUDIT_HEAD);
		return;
	}
	if (!c->records)
		return problem(ch, "no records, but %s names seq %llu: the history was removed",
			       OTA_AUDIT_HEAD, h->seq);
	if (c->last_seq == h->seq && strcmp(c->head_sha256, h->sha256))
		problem(ch, "seq %llu differs from the chain head in %s: the last record was "
			"changed", c->last_seq, OTA_AUDIT_HEAD);
	else if (c->last_seq == h->seq + 1 && !strcmp(ch->last_prev, h->sha256))
		c->unanchored = true;
	else if (c->last_seq == h->seq + 1)
		problem(ch, "seq %llu differs from the chain head in %s: it was changed", h->seq,
			OTA_AUDIT_HEAD);
	else if (c->last_seq < h->seq)
		problem(ch, "the history ends at seq %llu, but %s names seq %llu: %s cut off the "
			"end", c->last_seq, OTA_AUDIT_HEAD, h->seq,
			h->seq - c->last_seq > 1 ? "records were" : "a record was");
	else if (c->last_seq > h->seq)
		problem(ch, "the history goes on to seq %llu, past seq %llu that %s names",
			c->last_seq, h->seq, OTA_AUDIT_HEAD);
	if (c->first_seq > h->first_seq)
		problem(ch, "the oldest record is seq %llu, but %s keeps from seq %llu: records "
			"removed other than by rotation", c->first_seq, OTA_AUDIT_HEAD, h->first_seq);
}

/* The head's bytes and the segment list: what a concurrent writer changes. */
struct snapshot {
	struct ota_buf head;
	unsigned long long *segs;
	size_t n;
};

static void snapshot_free(struct snapshot *s)
{
	ota_buf_free(&s->head);
	free(s->segs);
	s->segs = NULL;
}

static int snap(const char *state_dir, struct snapshot *s, struct ota_audit_head *h,
		int *head_rc, struct ota_err *err)
{
	ota_buf_init(&s->head, OTA_AUDIT_HEAD_MAX);
	s->segs = NULL;
	*head_rc = ota_audit_head_read(state_dir, h, &s->head, err);
	if (*head_rc < 0 && *head_rc != OTA_EFORMAT)
		return *head_rc;
	return ota_audit_segs_list(state_dir, &s->segs, &s->n, err);
}

static bool same(const struct snapshot *a, const struct snapshot *b)
{
	return a->head.len == b->head.len && !memcmp(a->head.data, b->head.data, a->head.len) &&
	       a->n == b->n && (!a->n || !memcmp(a->segs, b->segs, a->n * sizeof(*a->segs)));
}

/* Every segment in order: 1 when one vanished under us. */
static int read_all(const char *state_dir, const struct snapshot *s, struct chain *ch,
		    struct ota_err *err)
{
	char path[4096];
	size_t i;
	int rc = 0;

	for (i = 0; i <= s->n && rc == 0; i++) {
		unsigned long long first = i < s->n ? s->segs[i] : 0;
		if ((rc = ota_audit_seg_path(state_dir, first, path, sizeof(path), err)))
			break;
		rc = read_segment(ch, path, first, err);
		if (rc == 1 && !first)
			rc = 0; /* no active segment: right after a rotation */
	}
	ch->file = NULL; /* it pointed into path */
	return rc;
}

/* One attempt at a consistent read: 1 when a writer came in between. */
static int read_once(const char *state_dir, json_t **records, struct ota_audit_check *check,
		     struct ota_err *err)
{
	struct snapshot before = {0}, after = {0};
	struct ota_audit_head h, h2;
	struct chain ch = {.c = check};
	int head_rc, rc2, rc;

	memset(check, 0, sizeof(*check));
	check->ok = true;
	if (!(ch.records = json_array()))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if ((rc = snap(state_dir, &before, &h, &head_rc, err)) == 0)
		rc = read_all(state_dir, &before, &ch, err);
	if (rc == 0 && (rc = snap(state_dir, &after, &h2, &rc2, err)) == 0 && !same(&before, &after))
		rc = 1;
	if (rc == 0) {
		check_end(&ch, head_rc, &h);
		check->rotated = check->first_seq > 1;
		*records = ch.records;
		ch.records = NULL;
	}
	json_decref(ch.records);
	snapshot_free(&before);
	snapshot_free(&after);
	return rc;
}

int ota_audit_read(const char *state_dir, json_t **records, struct ota_audit_check *check,
		   struct ota_err *err)
{
	const struct timespec pause = {0, 20 * 1000 * 1000};
	int i, rc = 1;

	*records = NULL;
	for (i = 0; i < READ_TRIES && rc == 1; i++) {
		if (i)
			nanosleep(&pause, NULL);
		rc = read_once(state_dir, records, check, err);
	}
	if (rc == 1)
		rc = ota_err_set(err, OTA_EIO, "%s: the history kept changing while it was read",
				 state_dir);
	return rc;
}

int ota_audit_verify(const char *state_dir, json_t **records, struct ota_audit_check *check,
		     struct ota_err *err)
{
	json_t *r = NULL;
	int rc = ota_audit_read(state_dir, &r, check, err);

	if (rc == 0 && !check->ok)
		rc = ota_err_set(err, OTA_EAUDIT, "%s: history does not verify: %s", state_dir,
				 check->problem);
	if (records && rc != OTA_EIO && rc != OTA_EINTERNAL)
		*records = r;
	else
		json_decref(r);
	return rc;
}

int ota_audit_load(const char *state_dir, json_t **out, struct ota_err *err)
{
	struct ota_audit_check check;

	return ota_audit_read(state_dir, out, &check, err);
}

json_t *ota_audit_check_json(const struct ota_audit_check *c)
{
	return json_pack("{s:b, s:I, s:I, s:I, s:s, s:b, s:b, s:b, s:o}", "ok", c->ok, "records",
			 (json_int_t)c->records, "first_seq", (json_int_t)c->first_seq, "last_seq",
			 (json_int_t)c->last_seq, "head_sha256", c->head_sha256, "rotated",
			 c->rotated, "torn_tail", c->torn_tail, "unanchored", c->unanchored,
			 "problem", c->ok ? json_null() : json_string(c->problem));
}
