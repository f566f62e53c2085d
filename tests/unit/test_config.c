/* SPDX-License-Identifier: Apache-2.0 */
/* test_config.c - the agent config loader of lib/config.c: every field of
 * a full config, the defaults, --root, and a table of refusals, each with
 * its exact "FILE:LINE: reason".  Configs are written to a mkdtemp dir. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char dir[64];
	char path[128]; /* dir/agent.yaml */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-config.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/agent.yaml", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write len bytes of text to the fixture's agent.yaml. */
static void write_n(const struct fixture *f, const char *text, size_t len)
{
	FILE *fp = fopen(f->path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void write_config(const struct fixture *f, const char *text)
{
	write_n(f, text, strlen(text));
}

static void assert_printable_line(const char *msg)
{
	size_t i;

	for (i = 0; msg[i]; i++) {
		if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] > 0x7e)
			fail_msg("byte 0x%02x in \"%s\"", (unsigned char)msg[i], msg);
	}
}

/* The brief's own example, with values off the defaults. */
static const char full[] =
	"# The agent config of an edge gateway.\n"
	"device_class: edge-gw-v2\n"
	"app_dir: /opt/app\n"
	"state_dir: /var/lib/ota   # state.json, history\n"
	"keys: /etc/ota/keys\n"
	"threshold: 2\n"
	"keep_releases: 5\n"
	"service:\n"
	"  restart: \"systemctl restart app.service\"\n"
	"  restart_count: 'systemctl show -p NRestarts --value app.service'\n"
	"health:\n"
	"  timeout: 30.5\n"
	"  interval: 0.25\n"
	"  stable: 10\n"
	"  tcp_port: 8080\n"
	"  http_url: http://127.0.0.1:8080/health\n"
	"  command: \"/opt/app/current/selftest\"\n"
	"watch:\n"
	"  usb: /run/ota/usb\n"
	"  http: http://192.0.2.10:8000/bundles/\n"
	"  interval: 30\n"
	"  max_bundle_mb: 512\n"
	"  retries: 0\n"
	"  retry_delay: 0.5\n"
	"  connect_timeout: 3\n"
	"  stall_timeout: 20\n";

static void test_config_loads_every_field_with_root(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};

	write_config(f, full);
	if (ota_config_load(f->path, "/tmp/x", &c, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c.device_class, "edge-gw-v2");
	assert_string_equal(c.app_dir, "/tmp/x/opt/app");
	assert_string_equal(c.state_dir, "/tmp/x/var/lib/ota");
	assert_string_equal(c.keys, "/tmp/x/etc/ota/keys");
	assert_int_equal(c.threshold, 2);
	assert_int_equal(c.keep_releases, 5);
	assert_string_equal(c.restart_cmd, "systemctl restart app.service");
	assert_string_equal(c.restart_count_cmd, "systemctl show -p NRestarts --value app.service");
	assert_int_equal(c.timeout_ms, 30500);
	assert_int_equal(c.interval_ms, 250);
	assert_int_equal(c.stable_ms, 10000);
	assert_int_equal(c.tcp_port, 8080);
	assert_string_equal(c.http_url, "http://127.0.0.1:8080/health");
	assert_string_equal(c.health_cmd, "/opt/app/current/selftest");
	assert_string_equal(c.usb_dir, "/tmp/x/run/ota/usb");
	assert_string_equal(c.source_url, "http://192.0.2.10:8000/bundles/");
	assert_int_equal(c.watch_interval_ms, 30000);
	assert_int_equal(c.max_bundle_mb, 512);
	assert_true(c.max_bundle_bytes == 512ULL << 20);
	assert_int_equal(c.fetch_retries, 0);
	assert_int_equal(c.retry_delay_ms, 500);
	assert_int_equal(c.connect_timeout_ms, 3000);
	assert_int_equal(c.stall_timeout_ms, 20000);
	assert_string_equal(c.root, "/tmp/x");
	ota_config_free(&c);
	assert_null(c.device_class);
	assert_null(c.root);
}

#define BASE                                                                                       \
	"device_class: edge-gw-v2\n"                                                               \
	"app_dir: /opt/app\n"                                                                      \
	"state_dir: /var/lib/ota\n"                                                                \
	"keys: /etc/ota/keys\n"                                                                    \
	"service:\n"                                                                               \
	"  restart: systemctl restart app.service\n"

