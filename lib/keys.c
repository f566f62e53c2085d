/* SPDX-License-Identifier: Apache-2.0 */
/* keys.c - Ed25519 key files (see keys.h): PEM in and out, private keys
 * through PKCS#8 PBES2, atomic writes, key ids and the small-order
 * blocklist.  Sets of trusted keys are keyring.c's. */
#include "lib/keys.h"

#include <fcntl.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fsutil.h"
#include "lib/hash.h"

/* The small-order encodings libsodium refuses (ge25519_has_small_order).
 * Under such a key R = identity, S = 0 verifies for every message, and
 * OpenSSL does not check.  Byte 31 is compared without its sign bit, which
 * covers the other x of each y (and the non-canonical x = 0, sign 1). */
static const unsigned char weak_keys[][OTA_KEY_RAW_LEN] = {
    /* 0: order 4 */
    {0x00},
    /* 1: the identity */
    {0x01},
    /* order 8 */
    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
    /* p - 1: order 2 */
    {0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    /* p and p + 1: non-canonical encodings of 0 and 1 */
    {0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
    {0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f},
};

bool ota_key_is_weak(const unsigned char raw[OTA_KEY_RAW_LEN])
{
	size_t i;

	for (i = 0; i < sizeof(weak_keys) / sizeof(weak_keys[0]); i++)
		if (memcmp(raw, weak_keys[i], OTA_KEY_RAW_LEN - 1) == 0 &&
		    (raw[OTA_KEY_RAW_LEN - 1] & 0x7f) == weak_keys[i][OTA_KEY_RAW_LEN - 1])
			return true;
	return false;
}

int ota_key_id(const unsigned char raw[OTA_KEY_RAW_LEN], char id[OTA_KEYID_HEX_LEN + 1],
	       struct ota_err *err)
{
	unsigned char md[OTA_SHA256_LEN];
	int rc = ota_sha256(raw, OTA_KEY_RAW_LEN, md, err);

	if (rc == 0)
		ota_hex(md, sizeof(md), id);
	return rc;
}

int ota_pubkey_from_raw(struct ota_pubkey *pk, const unsigned char raw[OTA_KEY_RAW_LEN],
			const char *name, struct ota_err *err)
{
	int rc;

	memset(pk, 0, sizeof(*pk));
	if (ota_key_is_weak(raw))
		return ota_err_set(err, OTA_EKEY, "%s: weak public key (point of small order)",
				   name);
	pk->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, OTA_KEY_RAW_LEN);
	if (!pk->pkey)
		return ota_err_openssl(err, OTA_EKEY, "%s: not an Ed25519 public key", name);
	memcpy(pk->raw, raw, OTA_KEY_RAW_LEN);
	pk->source = strdup(name);
	rc = pk->source ? ota_key_id(raw, pk->id, err)
			: ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (rc)
		ota_pubkey_free(pk);
	return rc;
}

void ota_pubkey_free(struct ota_pubkey *pk)
{
	if (!pk)
		return;
	EVP_PKEY_free(pk->pkey);
	free(pk->source);
	memset(pk, 0, sizeof(*pk));
}

int ota_key_raw_public(EVP_PKEY *key, unsigned char raw[OTA_KEY_RAW_LEN], struct ota_err *err)
{
	size_t len = OTA_KEY_RAW_LEN;

	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return ota_err_set(err, OTA_EKEY, "not an Ed25519 key");
	if (!EVP_PKEY_get_raw_public_key(key, raw, &len) || len != OTA_KEY_RAW_LEN)
		return ota_err_openssl(err, OTA_EKEY, "Ed25519 public key");
	return 0;
}

int ota_key_seed(EVP_PKEY *key, unsigned char seed[OTA_KEY_RAW_LEN], struct ota_err *err)
{
	size_t len = OTA_KEY_RAW_LEN;

	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return ota_err_set(err, OTA_EKEY, "not an Ed25519 key");
	if (!EVP_PKEY_get_raw_private_key(key, seed, &len) || len != OTA_KEY_RAW_LEN) {
		OPENSSL_cleanse(seed, OTA_KEY_RAW_LEN);
		return ota_err_openssl(err, OTA_EKEY, "Ed25519 private key");
	}
	return 0;
}

int ota_key_from_seed(const unsigned char seed[OTA_KEY_RAW_LEN], EVP_PKEY **out,
		      struct ota_err *err)
{
	*out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, OTA_KEY_RAW_LEN);
	if (!*out)
		return ota_err_openssl(err, OTA_EINTERNAL, "Ed25519 key from its seed");
	return 0;
}

