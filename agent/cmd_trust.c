/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent trust FILE and ota-agent keys: key rotation on the device.
 * A trust file is applied under the run lock only if the keys in force
 * accept it (lib/trust.h), then kept in state_dir atomically; every
 * install after that verifies against it instead of the factory keys. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/engine.h"
#include "agent/trust_apply.h"
#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/fault.h"
#include "lib/freshness.h"
#include "lib/trust.h"

static int apply(struct agent *a, const char *path, struct ota_err *err)
{
	char said[OTA_ERR_MSG_MAX + OTA_AUDIT_LINE_MAX];
	struct ota_buf text;
	struct ota_run was;
	int rc;

	ota_buf_init(&text, OTA_TRUST_FILE_MAX);
	rc = engine_recover(a, true, &was, err);
	if (rc == 0 && (rc = ota_buf_read_file_at(&text, AT_FDCWD, path, 0, err)) == OTA_EFORMAT)
		rc = ota_err_set(err, rc, "%s: not a trust file (over %d bytes)", path,
				 OTA_TRUST_FILE_MAX);
	if (rc == 0 && (rc = trust_apply(a, text.data, text.len, path, true, said, sizeof(said),
					 err)) >= 0) {
		printf("%s\n", said);
		rc = 0;
	}
	ota_buf_free(&text);
	return rc;
}

int cmd_trust(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};

	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("trust: expected one trust file or timestamp");
	return apply(a, argv[1], &err) ? ota_cli_fail(&err) : 0;
}

/* The role of key id under t: "root+release", "root", "release",
 * "timestamp", "retired". */
static const char *role_of(const struct ota_trust *t, const char *id)
{
	bool root = ota_keyring_find(&t->keys, id), release = ota_keyring_find(&t->release.keys, id);

	if (root && release)
		return "root+release";
	if (root || release)
		return root ? "root" : "release";
	return ota_keyring_find(&t->timestamp.keys, id) ? "timestamp" : "retired";
}

/* Every key t names, once: root, release, timestamp, retired. */
static size_t all_keys(const struct ota_trust *t, const struct ota_pubkey **out)
{
	const struct ota_keyring *sets[] = {&t->keys, &t->release.keys, &t->timestamp.keys,
					    &t->retired};
	size_t s, i, k, n = 0;

	for (s = 0; s < sizeof(sets) / sizeof(sets[0]); s++)
		for (i = 0; i < sets[s]->n; i++) {
			for (k = 0; k < n && strcmp(out[k]->id, sets[s]->keys[i].id); k++)
				;
			if (k == n)
				out[n++] = &sets[s]->keys[i];
		}
	return n;
}

static long long retired_at(const struct ota_trust *t, const char *id)
{
	size_t i;

	for (i = 0; i < t->retired.n; i++)
		if (strcmp(t->retired.keys[i].id, id) == 0)
			return t->retired_at[i];
	return 0;
}

static int print_json(const struct ota_trust *t, const char *source, long long attested)
{
	const struct ota_pubkey *k[4 * OTA_TRUST_MAX_KEYS];
	json_t *ids = json_array(), *roles = json_object(), *o = NULL, *r;
	size_t i, n = all_keys(t, k);
	char *text = NULL;
	int rc = -1;

	for (i = 0; ids && roles && i < t->keys.n; i++)
		json_array_append_new(ids, json_string(t->keys.keys[i].id));
	for (i = 0; ids && roles && i < n; i++) {
		r = json_pack("{s:s}", "role", role_of(t, k[i]->id));
		if (r && retired_at(t, k[i]->id))
			json_object_set_new(r, "retired_at", json_integer(retired_at(t, k[i]->id)));
		json_object_set_new(roles, k[i]->id, r);
	}
	if (ids && roles)
		o = json_pack("{s:I, s:s, s:s, s:i, s:O, s:i, s:i, s:O, s:I, s:I, s:I}", "sequence",
			      (json_int_t)t->sequence, "source", source, "target", t->target,
			      "threshold", (int)t->threshold, "keys", ids, "format", (int)t->format,
			      "release_threshold", (int)t->release.threshold, "roles", roles,
			      "created", (json_int_t)t->created, "expires", (json_int_t)t->expires,
			      "attested_time", (json_int_t)attested);
	if (o && (text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		rc = puts(text) < 0 ? -1 : 0;
	free(text);
	json_decref(o);
	json_decref(ids);
	json_decref(roles);
	return rc;
}

static void print_text(const struct ota_trust *t, const char *source, long long attested)
{
	const struct ota_pubkey *k[4 * OTA_TRUST_MAX_KEYS];
	size_t i, n = all_keys(t, k);
	char when[32];

	printf("trust sequence %llu (%s): %s\n", t->sequence,
	       t->sequence ? "a trust file" : "the factory keys", source);
	printf("threshold %u of %zu keys\n", t->threshold, t->keys.n);
	if (t->format == OTA_TRUST_FORMAT_ROLES)
		printf("release threshold %u of %zu keys\n", t->release.threshold,
		       t->release.keys.n);
	else
		printf("roles: every key is root and release (%s)\n",
		       t->sequence ? "a format 1 trust file" : "the factory set");
	for (i = 0; i < n; i++) {
		printf("key %s %s", k[i]->id, role_of(t, k[i]->id));
		if (retired_at(t, k[i]->id)) {
			ota_time_format(retired_at(t, k[i]->id), when, sizeof(when));
			printf(" at %s", when);
		}
		putchar('\n');
	}
	ota_time_format(attested, when, sizeof(when));
	printf("attested time %s\n", attested ? when : "none yet");
}

int cmd_keys(struct agent *a, int argc, char **argv)
{
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct ota_err err = {0};
	struct ota_trust t;
	char source[4200];
	long long attested = 0;
	int rc;

	if (argc > 2 || (argc == 2 && !json))
		return ota_cli_usage("keys: the only option is --json");
	rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &t, &err);
	if (rc == 0)
		rc = ota_fresh_now(a->cfg.state_dir, 0, &attested, &err);
	if (rc) {
		ota_trust_free(&t);
		return ota_cli_fail(&err);
	}
	if (t.sequence)
		snprintf(source, sizeof(source), "%s/%s", a->cfg.state_dir, OTA_TRUST_STATE_FILE);
	else
		snprintf(source, sizeof(source), "%s", a->cfg.keys);
	if (json)
		rc = print_json(&t, source, attested);
	else
		print_text(&t, source, attested);
	ota_trust_free(&t);
	return rc ? ota_exit_status(OTA_EIO) : 0;
}