static void test_config_minimal_gets_defaults(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};

	write_config(f, BASE);
	if (ota_config_load(f->path, NULL, &c, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c.app_dir, "/opt/app");
	assert_string_equal(c.state_dir, "/var/lib/ota");
	assert_string_equal(c.keys, "/etc/ota/keys");
	assert_string_equal(c.restart_cmd, "systemctl restart app.service");
	assert_null(c.restart_count_cmd);
	assert_int_equal(c.threshold, 1);
	assert_int_equal(c.keep_releases, 3);
	assert_int_equal(c.timeout_ms, 60000);
	assert_int_equal(c.interval_ms, 2000);
	assert_int_equal(c.stable_ms, 0);
	assert_int_equal(c.tcp_port, 0);
	assert_null(c.http_url);
	assert_null(c.health_cmd);
	assert_null(c.usb_dir);
	assert_null(c.source_url);
	assert_int_equal(c.watch_interval_ms, 60000);
	assert_true(c.max_bundle_bytes == 4096ULL << 20);
	assert_int_equal(c.fetch_retries, 5);
	assert_int_equal(c.retry_delay_ms, 5000);
	assert_int_equal(c.connect_timeout_ms, 10000);
	assert_int_equal(c.stall_timeout_ms, 30000);
	assert_int_equal(c.min_rate, 1024);
	assert_int_equal(c.max_fetch_ms, 6 * 3600000);
	assert_int_equal(c.scan_timeout_ms, 120000);
	assert_string_equal(c.root, "");
	ota_config_free(&c);
}

/* The root is joined without doubling or losing a '/'. */
static void test_config_root_forms(void **state)
{
	static const struct {
		const char *root, *app_dir, *stored;
	} t[] = {
		{NULL, "/opt/app", ""},
		{"", "/opt/app", ""},
		{"/", "/opt/app", "/"},
		{"/tmp/x/", "/tmp/x/opt/app", "/tmp/x/"},
		{"/tmp/x//", "/tmp/x/opt/app", "/tmp/x//"},
		{"rel/dev", "rel/dev/opt/app", "rel/dev"},
	};
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};
	size_t i;

	write_config(f, BASE);
	for (i = 0; i < N(t); i++) {
		if (ota_config_load(f->path, t[i].root, &c, &err))
			fail_msg("row %zu: %s", i, err.msg);
		assert_string_equal(c.app_dir, t[i].app_dir);
		assert_string_equal(c.root, t[i].stored);
		ota_config_free(&c);
	}
}

static void test_config_durations_in_ms(void **state)
{
	static const struct {
		const char *health;
		unsigned int timeout, interval, stable;
	} t[] = {
		{"  timeout: 0.1\n  interval: 0.05\n", 100, 50, 0},
		{"  timeout: 3600\n  interval: 3600\n  stable: 3599.999\n", 3600000, 3600000, 3599999},
		{"  timeout: 1.5\n  interval: 0.125\n  stable: 0.010\n", 1500, 125, 10},
		{"  timeout: 0.999\n  stable: 0.9\n", 999, 999, 900},
		{"  stable: 0\n  interval: 0.5\n", 60000, 500, 0},
		/* The default interval (2 s) shrinks to a shorter timeout. */
		{"  timeout: 1\n", 1000, 1000, 0},
		{"  timeout: '5'\n  interval: \"1.25\"\n", 5000, 1250, 0},
	};
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};
	char text[512];
	size_t i;

	for (i = 0; i < N(t); i++) {
		snprintf(text, sizeof(text), BASE "health:\n%s", t[i].health);
		write_config(f, text);
		if (ota_config_load(f->path, NULL, &c, &err))
			fail_msg("row %zu: %s", i, err.msg);
		if (c.timeout_ms != t[i].timeout || c.interval_ms != t[i].interval ||
		    c.stable_ms != t[i].stable)
			fail_msg("row %zu: %u/%u/%u ms", i, c.timeout_ms, c.interval_ms,
				 c.stable_ms);
		ota_config_free(&c);
	}
}

struct refusal {
	const char *text;
	const char *why; /* err.msg after "PATH:" */
};

#define TOP_KEYS "device_class, app_dir, state_dir, keys, threshold, keep_releases, service, health, watch, history"
#define HEALTH_KEYS "timeout, interval, stable, tcp_port, http_url, command"
#define INT64 "an integer 1..64, got "
#define PORT "health.tcp_port: expected an integer 1..65535, got "
#define TIMEOUT "health.timeout: expected seconds 0.1..3600 (at most 3 decimals), got "
#define INTERVAL "health.interval: expected seconds 0.05..3600 (at most 3 decimals), got "

