/* SPDX-License-Identifier: Apache-2.0 */
/* trust_parse.c - reading trust files and timestamps (trust.h): every
 * format strict, exact member sets, so a trust document, a timestamp and
 * a manifest can never stand in for one another. */
#include "lib/trust.h"

#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/freshness.h"
#include "lib/hash.h"

#define PUB_B64_LEN 44
#define SIG_LINE_LEN (sizeof(OTA_TRUST_SIG_PREFIX) - 1 + OTA_KEYID_HEX_LEN + 1 + OTA_SIG_B64_LEN)

static bool target_ok(const char *s)
{
	return strcmp(s, OTA_TRUST_ANY_TARGET) == 0 || ota_manifest_target_ok(s);
}

/* Strict base64 of a 32-byte key: 44 characters, one '=', canonical. */
static int decode_pub(const json_t *v, unsigned char out[OTA_KEY_RAW_LEN])
{
	const char *b64 = json_string_value(v);
	unsigned char raw[36];
	char again[PUB_B64_LEN + 1];

	if (!b64 || strlen(b64) != PUB_B64_LEN ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, PUB_B64_LEN) != 33)
		return -1;
	memcpy(out, raw, OTA_KEY_RAW_LEN);
	EVP_EncodeBlock((unsigned char *)again, out, OTA_KEY_RAW_LEN);
	return memcmp(again, b64, PUB_B64_LEN) ? -1 : 0;
}

/* Key id `id` with its base64 key v into kr; what names the member. */
static int parse_key(struct ota_keyring *kr, const char *id, const json_t *v, const char *name,
		     const char *what, struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN], idraw[OTA_KEYID_HEX_LEN / 2];
	char want[OTA_KEYID_HEX_LEN + 1], kname[320];
	int rc;

	/* Not echoed: it may hold anything, a newline included. */
	if (strlen(id) != OTA_KEYID_HEX_LEN || ota_unhex(id, idraw, sizeof(idraw)))
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: a member is not a key id (64 "
				   "lowercase hex digits)", name, what);
	if (decode_pub(v, raw))
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: %.16s: expected the base64 of a "
				   "32-byte public key", name, what, id);
	if ((rc = ota_key_id(raw, want, err)))
		return rc;
	if (strcmp(want, id))
		return ota_err_set(err, OTA_EKEY, "%s: %s: %.16s is not the key id of its key "
				   "(that is %.16s)", name, what, id, want);
	snprintf(kname, sizeof(kname), "%s: key %.16s", name, id);
	return ota_keyring_add_raw(kr, raw, kname, err);
}

static int get_int(const json_t *o, const char *k, long long lo, long long hi, long long *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

/* o is an object whose members are all of need (each there) and of may. */
static bool exactly(const json_t *o, const char *const *need, const char *const *may)
{
	const char *k;
	const json_t *v;
	size_t i, n = 0;

	if (!json_is_object(o))
		return false;
	for (i = 0; need[i]; i++)
		if (!json_object_get(o, need[i]))
			return false;
	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; need[i] && strcmp(need[i], k); i++)
			;
		for (n = 0; !need[i] && may[n] && strcmp(may[n], k); n++)
			;
		if (!need[i] && !may[n])
			return false;
	}
	return true;
}

static int parse_keys(struct ota_keyring *kr, const json_t *keys, const char *name,
		      const char *what, struct ota_err *err)
{
	const json_t *v;
	const char *id;
	int rc;

	if (!json_is_object(keys) || json_object_size(keys) < 1 ||
	    json_object_size(keys) > OTA_TRUST_MAX_KEYS)
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: expected 1..%d keys", name, what,
				   OTA_TRUST_MAX_KEYS);
	json_object_foreach((json_t *)keys, id, v) {
		if ((rc = parse_key(kr, id, v, name, what, err)))
			return rc;
	}
	return 0;
}