/* Read a key file whole into b (capped), with the cap reported as a key error. */
static int read_key_file(struct ota_buf *b, const char *path, struct ota_err *err)
{
	int rc = ota_buf_read_file(b, path, err);

	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, OTA_EKEY, "%s: not a key file (over %d bytes)", path,
				 OTA_KEY_FILE_MAX);
	return rc;
}

static int check_ed25519(EVP_PKEY *pkey, const char *path, struct ota_err *err)
{
	const char *type;

	if (EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519)
		return 0;
	type = EVP_PKEY_get0_type_name(pkey);
	return ota_err_set(err, OTA_EKEY, "%s: not an Ed25519 key (%s)", path, type ? type : "?");
}

/* OpenSSL asks for a passphrase on the terminal when it meets an
 * encrypted block; a public key never has one. */
/* NOLINTNEXTLINE(readability-non-const-parameter): OpenSSL's pem_password_cb */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* A public key file holds one PEM block, a public key's: a private key
 * (given to --keys by mistake) is named as such, and a second block is
 * refused rather than silently ignored. */
static int one_public_block(const struct ota_buf *b, const char *path, struct ota_err *err)
{
	static const char begin[] = "-----BEGIN ";
	const char *text = b->data ? (const char *)b->data : "";
	const char *first = strstr(text, begin), *eol;

	if (!first)
		return ota_err_set(err, OTA_EKEY, "%s: not a PEM public key", path);
	eol = strchr(first, '\n');
	if (memmem(first, eol ? (size_t)(eol - first) : strlen(first), "PRIVATE KEY", 11))
		return ota_err_set(err, OTA_EKEY, "%s: a private key: --keys (and a "
				   "config's keys:) wants public keys, the .pub file", path);
	if (strstr(first + 1, begin))
		return ota_err_set(err, OTA_EKEY, "%s: more than one PEM block: a key file holds "
				   "one public key", path);
	return 0;
}

int ota_pubkey_load(struct ota_pubkey *pk, const char *path, struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_buf b;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int rc;

	memset(pk, 0, sizeof(*pk));
	ota_buf_init(&b, OTA_KEY_FILE_MAX);
	rc = read_key_file(&b, path, err);
	if (rc)
		goto out;
	if ((rc = one_public_block(&b, path, err)))
		goto out;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (!bio) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	pkey = PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
	ERR_clear_error();
	if (!pkey) {
		rc = ota_err_set(err, OTA_EKEY, "%s: not a PEM public key", path);
		goto out;
	}
	rc = check_ed25519(pkey, path, err);
	if (rc == 0)
		rc = ota_key_raw_public(pkey, raw, err);
	/* Rebuilt from the raw bytes so the weak-key check sits on one path. */
	if (rc == 0)
		rc = ota_pubkey_from_raw(pk, raw, path, err);
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	ota_buf_free(&b);
	return rc;
}

