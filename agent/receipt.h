/* SPDX-License-Identifier: Apache-2.0 */
/* receipt.h - the device's identity and the receipts it leaves on a stick
 * (schema/receipt.md): an Ed25519 key made on the device the first time
 * one is needed (lib/devkey.h), its id shown by status and the dashboard
 * with the hostname and machine id, and after an import with
 * watch.receipts on, receipts/<device id>.json written on the medium,
 * signed by that key, its counter persisted on the device first. */
#ifndef OTA_AGENT_RECEIPT_H
#define OTA_AGENT_RECEIPT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "agent/agent.h"
#include "lib/receipt.h"

#define RECEIPT_COUNTER_FILE "receipt.counter" /* in state_dir: "N\n" */

/* Who this device is. */
struct receipt_identity {
	char id[OTA_KEYID_HEX_LEN + 1];            /* "" when it has no key yet */
	char hostname[OTA_RECEIPT_TEXT_MAX + 1];   /* "" when not known */
	char machine_id[OTA_RECEIPT_TEXT_MAX + 1]; /* "" when not known */
};

/* Fill who: the hostname from <root>/etc/hostname (else, without --root,
 * gethostname), the machine id from <root>/etc/machine-id, and the key id:
 * the key is made when make is set and it is absent.  *key (may be NULL)
 * gets the private key, owned by the caller.  Fails (OTA_EKEY) only for a
 * damaged or misplaced key, or one that could not be made. */
int receipt_identity(struct agent *a, bool make, struct receipt_identity *who, EVP_PKEY **key,
		     struct ota_err *err);

/* After an import of medium whose exit status was status, with before the
 * version current before it ("" for none): bump and persist the counter,
 * then write medium/receipts/<id>.json atomically (temporary file, fsync,
 * rename, fsync of the directory).  path gets the receipt's path.  Takes
 * the run lock for its length. */
int receipt_write(struct agent *a, const char *medium, const char *before, int status,
		  char *path, size_t size, unsigned long long *counter, struct ota_err *err);

#endif
