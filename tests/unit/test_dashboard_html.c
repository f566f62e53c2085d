/* SPDX-License-Identifier: Apache-2.0 */
/* test_dashboard_html.c - the dashboard page (lib/dashboard_html.c): every
 * string from the status and history escaped (a bundle's file name, a
 * reason, a problem carrying markup), failures marked by class and text,
 * the chain's verdict shown, the policy naming the one style element. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/dashboard_html.h"
#include "lib/hash.h"

#define XSS "\"><script>alert(1)</script><img src=x onerror=alert(2)>'"

static json_t *status(bool chain_ok)
{
	return json_pack("{s:s, s:s, s:[s, s], s:s, s:i, s:s, s:i, s:{s:s}, s:{s:b, s:i, s:i, "
			 "s:i, s:s, s:s*}}",
			 "current", "1.0.0", "last_good", "1.0.0", "releases", "1.0.0", "2.0.0",
			 "device_class", "edge-gw-v2", "rollback_index", 1, "time",
			 "2024-05-01T10:00:00Z", "free_bytes", 123456789, "run", "state", "IDLE",
			 "history", "ok", chain_ok, "records", 8, "first_seq", 1, "last_seq", 8,
			 "head_sha256", "ab12", "problem", chain_ok ? NULL : "history.jsonl:3: " XSS);
}

static json_t *rec(int seq, const char *from, const char *to, const char *result,
		   const char *reason)
{
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:s, s:i}", "seq", seq,
			 "time", "2024-05-01T09:00:00Z", "from", from, "to", to, "version", "2.0.0",
			 "bundle", XSS ".bundle", "manifest_sha256", "cd34", "signers", "ef56",
			 "result", result, "reason", reason, "exit", strcmp(result, "ok") ? 15 : 0);
}

static json_t *history(void)
{
	json_t *a = json_array();

	json_array_append_new(a, rec(1, "IDLE", "VERIFYING", "ok", "bundle " XSS));
	json_array_append_new(a, rec(2, "VERIFYING", "STAGING", "ok", "verified"));
	json_array_append_new(a, rec(3, "STAGING", "SWITCHING", "ok", "staged"));
	json_array_append_new(a, rec(4, "SWITCHING", "HEALTH_CHECK", "ok", "switched"));
	json_array_append_new(a, rec(5, "HEALTH_CHECK", "ROLLING_BACK", "failed", "500 " XSS));
	json_array_append_new(a, rec(6, "ROLLING_BACK", "IDLE", "rolled_back", "rolled back"));
	json_array_append_new(a, rec(7, "IDLE", "VERIFYING", "ok", "bundle x"));
	json_array_append_new(a, rec(8, "VERIFYING", "IDLE", "refused", "x: bad signature"));
	return a;
}

static char *render(bool chain_ok)
{
	json_t *s = status(chain_ok), *h = history();
	struct ota_err err = {0};
	struct ota_buf b;

	assert_non_null(s);
	ota_buf_init(&b, 0);
	assert_int_equal(ota_dashboard_render(s, h, NULL, &b, &err), 0);
	json_decref(s);
	json_decref(h);
	return (char *)b.data;
}

/* The device section: who it is, the trust set, the health checks; a
 * hostname carrying markup escaped. */
static void test_html_device_trust_and_health_shown(void **state)
{
	json_t *s = status(true), *h = history();
	struct ota_err err = {0};
	struct ota_buf b;
	const char *page;

	(void)state;
	json_object_set_new(s, "device", json_pack("{s:s, s:s, s:s}", "id", "69856312d5433d85",
						   "hostname", "gw" XSS, "machine_id", "4c4c45"));
	json_object_set_new(s, "agent_version", json_string("0.1.0"));
	json_object_set_new(s, "trust", json_pack("{s:i, s:i, s:[s, s]}", "sequence", 2,
						  "threshold", 2, "keys", "aaaa1111", "bbbb2222"));
	json_object_set_new(s, "health", json_pack("{s:i, s:i, s:i, s:i, s:s}", "timeout_ms",
						   2500, "interval_ms", 200, "stable_ms", 0,
						   "tcp_port", 8080, "http_url", "http://x/health"));
	ota_buf_init(&b, 0);
	assert_int_equal(ota_dashboard_render(s, h, NULL, &b, &err), 0);
	page = (const char *)b.data;
	assert_non_null(strstr(page, "<dt>Device key</dt><dd>69856312d5433d85</dd>"));
	assert_non_null(strstr(page, "<dt>Machine id</dt><dd>4c4c45</dd>"));
	assert_non_null(strstr(page, "<dt>Agent</dt><dd>0.1.0</dd>"));
	assert_non_null(strstr(page, "2 of 2 keys"));
	assert_non_null(strstr(page, "sequence 2 (a trust file)"));
	assert_non_null(strstr(page, "aaaa1111<br>bbbb2222"));
	assert_non_null(strstr(page, "<dt>TCP</dt><dd>port 8080</dd>"));
	assert_non_null(strstr(page, "<dt>HTTP 2xx</dt><dd>http://x/health</dd>"));
	assert_non_null(strstr(page, "2.5 s, every 0.2 s, stable 0.0 s"));
	assert_null(strstr(page, "<script>"));
	/* A report file has no links to endpoints it does not serve. */
	assert_null(strstr(page, "/api/status.json"));
	ota_buf_free(&b);
	json_decref(s);
	json_decref(h);
}

