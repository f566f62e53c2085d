/* SPDX-License-Identifier: Apache-2.0 */
/* state.c - the state machine's tables, state.json and device.json
 * (state.h). */
#include "lib/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/canon.h"
#include "lib/fsutil.h"
#include "lib/reserve.h"

#define STATE_FILE_MAX 4096

static const char *const names[] = {"IDLE", "VERIFYING", "STAGING", "SWITCHING",
				    "HEALTH_CHECK", "PROMOTED", "ROLLING_BACK"};

const char *ota_state_name(enum ota_state s)
{
	return (unsigned int)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

int ota_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

#define MOVE(from, to) (1ULL << ((from) * 8 + (to)))
#define N_STATES (sizeof(names) / sizeof(names[0]))

/* One bit per allowed move (state.h draws them). */
static const unsigned long long moves =
	MOVE(OTA_IDLE, OTA_VERIFYING) | MOVE(OTA_IDLE, OTA_ROLLING_BACK) |
	MOVE(OTA_IDLE, OTA_SWITCHING) |
	MOVE(OTA_VERIFYING, OTA_STAGING) | MOVE(OTA_VERIFYING, OTA_IDLE) |
	MOVE(OTA_STAGING, OTA_SWITCHING) | MOVE(OTA_STAGING, OTA_IDLE) |
	MOVE(OTA_SWITCHING, OTA_HEALTH_CHECK) | MOVE(OTA_SWITCHING, OTA_ROLLING_BACK) |
	MOVE(OTA_HEALTH_CHECK, OTA_PROMOTED) | MOVE(OTA_HEALTH_CHECK, OTA_ROLLING_BACK) |
	MOVE(OTA_PROMOTED, OTA_IDLE) | MOVE(OTA_ROLLING_BACK, OTA_IDLE);

bool ota_state_may_move(enum ota_state from, enum ota_state to)
{
	if ((unsigned int)from >= N_STATES || (unsigned int)to >= N_STATES)
		return false;
	return (moves >> ((unsigned int)from * 8 + (unsigned int)to)) & 1;
}

enum ota_recovery ota_state_recovery(enum ota_state s)
{
	switch (s) {
	case OTA_VERIFYING:
	case OTA_STAGING:
		return OTA_RECOVER_DISCARD;
	case OTA_SWITCHING:
	case OTA_HEALTH_CHECK:
	case OTA_ROLLING_BACK:
		return OTA_RECOVER_UNDO_SWITCH;
	case OTA_PROMOTED:
		return OTA_RECOVER_FINISH_PROMOTION;
	case OTA_IDLE:
		break;
	}
	return OTA_RECOVER_NOTHING;
}

/* Read state_dir/name as a JSON object; *out NULL when the file is absent. */
static int load_json(const char *state_dir, const char *name, json_t **out, struct ota_err *err)
{
	char path[4096];
	struct ota_buf b;
	int rc;

	*out = NULL;
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	if (access(path, F_OK) && errno == ENOENT)
		return 0;
	ota_buf_init(&b, STATE_FILE_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == 0)
		rc = ota_canon_parse(b.data, b.len, path, out, err);
	if (rc == 0 && !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = ota_err_set(err, OTA_EFORMAT, "%s: not a JSON object", path);
	}
	ota_buf_free(&b);
	return rc;
}

static int save_json(const char *state_dir, const char *name, json_t *obj, struct ota_err *err)
{
	char path[4096];
	struct ota_buf b;
	int rc;

	if (!obj)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, name) >= (int)sizeof(path)) {
		json_decref(obj);
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	}
	ota_buf_init(&b, STATE_FILE_MAX);
	rc = ota_canon_dump(obj, &b, err);
	if (rc == 0 && (rc = ota_buf_putc(&b, '\n', err)) == 0)
		rc = ota_write_file_atomic(path, b.data, b.len, true, err);
	/* A full disk: the room kept for this (reserve.h), and once more. */
	if (rc == OTA_ENOSPC && ota_reserve_release(state_dir))
		rc = ota_write_file_atomic(path, b.data, b.len, true, err);
	ota_buf_free(&b);
	json_decref(obj);
	return rc;
}

static int copy_version(char *dst, const char *src, const char *what, struct ota_err *err)
{
	if (!src || (*src && !ota_manifest_version_ok(src)))
		return ota_err_set(err, OTA_EFORMAT, "state.json: bad %s", what);
	snprintf(dst, OTA_VERSION_MAX + 1, "%s", src);
	return 0;
}

int ota_state_load(const char *state_dir, struct ota_run *run, struct ota_err *err)
{
	const char *name;
	json_t *o;
	int rc = load_json(state_dir, "state.json", &o, err);
	int st;

	memset(run, 0, sizeof(*run));
	if (rc || !o)
		return rc;
	name = json_string_value(json_object_get(o, "state"));
	st = name ? ota_state_parse(name) : -1;
	if (st < 0)
		rc = ota_err_set(err, OTA_EFORMAT, "%s/state.json: bad state", state_dir);
	else if ((rc = copy_version(run->version, json_string_value(json_object_get(o, "version")),
				    "version", err)) == 0)
		rc = copy_version(run->from, json_string_value(json_object_get(o, "from")), "from",
				  err);
	run->state = st < 0 ? OTA_IDLE : (enum ota_state)st;
	run->kept = json_is_true(json_object_get(o, "kept"));
	json_decref(o);
	return rc;
}

int ota_state_save(const char *state_dir, const struct ota_run *run, struct ota_err *err)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "state", ota_state_name(run->state), "version",
			      run->version, "from", run->from);

	/* Written only when set: an install's state.json is as it always was. */
	if (o && run->kept && json_object_set_new(o, "kept", json_true())) {
		json_decref(o);
		o = NULL;
	}
	return save_json(state_dir, "state.json", o, err);
}

int ota_device_load(const char *state_dir, struct ota_device *d, struct ota_err *err)
{
	json_t *o, *v;
	int rc = load_json(state_dir, "device.json", &o, err);

	memset(d, 0, sizeof(*d));
	if (rc || !o)
		return rc;
	v = json_object_get(o, "rollback_index");
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		rc = ota_err_set(err, OTA_EFORMAT, "%s/device.json: bad rollback_index", state_dir);
	else
		d->rollback_index = (unsigned long long)json_integer_value(v);
	/* Absent in a device.json written before there was one: none yet. */
	v = json_object_get(o, "attested_time");
	if (!rc && v && (!json_is_integer(v) || json_integer_value(v) < 0))
		rc = ota_err_set(err, OTA_EFORMAT, "%s/device.json: bad attested_time", state_dir);
	else if (!rc && v)
		d->attested_time = (long long)json_integer_value(v);
	json_decref(o);
	return rc;
}

int ota_device_save(const char *state_dir, const struct ota_device *d, struct ota_err *err)
{
	json_t *o = json_pack("{s:I}", "rollback_index", (json_int_t)d->rollback_index);

	/* Written only when known: a device.json stays as it was until then. */
	if (o && d->attested_time > 0 &&
	    json_object_set_new(o, "attested_time", json_integer(d->attested_time))) {
		json_decref(o);
		o = NULL;
	}
	return save_json(state_dir, "device.json", o, err);
}

long long ota_device_now(const struct ota_device *d, long long wall)
{
	return wall > d->attested_time ? wall : d->attested_time;
}
