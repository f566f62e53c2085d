/* audit.h - the agent's audit history: one record per state transition,
 * appended to state_dir/history.jsonl (one canonical JSON object a line)
 * and fsynced before the agent moves on. */
#ifndef OTA_AUDIT_H
#define OTA_AUDIT_H

#include <jansson.h>

#include "lib/err.h"
#include "lib/state.h"

#define OTA_AUDIT_FILE "history.jsonl"
#define OTA_AUDIT_LINE_MAX 4096

struct ota_audit_rec {
	long long time; /* seconds since the epoch */
	enum ota_state from, to;
	const char *version; /* "" if not known yet */
	const char *reason;  /* one line */
};

/* Append r durably. */
int ota_audit_append(const char *state_dir, const struct ota_audit_rec *r, struct ota_err *err);

/* All records, oldest first, as a JSON array of objects with "time" (ISO
 * 8601 UTC), "from", "to", "version", "reason".  *out owned by the caller. */
int ota_audit_load(const char *state_dir, json_t **out, struct ota_err *err);

#endif
