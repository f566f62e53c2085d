/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11.c - a signing key on a PKCS#11 token (see pkcs11.h): the module
 * loaded with dlopen (no link-time dependency: the device tools never need
 * it), the token and key found by the URI, and C_Sign with CKM_EDDSA.
 * The module, token and session steps are pkcs11_module.c's. */
#include "lib/pkcs11.h"

#include <dlfcn.h>
#include <p11-kit/pkcs11.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pkcs11_module.h"

/* The token key attached to its EVP_PKEY (ex_data), freed with it. */
struct token_key {
	struct ota_pkcs11_module *mod;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE priv;
	char *name; /* token/object, for messages */
};

static int key_index = -1;
static pthread_once_t key_index_once = PTHREAD_ONCE_INIT;

static void token_key_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
			   void *argp)
{
	struct token_key *tk = ptr;

	(void)parent, (void)ad, (void)idx, (void)argl, (void)argp;
	if (!tk)
		return;
	ota_pkcs11_session_close(tk->mod, tk->session);
	ota_pkcs11_module_put(tk->mod);
	free(tk->name);
	free(tk);
}

static void make_key_index(void)
{
	key_index = EVP_PKEY_get_ex_new_index(0, NULL, NULL, NULL, token_key_free);
}

static struct token_key *token_key_of(EVP_PKEY *key)
{
	pthread_once(&key_index_once, make_key_index);
	return key && key_index >= 0 ? EVP_PKEY_get_ex_data(key, key_index) : NULL;
}

bool ota_pkcs11_is_token_key(EVP_PKEY *key)
{
	return token_key_of(key) != NULL;
}

/* The raw 32 bytes of CKA_EC_POINT: PKCS#11 3.0 says a DER OCTET STRING
 * (04 20 ...); some tokens give the bare 32 bytes. */
static int ec_point_raw(const unsigned char *p, size_t n, unsigned char raw[OTA_KEY_RAW_LEN])
{
	if (n == OTA_KEY_RAW_LEN + 2 && p[0] == 0x04 && p[1] == OTA_KEY_RAW_LEN)
		p += 2;
	else if (n != OTA_KEY_RAW_LEN)
		return -1;
	memcpy(raw, p, OTA_KEY_RAW_LEN);
	return 0;
}

/* The public key object beside priv: same CKA_ID, CKO_PUBLIC_KEY. */
static int public_half(struct ota_pkcs11_session *ps, CK_OBJECT_HANDLE priv,
		       unsigned char raw[OTA_KEY_RAW_LEN], struct ota_err *err)
{
	unsigned char id[OTA_PKCS11_ID_MAX], point[80];
	CK_ULONG id_len = sizeof(id), point_len = sizeof(point);
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_OBJECT_HANDLE pub;
	CK_ATTRIBUTE want[2] = {{CKA_CLASS, &cls, sizeof(cls)}, {CKA_ID, id, 0}};
	size_t found;
	int rc;

	if ((rc = ota_pkcs11_get_attr(ps, priv, CKA_ID, id, &id_len, err)))
		return rc;
	want[1].ulValueLen = id_len;
	if ((rc = ota_pkcs11_find(ps, want, 2, &pub, &found, err)))
		return rc;
	if (found != 1)
		return ota_err_set(err, OTA_EKEY, "%s: %s public key object with the key's id",
				   ps->name, found ? "more than one" : "no");
	if ((rc = ota_pkcs11_get_attr(ps, pub, CKA_EC_POINT, point, &point_len, err)))
		return rc;
	if (ec_point_raw(point, point_len, raw))
		return ota_err_set(err, OTA_EKEY, "%s: public key is not an Ed25519 point", ps->name);
	return 0;
}

