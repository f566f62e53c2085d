/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent history: every transition the agent recorded, for people and
 * scripts, filtered by time or version; --verify checks the hash chain.
 * Read-only: takes no lock, changes nothing. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/view.h"
#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/audit_view.h"
#include "lib/isotime.h"

struct history_opts {
	bool json, verify;
	long long since;
	const char *version;
	bool expect;
	unsigned long long expect_seq;
	char expect_sha[OTA_SHA256_HEX_LEN + 1];
};

static int parse_expect(struct history_opts *o, const char *v)
{
	/* v is never NULL: parse_opts returns first when --expect has no value
	 * (the analyzer takes two strcmp of the same strings to differ). */
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): see above */
	const char *colon = strchr(v, ':');
	char *end;

	o->expect = true;
	o->expect_seq = strtoull(v, &end, 10);
	if (!colon || end != colon || v[0] < '0' || v[0] > '9' || !o->expect_seq ||
	    !ota_sha256_hex_ok(colon + 1))
		return ota_cli_usage("history: --expect: expected SEQ:SHA256 (64 lowercase hex "
				     "digits), got \"%.80s\"", v);
	memcpy(o->expect_sha, colon + 1, sizeof(o->expect_sha));
	return 0;
}

static int parse_opts(int argc, char **argv, struct history_opts *o)
{
	struct ota_err err = {0};
	int i;

	memset(o, 0, sizeof(*o));
	o->since = LLONG_MIN;
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(arg, "--since") || !strcmp(arg, "--version") ||
			     !strcmp(arg, "--expect");

		if (takes && !val)
			return ota_cli_usage("history: %s needs a value", arg);
		if (!strcmp(arg, "--json"))
			o->json = true;
		else if (!strcmp(arg, "--verify"))
			o->verify = true;
		else if (!strcmp(arg, "--since") && ota_isotime_parse(val, &o->since, &err))
			return ota_cli_usage("history: --since: %s", err.msg);
		else if (!strcmp(arg, "--version"))
			o->version = val;
		else if (!strcmp(arg, "--expect") && parse_expect(o, val))
			return ota_exit_status(OTA_EUSAGE);
		else if (!takes)
			return ota_cli_usage("history: unknown option '%s'", arg);
		i += takes;
	}
	if (o->verify && (o->since != LLONG_MIN || o->version))
		return ota_cli_usage("history: --verify checks the whole history: no --since or "
				     "--version with it");
	if (o->expect && !o->verify)
		return ota_cli_usage("history: --expect goes with --verify");
	return 0;
}

static void print_json(const json_t *v)
{
	char *text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);

	if (text)
		puts(text);
	free(text);
}

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static void print_records(const json_t *recs)
{
	const json_t *r;
	size_t i;

	/* Escaped again on the way out: a history edited by hand may hold
	 * what the agent never writes. */
	json_array_foreach(recs, i, r) {
		ota_cli_print(stdout, "%s %6lld  %-12s -> %-12s  %-10s  %-11s  %s", str(r, "time"),
		       (long long)json_integer_value(json_object_get(r, "seq")), str(r, "from"),
		       str(r, "to"), *str(r, "version") ? str(r, "version") : "-",
		       *str(r, "result") ? str(r, "result") : "-", str(r, "reason"));
	}
}

/* The hash of record seq: what the record after it chained to, or, for
 * the last one, the head's.  NULL if the history does not say. */
static const char *hash_of(const json_t *recs, const struct ota_audit_check *c,
			   unsigned long long seq)
{
	const json_t *r;
	size_t i;

	if (seq == c->last_seq)
		return c->head_sha256;
	json_array_foreach(recs, i, r)
		if ((unsigned long long)json_integer_value(json_object_get(r, "seq")) == seq + 1)
			return str(r, "prev");
	return NULL;
}

/* A head noted earlier (a report carried off the device, a previous
 * --verify): the history must still contain that exact record. */
static int check_expect(const struct history_opts *o, const json_t *recs,
			const struct ota_audit_check *c, const char *dir, struct ota_err *err)
{
	const char *h;

	if (c->records && o->expect_seq < c->first_seq)
		return ota_err_set(err, OTA_EAUDIT, "%s: seq %llu was rotated out (the history "
				   "starts at seq %llu): it cannot be checked", dir, o->expect_seq,
				   c->first_seq);
	if (o->expect_seq > c->last_seq)
		return ota_err_set(err, OTA_EAUDIT, "%s: history does not verify: it ends at seq "
				   "%llu, before the expected seq %llu", dir, c->last_seq,
				   o->expect_seq);
	h = hash_of(recs, c, o->expect_seq);
	if (!h || strcmp(h, o->expect_sha))
		return ota_err_set(err, OTA_EAUDIT, "%s: history does not verify: seq %llu hashes "
				   "to %s, not the expected %s: the history was rewritten", dir,
				   o->expect_seq, h ? h : "?", o->expect_sha);
	return 0;
}

static void print_verified(const struct history_opts *o, const struct ota_audit_check *c)
{
	if (!c->records) {
		printf("history verified: empty\n");
		return;
	}
	printf("history verified: seq %llu-%llu (%llu records), head sha256 %s\n", c->first_seq,
	       c->last_seq, c->records, c->head_sha256);
	if (c->rotated)
		printf("note: records before seq %llu were rotated out; the chain is proven from "
		       "there\n", c->first_seq);
	if (c->torn_tail)
		printf("note: an unfinished last line (an append cut by power loss) was ignored\n");
	if (c->unanchored)
		printf("note: the last record is one past %s (an append whose head update was cut "
		       "by power loss); the next append moves the head\n", OTA_AUDIT_HEAD);
	if (o->expect)
		printf("seq %llu is the expected record (sha256 %s)\n", o->expect_seq,
		       o->expect_sha);
}

static int verify(struct agent *a, const struct history_opts *o)
{
	struct ota_audit_check check;
	struct ota_err err = {0};
	json_t *recs = NULL, *j;
	int rc = ota_audit_verify(a->cfg.state_dir, &recs, &check, &err);

	if (rc == 0 && o->expect)
		rc = check_expect(o, recs, &check, a->cfg.state_dir, &err);
	json_decref(recs);
	if (o->json && (rc == 0 || rc == OTA_EAUDIT)) {
		j = ota_audit_check_json(&check);
		if (j && rc) {
			json_object_set_new(j, "ok", json_false());
			json_object_set_new(j, "problem", json_string(err.msg));
		}
		print_json(j);
		json_decref(j);
	} else if (rc == 0) {
		print_verified(o, &check);
	}
	return rc ? ota_cli_fail(&err) : 0;
}

int cmd_history(struct agent *a, int argc, char **argv)
{
	struct history_opts o;
	struct ota_err err = {0};
	json_t *all = NULL, *shown;
	bool any;
	int rc = parse_opts(argc, argv, &o);

	if (rc)
		return rc;
	if (o.verify)
		return verify(a, &o);
	if (view_history_json(a, &all, NULL, &err))
		return ota_cli_fail(&err);
	shown = ota_audit_filter(all, o.since, o.version);
	any = json_array_size(all) > 0;
	json_decref(all);
	if (!shown) {
		ota_err_set(&err, OTA_EINTERNAL, "out of memory");
		return ota_cli_fail(&err);
	}
	if (o.json)
		print_json(shown);
	else if (!json_array_size(shown) && !any)
		printf("no history yet: nothing was installed, rolled back or refused on this "
		       "device\n");
	else
		print_records(shown); /* a filter matching nothing: nothing */
	json_decref(shown);
	return 0;
}
