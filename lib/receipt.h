/* SPDX-License-Identifier: Apache-2.0 */
/* receipt.h - signed install receipts (schema/receipt.md): what a device
 * ran and what an import did, signed by the device's own key (devkey.h),
 * carried back on the stick and checked on the laptop.
 *
 * A receipt file is one line, canonical JSON (canon.h), then "\n":
 *   {"receipt":{...the document...},"signature":"<88 base64>"}
 * The signature is Ed25519 by the device key over the canonical bytes of
 * the document, which are exactly the bytes between `{"receipt":` and
 * `,"signature"` (the file is canonical).  The document:
 *   {"attested_time":N,"class":"edge-gw-v2","counter":N,"current":"1.2.0",
 *    "device":"<key id>","format":1,"history":{"seq":N,"sha256":"<hex>"},
 *    "hostname":"gw-42","kind":"receipt","last_good":"1.2.0",
 *    "machine_id":"<32 hex>","outcome":{"exit":0,"result":"installed",
 *    "version":"1.2.0"},"time":N}
 */
#ifndef OTA_RECEIPT_H
#define OTA_RECEIPT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/keys.h"
#include "lib/manifest.h"

#define OTA_RECEIPT_FORMAT 1
#define OTA_RECEIPT_FILE_MAX 8192
#define OTA_RECEIPTS_DIR "receipts"
#define OTA_RECEIPT_EXT ".json"
#define OTA_RECEIPT_TEXT_MAX 255 /* bytes of the hostname, the machine id */
/* The counter never goes past JSON's exact integers. */
#define OTA_RECEIPT_COUNTER_MAX 9007199254740991ULL

/* outcome.result: what this import came to. */
#define OTA_RECEIPT_INSTALLED "installed"     /* a release promoted */
#define OTA_RECEIPT_UP_TO_DATE "up_to_date"   /* nothing newer for this device */
#define OTA_RECEIPT_ROLLED_BACK "rolled_back" /* installed, unhealthy, rolled back */
#define OTA_RECEIPT_REFUSED "refused"         /* what the medium held was refused */
#define OTA_RECEIPT_FAILED "failed"           /* the device or the medium failed */

struct ota_receipt {
	char device[OTA_KEYID_HEX_LEN + 1]; /* the device key's id */
	char device_class[OTA_TARGET_MAX + 1];
	char hostname[OTA_RECEIPT_TEXT_MAX + 1];   /* "" if not known */
	char machine_id[OTA_RECEIPT_TEXT_MAX + 1]; /* "" if not known */
	char current[OTA_VERSION_MAX + 1];         /* "" for none */
	char last_good[OTA_VERSION_MAX + 1];
	char result[16];                   /* OTA_RECEIPT_* */
	int exit;                          /* the import's exit status */
	char version[OTA_VERSION_MAX + 1]; /* installed or attempted, "" */
	unsigned long long history_seq;    /* the history head; 0 when empty */
	char history_sha256[OTA_SHA256_HEX_LEN + 1]; /* "" when empty */
	long long attested_time; /* state.h; 0 when none */
	long long time;          /* the device's clock when written: a hint */
	unsigned long long counter; /* 1.., grows with every receipt */
};

/* The receipt file of r signed by key (whose id must be r->device),
 * appended to out.  OTA_EFORMAT for a field out of its rules. */
int ota_receipt_format(const struct ota_receipt *r, EVP_PKEY *key, struct ota_buf *out,
		       struct ota_err *err);

/* Check a receipt file (name for messages) against the known devices:
 * canonical, every field by its rules, its device listed, its signature
 * that device's over the document.  0 with r filled; OTA_ERECEIPT with the
 * reason otherwise ("unknown device ...", "bad signature: forged or
 * altered", "malformed: ..."). */
int ota_receipt_verify(const unsigned char *text, size_t len, const char *name,
		       const struct ota_keyring *devices, struct ota_receipt *r,
		       struct ota_err *err);

/* The replay rule, against what was collected last from this device
 * (last_counter 0: nothing yet): 0 when the receipt is newer; 1 when it is
 * the very one collected last (same counter and same file SHA-256, as a
 * stick read twice); OTA_ERECEIPT "replayed" when its counter is not above
 * the last one otherwise. */
int ota_receipt_fresh(const char *name, unsigned long long last_counter,
		      const unsigned char last_sha[OTA_SHA256_LEN], unsigned long long counter,
		      const unsigned char sha[OTA_SHA256_LEN], struct ota_err *err);

#endif
