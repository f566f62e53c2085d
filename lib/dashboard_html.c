/* SPDX-License-Identifier: Apache-2.0 */
/* dashboard_html.c - the dashboard page (see dashboard_html.h): summary
 * cards, releases on disk, and every attempt newest first with its path
 * through the state machine.  Failures carry a colour and a text marker. */
#include "lib/dashboard_html.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/audit_view.h"
#include "lib/hash.h"
#include "lib/isotime.h"

/* The page being written: the first failure is kept, later writes skip. */
struct page {
	struct ota_buf *out;
	struct ota_err *err;
	int rc;
};

static void put(struct page *p, const char *s)
{
	if (p->rc == 0)
		p->rc = ota_buf_puts(p->out, s, p->err);
}

static void esc(struct page *p, const char *s)
{
	if (p->rc == 0)
		p->rc = ota_html_escape(p->out, s ? s : "", p->err);
}

/* Formatted text that holds no string from the status or history. */
static void __attribute__((format(printf, 2, 3))) putf(struct page *p, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(p, buf);
}

int ota_html_escape(struct ota_buf *out, const char *s, struct ota_err *err)
{
	size_t i, start = 0;
	const char *ref;
	int rc = 0;

	for (i = 0; s[i] && rc == 0; i++) {
		switch (s[i]) {
		case '&': ref = "&amp;"; break;
		case '<': ref = "&lt;"; break;
		case '>': ref = "&gt;"; break;
		case '"': ref = "&quot;"; break;
		case '\'': ref = "&#39;"; break;
		default: continue;
		}
		if ((rc = ota_buf_append(out, s + start, i - start, err)) == 0)
			rc = ota_buf_puts(out, ref, err);
		start = i + 1;
	}
	return rc ? rc : ota_buf_append(out, s + start, i - start, err);
}

