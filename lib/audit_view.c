/* SPDX-License-Identifier: Apache-2.0 */
/* audit_view.c - attempts and filters over the audit history's records
 * (see audit_view.h). */
#include "lib/audit_view.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "lib/audit.h"
#include "lib/isotime.h"

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

static bool is(const json_t *o, const char *key, const char *want)
{
	return !strcmp(str(o, key), want);
}

/* The last non-empty value of key over the attempt's records. */
static const char *last_of(const json_t *recs, const char *key)
{
	const char *v = "";
	const json_t *r;
	size_t i;

	json_array_foreach(recs, i, r)
		if (*str(r, key))
			v = str(r, key);
	return v;
}

static bool path_has(const json_t *path, const char *state)
{
	const json_t *s;
	size_t i;

	json_array_foreach(path, i, s)
		if (!strcmp(json_string_value(s), state))
			return true;
	return false;
}

/* The first record that is not "ok" (the one saying why) and its index
 * (which is also the index in the path of the state it left), or NULL. */
static const json_t *first_trouble(const json_t *recs, size_t *at)
{
	const json_t *r;
	size_t i;

	json_array_foreach(recs, i, r) {
		if (!is(r, "result", OTA_AUDIT_OK) && !is(r, "result", OTA_AUDIT_ROLLED_BACK)) {
			*at = i;
			return r;
		}
	}
	return NULL;
}

static const char *outcome(const json_t *recs, const json_t *path, const char *kind,
			   const json_t *trouble)
{
	const json_t *last = json_array_get(recs, json_array_size(recs) - 1);

	if (!is(last, "to", "IDLE"))
		return OTA_OUTCOME_UNFINISHED;
	if (path_has(path, "PROMOTED"))
		return OTA_OUTCOME_PROMOTED;
	if (trouble && is(trouble, "result", OTA_AUDIT_RECOVERED))
		return OTA_OUTCOME_INTERRUPTED;
	if (trouble && is(trouble, "result", OTA_AUDIT_REFUSED))
		return OTA_OUTCOME_REFUSED;
	if (trouble && path_has(path, "ROLLING_BACK"))
		return OTA_OUTCOME_ROLLED_BACK;
	if (trouble)
		return OTA_OUTCOME_FAILED;
	if (!strcmp(kind, "rollback"))
		return OTA_OUTCOME_ROLLBACK;
	return !strcmp(kind, "partial") ? OTA_OUTCOME_PARTIAL : OTA_OUTCOME_FAILED;
}

/* A copy of o[key], or fallback when it is missing (new reference). */
static json_t *copy_of(const json_t *o, const char *key, json_t *fallback)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return fallback;
	json_decref(fallback);
	return json_deep_copy(v);
}

/* The kind, the path through the state machine and the signers. */
static void describe(json_t *a, const json_t *recs)
{
	const json_t *first = json_array_get(recs, 0), *r, *signers = NULL;
	json_t *path = json_array();
	size_t i;

	json_object_set_new(a, "kind", json_string(!is(first, "from", "IDLE")          ? "partial"
						  : is(first, "to", "ROLLING_BACK") ? "rollback"
										    : "install"));
	json_array_append_new(path, json_string(str(first, "from")));
	json_array_foreach(recs, i, r) {
		if (json_array_size(json_object_get(r, "signers")))
			signers = json_object_get(r, "signers");
		json_array_append_new(path, json_string(str(r, "to")));
	}
	json_object_set_new(a, "path", path);
	json_object_set_new(a, "signers", signers ? json_deep_copy(signers) : json_array());
	json_object_set_new(a, "version", json_string(last_of(recs, "version")));
	json_object_set_new(a, "bundle", json_string(last_of(recs, "bundle")));
	json_object_set_new(a, "manifest_sha256", json_string(last_of(recs, "manifest_sha256")));
}

