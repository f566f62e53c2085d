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
	assert_int_equal(ota_dashboard_render(s, h, &b, &err), 0);
	json_decref(s);
	json_decref(h);
	return (char *)b.data;
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
		cmocka_unit_test(test_html_page_has_no_markup_from_the_history),
		cmocka_unit_test(test_html_failures_marked_by_colour_and_text),
		cmocka_unit_test(test_html_broken_chain_shown),
		cmocka_unit_test(test_html_policy_names_the_style_element),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
