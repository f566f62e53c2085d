/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11_store.c - putting an Ed25519 key on a token: a key file's key
 * imported (C_CreateObject), or a new one made there (C_GenerateKeyPair).
 * Either way the private object is sensitive and never extractable: from
 * then on it signs only through the token. */
#include <openssl/crypto.h>
#include <string.h>

#include "lib/pkcs11.h"
#include "lib/pkcs11_module.h"

/* CKA_EC_PARAMS of Ed25519 (PKCS#11 3.0, 2.3.10): the curve name as a DER
 * PrintableString, "edwards25519", as SoftHSM2 and OpenSC write it. */
static unsigned char ed25519_params[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd',
					 's', '2', '5', '5', '1', '9'};

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* A new key needs a label and an id no object on the token has. */
static int check_free(struct ota_pkcs11_session *ps, const struct ota_pkcs11_uri *u,
		      struct ota_err *err)
{
	CK_ATTRIBUTE by_label = {CKA_LABEL, u->object, u->object ? strlen(u->object) : 0};
	CK_ATTRIBUTE by_id = {CKA_ID, (void *)u->id, u->id_len};
	CK_OBJECT_HANDLE h;
	size_t found;
	int rc;

	if (!u->object || !u->id_len)
		return ota_err_set(err, OTA_EUSAGE, "%s: a new key needs object= and id= in the "
				   "URI", ps->name);
	if ((rc = ota_pkcs11_find(ps, &by_label, 1, &h, &found, err)) == 0 && found)
		rc = ota_err_set(err, OTA_EEXIST, "%s: an object with this label exists",
				 ps->name);
	if (rc == 0 && (rc = ota_pkcs11_find(ps, &by_id, 1, &h, &found, err)) == 0 && found)
		rc = ota_err_set(err, OTA_EEXIST, "%s: an object with this id exists", ps->name);
	return rc;
}

static int open_rw(const char *uri, const char *pin, struct ota_pkcs11_uri *u,
		   struct ota_pkcs11_session *ps, struct ota_err *err)
{
	int rc = ota_pkcs11_uri_parse(uri, u, err);

	if (rc == 0 && (rc = ota_pkcs11_session_open(u, pin, OTA_PKCS11_LOGIN | OTA_PKCS11_RW,
						     ps, err)))
		ota_pkcs11_uri_free(u);
	if (rc == 0 && (rc = check_free(ps, u, err))) {
		ota_pkcs11_session_close(ps->mod, ps->session);
		ota_pkcs11_module_put(ps->mod);
		ota_pkcs11_uri_free(u);
	}
	return rc;
}

static void close_rw(struct ota_pkcs11_uri *u, struct ota_pkcs11_session *ps)
{
	ota_pkcs11_session_close(ps->mod, ps->session);
	ota_pkcs11_module_put(ps->mod);
	ota_pkcs11_uri_free(u);
}

