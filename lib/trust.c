/* trust.c - trust documents and files (trust.h): building, parsing and
 * writing them, signing, and the rules a device applies to an update. */
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

/* t's fields as its canonical document bytes, into t->doc. */
static int build_doc(struct ota_trust *t, struct ota_err *err)
{
	json_t *keys = json_object(), *o = NULL;
	char b64[PUB_B64_LEN + 1];
	size_t i;
	int rc = keys ? 0 : ota_err_set(err, OTA_EINTERNAL, "out of memory");

	for (i = 0; rc == 0 && i < t->keys.n; i++) {
		EVP_EncodeBlock((unsigned char *)b64, t->keys.keys[i].raw, OTA_KEY_RAW_LEN);
		if (json_object_set_new(keys, t->keys.keys[i].id, json_string(b64)))
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	if (rc == 0) {
		o = json_pack("{s:i, s:O, s:s, s:I, s:s, s:i}", "format", OTA_TRUST_FORMAT, "keys",
			      keys, "kind", "trust", "sequence", (json_int_t)t->sequence, "target",
			      t->target, "threshold", (int)t->threshold);
		if (!o)
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	if (rc == 0)
		rc = ota_canon_dump(o, &t->doc, err);
	json_decref(o);
	json_decref(keys);
	return rc;
}

int ota_trust_make(struct ota_trust *t, unsigned long long sequence, const char *target,
		   unsigned int threshold, const struct ota_keyring *keys, struct ota_err *err)
{
	size_t i;
	int rc = 0;

	ota_trust_init(t);
	if (sequence < 1 || sequence > OTA_TRUST_SEQUENCE_MAX)
		return ota_err_set(err, OTA_EUSAGE, "sequence: expected 1..%llu",
				   OTA_TRUST_SEQUENCE_MAX);
	if (!target_ok(target))
		return ota_err_set(err, OTA_EUSAGE, "target: expected a device class or \"*\"");
	for (i = 0; rc == 0 && i < keys->n; i++)
		rc = add_key(&t->keys, keys->keys[i].raw, keys->keys[i].source, err);
	if (rc == 0 && (t->keys.n == 0 || threshold < 1 || threshold > t->keys.n))
		rc = ota_err_set(err, OTA_EUSAGE, "threshold %u with %zu keys: expected 1..%zu",
				 threshold, t->keys.n, t->keys.n);
	if (rc == 0) {
		t->sequence = sequence;
		t->threshold = threshold;
		snprintf(t->target, sizeof(t->target), "%s", target);
		rc = build_doc(t, err);
	}
	if (rc)
		ota_trust_free(t);
	return rc;
}

int ota_trust_factory(struct ota_trust *t, const char *keys_path, unsigned int threshold,
		      struct ota_err *err)
{
	int rc;

	ota_trust_init(t);
	rc = ota_keyring_load(&t->keys, keys_path, err);
	if (rc)
		return rc;
	t->threshold = threshold ? threshold : 1;
	snprintf(t->target, sizeof(t->target), "%s", OTA_TRUST_ANY_TARGET);
	snprintf(t->source, sizeof(t->source), "%s", keys_path);
	return 0;
}

/* Strict base64 of a 32-byte key: 44 characters, one '=', canonical. */
static int decode_pub(const char *b64, unsigned char out[OTA_KEY_RAW_LEN])
{
	unsigned char raw[36];
	char again[PUB_B64_LEN + 1];

	if (strlen(b64) != PUB_B64_LEN ||
	    EVP_DecodeBlock(raw, (const unsigned char *)b64, PUB_B64_LEN) != 33)
		return -1;
	memcpy(out, raw, OTA_KEY_RAW_LEN);
	EVP_EncodeBlock((unsigned char *)again, out, OTA_KEY_RAW_LEN);
	return memcmp(again, b64, PUB_B64_LEN) ? -1 : 0;
}

static int parse_key(struct ota_trust *t, const char *id, const json_t *v, const char *name,
		     struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN], idraw[OTA_KEYID_HEX_LEN / 2];
	char want[OTA_KEYID_HEX_LEN + 1], kname[320];
	int rc;

	if (strlen(id) != OTA_KEYID_HEX_LEN || ota_unhex(id, idraw, sizeof(idraw)))
		return ota_err_set(err, OTA_EFORMAT, "%s: keys: \"%.70s\" is not a key id", name,
				   id);
	if (!json_is_string(v) || decode_pub(json_string_value(v), raw))
		return ota_err_set(err, OTA_EFORMAT, "%s: keys: %.16s: expected the base64 of a "
				   "32-byte public key", name, id);
	if ((rc = ota_key_id(raw, want, err)))
		return rc;
	if (strcmp(want, id))
		return ota_err_set(err, OTA_EKEY, "%s: keys: %.16s is not the key id of its key "
				   "(that is %.16s)", name, id, want);
	snprintf(kname, sizeof(kname), "%s: key %.16s", name, id);
	return add_key(&t->keys, raw, kname, err);
}

static int get_int(const json_t *o, const char *k, long long lo, long long hi, long long *out)
{
	const json_t *v = json_object_get(o, k);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = json_integer_value(v);
	return 0;
}

static int doc_fields(struct ota_trust *t, const json_t *o, const char *name, struct ota_err *err)
{
	const char *kind = json_string_value(json_object_get(o, "kind"));
	const char *target = json_string_value(json_object_get(o, "target"));
	const json_t *keys = json_object_get(o, "keys"), *v;
	long long n;
	const char *id;
	int rc = 0;

	if (get_int(o, "format", 1, 1000, &n) || n != OTA_TRUST_FORMAT)
		return ota_err_set(err, OTA_EFORMAT, "%s: format: expected %d", name,
				   OTA_TRUST_FORMAT);
	if (!kind || strcmp(kind, "trust"))
		return ota_err_set(err, OTA_EFORMAT, "%s: kind: expected \"trust\"", name);
	if (get_int(o, "sequence", 1, (long long)OTA_TRUST_SEQUENCE_MAX, &n))
		return ota_err_set(err, OTA_EFORMAT, "%s: sequence: expected 1..%llu", name,
				   OTA_TRUST_SEQUENCE_MAX);
	t->sequence = (unsigned long long)n;
	if (!target || strlen(target) != json_string_length(json_object_get(o, "target")) ||
	    !target_ok(target))
		return ota_err_set(err, OTA_EFORMAT, "%s: target: expected a device class or "
				   "\"*\"", name);
	snprintf(t->target, sizeof(t->target), "%s", target);
	if (!json_is_object(keys) || json_object_size(keys) < 1 ||
	    json_object_size(keys) > OTA_TRUST_MAX_KEYS)
		return ota_err_set(err, OTA_EFORMAT, "%s: keys: expected 1..%d keys", name,
				   OTA_TRUST_MAX_KEYS);
	json_object_foreach((json_t *)keys, id, v) {
		if ((rc = parse_key(t, id, v, name, err)))
			return rc;
	}
	if (get_int(o, "threshold", 1, (long long)t->keys.n, &n))
		return ota_err_set(err, OTA_EFORMAT, "%s: threshold: expected 1..%zu (the number "
				   "of keys)", name, t->keys.n);
	t->threshold = (unsigned int)n;
	return 0;
}

static int parse_doc(struct ota_trust *t, const unsigned char *d, size_t len, const char *name,
		     struct ota_err *err)
{
	static const char *const fields[] = {"format", "keys",   "kind",
					     "sequence", "target", "threshold"};
	json_t *o = NULL;
	size_t i;
	int rc = ota_canon_parse_canonical(d, len, name, &o, err);

	if (rc)
		return rc;
	for (i = 0; json_is_object(o) && i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!json_object_get(o, fields[i]))
			break;
	if (!json_is_object(o) || i < sizeof(fields) / sizeof(fields[0]) ||
	    json_object_size(o) != sizeof(fields) / sizeof(fields[0]))
		rc = ota_err_set(err, OTA_EFORMAT, "%s: not a trust document (expected exactly "
				 "format, keys, kind, sequence, target, threshold)", name);
	if (rc == 0)
		rc = doc_fields(t, o, name, err);
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
	for (p = nl + 1; rc == 0 && p < end; p = nl + 1) {
		lineno++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			rc = ota_err_set(err, OTA_EFORMAT, "%s:%u: the last line has no newline",
					 name, lineno);
		else
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

int ota_trust_check_self(const struct ota_trust *t, struct ota_err *err)
{
	size_t n;
	int rc = ota_trust_count(t, &t->keys, &n, err);

	if (rc == 0 && n < t->threshold)
		rc = ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the keys it "
				 "names, %u needed", t->source, n, t->threshold);
	return rc;
}

int ota_trust_check_target(const struct ota_trust *t, const char *device_class,
			   struct ota_err *err)
{
	if (device_class && strcmp(t->target, OTA_TRUST_ANY_TARGET) &&
	    strcmp(t->target, device_class))
		return ota_err_set(err, OTA_ETARGET, "%s: wrong target: trust file for \"%s\", "
				   "this device is \"%s\"", t->source, t->target, device_class);
	return 0;
}

int ota_trust_check_update(const struct ota_trust *cur, const struct ota_trust *upd,
			   const char *device_class, struct ota_err *err)
{
	size_t n;
	int rc;

	if ((rc = ota_trust_check_target(upd, device_class, err)))
		return rc;
	if (upd->sequence <= cur->sequence)
		return ota_err_set(err, OTA_EROLLBACK, "%s: trust sequence %llu is not newer than "
				   "%llu, the one in force (an old trust file replayed?)",
				   upd->source, upd->sequence, cur->sequence);
	if (upd->sequence - cur->sequence > OTA_TRUST_SEQUENCE_STEP)
		return ota_err_set(err, OTA_EROLLBACK, "%s: trust sequence %llu is more than %llu "
				   "above %llu, the one in force", upd->source, upd->sequence,
				   OTA_TRUST_SEQUENCE_STEP, cur->sequence);
	if ((rc = ota_trust_count(upd, &cur->keys, &n, err)))
		return rc;
	if (n < cur->threshold)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the keys "
				   "in force, %u needed", upd->source, n, cur->threshold);
	if ((rc = ota_trust_count(upd, &upd->keys, &n, err)))
		return rc;
	if (n < upd->threshold)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the keys "
				   "it names, %u needed (a new trust set must prove it can sign)",
				   upd->source, n, upd->threshold);
	return 0;
}

bool ota_trust_same(const struct ota_trust *a, const struct ota_trust *b)
{
	return a->doc.len == b->doc.len && a->doc.len &&
	       memcmp(a->doc.data, b->doc.data, a->doc.len) == 0;
}