int ota_dashboard_csp(char out[OTA_DASHBOARD_CSP_MAX], struct ota_err *err)
{
	unsigned char d[OTA_SHA256_LEN], b64[4 * ((OTA_SHA256_LEN + 2) / 3) + 1];
	int rc = ota_sha256(ota_dashboard_css, ota_dashboard_css_len, d, err);

	if (rc)
		return rc;
	EVP_EncodeBlock(b64, d, sizeof(d));
	snprintf(out, OTA_DASHBOARD_CSP_MAX, "default-src 'none'; style-src 'sha256-%s'; "
		 "img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		 (const char *)b64);
	return 0;
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "2024-05-01T12:00:00Z" as "2024-05-01 12:00:00 UTC". */
static void when(struct page *p, const char *iso)
{
	char t[64];
	size_t n = strlen(iso);

	if (n == 20 && iso[10] == 'T' && iso[19] == 'Z') {
		snprintf(t, sizeof(t), "%.10s %.8s UTC", iso, iso + 11);
		esc(p, t);
	} else {
		esc(p, *iso ? iso : "unknown time");
	}
}

static void bytes(struct page *p, long long v)
{
	static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	size_t u = 0;

	while (d >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		d /= 1024;
		u++;
	}
	if (u)
		putf(p, "%.1f %s", d, unit[u]);
	else
		putf(p, "%lld bytes", v);
}

/* Open a summary card: class, title and the start of its big line (escaped);
 * the caller finishes the line and closes the card. */
static void card(struct page *p, const char *cls, const char *title, const char *big)
{
	putf(p, "<div class=\"card %s\"><h3>%s</h3><p class=\"big\">", cls, title);
	esc(p, big);
}

static void card_run(struct page *p, const json_t *run)
{
	const char *state = str(run, "state");

	if (!*state || !strcmp(state, "IDLE")) {
		card(p, "ok", "Run in progress", "Idle");
		put(p, "</p><p>no install or rollback running");
	} else if (json_is_false(json_object_get(run, "active"))) {
		card(p, "warn", "Run in progress", "");
		put(p, "⚠ Interrupted in ");
		esc(p, state);
		put(p, "</p><p>");
		esc(p, *str(run, "version") ? str(run, "version") : "version not known yet");
		put(p, ": <code>ota-agent recover</code> will ");
		esc(p, str(run, "recovery"));
	} else {
		card(p, "warn", "Run in progress", state);
		put(p, "</p><p>");
		esc(p, *str(run, "version") ? str(run, "version") : "version not known yet");
		put(p, " since ");
		when(p, str(run, "since"));
	}
	put(p, "</p></div>");
}

/* The chain check, as a banner under the cards: it vouches for the rest. */
static void chain(struct page *p, const json_t *h)
{
	if (!json_is_true(json_object_get(h, "ok"))) {
		put(p, "<div class=\"chain bad\" role=\"alert\"><b>✘ HISTORY DOES NOT VERIFY"
		       "</b><p>");
		esc(p, json_is_object(h) ? str(h, "problem") : "no check was made");
		put(p, "</p><p>The records below may have been changed. Check with "
		       "<code>ota-agent history --verify</code>.</p></div>");
		return;
	}
	put(p, "<div class=\"chain ok\"><b>✔ History chain verified</b> ");
	if (!num(h, "records")) {
		put(p, "(no records yet)</div>");
		return;
	}
	putf(p, "seq %lld–%lld, %lld records%s<p>head (seq %lld) sha256 <code>", num(h, "first_seq"),
	     num(h, "last_seq"), num(h, "records"),
	     json_is_true(json_object_get(h, "rotated")) ? "; older records rotated out" : "",
	     num(h, "last_seq"));
	esc(p, str(h, "head_sha256"));
	put(p, "</code></p>");
	if (json_is_true(json_object_get(h, "unanchored")) ||
	    json_is_true(json_object_get(h, "torn_tail")))
		put(p, "<p>The last append was cut by a power loss; no record is missing.</p>");
	put(p, "</div>");
}

static void cards(struct page *p, const json_t *s)
{
	const char *cur = str(s, "current"), *lg = str(s, "last_good");

	put(p, "<section class=\"cards\" aria-label=\"Summary\">");
	card(p, *cur ? "ok" : "warn", "Current release", *cur ? cur : "none");
	put(p, "</p></div>");
	card(p, *lg ? "ok" : "warn", "Last good release", *lg ? lg : "none");
	put(p, "</p></div>");
	card_run(p, json_object_get(s, "run"));
	card(p, "", "Free space", "");
	if (json_is_integer(json_object_get(s, "free_bytes")))
		bytes(p, num(s, "free_bytes"));
	else
		put(p, "unknown");
	putf(p, "</p><p>for releases; rollback index %lld</p></div>", num(s, "rollback_index"));
	put(p, "</section>");
	chain(p, json_object_get(s, "history"));
}

static void releases(struct page *p, const json_t *s)
{
	const json_t *rel = json_object_get(s, "releases"), *v;
	size_t i;

	put(p, "<h2 id=\"releases\">Releases on disk</h2><ul class=\"releases\" "
	       "aria-labelledby=\"releases\">");
	json_array_foreach(rel, i, v) {
		const char *name = json_string_value(v) ? json_string_value(v) : "";

		put(p, "<li>");
		esc(p, name);
		if (!strcmp(name, str(s, "current")))
			put(p, "<span class=\"tag\">current</span>");
		if (!strcmp(name, str(s, "last_good")))
			put(p, "<span class=\"tag\">last good</span>");
		if (!strcmp(name, str(s, "previous_good")))
			put(p, "<span class=\"tag\">previous good</span>");
		put(p, "</li>");
	}
	if (!json_array_size(rel))
		put(p, "<li>none</li>");
	put(p, "</ul>");
}

/* Class and label of an outcome: colour and a text marker both. */
static void outcome(const char *oc, const char **cls, const char **label)
{
	static const struct {
		const char *oc, *cls, *label;
	} t[] = {
		{OTA_OUTCOME_PROMOTED, "ok", "✔ PROMOTED"},
		{OTA_OUTCOME_ROLLED_BACK, "fail", "✘ FAILED: ROLLED BACK"},
		{OTA_OUTCOME_REFUSED, "fail", "✘ REFUSED"},
		{OTA_OUTCOME_FAILED, "fail", "✘ FAILED"},
		{OTA_OUTCOME_INTERRUPTED, "fail", "✘ INTERRUPTED"},
		{OTA_OUTCOME_ROLLBACK, "warn", "↺ ROLLBACK"},
		{OTA_OUTCOME_UNFINISHED, "info", "… IN PROGRESS"},
	};
	size_t i;

	*cls = "info";
	*label = "… EARLIER, PARTLY ROTATED OUT";
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!strcmp(oc, t[i].oc)) {
			*cls = t[i].cls;
			*label = t[i].label;
		}
	}
}

