/* SPDX-License-Identifier: Apache-2.0 */
/* trust.c - trust documents and files (trust.h): building and writing
 * them, and signing.  trust_parse.c reads them, trust_rules.c holds the
 * rules a device applies, trust_state.c the device's copy. */
#include "lib/trust.h"

#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/hash.h"

#define PUB_B64_LEN 44
#define SIG_LINE_LEN (sizeof(OTA_TRUST_SIG_PREFIX) - 1 + OTA_KEYID_HEX_LEN + 1 + OTA_SIG_B64_LEN)

void ota_trust_init(struct ota_trust *t)
{
	memset(t, 0, sizeof(*t));
	ota_buf_init(&t->doc, OTA_TRUST_FILE_MAX);
}

void ota_trust_free(struct ota_trust *t)
{
	if (!t)
		return;
	ota_keyring_free(&t->keys);
	ota_keyring_free(&t->release.keys);
	ota_keyring_free(&t->timestamp.keys);
	ota_keyring_free(&t->retired);
	ota_buf_free(&t->doc);
	ota_trust_init(t);
}

static int add_key(struct ota_keyring *kr, const unsigned char raw[OTA_KEY_RAW_LEN],
		   const char *name, struct ota_err *err)
{
	if (kr->n == OTA_TRUST_MAX_KEYS)
		return ota_err_set(err, OTA_EUSAGE, "more than %d keys", OTA_TRUST_MAX_KEYS);
	return ota_keyring_add_raw(kr, raw, name, err);
}

static bool target_ok(const char *s)
{
	return strcmp(s, OTA_TRUST_ANY_TARGET) == 0 || ota_manifest_target_ok(s);
}

