/* SPDX-License-Identifier: Apache-2.0 */
/* keys.h - Ed25519 keys: generation, PEM files, key ids, trusted keyrings.
 *
 * Public keys are PEM SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"); private
 * keys are PKCS#8 PEM, encrypted by default (PBES2: PBKDF2-HMAC-SHA256 with
 * OTA_KEY_PBKDF2_ITER iterations and AES-256-CBC), or plain "BEGIN PRIVATE
 * KEY" when no passphrase is given.  Both are what `openssl pkey` reads.
 * A key id is the lowercase hex SHA-256 of the raw 32-byte public key.
 */
#ifndef OTA_KEYS_H
#define OTA_KEYS_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define OTA_KEY_RAW_LEN 32
#define OTA_KEYID_HEX_LEN 64
#define OTA_KEY_PBKDF2_ITER 600000
#define OTA_KEY_SALT_LEN 16 /* bytes of PBKDF2 salt (NIST SP 800-132: 128 bits) */
#define OTA_KEY_FILE_MAX (64 * 1024)
#define OTA_PASSPHRASE_MAX 1024

struct ota_pubkey {
	EVP_PKEY *pkey; /* owned */
	unsigned char raw[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1];
	char *source; /* owned: the file it came from, for messages */
};

/* A set of trusted public keys. */
struct ota_keyring {
	struct ota_pubkey *keys; /* owned array */
	size_t n;
};

/* Key id (hex) of a raw public key. */
int ota_key_id(const unsigned char raw[OTA_KEY_RAW_LEN], char id[OTA_KEYID_HEX_LEN + 1],
	       struct ota_err *err);

/* True if raw encodes a point of small order (the identity, order 2, 4 or
 * 8, in canonical or non-canonical encoding).  OpenSSL accepts such keys,
 * and with them a forged signature verifies for any message. */
bool ota_key_is_weak(const unsigned char raw[OTA_KEY_RAW_LEN]);

/* Make pk from 32 raw bytes; OTA_EKEY if weak. name is for messages. */
int ota_pubkey_from_raw(struct ota_pubkey *pk, const unsigned char raw[OTA_KEY_RAW_LEN],
			const char *name, struct ota_err *err);
/* Load a PEM public key file (OTA_EKEY: not Ed25519, weak, unreadable PEM;
 * OTA_EIO: cannot read the file).  pk is filled; free with _free. */
int ota_pubkey_load(struct ota_pubkey *pk, const char *path, struct ota_err *err);
void ota_pubkey_free(struct ota_pubkey *pk);

/* Load the private key at path; passphrase may be NULL for a plain key.
 * OTA_EKEY "PATH: wrong passphrase" when an intact encrypted key does not
 * decrypt, "damaged encrypted key" when its envelope is broken, "passphrase
 * required" when encrypted and passphrase is NULL, or when the key is not
 * Ed25519.  *out is owned by the caller (EVP_PKEY_free). */
int ota_privkey_load(const char *path, const char *passphrase, EVP_PKEY **out,
		     struct ota_err *err);

/* Generate a new Ed25519 key pair.  *out owned by the caller. */
int ota_key_generate(EVP_PKEY **out, struct ota_err *err);

/* Write the private key to path (mode 0600, O_EXCL unless overwrite),
 * encrypted with passphrase unless it is NULL; the public half to a
 * .pub path (0644).  Written to a temporary name, fsynced, renamed. */
int ota_privkey_write(EVP_PKEY *key, const char *path, const char *passphrase,
		      bool overwrite, struct ota_err *err);
int ota_pubkey_write(EVP_PKEY *key, const char *path, bool overwrite, struct ota_err *err);
/* Replace the private key file at path with key under passphrase (NULL:
 * plain), atomically: the new file is written beside it, fsynced, loaded
 * back and compared with key, and only then renamed over path.  On any
 * failure path is untouched and no temporary file is left. */
int ota_privkey_replace(EVP_PKEY *key, const char *path, const char *passphrase,
			struct ota_err *err);

/* The 32-byte seed of an Ed25519 private key (RFC 8032's private key:
 * everything else derives from it), and a private key made from one.  The
 * seed is a secret: the caller wipes it. */
int ota_key_seed(EVP_PKEY *key, unsigned char seed[OTA_KEY_RAW_LEN], struct ota_err *err);
int ota_key_from_seed(const unsigned char seed[OTA_KEY_RAW_LEN], EVP_PKEY **out,
		      struct ota_err *err);

/* Raw 32 public bytes of any Ed25519 EVP_PKEY (private or public). */
int ota_key_raw_public(EVP_PKEY *key, unsigned char raw[OTA_KEY_RAW_LEN], struct ota_err *err);

/* Read a passphrase from the first line of a file (the newline is not part
 * of it).  *out is owned by the caller and must be wiped and freed with
 * ota_passphrase_free. */
int ota_passphrase_read_file(const char *path, char **out, struct ota_err *err);
void ota_passphrase_free(char *p);

/* Load trusted keys from a single .pub file or every *.pub of a directory.
 * OTA_EKEY if a file is not a usable key (fail closed: a damaged trust
 * store is an error, not a smaller trust store), or if none are found. */
int ota_keyring_load(struct ota_keyring *kr, const char *path, struct ota_err *err);
void ota_keyring_free(struct ota_keyring *kr);
/* Add the key with these raw bytes (name for messages) to kr, unless it
 * is there already.  OTA_EKEY if it is weak. */
int ota_keyring_add_raw(struct ota_keyring *kr, const unsigned char raw[OTA_KEY_RAW_LEN],
			const char *name, struct ota_err *err);
/* The trusted key with this hex id, or NULL. */
const struct ota_pubkey *ota_keyring_find(const struct ota_keyring *kr, const char *id);

#endif
