/* SPDX-License-Identifier: Apache-2.0 */
/* keyring.c - the device's trusted public keys: one .pub file or every
 * *.pub of a directory, loaded fail-closed (see keys.h). */
#include "lib/keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/dirnames.h"

/* Take pk into kr (it is kr's, or freed, on return).  The same key under
 * two names is still one trusted key. */
static int keyring_take(struct ota_keyring *kr, struct ota_pubkey *pk, struct ota_err *err)
{
	struct ota_pubkey *nk;

	if (ota_keyring_find(kr, pk->id)) {
		ota_pubkey_free(pk);
		return 0;
	}
	nk = realloc(kr->keys, (kr->n + 1) * sizeof(*nk));
	if (!nk) {
		ota_pubkey_free(pk);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	kr->keys = nk;
	kr->keys[kr->n++] = *pk;
	return 0;
}

static int keyring_add(struct ota_keyring *kr, const char *path, struct ota_err *err)
{
	struct ota_pubkey pk;
	int rc = ota_pubkey_load(&pk, path, err);

	return rc ? rc : keyring_take(kr, &pk, err);
}

static int keyring_add_dir(struct ota_keyring *kr, const char *dir, struct ota_err *err)
{
	size_t n = 0, i, dlen = strlen(dir);
	const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/";
	char **names = NULL;
	char *full;
	int rc;

	rc = ota_dir_names(dir, ".pub", 0, "keys", &names, &n, err);
	for (i = 0; rc == 0 && i < n; i++) {
		if (asprintf(&full, "%s%s%s", dir, sep, names[i]) < 0) {
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
			break;
		}
		rc = keyring_add(kr, full, err);
		free(full);
	}
	ota_dir_names_free(names, n);
	if (rc == 0 && kr->n == 0)
		rc = ota_err_set(err, OTA_EKEY, "%s: no *.pub keys", dir);
	return rc;
}

int ota_keyring_load(struct ota_keyring *kr, const char *path, struct ota_err *err)
{
	struct stat st;
	int rc;

	kr->keys = NULL;
	kr->n = 0;
	if (stat(path, &st))
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (S_ISDIR(st.st_mode))
		rc = keyring_add_dir(kr, path, err);
	else
		rc = keyring_add(kr, path, err);
	/* Fail closed: a damaged trust store is an error, never a smaller one. */
	if (rc)
		ota_keyring_free(kr);
	return rc;
}

void ota_keyring_free(struct ota_keyring *kr)
{
	size_t i;

	if (!kr)
		return;
	for (i = 0; i < kr->n; i++)
		ota_pubkey_free(&kr->keys[i]);
	free(kr->keys);
	kr->keys = NULL;
	kr->n = 0;
}

const struct ota_pubkey *ota_keyring_find(const struct ota_keyring *kr, const char *id)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->keys[i].id, id) == 0)
			return &kr->keys[i];
	return NULL;
}

int ota_keyring_add_raw(struct ota_keyring *kr, const unsigned char raw[OTA_KEY_RAW_LEN],
			const char *name, struct ota_err *err)
{
	struct ota_pubkey pk;
	int rc = ota_pubkey_from_raw(&pk, raw, name, err);

	return rc ? rc : keyring_take(kr, &pk, err);
}
