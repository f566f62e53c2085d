/* SPDX-License-Identifier: Apache-2.0 */
/* devkey.c - the device's identity key and the laptop's device list
 * (devkey.h). */
#include "lib/devkey.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/fsutil.h"

static int key_path(const char *state_dir, const char *file, char *out, size_t size,
		    struct ota_err *err)
{
	if (snprintf(out, size, "%s/%s", state_dir, file) >= (int)size)
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	return 0;
}

/* 1 when absent; the key file must be a regular file of mode 0600. */
static int check_file(const char *path, struct ota_err *err)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 1 : ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return ota_err_set(err, OTA_EKEY, "%s: not a regular file (a link?): the device "
				   "key is refused", path);
	if ((st.st_mode & 07777) != 0600)
		return ota_err_set(err, OTA_EKEY, "%s: mode %04o, not 0600: the device key is "
				   "refused", path, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int make_key(const char *path, const char *pub, struct ota_err *err)
{
	EVP_PKEY *key = NULL;
	int rc = ota_key_generate(&key, err);

	/* Never over a key that landed meanwhile: that one is the device's. */
	if (rc == 0 && (rc = ota_privkey_write(key, path, NULL, false, err)) == OTA_EEXIST)
		rc = 0;
	else if (rc == 0)
		rc = ota_pubkey_write(key, pub, true, err);
	EVP_PKEY_free(key);
	return rc;
}

int ota_devkey_get(const char *state_dir, bool make, EVP_PKEY **key,
		   char id[OTA_KEYID_HEX_LEN + 1], bool *made, struct ota_err *err)
{
	char path[PATH_MAX], pub[PATH_MAX];
	unsigned char raw[OTA_KEY_RAW_LEN];
	EVP_PKEY *k = NULL;
	int rc;

	if (made)
		*made = false;
	if ((rc = key_path(state_dir, OTA_DEVKEY_FILE, path, sizeof(path), err)) ||
	    (rc = key_path(state_dir, OTA_DEVKEY_PUB_FILE, pub, sizeof(pub), err)))
		return rc;
	rc = check_file(path, err);
	if (rc == 1 && make) {
		if ((rc = ota_mkdir_p(state_dir, 0755, err)) || (rc = make_key(path, pub, err)))
			return rc;
		if (made)
			*made = true;
		rc = check_file(path, err);
	}
	if (rc)
		return rc;
	if ((rc = ota_privkey_load(path, NULL, &k, err)) ||
	    (rc = ota_key_raw_public(k, raw, err)) || (rc = ota_key_id(raw, id, err))) {
		EVP_PKEY_free(k);
		return rc;
	}
	if (key)
		*key = k;
	else
		EVP_PKEY_free(k);
	return 0;
}

int ota_devkey_line(EVP_PKEY *key, char *out, size_t size, struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1], b64[48];
	int rc;

	if ((rc = ota_key_raw_public(key, raw, err)) || (rc = ota_key_id(raw, id, err)))
		return rc;
	EVP_EncodeBlock((unsigned char *)b64, raw, OTA_KEY_RAW_LEN);
	if (snprintf(out, size, OTA_DEVKEY_LINE_PREFIX "%s %s", id, b64) >= (int)size)
		return ota_err_set(err, OTA_EINTERNAL, "device line: buffer too small");
	return 0;
}

/* Strict base64 of exactly 32 bytes: 44 characters, re-encoding equal. */
static int decode_raw(const char *b64, unsigned char out[OTA_KEY_RAW_LEN])
{
	unsigned char raw[48];
	char again[48];

	if (EVP_DecodeBlock(raw, (const unsigned char *)b64, 44) != 33)
		return -1;
	memcpy(out, raw, OTA_KEY_RAW_LEN);
	EVP_EncodeBlock((unsigned char *)again, out, OTA_KEY_RAW_LEN);
	return memcmp(again, b64, 44) ? -1 : 0;
}

/* One "device ID KEY[ LABEL]" line (len bytes, no newline). */
static int parse_line(const char *line, size_t len, const char *where, struct ota_keyring *kr,
		      struct ota_err *err)
{
	const size_t plen = strlen(OTA_DEVKEY_LINE_PREFIX), key_at = plen + OTA_KEYID_HEX_LEN + 1;
	char id[OTA_KEYID_HEX_LEN + 1], b64[45], label[256];
	unsigned char raw[OTA_KEY_RAW_LEN];
	size_t i;

	if (len < key_at + 44 || memcmp(line, OTA_DEVKEY_LINE_PREFIX, plen) ||
	    line[key_at - 1] != ' ' || (len > key_at + 44 && line[key_at + 44] != ' '))
		return ota_err_set(err, OTA_EFORMAT, "%s: expected \"device <key id> <base64 "
				   "key> [label]\"", where);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return ota_err_set(err, OTA_EFORMAT, "%s: control character", where);
	memcpy(b64, line + key_at, 44);
	b64[44] = '\0';
	if (decode_raw(b64, raw))
		return ota_err_set(err, OTA_EFORMAT, "%s: not the base64 of a 32-byte key", where);
	if (ota_key_id(raw, id, err))
		return OTA_EINTERNAL;
	if (memcmp(id, line + plen, OTA_KEYID_HEX_LEN))
		return ota_err_set(err, OTA_EKEY, "%s: the key id is not its key's", where);
	if (len > key_at + 45)
		snprintf(label, sizeof(label), "%.*s", (int)(len - key_at - 45), line + key_at + 45);
	else
		snprintf(label, sizeof(label), "%.16s", id);
	if (ota_keyring_find(kr, id))
		return ota_err_set(err, OTA_EFORMAT, "%s: device %.16s listed twice", where, id);
	return ota_keyring_add_raw(kr, raw, label, err);
}

int ota_devices_parse(const unsigned char *text, size_t len, const char *name,
		      struct ota_keyring *kr, struct ota_err *err)
{
	const char *p = (const char *)text, *end = p + len, *nl;
	char where[PATH_MAX + 32];
	size_t line = 0;
	int rc;

	memset(kr, 0, sizeof(*kr));
	for (; p < end; p = nl + 1) {
		line++;
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		snprintf(where, sizeof(where), "%s:%zu", name, line);
		if (nl == p || *p == '#')
			continue;
		if (kr->n == OTA_DEVICES_MAX)
			return ota_err_set(err, OTA_EFORMAT, "%s: more than %d devices", where,
					   OTA_DEVICES_MAX);
		if ((rc = parse_line(p, (size_t)(nl - p), where, kr, err)))
			return rc;
	}
	if (kr->n == 0)
		return ota_err_set(err, OTA_EFORMAT, "%s: no device listed", name);
	return 0;
}

int ota_devices_load(const char *path, struct ota_keyring *kr, struct ota_err *err)
{
	struct ota_buf b;
	int rc;

	memset(kr, 0, sizeof(*kr));
	ota_buf_init(&b, OTA_DEVICES_FILE_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, 0, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, rc, "%s: over %d bytes", path, OTA_DEVICES_FILE_MAX);
	if (rc == 0)
		rc = ota_devices_parse(b.data, b.len, path, kr, err);
	ota_buf_free(&b);
	return rc;
}