static const char enc_label[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

struct pass_ctx {
	const char *pass;
	bool asked; /* OpenSSL wanted a passphrase: the key is encrypted */
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	size_t len;

	(void)rwflag;
	pc->asked = true;
	if (!pc->pass)
		return -1;
	len = strlen(pc->pass);
	if (size < 0 || len > (size_t)size)
		return -1;
	memcpy(buf, pc->pass, len);
	return (int)len;
}

/* True if the file holds a well-formed PKCS#8 EncryptedPrivateKeyInfo:
 * then a key that does not decrypt was given the wrong passphrase (CBC
 * without a MAC cannot tell that from damaged ciphertext, but a damaged
 * file almost always breaks the PEM or the ASN.1 around it). */
static bool envelope_intact(const struct ota_buf *b)
{
	BIO *bio = BIO_new_mem_buf(b->data, (int)b->len);
	X509_SIG *p8 = bio ? PEM_read_bio_PKCS8(bio, NULL, NULL, NULL) : NULL;
	bool ok = p8 != NULL;

	ERR_clear_error();
	X509_SIG_free(p8);
	BIO_free(bio);
	return ok;
}

int ota_privkey_load(const char *path, const char *passphrase, EVP_PKEY **out, struct ota_err *err)
{
	struct pass_ctx pc = {passphrase, false};
	struct ota_buf b;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	ota_buf_init(&b, OTA_KEY_FILE_MAX);
	rc = read_key_file(&b, path, err);
	if (rc)
		goto out;
	bio = BIO_new_mem_buf(b.data, (int)b.len);
	if (!bio) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	pkey = PEM_read_bio_PrivateKey(bio, NULL, pass_cb, &pc);
	ERR_clear_error();
	if (!pkey && pc.asked && !passphrase)
		rc = ota_err_set(err, OTA_EKEY, "%s: key is encrypted: passphrase required", path);
	else if (!pkey && pc.asked && envelope_intact(&b))
		rc = ota_err_set(err, OTA_EKEY, "%s: wrong passphrase", path);
	else if (!pkey && (pc.asked || memmem(b.data, b.len, enc_label, sizeof(enc_label) - 1)))
		rc = ota_err_set(err, OTA_EKEY, "%s: damaged encrypted key", path);
	else if (!pkey)
		rc = ota_err_set(err, OTA_EKEY, "%s: not a PEM private key", path);
	else
		rc = check_ed25519(pkey, path, err);
	if (rc == 0) {
		*out = pkey;
		pkey = NULL;
	}
out:
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	ota_buf_cleanse(&b);
	return rc;
}

int ota_key_generate(EVP_PKEY **out, struct ota_err *err)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!*out)
		return ota_err_openssl(err, OTA_EINTERNAL, "Ed25519 key generation");
	return 0;
}

/* Write the encoded key to path through fsutil's temp file, fsync and
 * rename, so a crash leaves either the old file or the whole new one. */
struct readback {
	EVP_PKEY *key;    /* what the file must hold */
	const char *pass; /* and decrypt with */
};

/* The temporary file tmp, durably written, loads back as rb->key. */
static int check_readback(const struct readback *rb, int fd, const char *tmp, const char *path,
			  struct ota_err *err)
{
	EVP_PKEY *back = NULL;
	int rc = 0;

	if (fsync(fd))
		return ota_err_errno(err, OTA_EIO, errno, "%s: fsync", path);
	rc = ota_privkey_load(tmp, rb->pass, &back, err);
	if (rc == 0 && EVP_PKEY_eq(rb->key, back) != 1)
		rc = ota_err_set(err, OTA_EINTERNAL, "%s: the new file does not load back as the "
				 "same key", path);
	else if (rc)
		rc = ota_err_prefix(err, OTA_EINTERNAL, "%s: the new file does not load back",
				    path);
	EVP_PKEY_free(back);
	return rc;
}

static int write_bio(BIO *bio, const char *path, mode_t mode, bool overwrite,
		     const struct readback *rb, struct ota_err *err)
{
	struct ota_atomic t;
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	int rc;

	if (len <= 0 || !data)
		return ota_err_set(err, OTA_EINTERNAL, "%s: nothing encoded", path);
	rc = ota_atomic_open(&t, path, mode, err);
	if (rc)
		return rc;
	rc = ota_write_all(t.fd, data, (size_t)len, path, err);
	if (rc == 0 && rb)
		rc = check_readback(rb, t.fd, t.tmp_path, path, err);
	if (rc) {
		ota_atomic_abort(&t);
		return rc;
	}
	rc = ota_atomic_commit(&t, overwrite, err);
	if (rc == OTA_EEXIST)
		rc = ota_err_set(err, OTA_EEXIST, "%s: exists (use --force to overwrite)", path);
	return rc;
}