int ota_pkcs11_load_key(const char *uri, const char *pin, EVP_PKEY **out, struct ota_err *err)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = CKK_EC_EDWARDS;
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_pkcs11_session ps;
	struct ota_pkcs11_uri u;
	struct token_key *tk = NULL;
	CK_ATTRIBUTE want[4] = {{CKA_CLASS, &cls, sizeof(cls)},
				{CKA_KEY_TYPE, &type, sizeof(type)}};
	CK_OBJECT_HANDLE priv;
	CK_ULONG n = 2;
	size_t found;
	int rc;

	*out = NULL;
	if ((rc = ota_pkcs11_uri_parse(uri, &u, err)))
		return rc;
	if (u.object)
		want[n++] = (CK_ATTRIBUTE){CKA_LABEL, u.object, strlen(u.object)};
	if (u.id_len)
		want[n++] = (CK_ATTRIBUTE){CKA_ID, u.id, u.id_len};
	rc = ota_pkcs11_session_open(&u, pin, OTA_PKCS11_LOGIN, &ps, err);
	if (rc == 0 && (rc = ota_pkcs11_find(&ps, want, n, &priv, &found, err)) == 0 && found != 1)
		rc = ota_err_set(err, OTA_EKEY, "%s: %s Ed25519 private key%s", ps.name,
				 found ? "more than one" : "no",
				 found ? " matches (name it by object= or id=)" : " matches");
	if (rc == 0)
		rc = public_half(&ps, priv, raw, err);
	if (rc == 0 && ota_key_is_weak(raw))
		rc = ota_err_set(err, OTA_EKEY, "%s: weak (small-order) public key", ps.name);
	if (rc == 0 && !(*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
							      sizeof(raw))))
		rc = ota_err_openssl(err, OTA_EINTERNAL, "Ed25519 public key");
	if (rc == 0 && (!(tk = calloc(1, sizeof(*tk))) || !(tk->name = strdup(ps.name))))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (rc == 0) {
		pthread_once(&key_index_once, make_key_index);
		tk->mod = ps.mod;
		tk->session = ps.session;
		tk->priv = priv;
		if (key_index < 0 || !EVP_PKEY_set_ex_data(*out, key_index, tk))
			rc = ota_err_set(err, OTA_EINTERNAL, "cannot attach the token key");
		else
			tk = NULL, ps.mod = NULL; /* the key owns the session now */
	}
	if (tk)
		free(tk->name);
	free(tk);
	if (rc) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	if (ps.mod) {
		ota_pkcs11_session_close(ps.mod, ps.session);
		ota_pkcs11_module_put(ps.mod);
	}
	ota_pkcs11_uri_free(&u);
	return rc;
}

int ota_pkcs11_needs_pin(const char *uri, bool *needs, struct ota_err *err)
{
	struct ota_pkcs11_session ps;
	struct ota_pkcs11_uri u;
	int rc;

	*needs = false;
	if ((rc = ota_pkcs11_uri_parse(uri, &u, err)))
		return rc;
	if (!u.pin_value && !u.pin_source &&
	    (rc = ota_pkcs11_session_open(&u, NULL, 0, &ps, err)) == 0) {
		*needs = ps.login_required;
		ota_pkcs11_session_close(ps.mod, ps.session);
		ota_pkcs11_module_put(ps.mod);
	}
	ota_pkcs11_uri_free(&u);
	return rc;
}

int ota_pkcs11_sign(EVP_PKEY *key, const unsigned char *msg, size_t len, unsigned char out[64],
		    struct ota_err *err)
{
	static unsigned char empty[1];
	struct token_key *tk = token_key_of(key);
	CK_MECHANISM mech = {CKM_EDDSA, NULL, 0}; /* no parameters: pure Ed25519 */
	CK_ULONG out_len = 64;
	CK_RV r;

	if (!tk)
		return ota_err_set(err, OTA_EINTERNAL, "bug: not a token key");
	r = tk->mod->f->C_SignInit(tk->session, &mech, tk->priv);
	if (r == CKR_OK)
		r = tk->mod->f->C_Sign(tk->session, msg ? (unsigned char *)msg : empty, len, out,
				       &out_len);
	if (r != CKR_OK)
		return ota_err_set(err, OTA_EKEY, "%s: token refused to sign: %s", tk->name,
				   ota_pkcs11_rv_name(r));
	if (out_len != 64)
		return ota_err_set(err, OTA_EKEY, "%s: token gave a %lu-byte signature", tk->name,
				   (unsigned long)out_len);
	return 0;
}
