/* SPDX-License-Identifier: Apache-2.0 */
/* config.c - load the agent's YAML config (schema/agent-config.md).
 * libyaml's event API read against a small fixed schema: every key known,
 * every value checked by kind and range, every error "FILE:LINE: reason". */
#include "lib/config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/config_value.h"
#include "lib/manifest.h"
#include "lib/path.h"

#define CONFIG_MAX (64u * 1024)
/* app_dir etc. with the root: leaves the agent room to append to them. */
#define CONFIG_PATH_MAX 1024
#define FIELDS_MAX 16 /* keys of the largest mapping; checked below */
#define DURATION_MAX_MS 3600000u
#define LONG_DURATION_MAX_MS (24 * 3600000u) /* a download over a slow link */

enum kind { K_TARGET, K_PATH, K_CMD, K_URL, K_INT, K_DUR, K_BOOL, K_MAP };

struct loader;

struct field {
	const char *name;
	enum kind kind;
	bool required;
	bool safety;             /* needed by the safety net (recover, rollback) */
	size_t off;              /* of the member in struct ota_config */
	unsigned int min, max;   /* K_INT: the range; K_DUR: in ms */
	const struct field *sub; /* K_MAP: its keys, ended by a NULL name */
	/* K_MAP: checks across its keys, given the line of each (0: absent) */
	int (*done)(struct loader *l, const unsigned long *seen);
};

struct loader {
	yaml_parser_t parser;
	yaml_event_t ev; /* the current event, valid while have_ev */
	bool have_parser, have_ev;
	const struct ota_buf *text; /* the file, for the reader's offsets */
	const char *path, *root;
	size_t root_len; /* without trailing '/', so "/" joins as "" */
	struct ota_config *c;
	struct ota_err *err;
	struct ota_err *warn; /* the safety net's load: where excused errors go */
	unsigned n_warn;
	bool fatal;           /* an error no key can be excused for */
};

#define KEY(name, kind, req, member, min, max) \
	{name, kind, req, false, offsetof(struct ota_config, member), min, max, NULL, NULL}
/* A key recover and rollback need: never excused (ota_config_load_safe). */
#define SAFE(name, kind, req, member, min, max) \
	{name, kind, req, true, offsetof(struct ota_config, member), min, max, NULL, NULL}

static const struct field service_fields[] = {
	SAFE("restart", K_CMD, true, restart_cmd, 0, 0),
	KEY("restart_count", K_CMD, false, restart_count_cmd, 0, 0),
	{0},
};

enum { H_TIMEOUT, H_INTERVAL, H_STABLE, H_TCP_PORT, H_HTTP_URL, H_COMMAND, H_END };

static const struct field health_fields[] = {
	[H_TIMEOUT] = SAFE("timeout", K_DUR, false, timeout_ms, 100, DURATION_MAX_MS),
	[H_INTERVAL] = KEY("interval", K_DUR, false, interval_ms, 50, DURATION_MAX_MS),
	[H_STABLE] = KEY("stable", K_DUR, false, stable_ms, 0, DURATION_MAX_MS),
	[H_TCP_PORT] = KEY("tcp_port", K_INT, false, tcp_port, 1, 65535),
	[H_HTTP_URL] = KEY("http_url", K_URL, false, http_url, 0, 0),
	[H_COMMAND] = KEY("command", K_CMD, false, health_cmd, 0, 0),
	[H_END] = {0},
};

static int health_done(struct loader *l, const unsigned long *seen);

static const struct field watch_fields[] = {
	KEY("usb", K_PATH, false, usb_dir, 0, 0),
	KEY("http", K_URL, false, source_url, 0, 0),
	KEY("interval", K_DUR, false, watch_interval_ms, 1000, DURATION_MAX_MS),
	KEY("max_bundle_mb", K_INT, false, max_bundle_mb, 1, 1048576),
	KEY("retries", K_INT, false, fetch_retries, 0, 100),
	KEY("retry_delay", K_DUR, false, retry_delay_ms, 100, DURATION_MAX_MS),
	KEY("connect_timeout", K_DUR, false, connect_timeout_ms, 100, DURATION_MAX_MS),
	KEY("stall_timeout", K_DUR, false, stall_timeout_ms, 1000, DURATION_MAX_MS),
	KEY("min_rate", K_INT, false, min_rate, 1, 1000000000),
	KEY("max_time", K_DUR, false, max_fetch_ms, 0, LONG_DURATION_MAX_MS),
	KEY("scan_timeout", K_DUR, false, scan_timeout_ms, 10, DURATION_MAX_MS),
	KEY("direct", K_INT, false, direct, 0, 1),
	KEY("receipts", K_BOOL, false, receipts, 0, 1),
	{0},
};