/* {"<id>":"<base64>",...} of kr, NULL when out of memory. */
static json_t *keys_json(const struct ota_keyring *kr)
{
	json_t *o = json_object();
	char b64[PUB_B64_LEN + 1];
	size_t i;

	for (i = 0; o && i < kr->n; i++) {
		EVP_EncodeBlock((unsigned char *)b64, kr->keys[i].raw, OTA_KEY_RAW_LEN);
		if (json_object_set_new(o, kr->keys[i].id, json_string(b64))) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static json_t *role_json(const struct ota_keyring *kr, unsigned int threshold)
{
	json_t *keys = keys_json(kr);

	return keys ? json_pack("{s:o, s:i}", "keys", keys, "threshold", (int)threshold) : NULL;
}

static json_t *retired_json(const struct ota_trust *t)
{
	json_t *o = json_object(), *k;
	char b64[PUB_B64_LEN + 1];
	size_t i;

	for (i = 0; o && i < t->retired.n; i++) {
		EVP_EncodeBlock((unsigned char *)b64, t->retired.keys[i].raw, OTA_KEY_RAW_LEN);
		k = json_pack("{s:I, s:s}", "at", (json_int_t)t->retired_at[i], "key", b64);
		if (!k || json_object_set_new(o, t->retired.keys[i].id, k)) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

/* Format 2's optional members, set only when said. */
static int optional_members(json_t *o, const struct ota_trust *t)
{
	json_t *v;

	if (t->expires && json_object_set_new(o, "expires", json_integer(t->expires)))
		return -1;
	if (t->kind == OTA_TRUST_KIND_TIMESTAMP)
		return 0;
	if (t->min_rollback_index && json_object_set_new(o, "min_rollback_index",
							  json_integer((json_int_t)t->min_rollback_index)))
		return -1;
	if (t->retired.n && (!(v = retired_json(t)) || json_object_set_new(o, "retired", v)))
		return -1;
	if (t->timestamp.threshold &&
	    (!(v = role_json(&t->timestamp.keys, t->timestamp.threshold)) ||
	     json_object_set_new(o, "timestamp", v)))
		return -1;
	return 0;
}

static json_t *doc_json(const struct ota_trust *t)
{
	json_t *o;

	if (t->format == OTA_TRUST_FORMAT)
		return json_pack("{s:i, s:o, s:s, s:I, s:s, s:i}", "format", OTA_TRUST_FORMAT,
				 "keys", keys_json(&t->keys), "kind", "trust", "sequence",
				 (json_int_t)t->sequence, "target", t->target, "threshold",
				 (int)t->threshold);
	if (t->kind == OTA_TRUST_KIND_TIMESTAMP)
		o = json_pack("{s:I, s:i, s:s, s:I, s:s}", "created", (json_int_t)t->created,
			      "format", OTA_TRUST_FORMAT_ROLES, "kind", "timestamp", "sequence",
			      (json_int_t)t->sequence, "target", t->target);
	else
		o = json_pack("{s:I, s:i, s:s, s:o, s:o, s:I, s:s}", "created",
			      (json_int_t)t->created, "format", OTA_TRUST_FORMAT_ROLES, "kind",
			      "trust", "release", role_json(&t->release.keys, t->release.threshold),
			      "root", role_json(&t->keys, t->threshold), "sequence",
			      (json_int_t)t->sequence, "target", t->target);
	if (o && optional_members(o, t)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* t's fields as its canonical document bytes, into t->doc. */
static int build_doc(struct ota_trust *t, struct ota_err *err)
{
	json_t *o = doc_json(t);
	int rc = o ? ota_canon_dump(o, &t->doc, err)
		   : ota_err_set(err, OTA_EINTERNAL, "out of memory");

	json_decref(o);
	return rc;
}

/* A copy of the n_keys keys of from into to, with threshold. */
static int copy_role(struct ota_keyring *to, unsigned int *to_threshold,
		     const struct ota_keyring *from, unsigned int threshold, const char *role,
		     struct ota_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && from && i < from->n; i++)
		rc = add_key(to, from->keys[i].raw, from->keys[i].source, err);
	if (rc == 0 && (to->n == 0 || threshold < 1 || threshold > to->n))
		rc = ota_err_set(err, OTA_EUSAGE, "%s threshold %u with %zu keys: expected 1..%zu",
				 role, threshold, to->n, to->n);
	*to_threshold = threshold;
	return rc;
}

static int check_header(unsigned long long sequence, const char *target, struct ota_err *err)
{
	if (sequence < 1 || sequence > OTA_TRUST_SEQUENCE_MAX)
		return ota_err_set(err, OTA_EUSAGE, "sequence: expected 1..%llu",
				   OTA_TRUST_SEQUENCE_MAX);
	if (!target_ok(target))
		return ota_err_set(err, OTA_EUSAGE, "target: expected a device class or \"*\"");
	return 0;
}

int ota_trust_make(struct ota_trust *t, unsigned long long sequence, const char *target,
		   unsigned int threshold, const struct ota_keyring *keys, struct ota_err *err)
{
	int rc;

	ota_trust_init(t);
	if ((rc = check_header(sequence, target, err)))
		return rc;
	t->format = OTA_TRUST_FORMAT;
	t->sequence = sequence;
	snprintf(t->target, sizeof(t->target), "%s", target);
	rc = copy_role(&t->keys, &t->threshold, keys, threshold, "", err);
	if (rc == 0)
		rc = copy_role(&t->release.keys, &t->release.threshold, keys, threshold, "", err);
	if (rc == 0)
		rc = build_doc(t, err);
	if (rc)
		ota_trust_free(t);
	return rc;
}

/* Retire what previous trusted for releases and s drops (unless revoked),
 * and keep what previous had retired (unless revoked, or trusted again). */
static int retire(struct ota_trust *t, const struct ota_trust_spec *s, struct ota_err *err)
{
	const struct ota_trust *p = s->previous;
	size_t i, k;
	int rc = 0;

	for (i = 0; rc == 0 && p && i < p->release.keys.n + p->retired.n; i++) {
		const struct ota_pubkey *pk = i < p->release.keys.n
			? &p->release.keys.keys[i] : &p->retired.keys[i - p->release.keys.n];
		bool revoked = false;

		for (k = 0; k < s->n_revoke; k++)
			revoked |= strcmp(s->revoke[k], pk->id) == 0;
		if (revoked || ota_keyring_find(&t->release.keys, pk->id) ||
		    ota_keyring_find(&t->retired, pk->id))
			continue;
		if (t->retired.n == OTA_TRUST_MAX_KEYS)
			return ota_err_set(err, OTA_EUSAGE, "more than %d retired keys: revoke some "
					   "(--revoke)", OTA_TRUST_MAX_KEYS);
		t->retired_at[t->retired.n] = i < p->release.keys.n
			? s->created : p->retired_at[i - p->release.keys.n];
		rc = add_key(&t->retired, pk->raw, pk->source, err);
	}
	return rc;
}

int ota_trust_make_roles(struct ota_trust *t, const struct ota_trust_spec *s,
			 struct ota_err *err)
{
	int rc;

	ota_trust_init(t);
	if ((rc = check_header(s->sequence, s->target, err)))
		return rc;
	if (s->created < 0 || s->created > (1LL << 53) ||
	    (s->expires && (s->expires <= s->created || s->expires > (1LL << 53))))
		return ota_err_set(err, OTA_EUSAGE, "expires: expected a time after created");
	t->format = OTA_TRUST_FORMAT_ROLES;
	t->sequence = s->sequence;
	snprintf(t->target, sizeof(t->target), "%s", s->target);
	t->created = s->created;
	t->expires = s->expires;
	t->min_rollback_index = s->min_rollback_index;
	if ((rc = copy_role(&t->keys, &t->threshold, s->root, s->root_threshold, "root", err)) ||
	    (rc = copy_role(&t->release.keys, &t->release.threshold, s->release,
			    s->release_threshold, "release", err)) ||
	    (s->timestamp && (rc = copy_role(&t->timestamp.keys, &t->timestamp.threshold,
					     s->timestamp, s->timestamp_threshold, "timestamp",
					     err))) ||
	    (rc = retire(t, s, err)) || (rc = build_doc(t, err)))
		ota_trust_free(t);
	return rc;
}

int ota_trust_make_timestamp(struct ota_trust *t, const struct ota_trust *cur, long long created,
			     long long expires, struct ota_err *err)
{
	int rc;

	ota_trust_init(t);
	if (cur->format != OTA_TRUST_FORMAT_ROLES)
		return ota_err_set(err, OTA_EUSAGE, "%s: a timestamp needs a role-aware trust file "
				   "(format 2)", cur->source);
	if (created < cur->created || expires <= created || expires > (1LL << 53))
		return ota_err_set(err, OTA_EUSAGE, "timestamp: expected created at or after the "
				   "trust file's and expires after created");
	t->format = OTA_TRUST_FORMAT_ROLES;
	t->kind = OTA_TRUST_KIND_TIMESTAMP;
	t->sequence = cur->sequence;
	snprintf(t->target, sizeof(t->target), "%s", cur->target);
	t->created = created;
	t->expires = expires;
	if ((rc = build_doc(t, err)))
		ota_trust_free(t);
	return rc;
}

int ota_trust_factory(struct ota_trust *t, const char *keys_path, unsigned int threshold,
		      struct ota_err *err)
{
	int rc;

	ota_trust_init(t);
	rc = ota_keyring_load(&t->keys, keys_path, err);
	if (rc == 0)
		rc = ota_keyring_load(&t->release.keys, keys_path, err);
	if (rc) {
		ota_trust_free(t);
		return rc;
	}
	t->threshold = threshold ? threshold : 1;
	t->release.threshold = t->threshold;
	snprintf(t->target, sizeof(t->target), "%s", OTA_TRUST_ANY_TARGET);
	snprintf(t->source, sizeof(t->source), "%s", keys_path);
	return 0;
}

int ota_trust_format(const struct ota_trust *t, struct ota_buf *out, struct ota_err *err)
{
	char b64[OTA_SIG_B64_LEN + 1];
	size_t i;
	int rc = ota_buf_append(out, t->doc.data, t->doc.len, err);

	if (rc == 0)
		rc = ota_buf_putc(out, '\n', err);
	for (i = 0; rc == 0 && i < t->n_sigs; i++) {
		ota_sig_encode(t->sigs[i].sig, b64);
		if ((rc = ota_buf_puts(out, OTA_TRUST_SIG_PREFIX, err)) ||
		    (rc = ota_buf_puts(out, t->sigs[i].keyid, err)) ||
		    (rc = ota_buf_putc(out, ' ', err)) || (rc = ota_buf_puts(out, b64, err)))
			break;
		rc = ota_buf_putc(out, '\n', err);
	}
	return rc;
}

int ota_trust_sign(struct ota_trust *t, EVP_PKEY *key, struct ota_err *err)
{
	struct ota_trust_sig s = {0};
	unsigned char raw[OTA_KEY_RAW_LEN];
	size_t i;
	int rc;

	if ((rc = ota_key_raw_public(key, raw, err)) || (rc = ota_key_id(raw, s.keyid, err)) ||
	    (rc = ota_sig_sign(key, t->doc.data, t->doc.len, s.sig, err)))
		return rc;
	for (i = 0; i < t->n_sigs && strcmp(t->sigs[i].keyid, s.keyid) < 0; i++)
		;
	if (i == t->n_sigs || strcmp(t->sigs[i].keyid, s.keyid)) {
		if (t->n_sigs == OTA_TRUST_MAX_SIGS)
			return ota_err_set(err, OTA_EFORMAT, "%s: already %d signatures", t->source,
					   OTA_TRUST_MAX_SIGS);
		memmove(&t->sigs[i + 1], &t->sigs[i], (t->n_sigs - i) * sizeof(s));
		t->n_sigs++;
	}
	t->sigs[i] = s;
	return 0;
}

int ota_trust_count(const struct ota_trust *t, const struct ota_keyring *by, size_t *n,
		    struct ota_err *err)
{
	const struct ota_pubkey *pk;
	size_t i;
	int rc;

	*n = 0;
	for (i = 0; i < t->n_sigs; i++) {
		if (!(pk = ota_keyring_find(by, t->sigs[i].keyid)))
			continue; /* another key's: not ours to judge */
		rc = ota_sig_verify(pk, t->doc.data, t->doc.len, t->sigs[i].sig, err);
		if (rc)
			return ota_err_prefix(err, rc, "%s: bad signature", t->source);
		(*n)++;
	}
	return 0;
}

bool ota_trust_same(const struct ota_trust *a, const struct ota_trust *b)
{
	return a->doc.len == b->doc.len && a->doc.len &&
	       memcmp(a->doc.data, b->doc.data, a->doc.len) == 0;
}