/* {"keys":{...},"threshold":M} (format 1 has them at the top). */
static int parse_role(struct ota_keyring *kr, unsigned int *threshold, const json_t *o,
		      const char *name, const char *what, struct ota_err *err)
{
	static const char *const need[] = {"keys", "threshold", NULL}, *const none[] = {NULL};
	long long n;
	int rc;

	if (strcmp(what, "keys") && !exactly(o, need, none))
		return ota_err_set(err, OTA_EFORMAT, "%s: %s: expected exactly keys and threshold",
				   name, what);
	if ((rc = parse_keys(kr, json_object_get(o, "keys"), name, what, err)))
		return rc;
	if (get_int(o, "threshold", 1, (long long)kr->n, &n))
		return ota_err_set(err, OTA_EFORMAT, "%s: %s%sthreshold: expected 1..%zu (the "
				   "number of keys)", name, strcmp(what, "keys") ? what : "",
				   strcmp(what, "keys") ? ": " : "", kr->n);
	*threshold = (unsigned int)n;
	return 0;
}

/* {"<id>":{"at":T,"key":"<base64>"},...}: release keys a rotation retired. */
static int parse_retired(struct ota_trust *t, const json_t *o, const char *name,
			 struct ota_err *err)
{
	static const char *const need[] = {"at", "key", NULL}, *const none[] = {NULL};
	const json_t *v;
	const char *id;
	long long at;
	int rc;

	if (!json_is_object(o) || json_object_size(o) < 1 ||
	    json_object_size(o) > OTA_TRUST_MAX_KEYS)
		return ota_err_set(err, OTA_EFORMAT, "%s: retired: expected 1..%d keys", name,
				   OTA_TRUST_MAX_KEYS);
	json_object_foreach((json_t *)o, id, v) {
		if (!exactly(v, need, none) || get_int(v, "at", 0, OTA_TIME_MAX, &at))
			return ota_err_set(err, OTA_EFORMAT, "%s: retired: expected "
					   "{\"<key id>\":{\"at\":T,\"key\":\"<base64>\"}}", name);
		t->retired_at[t->retired.n] = at;
		if ((rc = parse_key(&t->retired, id, json_object_get(v, "key"), name, "retired",
				    err)))
			return rc;
	}
	return 0;
}

/* kind, sequence and target: every form has them. */
static int parse_header(struct ota_trust *t, const json_t *o, const char *kind,
			const char *name, struct ota_err *err)
{
	const char *k = json_string_value(json_object_get(o, "kind"));
	const char *target = json_string_value(json_object_get(o, "target"));
	long long n;

	if (!k || strcmp(k, kind))
		return ota_err_set(err, OTA_EFORMAT, "%s: kind: expected \"%s\"", name, kind);
	if (get_int(o, "sequence", 1, (long long)OTA_TRUST_SEQUENCE_MAX, &n))
		return ota_err_set(err, OTA_EFORMAT, "%s: sequence: expected 1..%llu", name,
				   OTA_TRUST_SEQUENCE_MAX);
	t->sequence = (unsigned long long)n;
	if (!target || strlen(target) != json_string_length(json_object_get(o, "target")) ||
	    !target_ok(target))
		return ota_err_set(err, OTA_EFORMAT, "%s: target: expected a device class or "
				   "\"*\"", name);
	snprintf(t->target, sizeof(t->target), "%s", target);
	return 0;
}

/* created, and expires after it if there (required for a timestamp). */
static int parse_times(struct ota_trust *t, const json_t *o, const char *name,
		       struct ota_err *err)
{
	if (get_int(o, "created", 0, OTA_TIME_MAX, &t->created))
		return ota_err_set(err, OTA_EFORMAT, "%s: created: expected seconds since the "
				   "epoch", name);
	if ((json_object_get(o, "expires") || t->kind == OTA_TRUST_KIND_TIMESTAMP) &&
	    get_int(o, "expires", t->created + 1, OTA_TIME_MAX, &t->expires))
		return ota_err_set(err, OTA_EFORMAT, "%s: expires: expected seconds after created",
				   name);
	return 0;
}

static int doc_v1(struct ota_trust *t, const json_t *o, const char *name, struct ota_err *err)
{
	static const char *const need[] = {"format", "keys",   "kind", "sequence",
					   "target", "threshold", NULL}, *const none[] = {NULL};
	int rc;

	if (!exactly(o, need, none))
		return ota_err_set(err, OTA_EFORMAT, "%s: not a trust document (expected exactly "
				   "format, keys, kind, sequence, target, threshold)", name);
	if ((rc = parse_header(t, o, "trust", name, err)) ||
	    (rc = parse_role(&t->keys, &t->threshold, o, name, "keys", err)) ||
	    (rc = parse_role(&t->release.keys, &t->release.threshold, o, name, "keys", err)))
		return rc;
	return 0;
}