static const struct field history_fields[] = {
	KEY("max_kb", K_INT, false, history_max_kb, 16, 16384),
	KEY("keep", K_INT, false, history_keep, 2, 64),
	{0},
};

static const struct field top_fields[] = {
	KEY("device_class", K_TARGET, true, device_class, 0, 0),
	SAFE("app_dir", K_PATH, true, app_dir, 0, 0),
	SAFE("state_dir", K_PATH, true, state_dir, 0, 0),
	KEY("keys", K_PATH, true, keys, 0, 0),
	KEY("threshold", K_INT, false, threshold, 1, 64),
	KEY("keep_releases", K_INT, false, keep_releases, 2, 100),
	{"service", K_MAP, true, true, 0, 0, 0, service_fields, NULL},
	{"health", K_MAP, false, true, 0, 0, 0, health_fields, health_done},
	{"watch", K_MAP, false, false, 0, 0, 0, watch_fields, NULL},
	{"history", K_MAP, false, false, 0, 0, 0, history_fields, NULL},
	{0},
};

/* `seen` arrays have FIELDS_MAX slots, one per key of a mapping. */
_Static_assert(sizeof(top_fields) / sizeof(top_fields[0]) <= FIELDS_MAX, "top_fields");
_Static_assert(sizeof(health_fields) / sizeof(health_fields[0]) <= FIELDS_MAX, "health_fields");
_Static_assert(sizeof(watch_fields) / sizeof(watch_fields[0]) <= FIELDS_MAX, "watch_fields");
_Static_assert(sizeof(history_fields) / sizeof(history_fields[0]) <= FIELDS_MAX, "history_fields");

