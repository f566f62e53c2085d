/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_config.c - the agent's YAML config (lib/config.h), read from a
 * memory file through /proc/self/fd as from any path, with no root, "/",
 * and a root with trailing slashes.  Properties: no crash or leak; a
 * refusal is one line "FILE:LINE: reason" (or "FILE: reason") with
 * OTA_ECONFIG; an accepted config holds every rule of
 * schema/agent-config.md; and --root only prefixes the paths: the same
 * config with and without a root loads alike, except that a path can
 * become too long with the root. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "lib/config.h"
#include "lib/manifest.h"

#define ROOT "/tmp/ota-root"

static void check_path(const char *p, const char *root, const char *plain, const char *what)
{
	size_t n = strlen(root);

	while (n && root[n - 1] == '/')
		n--;
	if (!p) {
		FUZZ_CHECK(!plain, "%s set without root, unset with", what);
		return;
	}
	FUZZ_CHECK(strncmp(p, root, n) == 0 && p[n] == '/', "%s not under the root: %s", what, p);
	FUZZ_CHECK(!plain || strcmp(p + n, plain) == 0, "%s differs under the root", what);
}

static void check_paths(const struct ota_config *c, const struct ota_config *plain,
			const char *root)
{
	FUZZ_CHECK(c->app_dir && c->state_dir && c->keys, "a required path is missing");
	check_path(c->app_dir, root, plain ? plain->app_dir : NULL, "app_dir");
	check_path(c->state_dir, root, plain ? plain->state_dir : NULL, "state_dir");
	check_path(c->keys, root, plain ? plain->keys : NULL, "keys");
	check_path(c->usb_dir, root, plain ? plain->usb_dir : NULL, "watch.usb");
	FUZZ_CHECK(c->root && strcmp(c->root, root) == 0, "root not kept");
}

static void check_health(const struct ota_config *c)
{
	FUZZ_CHECK(c->timeout_ms >= 100 && c->timeout_ms <= 3600000, "timeout");
	FUZZ_CHECK(c->interval_ms >= 50 && c->interval_ms <= c->timeout_ms, "interval");
	FUZZ_CHECK(c->stable_ms < c->timeout_ms, "stable");
	FUZZ_CHECK(c->tcp_port <= 65535, "tcp_port");
	FUZZ_CHECK(!c->http_url || strncmp(c->http_url, "http://", 7) == 0, "http_url");
}

static void check_watch(const struct ota_config *c)
{
	FUZZ_CHECK(!c->source_url || strncmp(c->source_url, "http://", 7) == 0, "watch.http");
	FUZZ_CHECK(c->watch_interval_ms >= 1000 && c->watch_interval_ms <= 3600000, "interval");
	FUZZ_CHECK(c->max_bundle_mb >= 1 && c->max_bundle_mb <= 1048576 &&
		       c->max_bundle_bytes == (unsigned long long)c->max_bundle_mb << 20,
		   "max_bundle_mb");
}

static void check_config(const struct ota_config *c, const struct ota_config *plain,
			 const char *root)
{
	check_paths(c, plain, root);
	FUZZ_CHECK(c->device_class && ota_manifest_target_ok(c->device_class), "device_class");
	FUZZ_CHECK(c->restart_cmd && *c->restart_cmd, "service.restart is missing");
	FUZZ_CHECK(c->threshold >= 1 && c->threshold <= 64, "threshold %u", c->threshold);
	FUZZ_CHECK(c->keep_releases >= 2 && c->keep_releases <= 100, "keep_releases");
	check_health(c);
	check_watch(c);
}

static int load(const char *path, const char *root, struct ota_config *c,
		const struct ota_config *plain)
{
	struct ota_err err = {0};
	int rc = ota_config_load(path, root, c, &err);

	fuzz_note(root ? root : "(no root)", rc, &err);
	if (rc) {
		fuzz_check_failure(rc, &err, "ota_config_load");
		FUZZ_CHECK(rc == OTA_ECONFIG || rc == OTA_EINTERNAL, "code %d: %s", rc, err.msg);
		FUZZ_CHECK(strncmp(err.msg, path, strlen(path)) == 0 &&
			       (err.msg[strlen(path)] == ':'),
			   "message does not start with the file: %s", err.msg);
		/* The root only makes paths longer. */
		FUZZ_CHECK(!plain || strstr(err.msg, "longer than"),
			   "loads without a root, not with %s: %s", root, err.msg);
		return rc;
	}
	check_config(c, plain, root ? root : "");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const roots[] = {"/", ROOT "//"};
	int fd = fuzz_memfd("agent.yaml", data, size);
	struct ota_config plain, c;
	char path[64];
	int rc;
	size_t i;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = load(path, NULL, &plain, NULL);
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (load(path, roots[i], &c, rc ? NULL : &plain) == 0) {
			FUZZ_CHECK(rc == 0, "loads with root %s, not without", roots[i]);
			ota_config_free(&c);
		}
	}
	if (rc == 0)
		ota_config_free(&plain);
	close(fd);
	return 0;
}
