/* SPDX-License-Identifier: Apache-2.0 */
/* receipt.c - install receipts: written and signed on the device, checked
 * on the laptop (receipt.h). */
#include "lib/receipt.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/sig.h"

static bool result_ok(const char *s)
{
	static const char *const known[] = {OTA_RECEIPT_INSTALLED, OTA_RECEIPT_UP_TO_DATE,
					    OTA_RECEIPT_ROLLED_BACK, OTA_RECEIPT_REFUSED,
					    OTA_RECEIPT_FAILED};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(s, known[i]))
			return true;
	return false;
}

static json_t *document(const struct ota_receipt *r)
{
	return json_pack("{s:I, s:s, s:I, s:s, s:s, s:i, s:{s:I, s:s}, s:s, s:s, s:s, s:s, "
			 "s:{s:i, s:s, s:s}, s:I}",
			 "attested_time", (json_int_t)r->attested_time, "class", r->device_class,
			 "counter", (json_int_t)r->counter, "current", r->current, "device",
			 r->device, "format", OTA_RECEIPT_FORMAT, "history", "seq",
			 (json_int_t)r->history_seq, "sha256", r->history_sha256, "hostname",
			 r->hostname, "kind", "receipt", "last_good", r->last_good, "machine_id",
			 r->machine_id, "outcome", "exit", r->exit, "result", r->result, "version",
			 r->version, "time", (json_int_t)r->time);
}

int ota_receipt_format(const struct ota_receipt *r, EVP_PKEY *key, struct ota_buf *out,
		       struct ota_err *err)
{
	unsigned char sig[OTA_SIG_RAW_LEN];
	char b64[OTA_SIG_B64_LEN + 1];
	struct ota_buf doc;
	json_t *d = NULL;
	int rc;

	if (!r->counter || r->counter > OTA_RECEIPT_COUNTER_MAX || !result_ok(r->result))
		return ota_err_set(err, OTA_EFORMAT, "receipt: counter or result out of range");
	ota_buf_init(&doc, OTA_RECEIPT_FILE_MAX);
	if (!(d = document(r)))
		rc = ota_err_set(err, OTA_EFORMAT, "receipt: a field is not valid UTF-8");
	else if ((rc = ota_canon_dump(d, &doc, err)) == 0 &&
		 (rc = ota_sig_sign(key, doc.data, doc.len, sig, err)) == 0) {
		ota_sig_encode(sig, b64);
		if ((rc = ota_buf_puts(out, "{\"receipt\":", err)) ||
		    (rc = ota_buf_append(out, doc.data, doc.len, err)) ||
		    (rc = ota_buf_puts(out, ",\"signature\":\"", err)) ||
		    (rc = ota_buf_puts(out, b64, err)))
			goto out;
		rc = ota_buf_puts(out, "\"}\n", err);
	}
out:
	json_decref(d);
	ota_buf_free(&doc);
	return rc;
}

/* A string member of at most max bytes (no U+0000) into out. */
static int get_str(const json_t *o, const char *key, char *out, size_t max)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int get_int(const json_t *o, const char *key, long long lo, long long hi, long long *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = (long long)json_integer_value(v);
	return 0;
}

static bool hex_or_empty(const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return false;
	return n == 0 || n == OTA_SHA256_HEX_LEN;
}

/* Printable ASCII only: what a laptop prints in a table comes from here. */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

static bool version_or_empty(const char *s)
{
	return !*s || ota_manifest_version_ok(s);
}

