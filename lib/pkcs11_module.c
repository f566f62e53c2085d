/* SPDX-License-Identifier: Apache-2.0 */
/* pkcs11_module.c - loading a PKCS#11 module, finding the token a URI
 * names, sessions and object search (see pkcs11_module.h). */
#include "lib/pkcs11_module.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/keys.h"

/* p11-kit's proxy offers every module p11-kit is configured with; the
 * second name is the same library where the -modules package is absent. */
static const char *const default_modules[] = {"p11-kit-proxy.so", "libp11-kit.so.0"};

/* The tools are single-threaded; a process loads a handful of modules. */
#define MAX_MODULES 4
static struct ota_pkcs11_module modules[MAX_MODULES];

const char *ota_pkcs11_rv_name(CK_RV r)
{
	static char other[32];

	switch (r) {
	case CKR_PIN_INCORRECT: return "wrong PIN (CKR_PIN_INCORRECT)";
	case CKR_PIN_LOCKED: return "PIN locked (CKR_PIN_LOCKED)";
	case CKR_PIN_LEN_RANGE: return "PIN of the wrong length (CKR_PIN_LEN_RANGE)";
	case CKR_USER_NOT_LOGGED_IN: return "not logged in (CKR_USER_NOT_LOGGED_IN)";
	case CKR_MECHANISM_INVALID: return "no Ed25519 signing (CKR_MECHANISM_INVALID)";
	case CKR_KEY_TYPE_INCONSISTENT: return "not an Ed25519 key (CKR_KEY_TYPE_INCONSISTENT)";
	case CKR_TOKEN_NOT_PRESENT: return "token not present (CKR_TOKEN_NOT_PRESENT)";
	case CKR_DEVICE_REMOVED: return "token removed (CKR_DEVICE_REMOVED)";
	case CKR_TOKEN_WRITE_PROTECTED: return "token write-protected";
	case CKR_TEMPLATE_INCONSISTENT: return "key template refused (CKR_TEMPLATE_INCONSISTENT)";
	case CKR_ATTRIBUTE_VALUE_INVALID: return "attribute refused (CKR_ATTRIBUTE_VALUE_INVALID)";
	}
	snprintf(other, sizeof(other), "CKR 0x%lx", (unsigned long)r);
	return other;
}

static int module_load(const char *path, struct ota_pkcs11_module **out, struct ota_err *err)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
	struct ota_pkcs11_module *m = NULL;
	size_t i;
	CK_RV r;

	for (i = 0; i < MAX_MODULES; i++) {
		if (modules[i].refs && !strcmp(modules[i].path, path)) {
			modules[i].refs++;
			*out = &modules[i];
			return 0;
		}
		if (!m && !modules[i].refs)
			m = &modules[i];
	}
	if (!m)
		return ota_err_set(err, OTA_EINTERNAL, "more than %d PKCS#11 modules", MAX_MODULES);
	memset(m, 0, sizeof(*m));
	if (!(m->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)))
		return ota_err_set(err, OTA_EKEY, "PKCS#11 module %s: %s", path, dlerror());
	*(void **)&get_list = dlsym(m->dl, "C_GetFunctionList");
	if (!get_list || get_list(&m->f) != CKR_OK || !m->f) {
		dlclose(m->dl);
		return ota_err_set(err, OTA_EKEY, "PKCS#11 module %s: no C_GetFunctionList", path);
	}
	r = m->f->C_Initialize(&args);
	if (r != CKR_OK && r != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		dlclose(m->dl);
		return ota_err_set(err, OTA_EKEY, "PKCS#11 module %s: C_Initialize: %s", path,
				   ota_pkcs11_rv_name(r));
	}
	if (!(m->path = strdup(path))) {
		if (r == CKR_OK)
			m->f->C_Finalize(NULL);
		dlclose(m->dl);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	m->finalize = r == CKR_OK;
	m->refs = 1;
	*out = m;
	return 0;
}

void ota_pkcs11_module_put(struct ota_pkcs11_module *m)
{
	if (!m || !m->refs || --m->refs)
		return;
	if (m->finalize)
		m->f->C_Finalize(NULL);
	/* Not dlclose'd: the tools are short-lived, some modules do not
	 * survive being unloaded (threads, atexit handlers), and a sanitizer's
	 * leak report can name a module's frames only while it is mapped. */
	free(m->path);
	memset(m, 0, sizeof(*m));
}

/* A blank-padded token field equals s (RFC 7512: compared without the
 * padding). */
static bool field_is(const unsigned char *f, size_t n, const char *s)
{
	size_t len = strlen(s);

	while (n && f[n - 1] == ' ')
		n--;
	return !s || (n == len && !memcmp(f, s, n));
}

static bool token_matches(const struct ota_pkcs11_uri *u, CK_SLOT_ID slot, const CK_TOKEN_INFO *t)
{
	return (u->slot_id < 0 || (CK_SLOT_ID)u->slot_id == slot) &&
	       (!u->token || field_is(t->label, sizeof(t->label), u->token)) &&
	       (!u->manufacturer ||
		field_is(t->manufacturerID, sizeof(t->manufacturerID), u->manufacturer)) &&
	       (!u->model || field_is(t->model, sizeof(t->model), u->model)) &&
	       (!u->serial || field_is(t->serialNumber, sizeof(t->serialNumber), u->serial));
}