static int doc_v2(struct ota_trust *t, const json_t *o, const char *name, struct ota_err *err)
{
	static const char *const need[] = {"created", "format", "kind", "release", "root",
					   "sequence", "target", NULL},
			  *const may[] = {"expires", "min_rollback_index", "retired", "timestamp",
					  NULL};
	const json_t *v;
	long long n;
	int rc;

	if (!exactly(o, need, may))
		return ota_err_set(err, OTA_EFORMAT, "%s: not a trust document (expected exactly "
				   "created, format, kind, release, root, sequence, target, and "
				   "optionally expires, min_rollback_index, retired, timestamp)", name);
	if ((rc = parse_header(t, o, "trust", name, err)) || (rc = parse_times(t, o, name, err)) ||
	    (rc = parse_role(&t->keys, &t->threshold, json_object_get(o, "root"), name, "root",
			     err)) ||
	    (rc = parse_role(&t->release.keys, &t->release.threshold,
			     json_object_get(o, "release"), name, "release", err)))
		return rc;
	if ((v = json_object_get(o, "timestamp")) &&
	    (rc = parse_role(&t->timestamp.keys, &t->timestamp.threshold, v, name, "timestamp",
			     err)))
		return rc;
	if ((v = json_object_get(o, "retired")) && (rc = parse_retired(t, v, name, err)))
		return rc;
	for (n = 0; n < (long long)t->retired.n; n++)
		if (ota_keyring_find(&t->release.keys, t->retired.keys[n].id))
			return ota_err_set(err, OTA_EFORMAT, "%s: retired: %.16s is a release key "
					   "too", name, t->retired.keys[n].id);
	if (json_object_get(o, "min_rollback_index")) {
		if (get_int(o, "min_rollback_index", 1, 1LL << 53, &n))
			return ota_err_set(err, OTA_EFORMAT, "%s: min_rollback_index: expected "
					   "1..2^53", name);
		t->min_rollback_index = (unsigned long long)n;
	}
	return 0;
}

static int doc_timestamp(struct ota_trust *t, const json_t *o, const char *name,
			 struct ota_err *err)
{
	static const char *const need[] = {"created", "expires", "format", "kind",
					   "sequence", "target", NULL}, *const none[] = {NULL};
	int rc;

	t->kind = OTA_TRUST_KIND_TIMESTAMP;
	if (!exactly(o, need, none))
		return ota_err_set(err, OTA_EFORMAT, "%s: not a timestamp (expected exactly "
				   "created, expires, format, kind, sequence, target)", name);
	if ((rc = parse_header(t, o, "timestamp", name, err)))
		return rc;
	return parse_times(t, o, name, err);
}

static int parse_doc(struct ota_trust *t, const unsigned char *d, size_t len, const char *name,
		     struct ota_err *err)
{
	const char *kind;
	json_t *o = NULL;
	long long format = 0;
	int rc = ota_canon_parse_canonical(d, len, name, &o, err);

	if (rc)
		return rc;
	kind = json_string_value(json_object_get(o, "kind"));
	if (!json_is_object(o) || get_int(o, "format", 1, 1000, &format) ||
	    (format != OTA_TRUST_FORMAT && format != OTA_TRUST_FORMAT_ROLES))
		rc = ota_err_set(err, OTA_EFORMAT, "%s: format: expected %d or %d", name,
				 OTA_TRUST_FORMAT, OTA_TRUST_FORMAT_ROLES);
	t->format = (unsigned int)format;
	if (rc == 0 && format == OTA_TRUST_FORMAT)
		rc = doc_v1(t, o, name, err);
	else if (rc == 0 && kind && strcmp(kind, "timestamp") == 0)
		rc = doc_timestamp(t, o, name, err);
	else if (rc == 0)
		rc = doc_v2(t, o, name, err);
	if (rc == 0)
		rc = ota_buf_append(&t->doc, d, len, err);
	json_decref(o);
	return rc;
}