static int parse_doc(const json_t *d, struct ota_receipt *r)
{
	const json_t *h = json_object_get(d, "history"), *o = json_object_get(d, "outcome");
	long long fmt, counter, seq, ex;
	char kind[16];

	if (json_object_size(d) != 13 || json_object_size(h) != 2 || json_object_size(o) != 3 ||
	    get_int(d, "format", OTA_RECEIPT_FORMAT, OTA_RECEIPT_FORMAT, &fmt) ||
	    get_str(d, "kind", kind, sizeof(kind) - 1) || strcmp(kind, "receipt") ||
	    get_str(d, "device", r->device, OTA_KEYID_HEX_LEN) ||
	    strlen(r->device) != OTA_KEYID_HEX_LEN || !hex_or_empty(r->device) ||
	    get_str(d, "class", r->device_class, OTA_TARGET_MAX) ||
	    !ota_manifest_target_ok(r->device_class) ||
	    get_str(d, "hostname", r->hostname, OTA_RECEIPT_TEXT_MAX) ||
	    get_str(d, "machine_id", r->machine_id, OTA_RECEIPT_TEXT_MAX) ||
	    get_str(d, "current", r->current, OTA_VERSION_MAX) ||
	    get_str(d, "last_good", r->last_good, OTA_VERSION_MAX) ||
	    get_int(d, "attested_time", 0, 1LL << 53, &r->attested_time) ||
	    get_int(d, "time", 0, 1LL << 53, &r->time) ||
	    get_int(d, "counter", 1, (long long)OTA_RECEIPT_COUNTER_MAX, &counter) ||
	    get_int(h, "seq", 0, 1LL << 53, &seq) ||
	    get_str(h, "sha256", r->history_sha256, OTA_SHA256_HEX_LEN) ||
	    !hex_or_empty(r->history_sha256) || get_int(o, "exit", 0, 255, &ex) ||
	    get_str(o, "result", r->result, sizeof(r->result) - 1) || !result_ok(r->result) ||
	    get_str(o, "version", r->version, OTA_VERSION_MAX) || !printable(r->hostname) ||
	    !printable(r->machine_id) || !version_or_empty(r->current) ||
	    !version_or_empty(r->last_good) || !version_or_empty(r->version))
		return -1;
	r->counter = (unsigned long long)counter;
	r->history_seq = (unsigned long long)seq;
	r->exit = (int)ex;
	return 0;
}

/* The document's bytes inside the canonical file, and the signature. */
static int split(const unsigned char *text, size_t len, const char *name, json_t **root,
		 struct ota_buf *doc, unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	const json_t *s;
	struct ota_err why;

	if (len == 0 || len > OTA_RECEIPT_FILE_MAX || text[len - 1] != '\n')
		return ota_err_set(err, OTA_ERECEIPT, "%s: malformed: not one line of at most %d "
				   "bytes", name, OTA_RECEIPT_FILE_MAX);
	if (ota_canon_parse_canonical(text, len - 1, name, root, &why))
		return ota_err_set(err, OTA_ERECEIPT, "%s: malformed: %s", name, why.msg);
	s = json_object_get(*root, "signature");
	if (!json_is_object(*root) || json_object_size(*root) != 2 ||
	    !json_is_object(json_object_get(*root, "receipt")) || !json_is_string(s) ||
	    ota_sig_decode((const unsigned char *)json_string_value(s), json_string_length(s),
			   name, sig, &why))
		return ota_err_set(err, OTA_ERECEIPT, "%s: malformed: keys must be exactly "
				   "receipt and signature (88 base64)", name);
	if (ota_canon_dump(json_object_get(*root, "receipt"), doc, &why))
		return ota_err_set(err, OTA_ERECEIPT, "%s: malformed: %s", name, why.msg);
	return 0;
}

int ota_receipt_verify(const unsigned char *text, size_t len, const char *name,
		       const struct ota_keyring *devices, struct ota_receipt *r,
		       struct ota_err *err)
{
	unsigned char sig[OTA_SIG_RAW_LEN];
	const struct ota_pubkey *pk;
	struct ota_err why;
	json_t *root = NULL;
	struct ota_buf doc;
	int rc;

	memset(r, 0, sizeof(*r));
	ota_buf_init(&doc, OTA_RECEIPT_FILE_MAX);
	if ((rc = split(text, len, name, &root, &doc, sig, err)))
		goto out;
	if (parse_doc(json_object_get(root, "receipt"), r)) {
		rc = ota_err_set(err, OTA_ERECEIPT, "%s: malformed: a field is missing, extra or "
				 "out of its rules (schema/receipt.md)", name);
	} else if (!(pk = ota_keyring_find(devices, r->device))) {
		rc = ota_err_set(err, OTA_ERECEIPT, "%s: unknown device %.16s: not in the device "
				 "list", name, r->device);
	} else if (ota_sig_verify(pk, doc.data, doc.len, sig, &why)) {
		rc = ota_err_set(err, OTA_ERECEIPT, "%s: bad signature by device %.16s (%s): "
				 "forged or altered", name, r->device, pk->source);
	}
out:
	json_decref(root);
	ota_buf_free(&doc);
	return rc;
}

int ota_receipt_fresh(const char *name, unsigned long long last_counter,
		      const unsigned char last_sha[OTA_SHA256_LEN], unsigned long long counter,
		      const unsigned char sha[OTA_SHA256_LEN], struct ota_err *err)
{
	if (counter > last_counter)
		return 0;
	if (counter == last_counter && !memcmp(sha, last_sha, OTA_SHA256_LEN))
		return 1;
	return ota_err_set(err, OTA_ERECEIPT, "%s: replayed: counter %llu is not above %llu, "
			   "the last one collected from this device", name, counter, last_counter);
}
