/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11.h - Ed25519 signing keys kept on a PKCS#11 token (an HSM, a
 * YubiHSM, a Nitrokey, SoftHSM2), named by an RFC 7512 URI:
 *
 *   pkcs11:token=release;object=ci-2026?module-path=/usr/lib/softhsm/libsofthsm2.so
 *
 * The private key never leaves the token: a token key is an EVP_PKEY that
 * holds only the public half, with a handle to the token's private object
 * attached, and ota_sig_sign (sig.h) sends the message to the token
 * (C_Sign, CKM_EDDSA: pure Ed25519, byte for byte what a key file gives).
 * Every tool that takes a private key file also takes such a URI, so the
 * callers do not change.
 *
 * The module is the URI's module-path, else p11-kit's proxy, which offers
 * every module configured for p11-kit (/usr/share/p11-kit/modules/).  The
 * PIN is the URI's pin-value or pin-source (a file), else the one the
 * caller passes (--passphrase-file, --passphrase-env, or the terminal).
 */
#ifndef OTA_PKCS11_H
#define OTA_PKCS11_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/keys.h"
#include "lib/pkcs11_uri.h"

/* Whether the token the URI names wants a PIN (CKF_LOGIN_REQUIRED), so
 * that a caller asks for one only then.  Errors as for _load_key. */
int ota_pkcs11_needs_pin(const char *uri, bool *needs, struct ota_err *err);

/* The Ed25519 private key the URI names, as a token key (see above):
 * exactly one token and one private key object must match, with its
 * public key object beside it (same CKA_ID).  pin (NULL: none) is used
 * unless the URI gives one.  OTA_EKEY, one line naming the URI's token
 * and object, for: no such token or key, more than one, a wrong or locked
 * PIN, a key that is not Ed25519, a weak public key, a module that does
 * not load.  *out is freed with EVP_PKEY_free, which also closes the
 * token session. */
int ota_pkcs11_load_key(const char *uri, const char *pin, EVP_PKEY **out, struct ota_err *err);

/* True if key is a token key. */
bool ota_pkcs11_is_token_key(EVP_PKEY *key);

/* Sign msg with a token key: 64 raw bytes into out (OTA_EKEY if the token
 * refuses). */
int ota_pkcs11_sign(EVP_PKEY *key, const unsigned char *msg, size_t len, unsigned char out[64],
		    struct ota_err *err);

/* Put the private key of a key file into the token the URI names, as a
 * sensitive, never-extractable signing key with its public key object,
 * labelled with the URI's object and id (both required; OTA_EEXIST if an
 * object with that label or id is there already).  What is on the token
 * afterwards signs exactly as the file did. */
int ota_pkcs11_import_key(const char *uri, const char *pin, EVP_PKEY *key, struct ota_err *err);

/* Make a new Ed25519 key pair on the token (C_GenerateKeyPair), labelled
 * as for _import_key; the public half into *pub (EVP_PKEY_free). */
int ota_pkcs11_generate_key(const char *uri, const char *pin, EVP_PKEY **pub,
			    struct ota_err *err);

#endif
