/* SPDX-License-Identifier: Apache-2.0 */
/* dashboard_html_device.c - the dashboard's device section (part of
 * dashboard_html.h): who the device is (hostname, machine id, its key id,
 * the agent's version), the trust set in force and the configured health
 * checks, from the status object.  Every string is escaped. */
#include <stdio.h>
#include <string.h>

#include "lib/dashboard_html.h"

struct sect {
	struct ota_buf *out;
	struct ota_err *err;
	int rc;
};

static void put(struct sect *s, const char *text)
{
	if (s->rc == 0)
		s->rc = ota_buf_puts(s->out, text, s->err);
}

static void esc(struct sect *s, const char *text)
{
	if (s->rc == 0)
		s->rc = ota_html_escape(s->out, text ? text : "", s->err);
}

static const char *str(const json_t *o, const char *key, const char *none)
{
	const char *v = json_string_value(json_object_get(o, key));

	return v && *v ? v : none;
}

/* One "<dt>name</dt><dd>value</dd>" of a fact list, value escaped. */
static void fact(struct sect *s, const char *name, const char *value)
{
	put(s, "<dt>");
	put(s, name);
	put(s, "</dt><dd>");
	esc(s, value);
	put(s, "</dd>");
}

static void device(struct sect *s, const json_t *st)
{
	const json_t *d = json_object_get(st, "device");

	put(s, "<div class=\"card\"><h3>Device</h3><p class=\"big\">");
	esc(s, str(d, "hostname", "(hostname not known)"));
	put(s, "</p><dl class=\"facts\">");
	fact(s, "Machine id", str(d, "machine_id", "not known"));
	fact(s, "Device key", str(d, "id", "none yet (ota-agent identity)"));
	if (json_object_get(d, "problem"))
		fact(s, "Key problem", str(d, "problem", ""));
	fact(s, "Class", str(st, "device_class", "?"));
	fact(s, "Agent", str(st, "agent_version", "?"));
	put(s, "</dl></div>");
}

/* The release role, where it is not the root's keys (format 2). */
static void release(struct sect *s, const json_t *r)
{
	const json_t *k;
	char line[64];
	size_t i;

	if (!json_array_size(json_object_get(r, "keys")))
		return;
	snprintf(line, sizeof(line), "release: %lld of %zu keys",
		 (long long)json_integer_value(json_object_get(r, "threshold")),
		 json_array_size(json_object_get(r, "keys")));
	put(s, "<p>");
	esc(s, line);
	put(s, "</p><p class=\"mono\">");
	json_array_foreach(json_object_get(r, "keys"), i, k) {
		put(s, i ? "<br>" : "");
		esc(s, json_string_value(k));
	}
	put(s, "</p>");
}

static void trust(struct sect *s, const json_t *st)
{
	const json_t *t = json_object_get(st, "trust"), *k;
	char line[96];
	size_t i;

	if (json_object_get(t, "problem")) {
		put(s, "<div class=\"card warn\"><h3>Trust set in force</h3><p class=\"big\">"
		       "⚠ unreadable</p><p>");
		esc(s, str(t, "problem", ""));
		put(s, "</p></div>");
		return;
	}
	snprintf(line, sizeof(line), "root %lld of %zu keys",
		 (long long)json_integer_value(json_object_get(t, "threshold")),
		 json_array_size(json_object_get(t, "keys")));
	put(s, "<div class=\"card\"><h3>Trust set in force</h3><p class=\"big\">");
	esc(s, line);
	snprintf(line, sizeof(line), "sequence %lld (%s)",
		 (long long)json_integer_value(json_object_get(t, "sequence")),
		 json_integer_value(json_object_get(t, "sequence")) ? "a trust file"
								     : "the factory keys");
	put(s, "</p><p>");
	esc(s, line);
	put(s, "</p><p class=\"mono\">");
	json_array_foreach(json_object_get(t, "keys"), i, k) {
		put(s, i ? "<br>" : "");
		esc(s, json_string_value(k));
	}
	put(s, "</p>");
	release(s, json_object_get(t, "release"));
	put(s, "</div>");
}

static void health(struct sect *s, const json_t *st)
{
	const json_t *h = json_object_get(st, "health");
	char v[64];

	put(s, "<div class=\"card\"><h3>Health checks</h3><dl class=\"facts\">");
	if (json_integer_value(json_object_get(h, "tcp_port"))) {
		snprintf(v, sizeof(v), "port %lld",
			 (long long)json_integer_value(json_object_get(h, "tcp_port")));
		fact(s, "TCP", v);
	}
	if (json_object_get(h, "http_url"))
		fact(s, "HTTP 2xx", str(h, "http_url", ""));
	if (json_object_get(h, "command"))
		fact(s, "Command", str(h, "command", ""));
	if (json_object_get(h, "restart_count"))
		fact(s, "Restarts", str(h, "restart_count", ""));
	snprintf(v, sizeof(v), "%.1f s, every %.1f s, stable %.1f s",
		 (double)json_integer_value(json_object_get(h, "timeout_ms")) / 1000,
		 (double)json_integer_value(json_object_get(h, "interval_ms")) / 1000,
		 (double)json_integer_value(json_object_get(h, "stable_ms")) / 1000);
	fact(s, "Timeout", v);
	put(s, "</dl></div>");
}

int ota_dashboard_device(const json_t *status, struct ota_buf *out, struct ota_err *err)
{
	struct sect s = {.out = out, .err = err};

	put(&s, "<section class=\"cards\" aria-label=\"Device\">");
	device(&s, status);
	trust(&s, status);
	health(&s, status);
	put(&s, "</section>");
	return s.rc;
}