/* PEM of key into bio: plain PKCS#8, or PBES2 (PBKDF2-HMAC-SHA256, which
 * OpenSSL 3 picks for prf -1, and AES-256-CBC) when pass is set. */
static int pem_private(EVP_PKEY *key, const char *pass, BIO *bio)
{
	PKCS8_PRIV_KEY_INFO *p8inf = NULL;
	X509_SIG *p8 = NULL;
	int ok = 0;

	if (!pass)
		return PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	p8inf = EVP_PKEY2PKCS8(key);
	if (p8inf)
		p8 = PKCS8_encrypt(-1, EVP_aes_256_cbc(), pass, (int)strlen(pass), NULL,
				   OTA_KEY_SALT_LEN, OTA_KEY_PBKDF2_ITER, p8inf);
	if (p8)
		ok = PEM_write_bio_PKCS8(bio, p8);
	X509_SIG_free(p8);
	PKCS8_PRIV_KEY_INFO_free(p8inf); /* its ASN.1 free wipes the key bytes */
	return ok;
}

static int write_private(EVP_PKEY *key, const char *path, const char *passphrase,
			 bool overwrite, const struct readback *rb, struct ota_err *err)
{
	/* A memory BIO's buffer is wiped when it grows and when it is freed. */
	BIO *bio = BIO_new(BIO_s_secmem());
	int rc;

	if (!bio)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (passphrase && strlen(passphrase) > OTA_PASSPHRASE_MAX)
		rc = ota_err_set(err, OTA_EKEY, "%s: passphrase longer than %d bytes", path,
				 OTA_PASSPHRASE_MAX);
	else if (!pem_private(key, passphrase, bio))
		rc = ota_err_openssl(err, OTA_EKEY, "%s: cannot encode the private key", path);
	else
		rc = write_bio(bio, path, 0600, overwrite, rb, err);
	BIO_free(bio);
	return rc;
}

int ota_privkey_write(EVP_PKEY *key, const char *path, const char *passphrase, bool overwrite,
		      struct ota_err *err)
{
	return write_private(key, path, passphrase, overwrite, NULL, err);
}

int ota_privkey_replace(EVP_PKEY *key, const char *path, const char *passphrase,
			struct ota_err *err)
{
	const struct readback rb = {key, passphrase};

	return write_private(key, path, passphrase, true, &rb, err);
}

int ota_pubkey_write(EVP_PKEY *key, const char *path, bool overwrite, struct ota_err *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc;

	if (!bio)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (!PEM_write_bio_PUBKEY(bio, key))
		rc = ota_err_openssl(err, OTA_EKEY, "%s: cannot encode the public key", path);
	else
		rc = write_bio(bio, path, 0644, overwrite, NULL, err);
	BIO_free(bio);
	return rc;
}

int ota_passphrase_read_file(const char *path, char **out, struct ota_err *err)
{
	struct ota_buf b;
	const unsigned char *nl;
	size_t len;
	int rc;

	*out = NULL;
	ota_buf_init(&b, OTA_KEY_FILE_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, OTA_OPEN_PIPE_OK, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, OTA_EKEY, "%s: not a passphrase file (too large)", path);
	if (rc)
		goto out;
	/* The first line, as `openssl -passin file:` reads it. */
	nl = memchr(b.data, '\n', b.len);
	len = nl ? (size_t)(nl - b.data) : b.len;
	if (len == 0)
		rc = ota_err_set(err, OTA_EKEY, "%s: empty passphrase", path);
	else if (len > OTA_PASSPHRASE_MAX)
		rc = ota_err_set(err, OTA_EKEY, "%s: passphrase longer than %d bytes", path,
				 OTA_PASSPHRASE_MAX);
	else if (memchr(b.data, '\0', len))
		rc = ota_err_set(err, OTA_EKEY, "%s: passphrase contains a NUL byte", path);
	else if (!(*out = strndup((const char *)b.data, len)))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
out:
	ota_buf_cleanse(&b);
	return rc;
}

void ota_passphrase_free(char *p)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, strlen(p));
	free(p);
}
