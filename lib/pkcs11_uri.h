/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11_uri.h - RFC 7512 PKCS#11 URIs: what names a token, a key on it,
 * the module and the PIN (pkcs11.h uses them; pkcs11_uri.c says which
 * attributes are read). */
#ifndef OTA_PKCS11_URI_H
#define OTA_PKCS11_URI_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define OTA_PKCS11_SCHEME "pkcs11:"
#define OTA_PKCS11_ID_MAX 64

/* What an RFC 7512 URI names (fields NULL or -1 when absent); owned
 * strings, freed with ota_pkcs11_uri_free. */
struct ota_pkcs11_uri {
	char *token, *manufacturer, *model, *serial; /* the token */
	long long slot_id;                            /* -1: any */
	char *object;                                 /* the key's CKA_LABEL */
	unsigned char id[OTA_PKCS11_ID_MAX];          /* its CKA_ID */
	size_t id_len;                                /* 0: any */
	char *type;                                   /* "private", ... */
	char *pin_value, *pin_source, *module_path;   /* query attributes */
};

/* True if s is written as a PKCS#11 URI (starts with "pkcs11:"). */
bool ota_pkcs11_is_uri(const char *s);

/* Parse s.  OTA_EKEY naming the attribute for an unknown or repeated
 * attribute, a bad %-escape or a value where none belongs. */
int ota_pkcs11_uri_parse(const char *s, struct ota_pkcs11_uri *u, struct ota_err *err);
void ota_pkcs11_uri_free(struct ota_pkcs11_uri *u);

/* The PIN the URI itself gives (pin-value, or the first line of the file
 * pin-source names), or NULL in *pin when it gives none.  *pin is freed
 * with ota_passphrase_free. */
int ota_pkcs11_uri_pin(const struct ota_pkcs11_uri *u, char **pin, struct ota_err *err);

#endif
