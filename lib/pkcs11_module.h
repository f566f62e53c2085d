/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11_module.h - the PKCS#11 steps under pkcs11.h: a module loaded once
 * per process and shared (C_Initialize once, C_Finalize with the last
 * user), the one token a URI names, a session on it, logged in when the
 * token wants it, and object search.
 *
 * p11-kit's pkcs11.h (header only) gives the types; in its default
 * compatibility mode it #defines common words (value, count, reserved,
 * ...), so only lib/pkcs11*.c include this header. */
#ifndef OTA_PKCS11_MODULE_H
#define OTA_PKCS11_MODULE_H

#include <p11-kit/pkcs11.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/pkcs11_uri.h"

struct ota_pkcs11_module {
	char *path;  /* as loaded, for messages */
	void *dl;    /* dlopen handle */
	CK_FUNCTION_LIST_PTR f;
	bool finalize; /* we initialized it: C_Finalize with the last user */
	unsigned refs;
};

struct ota_pkcs11_session {
	struct ota_pkcs11_module *mod; /* a reference, or NULL once handed on */
	CK_SESSION_HANDLE session;
	bool login_required; /* the token said CKF_LOGIN_REQUIRED */
	char name[160];      /* "token T, object O" for messages */
};

/* A one-line name of a CK_RV ("CKR_PIN_INCORRECT", or its number). */
const char *ota_pkcs11_rv_name(CK_RV r);

/* Drop a reference taken by _session_open. */
void ota_pkcs11_module_put(struct ota_pkcs11_module *m);

#define OTA_PKCS11_LOGIN 1 /* log in (else only look: _needs_pin) */
#define OTA_PKCS11_RW 2    /* a read-write session (to store a key) */

/* Load the URI's module, find its one token, open a session and, with
 * OTA_PKCS11_LOGIN, log in with the URI's PIN, else pin (when the token
 * wants one and there is none: OTA_EKEY "PIN required"). */
int ota_pkcs11_session_open(const struct ota_pkcs11_uri *u, const char *pin, unsigned flags,
			    struct ota_pkcs11_session *ps, struct ota_err *err);
void ota_pkcs11_session_close(struct ota_pkcs11_module *m, CK_SESSION_HANDLE s);

/* Objects matching the template: the first into *obj, how many into
 * *found (counted up to 2: "more than one" is all a caller needs). */
int ota_pkcs11_find(struct ota_pkcs11_session *ps, CK_ATTRIBUTE *want, CK_ULONG n,
		    CK_OBJECT_HANDLE *obj, size_t *found, struct ota_err *err);

/* One attribute's bytes into buf (*len: its size in, the length out). */
int ota_pkcs11_get_attr(struct ota_pkcs11_session *ps, CK_OBJECT_HANDLE obj,
			CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG *len, struct ota_err *err);

#endif
