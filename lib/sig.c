/* SPDX-License-Identifier: Apache-2.0 */
/* sig.c - Ed25519 signing and verification over OpenSSL EVP, and the one
 * text form of a signature: canonical, padded base64 (see sig.h). */
#include "lib/sig.h"

#include <openssl/err.h>
#include <stdbool.h>
#include <string.h>

#include "lib/pkcs11.h"

/* Ed25519 hashes internally: no digest, one-shot calls only.  A key on a
 * PKCS#11 token signs there (pkcs11.h). */
int ota_sig_sign(EVP_PKEY *key, const unsigned char *msg, size_t len,
		 unsigned char out[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	static const unsigned char empty[1];
	size_t siglen = OTA_SIG_RAW_LEN;
	EVP_MD_CTX *ctx;
	int rc = 0;

	if (ota_pkcs11_is_token_key(key))
		return ota_pkcs11_sign(key, msg, len, out, err);
	if (EVP_PKEY_get_id(key) != EVP_PKEY_ED25519)
		return ota_err_set(err, OTA_EKEY, "signing key is not an Ed25519 key");
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, out, &siglen, msg ? msg : empty, len) != 1 ||
	    siglen != OTA_SIG_RAW_LEN)
		rc = ota_err_openssl(err, OTA_EKEY, "Ed25519 signing failed");
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* The key bytes OpenSSL will really verify with, not what pk claims. */
static bool key_is_weak(const struct ota_pubkey *pk)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	size_t len = sizeof(raw);

	if (!pk->pkey || EVP_PKEY_get_id(pk->pkey) != EVP_PKEY_ED25519 ||
	    !EVP_PKEY_get_raw_public_key(pk->pkey, raw, &len) || len != sizeof(raw))
		return true;
	return ota_key_is_weak(raw) || ota_key_is_weak(pk->raw);
}

int ota_sig_verify(const struct ota_pubkey *pk, const unsigned char *msg, size_t len,
		   const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	static const unsigned char empty[1];
	EVP_MD_CTX *ctx;
	int ok;

	/* Checked when the key was loaded; checked again because under a
	 * small-order key a forged signature verifies for any message. */
	if (key_is_weak(pk)) {
		ERR_clear_error();
		return ota_err_set(err, OTA_EBADSIG, "key %.16s: weak or unusable public key",
				   pk->id);
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, OTA_SIG_RAW_LEN, msg ? msg : empty, len) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (!ok)
		return ota_err_set(err, OTA_EBADSIG, "key %.16s: signature does not verify",
				   pk->id);
	return 0;
}

int ota_sig_stream_start(struct ota_sig_stream *s, const struct ota_pubkey *pk,
			 const unsigned char sig[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN] = {0};
	size_t len = sizeof(raw);

	s->pk = pk;
	/* The key OpenSSL would verify with, as key_is_weak judges it. */
	s->weak = key_is_weak(pk) ||
		  !EVP_PKEY_get_raw_public_key(pk->pkey, raw, &len) || len != sizeof(raw);
	ERR_clear_error();
	return ota_ed25519_start(&s->ed, sig, raw, err);
}

int ota_sig_stream_update(struct ota_sig_stream *s, const void *data, size_t len,
			  struct ota_err *err)
{
	return ota_ed25519_update(&s->ed, data, len, err);
}

int ota_sig_stream_final(struct ota_sig_stream *s, struct ota_err *err)
{
	int rc;

	if (s->weak) {
		ota_ed25519_abort(&s->ed);
		return ota_err_set(err, OTA_EBADSIG, "key %.16s: weak or unusable public key",
				   s->pk->id);
	}
	rc = ota_ed25519_final(&s->ed, err);
	if (rc == OTA_EBADSIG)
		return ota_err_set(err, OTA_EBADSIG, "key %.16s: signature does not verify",
				   s->pk->id);
	return rc;
}

void ota_sig_stream_abort(struct ota_sig_stream *s)
{
	ota_ed25519_abort(&s->ed);
}

void ota_sig_encode(const unsigned char sig[OTA_SIG_RAW_LEN], char out[OTA_SIG_B64_LEN + 1])
{
	EVP_EncodeBlock((unsigned char *)out, sig, OTA_SIG_RAW_LEN);
}

static bool b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/* EVP_DecodeBlock alone is lenient (it skips blanks, ignores the unused
 * low bits of the last character), so the text is checked first and
 * compared with its re-encoding after: one signature, one text. */
int ota_sig_decode(const unsigned char *text, size_t len, const char *name,
		   unsigned char out[OTA_SIG_RAW_LEN], struct ota_err *err)
{
	unsigned char raw[OTA_SIG_B64_LEN / 4 * 3];
	char again[OTA_SIG_B64_LEN + 1];
	size_t i;

	if (len == OTA_SIG_B64_LEN + 1 && text[OTA_SIG_B64_LEN] == '\n')
		len--;
	if (len != OTA_SIG_B64_LEN)
		return ota_err_set(err, OTA_EFORMAT,
				   "%s: not a signature (%d base64 characters and a newline)", name,
				   OTA_SIG_B64_LEN);
	for (i = 0; i < OTA_SIG_B64_LEN - 2; i++)
		if (!b64_char(text[i]))
			return ota_err_set(err, OTA_EFORMAT, "%s: bad base64 character at %zu",
					   name, i + 1);
	if (text[OTA_SIG_B64_LEN - 2] != '=' || text[OTA_SIG_B64_LEN - 1] != '=')
		return ota_err_set(err, OTA_EFORMAT, "%s: base64 signature must end in \"==\"",
				   name);
	if (EVP_DecodeBlock(raw, text, OTA_SIG_B64_LEN) != (int)sizeof(raw))
		return ota_err_openssl(err, OTA_EFORMAT, "%s: bad base64", name);
	ota_sig_encode(raw, again);
	if (memcmp(again, text, OTA_SIG_B64_LEN) != 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: non-canonical base64 signature", name);
	memcpy(out, raw, OTA_SIG_RAW_LEN);
	return 0;
}