/* The one slot whose token the URI names. */
static int find_slot(struct ota_pkcs11_module *m, const struct ota_pkcs11_uri *u, CK_SLOT_ID *slot,
		     CK_TOKEN_INFO *info, const char *name, struct ota_err *err)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i, found = 0;
	CK_TOKEN_INFO t;
	CK_RV r = m->f->C_GetSlotList(CK_TRUE, slots, &n);

	if (r != CKR_OK)
		return ota_err_set(err, OTA_EKEY, "%s: C_GetSlotList: %s", name,
				   ota_pkcs11_rv_name(r));
	for (i = 0; i < n; i++) {
		if (m->f->C_GetTokenInfo(slots[i], &t) != CKR_OK || !token_matches(u, slots[i], &t))
			continue;
		if (found++ == 0) {
			*slot = slots[i];
			*info = t;
		}
	}
	if (found == 1)
		return 0;
	return ota_err_set(err, OTA_EKEY, "%s: %s", name,
			   found ? "more than one token matches (name it by token= or serial=)"
				 : "no such token");
}

int ota_pkcs11_session_open(const struct ota_pkcs11_uri *u, const char *pin, unsigned flags,
			    struct ota_pkcs11_session *ps, struct ota_err *err)
{
	const char *path = u->module_path;
	CK_FLAGS sflags = CKF_SERIAL_SESSION | (flags & OTA_PKCS11_RW ? CKF_RW_SESSION : 0);
	CK_TOKEN_INFO info = {0};
	CK_SLOT_ID slot = 0;
	char *upin = NULL;
	size_t i;
	int rc = 0;
	CK_RV r;

	memset(ps, 0, sizeof(*ps));
	snprintf(ps->name, sizeof(ps->name), "PKCS#11 token %s, object %s",
		 u->token ? u->token : "(any)", u->object ? u->object : "(any)");
	if (path)
		rc = module_load(path, &ps->mod, err);
	for (i = 0; !path && i < sizeof(default_modules) / sizeof(default_modules[0]); i++)
		if ((rc = module_load(default_modules[i], &ps->mod, err)) == 0)
			break;
	if (rc)
		return rc;
	if ((rc = find_slot(ps->mod, u, &slot, &info, ps->name, err)))
		goto fail;
	ps->login_required = info.flags & CKF_LOGIN_REQUIRED;
	r = ps->mod->f->C_OpenSession(slot, sflags, NULL, NULL, &ps->session);
	if (r != CKR_OK) {
		rc = ota_err_set(err, OTA_EKEY, "%s: C_OpenSession: %s", ps->name,
				 ota_pkcs11_rv_name(r));
		goto fail;
	}
	if (!(flags & OTA_PKCS11_LOGIN) || !ps->login_required)
		return 0;
	if ((rc = ota_pkcs11_uri_pin(u, &upin, err)))
		goto close;
	if (!upin && !pin) {
		rc = ota_err_set(err, OTA_EKEY, "%s: PIN required (--passphrase-file F, "
				 "--passphrase-env NAME, pin-source= or a terminal)", ps->name);
		goto close;
	}
	r = ps->mod->f->C_Login(ps->session, CKU_USER, (unsigned char *)(upin ? upin : pin),
				strlen(upin ? upin : pin));
	ota_passphrase_free(upin);
	if (r == CKR_OK || r == CKR_USER_ALREADY_LOGGED_IN)
		return 0;
	rc = ota_err_set(err, OTA_EKEY, "%s: %s", ps->name, ota_pkcs11_rv_name(r));
close:
	ps->mod->f->C_CloseSession(ps->session);
fail:
	ota_pkcs11_module_put(ps->mod);
	ps->mod = NULL;
	return rc;
}

void ota_pkcs11_session_close(struct ota_pkcs11_module *m, CK_SESSION_HANDLE s)
{
	if (m)
		m->f->C_CloseSession(s);
}

int ota_pkcs11_find(struct ota_pkcs11_session *ps, CK_ATTRIBUTE *want, CK_ULONG n,
		    CK_OBJECT_HANDLE *obj, size_t *found, struct ota_err *err)
{
	CK_OBJECT_HANDLE h[2];
	CK_ULONG got = 0;
	CK_RV r = ps->mod->f->C_FindObjectsInit(ps->session, want, n);

	if (r == CKR_OK)
		r = ps->mod->f->C_FindObjects(ps->session, h, 2, &got);
	if (r == CKR_OK)
		r = ps->mod->f->C_FindObjectsFinal(ps->session);
	if (r != CKR_OK)
		return ota_err_set(err, OTA_EKEY, "%s: object search: %s", ps->name,
				   ota_pkcs11_rv_name(r));
	*found = got;
	if (got)
		*obj = h[0];
	return 0;
}

int ota_pkcs11_get_attr(struct ota_pkcs11_session *ps, CK_OBJECT_HANDLE obj,
			CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG *len, struct ota_err *err)
{
	CK_ATTRIBUTE a = {type, buf, *len};
	CK_RV r = ps->mod->f->C_GetAttributeValue(ps->session, obj, &a, 1);

	if (r != CKR_OK || a.ulValueLen == (CK_ULONG)-1)
		return ota_err_set(err, OTA_EKEY, "%s: attribute 0x%lx: %s", ps->name,
				   (unsigned long)type, ota_pkcs11_rv_name(r));
	*len = a.ulValueLen;
	return 0;
}
