/* SPDX-License-Identifier: Apache-2.0 */
/* receipt.c - the device's identity and its signed install receipts
 * (receipt.h). */
#include "agent/receipt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/audit.h"
#include "lib/buf.h"
#include "lib/devkey.h"
#include "lib/fsutil.h"
#include "lib/release.h"
#include "lib/state.h"

/* The first line of <root>/<file>, printable ASCII only, into out. */
static void first_line(const struct agent *a, const char *file, char *out, size_t size)
{
	char path[PATH_MAX];
	struct ota_err ignored;
	struct ota_buf b;
	size_t i, n = 0;

	*out = '\0';
	if (snprintf(path, sizeof(path), "%s%s", a->cfg.root ? a->cfg.root : "", file) >=
	    (int)sizeof(path))
		return;
	ota_buf_init(&b, 4096);
	if (ota_buf_read_file_at(&b, AT_FDCWD, path, 0, &ignored) == 0)
		for (i = 0; i < b.len && b.data[i] != '\n' && n + 1 < size; i++)
			if (b.data[i] >= 0x20 && b.data[i] < 0x7f)
				out[n++] = (char)b.data[i];
	out[n] = '\0';
	ota_buf_free(&b);
}

int receipt_identity(struct agent *a, bool make, struct receipt_identity *who, EVP_PKEY **key,
		     struct ota_err *err)
{
	int rc;

	memset(who, 0, sizeof(*who));
	first_line(a, "/etc/hostname", who->hostname, sizeof(who->hostname));
	if (!who->hostname[0] && !(a->cfg.root && a->cfg.root[0]) &&
	    gethostname(who->hostname, sizeof(who->hostname) - 1))
		who->hostname[0] = '\0';
	first_line(a, "/etc/machine-id", who->machine_id, sizeof(who->machine_id));
	rc = ota_devkey_get(a->cfg.state_dir, make, key, who->id, NULL, err);
	if (rc == 1) {
		who->id[0] = '\0';
		rc = 0;
	}
	return rc;
}

/* The counter, grown by one and durably saved before any receipt carries it. */
static int next_counter(struct agent *a, unsigned long long *counter, struct ota_err *err)
{
	char path[PATH_MAX], text[32], *end;
	struct ota_buf b;
	int rc, n;

	snprintf(path, sizeof(path), "%s/%s", a->cfg.state_dir, RECEIPT_COUNTER_FILE);
	ota_buf_init(&b, sizeof(text) - 1);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	*counter = 0;
	if (rc == 0) {
		memcpy(text, b.data, b.len);
		text[b.len] = '\0';
		errno = 0;
		*counter = strtoull(text, &end, 10);
		/* Fail closed: a counter that cannot be read may have gone back. */
		if (errno || end == text || strcmp(end, "\n") || *counter >= OTA_RECEIPT_COUNTER_MAX)
			rc = ota_err_set(err, OTA_EFORMAT, "%s: damaged receipt counter: no receipt "
					 "written", path);
	} else if (rc == OTA_EIO && access(path, F_OK) && errno == ENOENT) {
		rc = 0;
	}
	ota_buf_free(&b);
	if (rc)
		return rc;
	n = snprintf(text, sizeof(text), "%llu\n", ++*counter);
	return ota_write_file_atomic(path, text, (size_t)n, true, err);
}

/* What this import came to, from its exit status and what it moved. */
static void outcome(struct ota_receipt *r, const char *before, int status, const char *last)
{
	enum ota_fault f = ota_code_fault(-status);
	const char *res = OTA_RECEIPT_FAILED;

	if (status == 0)
		res = strcmp(before, r->current) ? OTA_RECEIPT_INSTALLED : OTA_RECEIPT_UP_TO_DATE;
	else if (status == ota_exit_status(OTA_EHEALTH))
		res = OTA_RECEIPT_ROLLED_BACK;
	else if (f == OTA_FAULT_BUNDLE || f == OTA_FAULT_SOURCE || f == OTA_FAULT_RELEASE)
		res = OTA_RECEIPT_REFUSED;
	snprintf(r->result, sizeof(r->result), "%s", res);
	r->exit = status;
	snprintf(r->version, sizeof(r->version), "%s",
		 !strcmp(res, OTA_RECEIPT_UP_TO_DATE) ? "" : last);
}