/* The outcome, and the record that says why. */
static void judge(json_t *a, const json_t *recs)
{
	size_t at = 0;
	const json_t *trouble = first_trouble(recs, &at);
	const json_t *last = json_array_get(recs, json_array_size(recs) - 1);
	const char *oc = outcome(recs, json_object_get(a, "path"), str(a, "kind"), trouble);
	const json_t *why = trouble ? trouble : last, *r;
	size_t i;

	/* A promotion says why it was promoted: the health check passed. */
	json_array_foreach(recs, i, r)
		if (!trouble && is(r, "to", "PROMOTED"))
			why = r;

	json_object_set_new(a, "outcome", json_string(oc));
	json_object_set_new(a, "failure",
			    json_boolean(strcmp(oc, OTA_OUTCOME_PROMOTED) &&
					 strcmp(oc, OTA_OUTCOME_ROLLBACK) &&
					 strcmp(oc, OTA_OUTCOME_UNFINISHED) &&
					 strcmp(oc, OTA_OUTCOME_PARTIAL)));
	json_object_set_new(a, "failed_in", json_string(trouble ? str(trouble, "from") : ""));
	json_object_set_new(a, "failed_step", json_integer(trouble ? (json_int_t)at : -1));
	json_object_set_new(a, "reason", json_string(str(why, "reason")));
	json_object_set_new(a, "exit", copy_of(why, "exit", json_integer(0)));
}

/* The attempt object of recs (its records, oldest first); steals recs. */
static json_t *attempt(json_t *recs)
{
	const json_t *first = json_array_get(recs, 0);
	const json_t *last = json_array_get(recs, json_array_size(recs) - 1);
	json_t *a = json_object();

	if (!a) {
		json_decref(recs);
		return NULL;
	}
	describe(a, recs);
	judge(a, recs);
	json_object_set_new(a, "start", json_string(str(first, "time")));
	json_object_set_new(a, "end", json_string(str(last, "time")));
	json_object_set_new(a, "first_seq", copy_of(first, "seq", json_integer(0)));
	json_object_set_new(a, "last_seq", copy_of(last, "seq", json_integer(0)));
	json_object_set_new(a, "records", recs);
	return a;
}

json_t *ota_audit_attempts(const json_t *records)
{
	json_t *out = json_array(), *cur = NULL;
	const json_t *r;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach(records, i, r) {
		/* A record leaving IDLE starts an attempt, even after an unended one. */
		if (cur && is(r, "from", "IDLE")) {
			json_array_append_new(out, attempt(cur));
			cur = NULL;
		}
		if (!cur && !(cur = json_array()))
			break;
		json_array_append(cur, (json_t *)r);
		if (is(r, "to", "IDLE")) {
			json_array_append_new(out, attempt(cur));
			cur = NULL;
		}
	}
	if (cur)
		json_array_append_new(out, attempt(cur));
	return out;
}

/* Seconds of a record's ISO time; when it cannot be read, kept (0). */
static long long when(const json_t *r)
{
	long long t = 0;

	return ota_isotime_parse(str(r, "time"), &t, NULL) ? 0 : t;
}

static bool involves(const json_t *attempt_obj, const char *version)
{
	const json_t *r;
	size_t i;

	json_array_foreach(json_object_get(attempt_obj, "records"), i, r)
		if (is(r, "version", version))
			return true;
	return false;
}

/* The seq of the first record --since shows (LLONG_MAX: none).  A time
 * is trusted when no record written before has a later one: a clock that
 * stepped back (a boot without a battery, in 1970) stamps records that
 * cannot be compared with since.  Hidden is everything up to the last
 * trusted record stamped before since; what follows is shown, whatever
 * its time, so a jump never hides a record and what is shown is a tail. */
static long long first_shown(const json_t *records, long long since)
{
	long long high = LLONG_MIN, t, from = LLONG_MIN;
	const json_t *r, *next;
	size_t i;

	json_array_foreach(records, i, r) {
		t = when(r);
		if (t < high)
			continue; /* stamped by a clock that stepped back */
		high = t;
		if (t >= since)
			break;
		next = json_array_get(records, i + 1);
		from = next ? json_integer_value(json_object_get(next, "seq")) : LLONG_MAX;
	}
	return from;
}

json_t *ota_audit_filter(const json_t *records, long long since, const char *version)
{
	json_t *att = ota_audit_attempts(records), *out = json_array(), *a;
	long long from = first_shown(records, since);
	const json_t *r;
	size_t i, j;

	if (!att || !out) {
		json_decref(att);
		json_decref(out);
		return NULL;
	}
	json_array_foreach(att, i, a) {
		if (version && !involves(a, version))
			continue;
		json_array_foreach(json_object_get(a, "records"), j, r)
			if (json_integer_value(json_object_get(r, "seq")) >= from)
				json_array_append(out, (json_t *)r);
	}
	json_decref(att);
	return out;
}
