/* ota-agent trust FILE and ota-agent keys: key rotation on the device.
 * A trust file is applied under the run lock only if the keys in force
 * accept it (lib/trust.h), then kept in state_dir atomically; every
 * install after that verifies against it instead of the factory keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/engine.h"
#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/fault.h"
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

/* " added 1a2b3c4d5e6f7a8b ... retired ..." for the history. */
static void key_changes(const struct ota_trust *from, const struct ota_trust *to, char *out,
			size_t size)
{
	size_t i, len = 0;
	int n;

	*out = '\0';
	for (i = 0; i < to->keys.n && len < size; i++)
		if (!ota_keyring_find(&from->keys, to->keys.keys[i].id) &&
		    (n = snprintf(out + len, size - len, " added %.16s", to->keys.keys[i].id)) > 0)
			len += (size_t)n;
	for (i = 0; i < from->keys.n && len < size; i++)
		if (!ota_keyring_find(&to->keys, from->keys.keys[i].id) &&
		    (n = snprintf(out + len, size - len, " retired %.16s", from->keys.keys[i].id)) >
			0)
			len += (size_t)n;
}

static int apply(struct agent *a, const char *path, struct ota_trust *cur, struct ota_trust *upd,
		 struct ota_err *err)
{
	char changes[OTA_AUDIT_LINE_MAX / 2], reason[OTA_AUDIT_LINE_MAX];
	struct ota_run was;
	int rc;

	if ((rc = engine_recover(a, true, &was, err)) ||
	    (rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, cur,
				       err)) ||
	    (rc = ota_trust_load(path, upd, err)))
		return rc;
	if (ota_trust_same(cur, upd)) {
		printf("%s: trust sequence %llu is already in force\n", path, upd->sequence);
		return 0;
	}
	if ((rc = ota_trust_check_update(cur, upd, a->cfg.device_class, err))) {
		snprintf(reason, sizeof(reason), "trust update refused: %s", err->msg);
		audit(a, reason, rc);
		return rc;
	}
	if ((rc = ota_trust_state_save(a->cfg.state_dir, upd, fault_written, a, err)))
		return rc;
	ota_fault_point("TRUST_SAVED");
	key_changes(cur, upd, changes, sizeof(changes));
	snprintf(reason, sizeof(reason), "trust sequence %llu in force (was %llu): %u of %zu "
		 "keys;%s", upd->sequence, cur->sequence, upd->threshold, upd->keys.n,
		 changes[0] ? changes : " same keys");
	audit(a, reason, 0);
	printf("%s: trust sequence %llu in force: %u of %zu keys must sign;%s\n", path,
	       upd->sequence, upd->threshold, upd->keys.n, changes[0] ? changes : " same keys");
	return 0;
}

int cmd_trust(struct agent *a, int argc, char **argv)
{
	struct ota_trust cur, upd;
	struct ota_err err = {0};
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("trust: expected one trust file");
	ota_trust_init(&cur);
	ota_trust_init(&upd);
	rc = apply(a, argv[1], &cur, &upd, &err);
	ota_trust_free(&cur);
	ota_trust_free(&upd);
	return rc ? ota_cli_fail(&err) : 0;
}

static int print_json(const struct ota_trust *t, const char *source)
{
	json_t *ids = json_array(), *o;
	char *text = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; ids && i < t->keys.n; i++)
		json_array_append_new(ids, json_string(t->keys.keys[i].id));
	o = ids ? json_pack("{s:I, s:s, s:s, s:i, s:O}", "sequence", (json_int_t)t->sequence,
			    "source", source, "target", t->target, "threshold", (int)t->threshold,
			    "keys", ids)
		: NULL;
	if (o && (text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)))
		rc = puts(text) < 0 ? -1 : 0;
	free(text);
	json_decref(o);
	json_decref(ids);
	return rc;
}

int cmd_keys(struct agent *a, int argc, char **argv)
{
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct ota_err err = {0};
	struct ota_trust t;
	char source[4200];
	size_t i;
	int rc;

	if (argc > 2 || (argc == 2 && !json))
		return ota_cli_usage("keys: the only option is --json");
	rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &t, &err);
	if (rc)
		return ota_cli_fail(&err);
	if (t.sequence)
		snprintf(source, sizeof(source), "%s/%s", a->cfg.state_dir, OTA_TRUST_STATE_FILE);
	else
		snprintf(source, sizeof(source), "%s", a->cfg.keys);
	if (json) {
		rc = print_json(&t, source);
	} else {
		printf("trust sequence %llu (%s): %s\n", t.sequence,
		       t.sequence ? "a trust file" : "the factory keys", source);
		printf("threshold %u of %zu keys\n", t.threshold, t.keys.n);
		for (i = 0; i < t.keys.n; i++)
			printf("key %s\n", t.keys.keys[i].id);
	}
	ota_trust_free(&t);
	return rc ? ota_exit_status(OTA_EIO) : 0;
}
