/* ota-agent trust FILE and ota-agent keys: key rotation on the device.
 * A trust file is applied under the run lock only if the keys in force
 * accept it (lib/trust.h), then kept in state_dir atomically; every
 * install after that verifies against it instead of the factory keys. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/engine.h"
#include "agent/trust_apply.h"
#include "cli/cli.h"
#include "lib/trust.h"

static int apply(struct agent *a, const char *path, struct ota_trust *upd, struct ota_err *err)
{
	char said[OTA_ERR_MSG_MAX + 512];
	struct ota_run was;
	int rc;

	if ((rc = engine_recover(a, true, &was, err)) || (rc = ota_trust_load(path, upd, err)))
		return rc;
	rc = trust_apply(a, upd, true, said, sizeof(said), err);
	if (rc >= 0)
		printf("%s\n", said);
	return rc < 0 ? rc : 0;
}

int cmd_trust(struct agent *a, int argc, char **argv)
{
	struct ota_trust upd;
	struct ota_err err = {0};
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("trust: expected one trust file");
	ota_trust_init(&upd);
	rc = apply(a, argv[1], &upd, &err);
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