/* IDLE → VERIFYING → ...: the step it failed in marked, PROMOTED too. */
static void path(struct page *p, const json_t *a)
{
	json_int_t failed = json_integer_value(json_object_get(a, "failed_step"));
	const json_t *v;
	const char *s;
	size_t i;

	put(p, "<ol class=\"path\" aria-label=\"Path through the state machine\">");
	json_array_foreach(json_object_get(a, "path"), i, v) {
		s = json_string_value(v);
		if (i)
			put(p, "<li class=\"arrow\" aria-hidden=\"true\">→</li>");
		if (json_object_get(a, "failed_step") && (json_int_t)i == failed) {
			put(p, "<li class=\"failed\">✘ ");
		} else {
			put(p, strcmp(s, "PROMOTED") ? "<li>" : "<li class=\"done\">✔ ");
		}
		esc(p, s);
		put(p, "</li>");
	}
	put(p, "</ol>");
}

static void records_table(struct page *p, const json_t *recs)
{
	const json_t *r;
	size_t i;

	putf(p, "<details><summary>%zu transitions", json_array_size(recs));
	putf(p, " (seq %lld–%lld)</summary><table><thead><tr><th>Seq</th><th>Time</th>"
	     "<th>From → to</th><th>Result</th><th>Reason</th></tr></thead><tbody>",
	     num(json_array_get(recs, 0), "seq"),
	     num(json_array_get(recs, json_array_size(recs) - 1), "seq"));
	json_array_foreach(recs, i, r) {
		bool bad = strcmp(str(r, "result"), "ok") && strcmp(str(r, "result"), "rolled_back");

		putf(p, "<tr%s><td>%lld</td><td>", bad ? " class=\"fail\"" : "", num(r, "seq"));
		when(p, str(r, "time"));
		put(p, "</td><td>");
		esc(p, str(r, "from"));
		put(p, " → ");
		esc(p, str(r, "to"));
		put(p, bad ? "</td><td>✘ " : "</td><td>");
		esc(p, str(r, "result"));
		put(p, "</td><td>");
		esc(p, str(r, "reason"));
		put(p, "</td></tr>");
	}
	put(p, "</tbody></table></details>");
}

/* The bundle's identity: its file, manifest hash and signers. */
static void identity(struct page *p, const json_t *a)
{
	const json_t *k;
	size_t i;

	if (!*str(a, "manifest_sha256") && !json_array_size(json_object_get(a, "signers")))
		return;
	put(p, "<dl><dt>Manifest SHA-256</dt><dd>");
	esc(p, *str(a, "manifest_sha256") ? str(a, "manifest_sha256") : "not verified");
	put(p, "</dd><dt>Signed by</dt><dd>");
	json_array_foreach(json_object_get(a, "signers"), i, k) {
		put(p, i ? "<br>" : "");
		esc(p, json_string_value(k));
	}
	put(p, "</dd></dl>");
}

static void attempt(struct page *p, const json_t *a, size_t n)
{
	const char *cls, *label, *kind = str(a, "kind");
	long long t0, t1;
	bool failure = json_is_true(json_object_get(a, "failure"));

	outcome(str(a, "outcome"), &cls, &label);
	putf(p, "<li class=\"attempt %s\"><div class=\"top\"><span class=\"num\">#%zu</span>"
	     "<span class=\"badge %s\">%s</span><span class=\"ver\">", cls, n, cls, label);
	esc(p, *str(a, "version") ? str(a, "version") : "version unknown");
	put(p, "</span>");
	if (!strcmp(kind, "rollback"))
		put(p, "<span>rollback requested</span>");
	if (*str(a, "bundle")) {
		put(p, "<span class=\"file\">");
		esc(p, str(a, "bundle"));
		put(p, "</span>");
	}
	put(p, "<span class=\"when\">");
	when(p, str(a, "start"));
	if (!ota_isotime_parse(str(a, "start"), &t0, NULL) &&
	    !ota_isotime_parse(str(a, "end"), &t1, NULL) && t1 >= t0)
		putf(p, " · %lld s", t1 - t0);
	put(p, "</span></div>");
	path(p, a);
	putf(p, "<p class=\"why%s\">%s", failure ? " fail" : "", failure ? "<b>Why:</b> " : "");
	esc(p, str(a, "reason"));
	if (failure && num(a, "exit"))
		putf(p, " (exit %lld)", num(a, "exit"));
	put(p, "</p>");
	identity(p, a);
	records_table(p, json_object_get(a, "records"));
	put(p, "</li>");
}

