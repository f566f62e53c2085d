/* SPDX-License-Identifier: Apache-2.0 */
/* receipts_ledger.c - what `ota-keytool receipts collect` remembers: per
 * device, the counter and file SHA-256 of the last receipt collected, so
 * that an older receipt presented later is a replay (schema/receipt.md).
 *
 *   {"devices":{"<device id>":{"counter":N,"sha256":"<hex>"},...},"format":1}
 *
 * canonical JSON, written atomically (0600).  Default place:
 * $XDG_STATE_HOME/ota/receipts-collected.json, else
 * $HOME/.local/state/ota/receipts-collected.json; --state FILE overrides. */
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytool/keytool.h"
#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/fsutil.h"

#define LEDGER_MAX (64 << 20)

int receipts_ledger_path(const char *given, char *out, size_t size, struct ota_err *err)
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (given)
		n = snprintf(out, size, "%s", given);
	else if (xdg && xdg[0] == '/')
		n = snprintf(out, size, "%s/ota/receipts-collected.json", xdg);
	else if (home && home[0] == '/')
		n = snprintf(out, size, "%s/.local/state/ota/receipts-collected.json", home);
	else
		return ota_err_set(err, OTA_EUSAGE, "receipts: no --state FILE and neither "
				   "XDG_STATE_HOME nor HOME to keep the collected counters in");
	return n >= (int)size ? ota_err_set(err, OTA_EUSAGE, "--state: path too long") : 0;
}

/* A ledger that cannot be read may hide a replay: fail closed. */
static int check_shape(json_t *root, const char *path, struct ota_err *err)
{
	const json_t *devs = json_object_get(root, "devices"), *e;
	const char *id;

	if (!json_is_object(root) || json_object_size(root) != 2 || !json_is_object(devs) ||
	    json_integer_value(json_object_get(root, "format")) != 1)
		return ota_err_set(err, OTA_EFORMAT, "%s: not a receipts ledger", path);
	json_object_foreach((json_t *)devs, id, e)
		if (!json_is_integer(json_object_get(e, "counter")) ||
		    !json_is_string(json_object_get(e, "sha256")) || json_object_size(e) != 2 ||
		    json_string_length(json_object_get(e, "sha256")) != OTA_SHA256_HEX_LEN)
			return ota_err_set(err, OTA_EFORMAT, "%s: device %.16s: damaged entry",
					   path, id);
	return 0;
}

int receipts_ledger_load(const char *path, json_t **out, struct ota_err *err)
{
	struct ota_buf b;
	int rc;

	*out = NULL;
	if (access(path, F_OK)) {
		*out = json_pack("{s:{}, s:i}", "devices", "format", 1);
		return *out ? 0 : ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	ota_buf_init(&b, LEDGER_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, 0, err);
	if (rc == 0)
		rc = ota_canon_parse(b.data, b.len, path, out, err);
	if (rc == 0)
		rc = check_shape(*out, path, err);
	ota_buf_free(&b);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

int receipts_ledger_last(const json_t *ledger, const char *device, unsigned long long *counter,
			 unsigned char sha[OTA_SHA256_LEN])
{
	const json_t *e = json_object_get(json_object_get(ledger, "devices"), device);

	*counter = 0;
	memset(sha, 0, OTA_SHA256_LEN);
	if (!e)
		return 0;
	*counter = (unsigned long long)json_integer_value(json_object_get(e, "counter"));
	return ota_unhex(json_string_value(json_object_get(e, "sha256")), sha, OTA_SHA256_LEN);
}

int receipts_ledger_note(json_t *ledger, const char *device, unsigned long long counter,
			 const unsigned char sha[OTA_SHA256_LEN], struct ota_err *err)
{
	char hex[OTA_SHA256_HEX_LEN + 1];
	json_t *e;

	ota_hex(sha, OTA_SHA256_LEN, hex);
	e = json_pack("{s:I, s:s}", "counter", (json_int_t)counter, "sha256", hex);
	if (!e || json_object_set_new(json_object_get(ledger, "devices"), device, e))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	return 0;
}

int receipts_ledger_save(const char *path, const json_t *ledger, struct ota_err *err)
{
	char dir[PATH_MAX];
	struct ota_atomic t = {.fd = -1};
	struct ota_buf b;
	int rc;

	snprintf(dir, sizeof(dir), "%s", path);
	ota_buf_init(&b, LEDGER_MAX);
	if ((rc = ota_mkdir_p(dirname(dir), 0700, err)) == 0 &&
	    (rc = ota_canon_dump(ledger, &b, err)) == 0 && (rc = ota_buf_putc(&b, '\n', err)) == 0 &&
	    (rc = ota_atomic_open(&t, path, 0600, err)) == 0 &&
	    (rc = ota_write_all(t.fd, b.data, b.len, path, err)) == 0)
		rc = ota_atomic_commit(&t, true, err);
	ota_atomic_abort(&t);
	ota_buf_free(&b);
	return rc;
}