/* n attempts of two records each (IDLE -> VERIFYING -> IDLE, refused). */
static json_t *attempts(int n)
{
	json_t *a = json_array();
	char v[16];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(v, sizeof(v), "%d.0.0", i + 1);
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
						   "seq", 2 * i + 1, "time", "2024-05-01T09:00:00Z",
						   "from", "IDLE", "to", "VERIFYING", "version", v,
						   "bundle", "b", "result", "ok", "reason", "r", "exit",
						   0));
		json_array_append_new(a, json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}",
						   "seq", 2 * i + 2, "time", "2024-05-01T09:00:01Z",
						   "from", "VERIFYING", "to", "IDLE", "version", v,
						   "bundle", "b", "result", "refused", "reason", "bad",
						   "exit", 6));
	}
	return a;
}

static char *render_page(const json_t *h, unsigned long page)
{
	const struct ota_dashboard_page pg = {page, 10};
	json_t *s = status(true);
	struct ota_err err = {0};
	struct ota_buf b;

	ota_buf_init(&b, 0);
	assert_int_equal(ota_dashboard_render(s, h, &pg, &b, &err), 0);
	json_decref(s);
	return (char *)b.data;
}

/* 25 attempts, 10 a page: newest first, links between pages, an empty page past the end. */
static void test_html_pages_long_histories(void **state)
{
	json_t *h = attempts(25);
	char *page;

	(void)state;
	page = render_page(h, 1);
	assert_non_null(strstr(page, "Install attempts, newest first (25, 25 failed)"));
	assert_non_null(strstr(page, "#25</span>"));
	assert_non_null(strstr(page, "#16</span>"));
	assert_null(strstr(page, "#15</span>"));
	assert_non_null(strstr(page, "<span>page 1 of 3</span><a href=\"/?page=2\">older"));
	assert_null(strstr(page, "newer</a>"));
	assert_non_null(strstr(page, "<a href=\"/api/status.json\">"));
	assert_non_null(strstr(page, "<a href=\"/api/history.json\">"));
	free(page);
	page = render_page(h, 3);
	assert_non_null(strstr(page, "#5</span>"));
	assert_non_null(strstr(page, "#1</span>"));
	assert_null(strstr(page, "#6</span>"));
	assert_non_null(strstr(page, "<a href=\"/?page=2\">← newer</a><span>page 3 of 3</span>"));
	assert_null(strstr(page, "older →"));
	free(page);
	page = render_page(h, 4);
	assert_non_null(strstr(page, "No attempt on this page"));
	assert_null(strstr(page, "class=\"attempt "));
	free(page);
	json_decref(h);
}

static void test_html_escape_every_special_character(void **state)
{
	struct ota_buf b;

	(void)state;
	ota_buf_init(&b, 0);
	assert_int_equal(ota_html_escape(&b, "a<b>&\"c'd", NULL), 0);
	assert_string_equal((char *)b.data, "a&lt;b&gt;&amp;&quot;c&#39;d");
	ota_buf_free(&b);
}

static void test_html_page_has_no_markup_from_the_history(void **state)
{
	char *page = render(false);

	(void)state;
	/* Not one element or attribute made of the hostile strings. */
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img"));
	assert_non_null(strstr(page, "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x "
				     "onerror=alert(2)&gt;&#39;.bundle"));
	free(page);
}

static void test_html_failures_marked_by_colour_and_text(void **state)
{
	char *page = render(true);

	(void)state;
	assert_non_null(strstr(page, "<li class=\"attempt fail\">"));
	assert_non_null(strstr(page, "✘ FAILED: ROLLED BACK"));
	assert_non_null(strstr(page, "✘ REFUSED"));
	assert_non_null(strstr(page, "<li class=\"failed\">✘ HEALTH_CHECK</li>"));
	assert_non_null(strstr(page, "(2, 2 failed)"));
	assert_non_null(strstr(page, "✔ History chain verified"));
	free(page);
}

static void test_html_broken_chain_shown(void **state)
{
	char *page = render(false);

	(void)state;
	assert_non_null(strstr(page, "✘ HISTORY DOES NOT VERIFY"));
	assert_non_null(strstr(page, "history.jsonl:3: &quot;&gt;&lt;script&gt;"));
	assert_null(strstr(page, "History chain verified"));
	free(page);
}

static void test_html_policy_names_the_style_element(void **state)
{
	char csp[OTA_DASHBOARD_CSP_MAX], want[128], *page = render(true), *s, *e;
	unsigned char d[OTA_SHA256_LEN], b64[64];

	(void)state;
	assert_int_equal(ota_dashboard_csp(csp, NULL), 0);
	s = strstr(page, "<style>");
	e = strstr(page, "</style>");
	assert_true(s && e && e > s);
	s += strlen("<style>");
	assert_int_equal(ota_sha256(s, (size_t)(e - s), d, NULL), 0);
	EVP_EncodeBlock(b64, d, sizeof(d));
	snprintf(want, sizeof(want), "style-src 'sha256-%s", (char *)b64);
	assert_non_null(strstr(csp, want));
	assert_non_null(strstr(csp, "default-src 'none'"));
	assert_non_null(strstr(csp, "frame-ancestors 'none'"));
	/* The page carries it too (without frame-ancestors, which a <meta>
	 * policy cannot set), and nothing else the browser would fetch. */
	assert_non_null(strstr(page, strstr(want, "sha256-")));
	assert_null(strstr(page, "http://"));
	assert_null(strstr(page, "https://"));
	assert_null(strstr(page, "<link"));
	assert_null(strstr(page, "url("));
	assert_null(strstr(page, "@import"));
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_escape_every_special_character),
		cmocka_unit_test(test_html_device_trust_and_health_shown),
		cmocka_unit_test(test_html_pages_long_histories),
		cmocka_unit_test(test_html_page_has_no_markup_from_the_history),
		cmocka_unit_test(test_html_failures_marked_by_colour_and_text),
		cmocka_unit_test(test_html_broken_chain_shown),
		cmocka_unit_test(test_html_policy_names_the_style_element),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
