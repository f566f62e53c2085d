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
#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/fault.h"
#include "lib/freshness.h"
#include "lib/trust.h"

static void fault_written(void *ctx)
{
	(void)ctx;
	ota_fault_point("TRUST_WRITTEN");
}

/* A trust change is not a run of the state machine: an IDLE -> IDLE record.
 * The trust state itself is what counts, so a failure to record is not one
 * of the change. */
static void audit(struct agent *a, const char *reason, int rc)
{
	const struct ota_audit_limits lim = {a->cfg.history_max_kb * 1024ULL, a->cfg.history_keep};
	struct ota_audit_rec rec = {.time = (long long)time(NULL), .from = OTA_IDLE,
				    .to = OTA_IDLE, .version = "", .bundle = "",
				    .manifest_sha256 = "",
				    .result = rc ? OTA_AUDIT_REFUSED : OTA_AUDIT_OK,
				    .exit = ota_exit_status(rc), .reason = reason};
	struct ota_err ignored = {0};

	ota_audit_append(a->cfg.state_dir, &lim, &rec, &ignored);
}

/* " added 1a2b3c4d5e6f7a8b ... retired ..." (each after role, if not "")
 * for the history, appended to out at *len. */
static void key_changes(const struct ota_keyring *from, const struct ota_keyring *to,
			const char *role, char *out, size_t size, size_t *len)
{
	size_t i;
	int n;

	for (i = 0; i < to->n && *len < size; i++)
		if (!ota_keyring_find(from, to->keys[i].id) &&
		    (n = snprintf(out + *len, size - *len, " %sadded %.16s", role,
				  to->keys[i].id)) > 0)
			*len += (size_t)n;
	for (i = 0; i < from->n && *len < size; i++)
		if (!ota_keyring_find(to, from->keys[i].id) &&
		    (n = snprintf(out + *len, size - *len, " %sretired %.16s", role,
				  from->keys[i].id)) > 0)
			*len += (size_t)n;
}

static void report_roles(struct agent *a, const char *path, const struct ota_trust_applied *out)
{
	const struct ota_trust *cur = &out->cur, *upd = &out->upd;
	char changes[OTA_AUDIT_LINE_MAX / 2] = "", reason[OTA_AUDIT_LINE_MAX], floor[80] = "";
	size_t len = 0;

	key_changes(&cur->keys, &upd->keys, "root ", changes, sizeof(changes), &len);
	key_changes(&cur->release.keys, &upd->release.keys, "release ", changes, sizeof(changes),
		    &len);
	if (out->floor_raised)
		snprintf(floor, sizeof(floor), "; rollback index floor raised to %llu",
			 upd->min_rollback_index);
	snprintf(reason, sizeof(reason), "trust sequence %llu in force (was %llu): root %u of "
		 "%zu keys, release %u of %zu;%s%s", upd->sequence, cur->sequence, upd->threshold,
		 upd->keys.n, upd->release.threshold, upd->release.keys.n,
		 changes[0] ? changes : " same keys", floor);
	audit(a, reason, 0);
	printf("%s: %s\n", path, reason);
}

/* The history line and the one printed for what out says was done. */
static void report(struct agent *a, const char *path, const struct ota_trust_applied *out)
{
	const struct ota_trust *cur = &out->cur, *upd = &out->upd;
	char changes[OTA_AUDIT_LINE_MAX / 2] = "", reason[OTA_AUDIT_LINE_MAX], when[32];
	size_t len = 0;

	if (out->what == OTA_TRUST_CURRENT) {
		ota_time_format(upd->expires, when, sizeof(when));
		snprintf(reason, sizeof(reason), "trust sequence %llu current (timestamp, valid "
			 "until %s)", upd->sequence, when);
		audit(a, reason, 0);
		printf("%s: %s\n", path, reason);
		return;
	}
	if (upd->format == OTA_TRUST_FORMAT_ROLES) {
		report_roles(a, path, out);
		return;
	}
	key_changes(&cur->keys, &upd->keys, "", changes, sizeof(changes), &len);
	snprintf(reason, sizeof(reason), "trust sequence %llu in force (was %llu): %u of %zu "
		 "keys;%s", upd->sequence, cur->sequence, upd->threshold, upd->keys.n,
		 changes[0] ? changes : " same keys");
	audit(a, reason, 0);
	printf("%s: trust sequence %llu in force: %u of %zu keys must sign;%s\n", path,
	       upd->sequence, upd->threshold, upd->keys.n, changes[0] ? changes : " same keys");
}

static int apply(struct agent *a, const char *path, struct ota_trust_applied *out,
		 struct ota_err *err)
{
	struct ota_trust_device dev = {.state_dir = a->cfg.state_dir, .keys_path = a->cfg.keys,
				       .threshold = a->cfg.threshold,
				       .device_class = a->cfg.device_class,
				       .wall = (long long)time(NULL), .hook = fault_written,
				       .ctx = a};
	char reason[OTA_AUDIT_LINE_MAX];
	struct ota_buf text;
	struct ota_run was;
	int rc;

	ota_buf_init(&text, OTA_TRUST_FILE_MAX);
	rc = engine_recover(a, true, &was, err);
	if (rc == 0 && (rc = ota_buf_read_file_at(&text, AT_FDCWD, path, 0, err)) == OTA_EFORMAT)
		rc = ota_err_set(err, rc, "%s: not a trust file (over %d bytes)", path,
				 OTA_TRUST_FILE_MAX);
	if (rc == 0)
		rc = ota_trust_state_apply(&dev, text.data, text.len, path, out, err);
	ota_buf_free(&text);
	/* Only a refusal of a file that was read and judged goes to the
	 * history, as before: not a damaged state or an unreadable file. */
	if (rc && out->upd.doc.len && out->cur.keys.n) {
		snprintf(reason, sizeof(reason), "trust update refused: %s", err->msg);
		audit(a, reason, rc);
	}
	if (rc)
		return rc;
	if (out->what == OTA_TRUST_ALREADY) {
		printf("%s: trust sequence %llu is already in force\n", path, out->upd.sequence);
		return 0;
	}
	ota_fault_point("TRUST_SAVED");
	report(a, path, out);
	return 0;
}

int cmd_trust(struct agent *a, int argc, char **argv)
{
	struct ota_trust_applied out;
	struct ota_err err = {0};
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("trust: expected one trust file or timestamp");
	memset(&out, 0, sizeof(out));
	ota_trust_init(&out.cur);
	ota_trust_init(&out.upd);
	rc = apply(a, argv[1], &out, &err);
	ota_trust_applied_free(&out);
	return rc ? ota_cli_fail(&err) : 0;
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