static void assert_refusals(const struct fixture *f, const struct refusal *t, size_t n)
{
	struct ota_config c;
	struct ota_err err;
	char want[OTA_ERR_MSG_MAX];
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&err, 0, sizeof(err));
		write_config(f, t[i].text);
		rc = ota_config_load(f->path, "/r", &c, &err);
		if (rc != OTA_ECONFIG)
			fail_msg("row %zu: rc %d, want OTA_ECONFIG (%s)", i, rc, err.msg);
		assert_int_equal(err.code, OTA_ECONFIG);
		assert_printable_line(err.msg);
		snprintf(want, sizeof(want), "%s:%s", f->path, t[i].why);
		if (strcmp(err.msg, want))
			fail_msg("row %zu:\n got  \"%s\"\n want \"%s\"", i, err.msg, want);
		/* Nothing half-loaded is left behind. */
		assert_null(c.device_class);
		assert_null(c.app_dir);
		assert_null(c.root);
		assert_int_equal(c.threshold, 0);
	}
}

static void test_config_refuses_unknown_and_duplicate_keys(void **state)
{
	static const struct refusal t[] = {
		{BASE "helth:\n  timeout: 5\n",
		 "7: unknown key \"helth\" (expected one of: " TOP_KEYS ")"},
		{BASE "health:\n  timeout: 5\n  helth: 1\n",
		 "9: unknown key \"helth\" (expected one of: " HEALTH_KEYS ")"},
		{BASE "service_x: 1\n",
		 "7: unknown key \"service_x\" (expected one of: " TOP_KEYS ")"},
		{"device_class: a\nservice:\n  restart: r\n  stop: s\n",
		 "4: unknown key \"stop\" (expected one of: restart, restart_count)"},
		{"Device_Class: a\n",
		 "1: unknown key \"Device_Class\" (expected one of: " TOP_KEYS ")"},
		{"\"dev\\x1bice\": a\n",
		 "1: unknown key \"dev\\x1bice\" (expected one of: " TOP_KEYS ")"},
		{BASE "app_dir: /srv/app\n", "7: duplicate key \"app_dir\" (first on line 2)"},
		{BASE "health:\n  stable: 1\n  stable: 2\n",
		 "9: duplicate key \"health.stable\" (first on line 8)"},
		{BASE "\"keys\": /k\n", "7: duplicate key \"keys\" (first on line 4)"},
		{BASE "service:\n  restart: x\n", "7: duplicate key \"service\" (first on line 5)"},
		{"? [a]\n: b\n", "1: expected a key, got a sequence"},
		{"device_class: a\n~: b\n", "2: expected a key, got null"},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_bad_integers(void **state)
{
	static const struct refusal t[] = {
		{"device_class: edge-gw-v2\napp_dir: /opt/app\nkeep_releases: x\n",
		 "3: keep_releases: expected an integer 2..100, got \"x\""},
		{BASE "keep_releases: 1\n",
		 "7: keep_releases: expected an integer 2..100, got \"1\""},
		{BASE "keep_releases: 101\n",
		 "7: keep_releases: expected an integer 2..100, got \"101\""},
		{BASE "threshold: 0x10\n", "7: threshold: expected " INT64 "\"0x10\""},
		{BASE "threshold: +3\n", "7: threshold: expected " INT64 "\"+3\""},
		{BASE "threshold: 03\n", "7: threshold: expected " INT64 "\"03\""},
		{BASE "threshold: 00\n", "7: threshold: expected " INT64 "\"00\""},
		{BASE "threshold: -1\n", "7: threshold: expected " INT64 "\"-1\""},
		{BASE "threshold: 3.0\n", "7: threshold: expected " INT64 "\"3.0\""},
		{BASE "threshold: 1e1\n", "7: threshold: expected " INT64 "\"1e1\""},
		{BASE "threshold: 0\n", "7: threshold: expected " INT64 "\"0\""},
		{BASE "threshold: 65\n", "7: threshold: expected " INT64 "\"65\""},
		{BASE "threshold: ' 2'\n", "7: threshold: expected " INT64 "\" 2\""},
		{BASE "threshold: 4294967297\n", "7: threshold: expected " INT64 "\"4294967297\""},
		{BASE "threshold: 99999999999999999999999\n",
		 "7: threshold: expected " INT64 "\"99999999999999999999999\""},
		{BASE "threshold:\n", "7: threshold: expected " INT64 "null"},
		{BASE "threshold: ~\n", "7: threshold: expected " INT64 "null"},
		{BASE "threshold: {a: 1}\n", "7: threshold: expected " INT64 "a mapping"},
		{BASE "health:\n  tcp_port: 65536\n", "8: " PORT "\"65536\""},
		{BASE "health:\n  tcp_port: 0\n", "8: " PORT "\"0\""},
		{BASE "health:\n  tcp_port: 80a\n", "8: " PORT "\"80a\""},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_bad_durations(void **state)
{
	static const struct refusal t[] = {
		{BASE "health:\n  timeout: 0.0001\n", "8: " TIMEOUT "\"0.0001\""},
		{BASE "health:\n  timeout: 0.09\n", "8: " TIMEOUT "\"0.09\""},
		{BASE "health:\n  timeout: 3600.001\n", "8: " TIMEOUT "\"3600.001\""},
		{BASE "health:\n  timeout: 1.\n", "8: " TIMEOUT "\"1.\""},
		{BASE "health:\n  timeout: .5\n", "8: " TIMEOUT "\".5\""},
		{BASE "health:\n  timeout: 05\n", "8: " TIMEOUT "\"05\""},
		{BASE "health:\n  timeout: 5s\n", "8: " TIMEOUT "\"5s\""},
		{BASE "health:\n  timeout: 1.2.3\n", "8: " TIMEOUT "\"1.2.3\""},
		{BASE "health:\n  timeout: -1\n", "8: " TIMEOUT "\"-1\""},
		{BASE "health:\n  timeout: 1e3\n", "8: " TIMEOUT "\"1e3\""},
		{BASE "health:\n  interval: 0.049\n", "8: " INTERVAL "\"0.049\""},
		{BASE "health:\n  interval: 90\n",
		 "8: health.interval: 90 s is longer than health.timeout (60 s)"},
		{BASE "health:\n  stable: 31\n  timeout: 30.5\n",
		 "8: health.stable: 31 s is not shorter than health.timeout (30.5 s)"},
		/* The window opens after a first pass: equal to the timeout
		 * it could never close. */
		{BASE "health:\n  stable: 30\n  timeout: 30\n",
		 "8: health.stable: 30 s is not shorter than health.timeout (30 s)"},
		{BASE "health:\n  timeout: 0.1\n  interval: 0.15\n",
		 "9: health.interval: 0.15 s is longer than health.timeout (0.1 s)"},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_bad_strings(void **state)
{
	static const struct refusal t[] = {
		{"device_class: edge\napp_dir: opt/app\n",
		 "2: app_dir: expected an absolute path, got \"opt/app\""},
		{"device_class: edge\nkeys: ''\n", "2: keys: expected an absolute path, got \"\""},
		{BASE "health:\n  http_url: https://127.0.0.1/health\n",
		 "8: health.http_url: expected an http:// URL, got \"https://127.0.0.1/health\""},
		{BASE "health:\n  http_url: http://\n",
		 "8: health.http_url: expected an http:// URL, got \"http://\""},
		{BASE "health:\n  http_url: \"http://a/ b\"\n",
		 "8: health.http_url: expected an http:// URL, got \"http://a/ b\""},
		{"device_class: ../x\n",
		 "1: device_class: expected a device class "
		 "(1-64 of A-Z a-z 0-9 . _ -, not led by . or -), got \"../x\""},
		{"device_class: edge\nservice:\n  restart: \"\"\n",
		 "3: service.restart: expected a non-empty command, got \"\""},
		{"device_class: edge\nservice:\n  restart:\n",
		 "3: service.restart: expected a non-empty command, got null"},
		{"device_class: edge\nservice:\n  restart: |\n    systemctl restart app\n",
		 "3: service.restart: expected a non-empty command, got a block scalar"},
		{"device_class: edge\nservice:\n  restart: >-\n    systemctl restart app\n",
		 "3: service.restart: expected a non-empty command, got a block scalar"},
		{"device_class: edge\nstate_dir: \"/var/lib\\0/ota\"\n",
		 "2: state_dir: contains a NUL byte"},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_wrong_shapes(void **state)
{
	static const struct refusal t[] = {
		{"device_class: edge\nkeys:\n  - /etc/ota/a.pub\n  - /etc/ota/b.pub\n",
		 "3: keys: expected an absolute path, got a sequence"},
		{"device_class: edge\nkeys: [/a.pub, /b.pub]\n",
		 "2: keys: expected an absolute path, got a sequence"},
		{"device_class: edge\nservice: systemctl restart app\n",
		 "2: service: expected a mapping, got \"systemctl restart app\""},
		{"device_class: edge\nhealth:\n  - timeout: 5\n",
		 "3: health: expected a mapping, got a sequence"},
		{"device_class: edge\nservice:\n  restart:\n    cmd: x\n",
		 "4: service.restart: expected a non-empty command, got a mapping"},
		{"- device_class: edge\n", "1: the top level must be a mapping, got a sequence"},
		{"edge-gw-v2\n", "1: the top level must be a mapping, got \"edge-gw-v2\""},
		{"", "1: the top level must be a mapping, got nothing"},
		/* An empty document's null sits where the file ends. */
		{"---\n", "2: the top level must be a mapping, got null"},
		{BASE "---\ndevice_class: other\n", "7: only one YAML document is allowed"},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_aliases_anchors_and_tags(void **state)
{
	static const struct refusal t[] = {
		{"device_class: edge\napp_dir: *dir\n",
		 "2: app_dir: aliases are not allowed (*dir)"},
		{"device_class: &dc edge\napp_dir: *dc\n",
		 "1: device_class: anchors are not allowed (&dc)"},
		{"device_class: edge\nservice: &svc\n  restart: x\n",
		 "2: service: anchors are not allowed (&svc)"},
		{"&top\ndevice_class: edge\n", "1: anchors are not allowed (&top)"},
		{"device_class: edge\n*k : x\n", "2: aliases are not allowed (*k)"},
		{"device_class: edge\n&k keys: /k\n", "2: anchors are not allowed (&k)"},
		{"device_class: edge\nthreshold: !!int 1\n",
		 "2: threshold: tags are not allowed (tag:yaml.org,2002:int)"},
		{"device_class: !!str edge\n",
		 "1: device_class: tags are not allowed (tag:yaml.org,2002:str)"},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_missing_required_keys(void **state)
{
	static const struct refusal t[] = {
		{"app_dir: /opt/app\nstate_dir: /s\nkeys: /k\nservice:\n  restart: r\n",
		 "1: device_class is required"},
		{"# comment\n\ndevice_class: edge\nstate_dir: /s\nkeys: /k\n"
		 "service:\n  restart: r\n",
		 "3: app_dir is required"},
		{"device_class: e\napp_dir: /a\nkeys: /k\nservice:\n  restart: r\n",
		 "1: state_dir is required"},
		{"device_class: e\napp_dir: /a\nstate_dir: /s\nservice:\n  restart: r\n",
		 "1: keys is required"},
		{"device_class: e\napp_dir: /a\nstate_dir: /s\nkeys: /k\n",
		 "1: service is required"},
		{"device_class: e\napp_dir: /a\nstate_dir: /s\nkeys: /k\nservice:\n"
		 "  restart_count: c\n",
		 "6: service.restart is required"},
		{"device_class: e\napp_dir: /a\nstate_dir: /s\nkeys: /k\nservice: {}\n",
		 "5: service.restart is required"},
		{"{}\n", "1: device_class is required"},
	};

	assert_refusals(*state, t, N(t));
}

/* libyaml's marks count from 0; the message counts lines and columns
 * from 1, also for the reader's errors, which give only a byte offset. */
static void test_config_refuses_yaml_syntax_errors(void **state)
{
	static const struct refusal t[] = {
		{"device_class: edge\napp_dir: /opt/app\n  bad: indent\n",
		 "3:6: YAML syntax error: mapping values are not allowed in this context"},
		{"device_class: edge\nkeys: \"/etc/ota\n",
		 "3:1: YAML syntax error: found unexpected end of stream"},
		{"device_class: edge\nservice: {restart: x\n",
		 "3:1: YAML syntax error: did not find expected ',' or '}'"},
		{"device_class: edge\napp_dir: /opt/\xff\n",
		 "2:15: YAML syntax error: invalid leading UTF-8 octet"},
		{"device_class: edge\n\tkeys: /k\n",
		 "2:1: YAML syntax error: found a tab character that violates indentation"},
		{"device_class: edge\n@keys: /k\n",
		 "2:1: YAML syntax error: found character that cannot start any token"},
		{"device_class: ed\x01ge\n",
		 "1:17: YAML syntax error: control characters are not allowed"},
	};

	assert_refusals(*state, t, N(t));
}

static void test_config_refuses_too_long_path_with_root(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};
	char root[1100], want[OTA_ERR_MSG_MAX];

	write_config(f, "device_class: e\nstate_dir: /s\nkeys: /k\napp_dir: /opt/app\n"
			"service:\n  restart: r\n");
	/* 1015 + "/opt/app" = 1023 bytes: the longest allowed. */
	memset(root, 'r', 1015);
	root[0] = '/';
	root[1015] = '\0';
	if (ota_config_load(f->path, root, &c, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(strlen(c.app_dir), 1023);
	ota_config_free(&c);
	root[1015] = 'r';
	root[1016] = '\0';
	assert_int_equal(ota_config_load(f->path, root, &c, &err), OTA_ECONFIG);
	snprintf(want, sizeof(want), "%s:4: app_dir: longer than 1023 bytes (with the root)",
		 f->path);
	assert_string_equal(err.msg, want);
}

static void test_config_missing_file_is_eio(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};
	char want[OTA_ERR_MSG_MAX];

	assert_int_equal(ota_config_load(f->path, NULL, &c, &err), OTA_EIO);
	assert_int_equal(err.code, OTA_EIO);
	snprintf(want, sizeof(want), "%s: No such file or directory", f->path);
	assert_string_equal(err.msg, want);
	assert_null(c.root);
}

/* 64 KiB is the most read; comments pad a valid config to the limit. */
static void test_config_caps_file_at_64k(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0};
	char *text = malloc(65537), want[OTA_ERR_MSG_MAX];

	assert_non_null(text);
	memset(text, ' ', 65537);
	memcpy(text, BASE "#", sizeof(BASE));
	text[65535] = '\n';
	write_n(f, text, 65536);
	if (ota_config_load(f->path, NULL, &c, &err))
		fail_msg("%s", err.msg);
	ota_config_free(&c);
	text[65536] = '\n';
	write_n(f, text, 65537);
	assert_int_equal(ota_config_load(f->path, NULL, &c, &err), OTA_ECONFIG);
	snprintf(want, sizeof(want), "%s: larger than 65536 bytes", f->path);
	assert_string_equal(err.msg, want);
	free(text);
}

static void test_config_free_is_safe_on_zeroed_and_twice(void **state)
{
	struct ota_config c = {0};

	(void)state;
	ota_config_free(&c);
	ota_config_free(&c);
	ota_config_free(NULL);
	assert_null(c.root);
}

/* examples/agent.yaml is documentation that must keep loading.  The
 * path is relative to the source tree, where `make check` runs. */
static void test_config_loads_shipped_example(void **state)
{
	struct ota_config c;
	struct ota_err err = {0};

	(void)state;
	if (access("examples/agent.yaml", R_OK))
		fail_msg("examples/agent.yaml: not found (run from the source tree)");
	if (ota_config_load("examples/agent.yaml", "/tmp/dev", &c, &err))
		fail_msg("%s", err.msg);
	assert_string_equal(c.restart_cmd,
			    "systemctl reset-failed app.service; systemctl restart app.service");
	assert_string_equal(c.restart_count_cmd, "systemctl show -p NRestarts --value app.service");
	assert_string_equal(c.app_dir, "/tmp/dev/opt/app");
	/* It polls no server until one is named (issue 18: no made-up LAN address). */
	assert_null(c.source_url);
	assert_null(c.usb_dir);
	ota_config_free(&c);
}

/* The safety net's load: every other key may be wrong, in every way,
 * and it still loads, with the defaults and one warning naming the first. */
static void test_config_safe_load_excuses_what_the_safety_net_does_not_use(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0}, warn;

	write_config(f, "colour: blue\n"
			"app_dir: /opt/app\n"
			"state_dir: /var/lib/ota\n"
			"keys: [1, 2]\n"
			"keep_releases: many\n"
			"keep_releases: 4\n"
			"service:\n  restart: r\n  restart_count: ''\n"
			"health:\n  timeout: 7\n  interval: 9\n  stable: 8\n  tcp_port: -1\n"
			"watch:\n  http:\n  retries: fiv\n  usb: &a /x\n"
			"history: 5\n");
	if (ota_config_load_safe(f->path, NULL, &c, &warn, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(warn.code, OTA_ECONFIG);
	assert_string_equal(strstr(warn.msg, ":1: "), ":1: unknown key \"colour\" (expected one "
			    "of: device_class, app_dir, state_dir, keys, threshold, keep_releases, "
			    "service, health, watch, history) (and 12 more)");
	assert_string_equal(c.app_dir, "/opt/app");
	assert_string_equal(c.restart_cmd, "r");
	assert_int_equal(c.timeout_ms, 7000);
	assert_int_equal(c.interval_ms, 7000); /* clamped to the timeout, as if unwritten */
	assert_int_equal(c.stable_ms, 0);
	assert_int_equal(c.keep_releases, 3);
	assert_null(c.device_class);
	assert_null(c.keys);
	assert_null(c.source_url);
	assert_null(c.usb_dir);
	assert_int_equal(c.fetch_retries, 5);
	ota_config_free(&c);
	/* The same file, loaded for any other command: refused at line 1. */
	assert_int_equal(ota_config_load(f->path, NULL, &c, &err), OTA_ECONFIG);
	assert_non_null(strstr(err.msg, ":1: unknown key \"colour\""));
}

static void test_config_safe_load_clean_config_has_no_warning(void **state)
{
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err = {0}, warn;

	write_config(f, full);
	if (ota_config_load_safe(f->path, NULL, &c, &warn, &err))
		fail_msg("%s", err.msg);
	assert_int_equal(warn.code, 0);
	assert_string_equal(c.source_url, "http://192.0.2.10:8000/bundles/");
	ota_config_free(&c);
}

/* What recover and rollback use is still refused, and so is bad YAML. */
static void test_config_safe_load_refuses_what_the_safety_net_uses(void **state)
{
	static const struct {
		const char *text, *want;
	} t[] = {
		{"app_dir: opt\nstate_dir: /s\nservice:\n  restart: r\n",
		 "1: app_dir: expected an absolute path"},
		{"app_dir: /a\nservice:\n  restart: r\n", "1: state_dir is required"},
		{"app_dir: /a\nstate_dir: /s\nservice:\n  restart: ''\n",
		 "4: service.restart: expected a non-empty command"},
		{"app_dir: /a\nstate_dir: /s\nservice: 1\n", "3: service: expected a mapping"},
		{"app_dir: /a\nstate_dir: /s\nservice:\n  restart: r\nhealth:\n  timeout: x\n",
		 "6: health.timeout: expected seconds"},
		{"app_dir: /a\nstate_dir: /s\nwatch: {http: \n", "YAML syntax error"},
		{"app_dir: /a\nstate_dir: /s\nservice:\n  restart: r\n[1]: 2\n",
		 "5: expected a key, got a sequence"},
	};
	struct fixture *f = *state;
	struct ota_config c;
	struct ota_err err, warn;
	size_t i;

	for (i = 0; i < N(t); i++) {
		memset(&err, 0, sizeof(err));
		write_config(f, t[i].text);
		if (ota_config_load_safe(f->path, NULL, &c, &warn, &err) != OTA_ECONFIG ||
		    !strstr(err.msg, t[i].want))
			fail_msg("case %zu: want \"%s\", got \"%s\"", i, t[i].want, err.msg);
	}
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_config_loads_every_field_with_root),
		T(test_config_minimal_gets_defaults),
		T(test_config_root_forms),
		T(test_config_durations_in_ms),
		T(test_config_refuses_unknown_and_duplicate_keys),
		T(test_config_refuses_bad_integers),
		T(test_config_refuses_bad_durations),
		T(test_config_refuses_bad_strings),
		T(test_config_refuses_wrong_shapes),
		T(test_config_refuses_aliases_anchors_and_tags),
		T(test_config_refuses_missing_required_keys),
		T(test_config_refuses_yaml_syntax_errors),
		T(test_config_refuses_too_long_path_with_root),
		T(test_config_missing_file_is_eio),
		T(test_config_caps_file_at_64k),
		T(test_config_free_is_safe_on_zeroed_and_twice),
		T(test_config_safe_load_excuses_what_the_safety_net_does_not_use),
		T(test_config_safe_load_clean_config_has_no_warning),
		T(test_config_safe_load_refuses_what_the_safety_net_uses),
		cmocka_unit_test(test_config_loads_shipped_example),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