/* "Newer" and "older" links around a page of attempts. */
static void pager(struct page *p, const struct ota_dashboard_page *pg, unsigned long pages)
{
	put(p, "<nav class=\"pager\" aria-label=\"Pages of attempts\">");
	if (pg->page > 1)
		putf(p, "<a href=\"/?page=%lu\">← newer</a>", pg->page - 1);
	putf(p, "<span>page %lu of %lu</span>", pg->page, pages);
	if (pg->page < pages)
		putf(p, "<a href=\"/?page=%lu\">older →</a>", pg->page + 1);
	put(p, "</nav>");
}

static void timeline(struct page *p, const json_t *records, const struct ota_dashboard_page *pg)
{
	json_t *att = ota_audit_attempts(records);
	size_t i, n = json_array_size(att), fails = 0, first = n, last = 0;
	unsigned long pages = 1;

	if (!att) {
		p->rc = ota_err_set(p->err, OTA_EINTERNAL, "out of memory");
		return;
	}
	for (i = 0; i < n; i++)
		fails += json_is_true(json_object_get(json_array_get(att, i), "failure"));
	/* Newest first: page 1 is attempts n..n-per+1 (numbered from 1). */
	if (pg && pg->per_page) {
		pages = n ? (n + pg->per_page - 1) / pg->per_page : 1;
		first = pg->page <= pages ? n - (pg->page - 1) * pg->per_page : 0;
		last = first > pg->per_page ? first - pg->per_page : 0;
	}
	putf(p, "<h2 id=\"attempts\">Install attempts, newest first (%zu, %zu failed)</h2>", n,
	     fails);
	if (pg && pages > 1)
		pager(p, pg, pages);
	put(p, "<ol class=\"attempts\" reversed aria-labelledby=\"attempts\">");
	for (i = first; i > last; i--)
		attempt(p, json_array_get(att, i - 1), i);
	if (!n)
		put(p, "<li>No attempt recorded yet.</li>");
	else if (first == 0)
		putf(p, "<li>No attempt on this page: there are %lu.</li>", pages);
	put(p, "</ol>");
	if (pg && pages > 1)
		pager(p, pg, pages);
	json_decref(att);
}

static void head(struct page *p, const json_t *s)
{
	char csp[OTA_DASHBOARD_CSP_MAX] = "", *fa;

	if (p->rc == 0)
		p->rc = ota_dashboard_csp(csp, p->err);
	/* frame-ancestors has no effect in a <meta> policy (the header has it). */
	if ((fa = strstr(csp, "; frame-ancestors")))
		*fa = '\0';
	put(p, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	       "<meta http-equiv=\"Content-Security-Policy\" content=\"");
	esc(p, p->rc ? "" : csp);
	put(p, "\"><meta name=\"referrer\" content=\"no-referrer\">"
	       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
	esc(p, str(s, "device_class"));
	put(p, " · ");
	esc(p, *str(s, "current") ? str(s, "current") : "no release");
	put(p, " · ota</title><style>");
	put(p, ota_dashboard_css);
	put(p, "</style></head><body><header><h1>OTA device ");
	esc(p, *str(s, "device_class") ? str(s, "device_class") : "(unknown class)");
	put(p, "</h1><p>Read-only view from ota-agent, ");
	when(p, str(s, "time"));
	put(p, ". Nothing on this page comes from a network.</p></header><main>");
}

/* The JSON endpoints, on a served page only (a report file has none). */
static void api_links(struct page *p)
{
	put(p, "<p class=\"api\">The same as JSON: <a href=\"/api/status.json\">/api/status.json"
	       "</a> (<code>ota-agent status --json</code>), <a href=\"/api/history.json\">"
	       "/api/history.json</a> (<code>ota-agent history --json</code>)</p>");
}

int ota_dashboard_render(const json_t *status, const json_t *records,
			 const struct ota_dashboard_page *pg, struct ota_buf *out,
			 struct ota_err *err)
{
	struct page p = {.out = out, .err = err};

	head(&p, status);
	cards(&p, status);
	if (p.rc == 0)
		p.rc = ota_dashboard_device(status, out, err);
	if (pg)
		api_links(&p);
	releases(&p, status);
	timeline(&p, records, pg);
	put(&p, "</main><footer>Times are the device's clock (UTC). Each record of the history "
		"carries the SHA-256 of the one before it; <code>ota-agent history --verify</code> "
		"checks the chain, and <code>--expect SEQ:SHA256</code> checks it still holds a "
		"head noted earlier (the one above).</footer></body></html>\n");
	return p.rc;
}
