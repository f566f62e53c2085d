/* audit.c - append-only transition history (see audit.h). */
#include "lib/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/fsutil.h"

static void iso_time(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, 32, "%lld", t);
}

int ota_audit_append(const char *state_dir, const struct ota_audit_rec *r, struct ota_err *err)
{
	char path[4096], when[32];
	struct ota_buf line;
	json_t *o;
	int fd = -1, rc;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, OTA_AUDIT_FILE) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	iso_time(r->time, when);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "time", when, "from", ota_state_name(r->from),
		      "to", ota_state_name(r->to), "version", r->version, "reason", r->reason);
	if (!o)
		return ota_err_set(err, OTA_EINTERNAL, "audit record: bad text");
	ota_buf_init(&line, OTA_AUDIT_LINE_MAX);
	rc = ota_canon_dump(o, &line, err);
	json_decref(o);
	if (rc == 0)
		rc = ota_buf_putc(&line, '\n', err);
	if (rc)
		goto out;
	/* O_APPEND: one write of the whole line, so a crash leaves at most a
	 * torn last line, never a damaged earlier one. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
		goto out;
	}
	rc = ota_write_all(fd, line.data, line.len, path, err);
	if (rc == 0 && fsync(fd))
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: fsync", path);
out:
	if (fd >= 0 && close(fd) && rc == 0)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: close", path);
	ota_buf_free(&line);
	return rc;
}

int ota_audit_load(const char *state_dir, json_t **out, struct ota_err *err)
{
	char path[4096];
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	json_t *arr = json_array(), *rec;
	FILE *f;

	*out = NULL;
	if (!arr)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	snprintf(path, sizeof(path), "%s/%s", state_dir, OTA_AUDIT_FILE);
	f = fopen(path, "re");
	if (!f && errno != ENOENT) {
		json_decref(arr);
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	}
	while (f && (n = getline(&line, &cap, f)) > 0) {
		/* A torn last line (power cut mid-append) is skipped, not fatal. */
		if (line[n - 1] != '\n' ||
		    ota_canon_parse((unsigned char *)line, (size_t)n - 1, path, &rec, NULL))
			continue;
		json_array_append_new(arr, rec);
	}
	free(line);
	if (f)
		(void)fclose(f); /* read only: nothing to lose */
	*out = arr;
	return 0;
}
