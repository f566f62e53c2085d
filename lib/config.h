/* SPDX-License-Identifier: Apache-2.0 */
/* config.h - the device agent's configuration (schema/agent-config.md).
 *
 * YAML read with libyaml.  Unknown keys, wrong types, out-of-range values,
 * duplicate keys and YAML syntax errors are refused with OTA_ECONFIG and a
 * message "FILE:LINE: reason".  With a root, every absolute path of the
 * config (app_dir, state_dir, keys) is taken under it, so a whole device
 * can live in a temporary directory.
 */
#ifndef OTA_CONFIG_H
#define OTA_CONFIG_H

#include "lib/err.h"

#define OTA_CONFIG_DEFAULT "/etc/ota/agent.yaml"

struct ota_config {
	char *device_class;  /* required; ota_manifest_target_ok */
	char *app_dir;       /* required; absolute; root applied */
	char *state_dir;     /* required; absolute; root applied */
	char *keys;          /* required; absolute; root applied */
	unsigned int threshold;     /* signatures needed, default 1 (1..64) */
	unsigned int keep_releases; /* default 3, at least 2 */
	char *restart_cmd;          /* service.restart, required */
	char *restart_count_cmd;    /* service.restart_count, optional: prints an
				       integer (systemd's NRestarts) */
	/* Durations are written in seconds, decimals allowed ("0.5", at most
	 * three decimals), and kept in milliseconds. */
	unsigned int timeout_ms;  /* health.timeout, default 60 s, 0.1 s..3600 s */
	unsigned int interval_ms; /* health.interval, default 2 s, 0.05 s..timeout */
	unsigned int stable_ms;   /* health.stable: how long the checks must keep
				     passing after the first pass; default 0 */
	unsigned int tcp_port; /* health.tcp_port, 0 = no such check, 1..65535 */
	char *http_url;        /* health.http_url, NULL = none; http:// only */
	char *health_cmd;      /* health.command, NULL = none */
	/* watch: where bundles arrive (ota-agent watch; import/poll default). */
	char *usb_dir;          /* watch.usb: mount point scanned for *.bundle; absolute,
				   root applied; NULL = none */
	char *source_url;       /* watch.http: http:// URL of a directory serving
				   index.json; NULL = none */
	unsigned int watch_interval_ms; /* watch.interval, default 60 s, 1 s..3600 s */
	unsigned int max_bundle_mb;     /* watch.max_bundle_mb, default 4096 */
	unsigned long long max_bundle_bytes; /* the same in bytes: downloads and
						copies above it are refused */
	unsigned int fetch_retries;      /* watch.retries: further attempts of a
					    failed download, default 5, 0..100 */
	unsigned int retry_delay_ms;     /* watch.retry_delay, default 5 s, 0.1 s..3600 s */
	unsigned int connect_timeout_ms; /* watch.connect_timeout, default 10 s, 0.1 s.. */
	unsigned int stall_timeout_ms;   /* watch.stall_timeout: a transfer under
					    min_rate this long fails; default 30 s, 1 s.. */
	unsigned int min_rate;           /* watch.min_rate: bytes/s, default 1024 */
	unsigned int max_fetch_ms;       /* watch.max_time: one bundle's download,
					    retries included; default 6 h, 0: none */
	unsigned int scan_timeout_ms;    /* watch.scan_timeout: judging the bundles
					    of a medium, default 120 s */
	unsigned int direct;             /* watch.direct: 1 (default) installs
					    straight from the medium or the wire,
					    0 copies into the spool first */
	unsigned int receipts;           /* watch.receipts: 1 = `import` writes a
					    signed receipt on the medium
					    (receipt.h); default 0, the
					    medium never written */
	/* history: the audit history's segments (audit.h). */
	unsigned int history_max_kb; /* history.max_kb: rotate past this, default 256 */
	unsigned int history_keep;   /* history.keep: segments kept, default 4 (2..64) */
	char *root;            /* the --root given, "" if none (owned) */
};

/* Load the config at path (root already applied to path by the caller or
 * not: the caller passes the file to read).  root may be NULL. */
int ota_config_load(const char *path, const char *root, struct ota_config *c,
		    struct ota_err *err);
void ota_config_free(struct ota_config *c);

/* The same for the safety net (ota-agent recover and rollback), which
 * must work whatever else is wrong: only the keys it uses must be valid
 * (app_dir, state_dir, service.restart, health.timeout; a YAML syntax
 * error too is still fatal).  Any other bad, unknown, duplicate or
 * missing key keeps its default (NULL for a string) and is reported in
 * *warn: the first such reason, "FILE:LINE: reason", with " (and N more)",
 * code OTA_ECONFIG; code 0 when there was none. */
int ota_config_load_safe(const char *path, const char *root, struct ota_config *c,
			 struct ota_err *warn, struct ota_err *err);

#endif
