/* SPDX-License-Identifier: Apache-2.0 */
/* devkey.h - the device's identity (schema/receipt.md): an Ed25519 key
 * pair made on the device the first time it is needed, whose private half
 * never leaves it, and the list of devices a laptop knows.
 *
 *   state_dir/device.key   PKCS#8 PEM, unencrypted (the agent runs
 *                          unattended), mode 0600, never replaced
 *   state_dir/device.pub   its public half, 0644
 *
 * The device id is the key id of keys.h: the lowercase hex SHA-256 of the
 * raw public key.  A device list (the laptop's) is text, one line per
 * device, exactly what `ota-agent identity` prints:
 *   device <64 hex key id> <44 base64 of the raw public key>[ <label>]\n
 * with '#' comment lines and empty lines allowed; the id must be its key's.
 */
#ifndef OTA_DEVKEY_H
#define OTA_DEVKEY_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/keys.h"

#define OTA_DEVKEY_FILE "device.key"
#define OTA_DEVKEY_PUB_FILE "device.pub"
#define OTA_DEVKEY_LINE_PREFIX "device "
#define OTA_DEVICES_MAX 10000        /* devices in one list */
#define OTA_DEVICES_FILE_MAX (16 << 20) /* bytes of a device list */

/* The device's key: loaded from state_dir, or made there when absent and
 * make is set (written 0600 to a temporary name, fsynced, linked into
 * place without replacing anything: two runs making it at once agree on
 * the one that landed).  *key (may be NULL) owned by the caller; id gets
 * the device id.  1 (nothing set) when absent and !make; OTA_EKEY for a
 * damaged key or one that is a link or not 0600 (fail closed: never
 * replaced silently, or the fleet would see a new device). */
int ota_devkey_get(const char *state_dir, bool make, EVP_PKEY **key,
		   char id[OTA_KEYID_HEX_LEN + 1], bool *made, struct ota_err *err);

/* The device-list line of a public key (no newline, NUL-terminated).
 * size at least OTA_DEVKEY_LINE_MAX. */
#define OTA_DEVKEY_LINE_MAX (sizeof(OTA_DEVKEY_LINE_PREFIX) + OTA_KEYID_HEX_LEN + 1 + 44 + 1)
int ota_devkey_line(EVP_PKEY *key, char *out, size_t size, struct ota_err *err);

/* Parse a device list (name for messages) into kr (each key's source is
 * its label, or its id).  OTA_EFORMAT naming the line; OTA_EKEY for a
 * weak key or an id that is not its key's. */
int ota_devices_parse(const unsigned char *text, size_t len, const char *name,
		      struct ota_keyring *kr, struct ota_err *err);
int ota_devices_load(const char *path, struct ota_keyring *kr, struct ota_err *err);

#endif