static int __attribute__((format(printf, 3, 4)))
fail(struct loader *l, unsigned long line, const char *fmt, ...)
{
	char reason[OTA_ERR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return ota_err_set(l->err, OTA_ECONFIG, "%s:%lu: %s", l->path, line, reason);
}

/* libyaml marks count from 0; people count lines from 1. */
static unsigned long line_of(const yaml_event_t *ev)
{
	return (unsigned long)ev->start_mark.line + 1;
}

static int syntax_error(struct loader *l)
{
	const yaml_parser_t *p = &l->parser;
	size_t line = p->problem_mark.line, col = p->problem_mark.column, i;

	l->fatal = true; /* the parser cannot go on */
	if (p->error == YAML_MEMORY_ERROR)
		return ota_err_set(l->err, OTA_EINTERNAL, "%s: out of memory", l->path);
	/* The reader (bad UTF-8, control characters) gives only an offset. */
	if (p->error == YAML_READER_ERROR) {
		line = col = 0;
		for (i = 0; i < p->problem_offset && i < l->text->len; i++, col++) {
			if (l->text->data[i] == '\n') {
				line++;
				col = (size_t)-1;
			}
		}
	}
	return ota_err_set(l->err, OTA_ECONFIG, "%s:%zu:%zu: YAML syntax error: %s", l->path,
			   line + 1, col + 1, p->problem ? p->problem : "unknown error");
}

static int next(struct loader *l)
{
	if (l->have_ev)
		yaml_event_delete(&l->ev);
	l->have_ev = false;
	if (!yaml_parser_parse(&l->parser, &l->ev))
		return syntax_error(l);
	l->have_ev = true;
	return 0;
}

/* A plain empty, "~" or "null" value is YAML's null, not a string. */
static bool is_null(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       (!*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
		!strcmp(v, "NULL"));
}

/* "|" and ">" scalars: text over several lines, not a config value. */
static bool is_block(const yaml_event_t *ev)
{
	return ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	       ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
}

/* What the current event holds, for "expected X, got Y". */
static const char *got(const yaml_event_t *ev, char *buf, size_t size)
{
	struct ota_quoted q;

	if (ev->type != YAML_SCALAR_EVENT)
		return ev->type == YAML_SEQUENCE_START_EVENT  ? "a sequence"
		       : ev->type == YAML_MAPPING_START_EVENT ? "a mapping"
							      : "nothing";
	if (is_null(ev))
		return "null";
	if (is_block(ev))
		return "a block scalar";
	snprintf(buf, size, "\"%s\"",
		 ota_path_quote_n((const char *)ev->data.scalar.value, ev->data.scalar.length, &q));
	return buf;
}

static const char *expected(const struct field *f, char *buf, size_t size)
{
	static const char *const what[] = {
		[K_TARGET] = "a device class (1-64 of A-Z a-z 0-9 . _ -, not led by . or -)",
		[K_PATH] = "an absolute path",
		[K_CMD] = "a non-empty command",
		[K_URL] = "an http:// URL",
		[K_BOOL] = "true or false",
		[K_MAP] = "a mapping",
	};
	char lo[32], hi[32];

	if (f->kind == K_INT)
		snprintf(buf, size, "an integer %u..%u", f->min, f->max);
	else if (f->kind == K_DUR)
		snprintf(buf, size, "seconds %s..%s (at most 3 decimals)",
			 ota_config_format_seconds(f->min, lo, sizeof(lo)),
			 ota_config_format_seconds(f->max, hi, sizeof(hi)));
	else
		return what[f->kind];
	return buf;
}

static int bad_value(struct loader *l, const char *prefix, const struct field *f)
{
	char want[96], have[sizeof(struct ota_quoted) + 2];

	return fail(l, line_of(&l->ev), "%s%s: expected %s, got %s", prefix, f->name,
		    expected(f, want, sizeof(want)), got(&l->ev, have, sizeof(have)));
}

/* Anchors, aliases and tags have no place in this schema; an alias could
 * also make one value stand for several keys. */
static int check_node(struct loader *l, const char *prefix, const char *name)
{
	const yaml_event_t *ev = &l->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	const char *sep = *name ? ": " : "";
	struct ota_quoted q;

	if (ev->type == YAML_ALIAS_EVENT)
		return fail(l, line_of(ev), "%s%s%saliases are not allowed (*%s)", prefix, name,
			    sep, ota_path_quote((const char *)ev->data.alias.anchor, &q));
	if (ev->type == YAML_SCALAR_EVENT) {
		anchor = ev->data.scalar.anchor;
		tag = ev->data.scalar.tag;
	} else if (ev->type == YAML_MAPPING_START_EVENT) {
		anchor = ev->data.mapping_start.anchor;
		tag = ev->data.mapping_start.tag;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		anchor = ev->data.sequence_start.anchor;
		tag = ev->data.sequence_start.tag;
	}
	if (anchor)
		return fail(l, line_of(ev), "%s%s%sanchors are not allowed (&%s)", prefix, name,
			    sep, ota_path_quote((const char *)anchor, &q));
	if (tag)
		return fail(l, line_of(ev), "%s%s%stags are not allowed (%s)", prefix, name, sep,
			    ota_path_quote((const char *)tag, &q));
	return 0;
}

static bool value_ok(const struct field *f, const char *v, unsigned long long *n)
{
	switch (f->kind) {
	case K_TARGET:
		return ota_manifest_target_ok(v);
	case K_PATH:
		return v[0] == '/';
	case K_CMD:
		return v[0] != '\0';
	case K_URL:
		return ota_config_url_ok(v);
	case K_INT:
		return ota_config_parse_uint(v, strlen(v), n) && *n >= f->min && *n <= f->max;
	case K_DUR:
		return ota_config_parse_seconds(v, n) && *n >= f->min && *n <= f->max;
	case K_BOOL: /* YAML 1.2's core schema: these two words only */
		*n = strcmp(v, "true") == 0;
		return *n || strcmp(v, "false") == 0;
	default:
		return false;
	}
}

static int set_string(struct loader *l, const struct field *f, const char *prefix, const char *v)
{
	char **dst = (char **)(void *)((char *)l->c + f->off);
	char norm[CONFIG_PATH_MAX];
	size_t len = strlen(v);

	if (f->kind == K_PATH && l->root_len + len >= CONFIG_PATH_MAX)
		return fail(l, line_of(&l->ev), "%s%s: longer than %d bytes (with the root)",
			    prefix, f->name, CONFIG_PATH_MAX - 1);
	/* Normalised first: under --root no ".." may climb out of it. */
	if (f->kind == K_PATH && ota_path_normalize_abs(v, norm, sizeof(norm)))
		return fail(l, line_of(&l->ev), "%s%s: '%s' climbs above '/' (out of --root)",
			    prefix, f->name, v);
	if (f->kind != K_PATH)
		*dst = strdup(v);
	else if (asprintf(dst, "%.*s%s", (int)l->root_len, l->root, norm) < 0)
		*dst = NULL;
	if (!*dst)
		return ota_err_set(l->err, OTA_EINTERNAL, "out of memory");
	return 0;
}

static int read_scalar(struct loader *l, const struct field *f, const char *prefix)
{
	const yaml_event_t *ev = &l->ev;
	const char *v = (const char *)ev->data.scalar.value;
	unsigned long long n = 0;

	if (ev->type != YAML_SCALAR_EVENT || is_null(ev) || is_block(ev))
		return bad_value(l, prefix, f);
	/* A "\0" escape would cut the string short of what was written. */
	if (memchr(v, '\0', ev->data.scalar.length))
		return fail(l, line_of(ev), "%s%s: contains a NUL byte", prefix, f->name);
	if (!value_ok(f, v, &n))
		return bad_value(l, prefix, f);
	if (f->kind == K_INT || f->kind == K_DUR || f->kind == K_BOOL) {
		*(unsigned int *)(void *)((char *)l->c + f->off) = (unsigned int)n;
		return 0;
	}
	return set_string(l, f, prefix, v);
}

static int read_mapping(struct loader *l, const struct field *fields, const char *prefix,
			unsigned long *seen);

static int read_value(struct loader *l, const struct field *f, const char *prefix)
{
	unsigned long seen[FIELDS_MAX] = {0};
	char sub[32];
	int rc;

	/* f is set: read_key returned 0 (the analyzer cannot see that fail(),
	 * being variadic, never returns 0). */
	if ((rc = check_node(l, prefix, f->name))) /* NOLINT(clang-analyzer-core.NullDereference) */
		return rc;
	if (f->kind != K_MAP)
		return read_scalar(l, f, prefix);
	if (l->ev.type != YAML_MAPPING_START_EVENT)
		return bad_value(l, prefix, f);
	snprintf(sub, sizeof(sub), "%s%s.", prefix, f->name);
	/* Whatever fails inside was judged there, key by key. */
	if ((rc = read_mapping(l, f->sub, sub, seen)) || (f->done && (rc = f->done(l, seen))))
		l->fatal = true;
	return rc;
}

/* Past the node whose first event is the current one. */
static int skip_node(struct loader *l)
{
	int depth = 0, rc;

	for (;;) {
		if (l->ev.type == YAML_MAPPING_START_EVENT || l->ev.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (l->ev.type == YAML_MAPPING_END_EVENT || l->ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		if (depth <= 0)
			return 0;
		if ((rc = next(l)))
			return rc;
	}
}

/* The safety net's load: rc, a failure at key f (NULL: an unknown key),
 * becomes a warning if f is not one it needs, and the value is skipped
 * (pending: its first event is still to be read). */
static int excuse(struct loader *l, const struct field *f, int rc, bool pending)
{
	if (rc != OTA_ECONFIG || !l->warn || l->fatal || (f && f->safety)) {
		l->fatal = true;
		return rc;
	}
	if (l->n_warn++ == 0)
		*l->warn = *l->err;
	memset(l->err, 0, sizeof(*l->err));
	if (pending && (rc = next(l)))
		return rc;
	return skip_node(l);
}

static int unknown_key(struct loader *l, const struct field *fields)
{
	char list[256] = "";
	struct ota_quoted q;
	size_t i, n = 0;

	for (i = 0; fields[i].name && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
				      fields[i].name);
	return fail(l, line_of(&l->ev), "unknown key \"%s\" (expected one of: %s)",
		    ota_path_quote_n((const char *)l->ev.data.scalar.value,
				     l->ev.data.scalar.length, &q),
		    list);
}

static int read_key(struct loader *l, const struct field *fields, const char *prefix,
		    unsigned long *seen, const struct field **out)
{
	const yaml_event_t *ev = &l->ev;
	char have[sizeof(struct ota_quoted) + 2];
	size_t i;
	int rc;

	if ((rc = check_node(l, "", "")))
		return rc;
	if (ev->type != YAML_SCALAR_EVENT || is_null(ev))
		return fail(l, line_of(ev), "expected a key, got %s", got(ev, have, sizeof(have)));
	for (i = 0; fields[i].name; i++) {
		if (strlen(fields[i].name) == ev->data.scalar.length &&
		    !memcmp(fields[i].name, ev->data.scalar.value, ev->data.scalar.length))
			break;
	}
	if (!fields[i].name)
		rc = unknown_key(l, fields);
	else if (seen[i])
		rc = fail(l, line_of(ev), "duplicate key \"%s%s\" (first on line %lu)", prefix,
			  fields[i].name, seen[i]);
	if (rc) /* 1: excused, the key and its value skipped */
		return (rc = excuse(l, fields[i].name ? &fields[i] : NULL, rc, true)) ? rc : 1;
	seen[i] = line_of(ev);
	*out = &fields[i];
	return 0;
}

/* The current event is the mapping's start; on return, its end. */
static int read_mapping(struct loader *l, const struct field *fields, const char *prefix,
			unsigned long *seen)
{
	unsigned long start = line_of(&l->ev);
	const struct field *f = NULL;
	size_t i;
	int rc;

	for (;;) {
		if ((rc = next(l)))
			return rc;
		if (l->ev.type == YAML_MAPPING_END_EVENT)
			break;
		if ((rc = read_key(l, fields, prefix, seen, &f)) == 1)
			continue;
		if (rc || (rc = next(l)))
			return rc;
		if ((rc = read_value(l, f, prefix)) && (rc = excuse(l, f, rc, false)))
			return rc;
	}
	for (i = 0; fields[i].name; i++) {
		if (fields[i].required && !seen[i] &&
		    (rc = excuse(l, &fields[i], fail(l, start, "%s%s is required", prefix,
						     fields[i].name), false)))
			return rc;
	}
	return 0;
}

static int health_done(struct loader *l, const unsigned long *seen)
{
	struct ota_config *c = l->c;
	char a[32], b[32];
	int rc;

	/* The default interval shrinks to a short timeout; a written one is
	 * the user's mistake to hear about. */
	if (!seen[H_INTERVAL] && c->interval_ms > c->timeout_ms)
		c->interval_ms = c->timeout_ms;
	ota_config_format_seconds(c->timeout_ms, b, sizeof(b));
	/* Excused, each of the two falls back to what it would be unwritten. */
	if (c->interval_ms > c->timeout_ms &&
	    (rc = excuse(l, &health_fields[H_INTERVAL],
			 fail(l, seen[H_INTERVAL], "health.interval: %s s is longer than %s (%s s)",
			      ota_config_format_seconds(c->interval_ms, a, sizeof(a)),
			      "health.timeout", b), false)))
		return rc;
	c->interval_ms = c->interval_ms > c->timeout_ms ? c->timeout_ms : c->interval_ms;
	/* The stable window starts after a first pass, so it must be shorter. */
	if (c->stable_ms >= c->timeout_ms &&
	    (rc = excuse(l, &health_fields[H_STABLE],
			 fail(l, seen[H_STABLE], "health.stable: %s s is not shorter than %s (%s s)",
			      ota_config_format_seconds(c->stable_ms, a, sizeof(a)),
			      "health.timeout", b), false)))
		return rc;
	c->stable_ms = c->stable_ms >= c->timeout_ms ? 0 : c->stable_ms;
	return 0;
}

/* One document holding one mapping, and nothing after it. */
static int read_document(struct loader *l)
{
	unsigned long seen[FIELDS_MAX] = {0};
	int rc;

	/* The stream's start, then a document's or (empty file) the end. */
	if ((rc = next(l)) || (rc = next(l))) /* NOLINT(misc-redundant-expression): two events */
		return rc;
	if (l->ev.type == YAML_DOCUMENT_START_EVENT &&
	    ((rc = next(l)) || (rc = check_node(l, "", ""))))
		return rc;
	if (l->ev.type != YAML_MAPPING_START_EVENT) {
		char have[sizeof(struct ota_quoted) + 2];

		return fail(l, line_of(&l->ev), "the top level must be a mapping, got %s",
			    got(&l->ev, have, sizeof(have)));
	}
	if ((rc = read_mapping(l, top_fields, "", seen)) || (rc = next(l)) || (rc = next(l)))
		return rc;
	if (l->ev.type != YAML_STREAM_END_EVENT)
		return fail(l, line_of(&l->ev), "only one YAML document is allowed");
	return 0;
}

static int load(const char *path, const char *root, struct ota_config *c, struct ota_err *warn,
		struct ota_err *err)
{
	struct loader l = {.path = path, .root = root ? root : "", .c = c, .err = err,
			   .warn = warn};
	struct ota_buf b;
	int rc;

	memset(c, 0, sizeof(*c));
	ota_buf_init(&b, CONFIG_MAX);
	rc = ota_buf_read_file(&b, path, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, OTA_ECONFIG, "%s: larger than %u bytes", path, CONFIG_MAX);
	if (rc)
		goto out;
	c->threshold = 1;
	c->keep_releases = 3;
	c->timeout_ms = 60000;
	c->interval_ms = 2000;
	c->watch_interval_ms = 60000;
	c->max_bundle_mb = 4096;
	c->fetch_retries = 5;
	c->retry_delay_ms = 5000;
	c->connect_timeout_ms = 10000;
	c->stall_timeout_ms = 30000;
	c->min_rate = 1024;
	c->max_fetch_ms = 6 * 3600000u;
	c->direct = 1;
	c->scan_timeout_ms = 120000;
	c->history_max_kb = OTA_AUDIT_MAX_KB_DEFAULT;
	c->history_keep = OTA_AUDIT_KEEP_DEFAULT;
	l.root_len = strlen(l.root);
	while (l.root_len > 0 && l.root[l.root_len - 1] == '/')
		l.root_len--;
	l.text = &b;
	rc = OTA_EINTERNAL;
	if (!(c->root = strdup(l.root)) || !(l.have_parser = yaml_parser_initialize(&l.parser))) {
		ota_err_set(err, rc, "out of memory");
		goto out;
	}
	yaml_parser_set_input_string(&l.parser, b.data, b.len);
	rc = read_document(&l);
	if (rc == 0 && l.n_warn > 1) {
		size_t n = strlen(warn->msg);
		snprintf(warn->msg + n, sizeof(warn->msg) - n, " (and %u more)", l.n_warn - 1);
	}
	c->max_bundle_bytes = (unsigned long long)c->max_bundle_mb << 20;
out:
	if (l.have_ev)
		yaml_event_delete(&l.ev);
	if (l.have_parser)
		yaml_parser_delete(&l.parser);
	ota_buf_free(&b);
	if (rc)
		ota_config_free(c);
	return rc;
}

int ota_config_load(const char *path, const char *root, struct ota_config *c, struct ota_err *err)
{
	return load(path, root, c, NULL, err);
}

int ota_config_load_safe(const char *path, const char *root, struct ota_config *c,
			 struct ota_err *warn, struct ota_err *err)
{
	memset(warn, 0, sizeof(*warn));
	return load(path, root, c, warn, err);
}

void ota_config_free(struct ota_config *c)
{
	if (!c)
		return;
	free(c->device_class);
	free(c->app_dir);
	free(c->state_dir);
	free(c->keys);
	free(c->restart_cmd);
	free(c->restart_count_cmd);
	free(c->http_url);
	free(c->health_cmd);
	free(c->usb_dir);
	free(c->source_url);
	free(c->root);
	memset(c, 0, sizeof(*c));
}