/* "signature <keyid> <base64>" (its newline already cut off). */
static int parse_sig(struct ota_trust *t, const unsigned char *p, size_t len, const char *name,
		     unsigned int lineno, struct ota_err *err)
{
	const size_t plen = sizeof(OTA_TRUST_SIG_PREFIX) - 1;
	struct ota_trust_sig *s = &t->sigs[t->n_sigs];
	unsigned char idraw[OTA_KEYID_HEX_LEN / 2];
	char where[300];

	snprintf(where, sizeof(where), "%s:%u", name, lineno);
	if (t->n_sigs == OTA_TRUST_MAX_SIGS)
		return ota_err_set(err, OTA_EFORMAT, "%s: more than %d signatures", where,
				   OTA_TRUST_MAX_SIGS);
	if (len != SIG_LINE_LEN || memcmp(p, OTA_TRUST_SIG_PREFIX, plen) ||
	    p[plen + OTA_KEYID_HEX_LEN] != ' ')
		return ota_err_set(err, OTA_EFORMAT, "%s: expected \"signature <key id> <base64 "
				   "signature>\"", where);
	memcpy(s->keyid, p + plen, OTA_KEYID_HEX_LEN);
	s->keyid[OTA_KEYID_HEX_LEN] = '\0';
	if (ota_unhex(s->keyid, idraw, sizeof(idraw)))
		return ota_err_set(err, OTA_EFORMAT, "%s: not a key id", where);
	if (t->n_sigs && strcmp(s[-1].keyid, s->keyid) >= 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: signatures duplicated or out of order",
				   where);
	if (ota_sig_decode(p + plen + OTA_KEYID_HEX_LEN + 1, OTA_SIG_B64_LEN, where, s->sig, err))
		return OTA_EFORMAT;
	t->n_sigs++;
	return 0;
}

int ota_trust_parse(const unsigned char *text, size_t len, const char *name,
		    struct ota_trust *t, struct ota_err *err)
{
	const unsigned char *nl = memchr(text, '\n', len), *p, *end = text + len;
	unsigned int lineno = 1;
	int rc;

	ota_trust_init(t);
	snprintf(t->source, sizeof(t->source), "%s", name);
	if (len > OTA_TRUST_FILE_MAX)
		return ota_err_set(err, OTA_EFORMAT, "%s: not a trust file (over %d bytes)", name,
				   OTA_TRUST_FILE_MAX);
	/* A key file given where a trust file is expected, the likely mix-up. */
	if (len >= 11 && !memcmp(text, "-----BEGIN ", 11))
		return ota_err_set(err, OTA_EFORMAT, "%s: a PEM %s, not a trust file: a trust file "
				   "is a line of JSON ({\"format\":1,...,\"kind\":\"trust\",...}) and "
				   "its signature lines, made by ota-keytool trust create and sign",
				   name, memmem(text, nl ? (size_t)(nl - text) : len, "PRIVATE", 7)
						 ? "private key" : "public key");
	if (!nl)
		return ota_err_set(err, OTA_EFORMAT, "%s: not a trust file (no line ends the "
				   "document)", name);
	rc = parse_doc(t, text, (size_t)(nl - text), name, err);
	/* Step past a line only once it has a newline: never from NULL. */
	for (p = nl + 1; rc == 0 && p < end; p = nl + 1) {
		lineno++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p)))) {
			rc = ota_err_set(err, OTA_EFORMAT, "%s:%u: the last line has no newline",
					 name, lineno);
			break;
		}
		rc = parse_sig(t, p, (size_t)(nl - p), name, lineno, err);
	}
	if (rc)
		ota_trust_free(t);
	return rc;
}

int ota_trust_load(const char *path, struct ota_trust *t, struct ota_err *err)
{
	return ota_trust_load_flags(path, 0, t, err);
}

int ota_trust_load_flags(const char *path, int flags, struct ota_trust *t, struct ota_err *err)
{
	struct ota_buf b;
	int rc;

	ota_trust_init(t);
	ota_buf_init(&b, OTA_TRUST_FILE_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, flags, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, rc, "%s: not a trust file (over %d bytes)", path,
				 OTA_TRUST_FILE_MAX);
	if (rc == 0)
		rc = ota_trust_parse(b.data, b.len, path, t, err);
	ota_buf_free(&b);
	return rc;
}