int ota_pkcs11_import_key(const char *uri, const char *pin, EVP_PKEY *key, struct ota_err *err)
{
	CK_OBJECT_CLASS priv_cls = CKO_PRIVATE_KEY, pub_cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_EC_EDWARDS;
	unsigned char seed[OTA_KEY_RAW_LEN], point[2 + OTA_KEY_RAW_LEN] = {0x04, OTA_KEY_RAW_LEN};
	struct ota_pkcs11_session ps;
	struct ota_pkcs11_uri u;
	CK_OBJECT_HANDLE priv, pub;
	CK_RV r;
	int rc;

	if ((rc = ota_key_seed(key, seed, err)) ||
	    (rc = ota_key_raw_public(key, point + 2, err))) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return rc;
	}
	if ((rc = open_rw(uri, pin, &u, &ps, err))) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return rc;
	}
	CK_ATTRIBUTE pt[] = {
	    {CKA_CLASS, &priv_cls, sizeof(priv_cls)}, {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &yes, sizeof(yes)},          {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},      {CKA_EXTRACTABLE, &no, sizeof(no)},
	    {CKA_SIGN, &yes, sizeof(yes)},           {CKA_LABEL, u.object, strlen(u.object)},
	    {CKA_ID, u.id, u.id_len},                {CKA_EC_PARAMS, ed25519_params, sizeof(ed25519_params)},
	    {CKA_VALUE, seed, sizeof(seed)},
	};
	CK_ATTRIBUTE kt[] = {
	    {CKA_CLASS, &pub_cls, sizeof(pub_cls)}, {CKA_KEY_TYPE, &type, sizeof(type)},
	    {CKA_TOKEN, &yes, sizeof(yes)},         {CKA_VERIFY, &yes, sizeof(yes)},
	    {CKA_LABEL, u.object, strlen(u.object)}, {CKA_ID, u.id, u.id_len},
	    {CKA_EC_PARAMS, ed25519_params, sizeof(ed25519_params)},
	    {CKA_EC_POINT, point, sizeof(point)},
	};
	r = ps.mod->f->C_CreateObject(ps.session, pt, sizeof(pt) / sizeof(pt[0]), &priv);
	OPENSSL_cleanse(seed, sizeof(seed));
	if (r == CKR_OK) {
		r = ps.mod->f->C_CreateObject(ps.session, kt, sizeof(kt) / sizeof(kt[0]), &pub);
		if (r != CKR_OK) /* no private key left without its public half */
			ps.mod->f->C_DestroyObject(ps.session, priv);
	}
	if (r != CKR_OK)
		rc = ota_err_set(err, OTA_EKEY, "%s: storing the key: %s", ps.name,
				 ota_pkcs11_rv_name(r));
	close_rw(&u, &ps);
	return rc;
}

int ota_pkcs11_generate_key(const char *uri, const char *pin, EVP_PKEY **pub_out,
			    struct ota_err *err)
{
	CK_MECHANISM mech = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
	unsigned char point[80];
	CK_ULONG point_len = sizeof(point);
	struct ota_pkcs11_session ps;
	struct ota_pkcs11_uri u;
	CK_OBJECT_HANDLE priv, pub;
	CK_RV r;
	int rc;

	*pub_out = NULL;
	if ((rc = open_rw(uri, pin, &u, &ps, err)))
		return rc;
	CK_ATTRIBUTE kt[] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},          {CKA_VERIFY, &yes, sizeof(yes)},
	    {CKA_LABEL, u.object, strlen(u.object)}, {CKA_ID, u.id, u.id_len},
	    {CKA_EC_PARAMS, ed25519_params, sizeof(ed25519_params)},
	};
	CK_ATTRIBUTE pt[] = {
	    {CKA_TOKEN, &yes, sizeof(yes)},          {CKA_PRIVATE, &yes, sizeof(yes)},
	    {CKA_SENSITIVE, &yes, sizeof(yes)},      {CKA_EXTRACTABLE, &no, sizeof(no)},
	    {CKA_SIGN, &yes, sizeof(yes)},           {CKA_LABEL, u.object, strlen(u.object)},
	    {CKA_ID, u.id, u.id_len},
	};
	r = ps.mod->f->C_GenerateKeyPair(ps.session, &mech, kt, sizeof(kt) / sizeof(kt[0]), pt,
					 sizeof(pt) / sizeof(pt[0]), &pub, &priv);
	if (r != CKR_OK)
		rc = ota_err_set(err, OTA_EKEY, "%s: generating the key: %s", ps.name,
				 ota_pkcs11_rv_name(r));
	if (rc == 0)
		rc = ota_pkcs11_get_attr(&ps, pub, CKA_EC_POINT, point, &point_len, err);
	if (rc == 0) {
		const unsigned char *raw = point;

		if (point_len == 2 + OTA_KEY_RAW_LEN && point[0] == 0x04)
			raw += 2;
		else if (point_len != OTA_KEY_RAW_LEN)
			rc = ota_err_set(err, OTA_EKEY, "%s: public key is not an Ed25519 point",
					 ps.name);
		if (rc == 0 && !(*pub_out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
									  OTA_KEY_RAW_LEN)))
			rc = ota_err_openssl(err, OTA_EINTERNAL, "Ed25519 public key");
	}
	close_rw(&u, &ps);
	return rc;
}