/* What the device runs, its history head and attested time. */
static int facts(struct agent *a, const char *before, int status, struct ota_receipt *r,
		 struct ota_err *err)
{
	struct ota_audit_check check;
	struct ota_device dev;
	json_t *recs = NULL;
	const char *last;
	int rc;

	if ((rc = ota_release_link_get(a->cfg.app_dir, "current", r->current, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, ".last-good", r->last_good, err)) ||
	    (rc = ota_device_load(a->cfg.state_dir, &dev, err)) ||
	    (rc = ota_audit_read(a->cfg.state_dir, &recs, &check, err)))
		goto out;
	r->attested_time = dev.attested_time;
	r->history_seq = check.last_seq;
	snprintf(r->history_sha256, sizeof(r->history_sha256), "%s", check.head_sha256);
	last = json_string_value(json_object_get(json_array_get(recs, json_array_size(recs) - 1),
						 "version"));
	outcome(r, before, status, last && strlen(last) <= OTA_VERSION_MAX ? last : "");
	r->time = (long long)time(NULL);
out:
	json_decref(recs);
	return rc;
}

/* medium/receipts, made if missing; never through a link a stick plants. */
static int receipts_dir(const char *medium, char *dir, size_t size, struct ota_err *err)
{
	if (snprintf(dir, size, "%s/" OTA_RECEIPTS_DIR, medium) >= (int)size)
		return ota_err_set(err, OTA_EIO, "%s: path too long", medium);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return ota_err_errno(err, OTA_EIO, errno, "%s: cannot make it (is the medium "
				     "mounted read-write?)", dir);
	return ota_check_real_dir(dir, err);
}

static int sign_and_write(struct agent *a, const char *medium, struct ota_receipt *r,
			  EVP_PKEY *key, char *path, size_t size, struct ota_err *err)
{
	char dir[PATH_MAX];
	struct ota_buf out;
	int rc;

	snprintf(r->device_class, sizeof(r->device_class), "%s", a->cfg.device_class);
	ota_buf_init(&out, OTA_RECEIPT_FILE_MAX);
	if ((rc = receipts_dir(medium, dir, sizeof(dir), err)) == 0 &&
	    (rc = ota_receipt_format(r, key, &out, err)) == 0) {
		if (snprintf(path, size, "%s/%s" OTA_RECEIPT_EXT, dir, r->device) >= (int)size)
			rc = ota_err_set(err, OTA_EIO, "%s: path too long", dir);
		else
			rc = ota_write_file_atomic(path, out.data, out.len, true, err);
	}
	ota_buf_free(&out);
	return rc;
}

int receipt_write(struct agent *a, const char *medium, const char *before, int status,
		  char *path, size_t size, unsigned long long *counter, struct ota_err *err)
{
	struct receipt_identity who;
	struct ota_receipt r = {0};
	EVP_PKEY *key = NULL;
	int rc;

	if ((rc = agent_lock(a, err)))
		return rc;
	if ((rc = receipt_identity(a, true, &who, &key, err)) == 0 &&
	    (rc = facts(a, before, status, &r, err)) == 0 &&
	    (rc = next_counter(a, &r.counter, err)) == 0) {
		memcpy(r.device, who.id, sizeof(r.device));
		memcpy(r.hostname, who.hostname, sizeof(r.hostname));
		memcpy(r.machine_id, who.machine_id, sizeof(r.machine_id));
		*counter = r.counter;
		rc = sign_and_write(a, medium, &r, key, path, size, err);
	}
	EVP_PKEY_free(key);
	agent_unlock(a);
	return rc;
}
