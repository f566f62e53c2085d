/* SPDX-License-Identifier: Apache-2.0 */
/* trust_apply.c - one trust file or timestamp accepted or refused on the
 * device (trust_apply.h), and its line in the history. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/trust_apply.h"
#include "lib/audit.h"
#include "lib/fault.h"
#include "lib/freshness.h"
#include "lib/state.h"
#include "lib/trust.h"

static void fault_written(void *ctx)
{
	(void)ctx;
	ota_fault_point("TRUST_WRITTEN");
}

/* A trust change is not a run of the state machine: an IDLE -> IDLE record.
 * The trust state itself is what counts, so a failure to record is not one
 * of the change. */
static void audit(struct agent *a, const char *reason, int rc)
{
	const struct ota_audit_limits lim = {a->cfg.history_max_kb * 1024ULL, a->cfg.history_keep};
	struct ota_audit_rec rec = {.time = (long long)time(NULL), .from = OTA_IDLE,
				    .to = OTA_IDLE, .version = "", .bundle = "",
				    .manifest_sha256 = "",
				    .result = rc ? OTA_AUDIT_REFUSED : OTA_AUDIT_OK,
				    .exit = ota_exit_status(rc), .reason = reason};
	struct ota_err ignored = {0};

	ota_audit_append(a->cfg.state_dir, &lim, &rec, &ignored);
}

/* " added 1a2b3c4d5e6f7a8b ... retired ..." (each after role, if not "")
 * for the history, appended to out at *len. */
static void key_changes(const struct ota_keyring *from, const struct ota_keyring *to,
			const char *role, char *out, size_t size, size_t *len)
{
	size_t i;
	int n;

	for (i = 0; i < to->n && *len < size; i++)
		if (!ota_keyring_find(from, to->keys[i].id) &&
		    (n = snprintf(out + *len, size - *len, " %sadded %.16s", role,
				  to->keys[i].id)) > 0)
			*len += (size_t)n;
	for (i = 0; i < from->n && *len < size; i++)
		if (!ota_keyring_find(to, from->keys[i].id) &&
		    (n = snprintf(out + *len, size - *len, " %sretired %.16s", role,
				  from->keys[i].id)) > 0)
			*len += (size_t)n;
}

static void report_roles(struct agent *a, const char *name, const struct ota_trust_applied *out,
			 char *said, size_t size)
{
	const struct ota_trust *cur = &out->cur, *upd = &out->upd;
	char changes[OTA_AUDIT_LINE_MAX / 2] = "", reason[OTA_AUDIT_LINE_MAX], floor[80] = "";
	size_t len = 0;

	key_changes(&cur->keys, &upd->keys, "root ", changes, sizeof(changes), &len);
	key_changes(&cur->release.keys, &upd->release.keys, "release ", changes, sizeof(changes),
		    &len);
	if (out->floor_raised)
		snprintf(floor, sizeof(floor), "; rollback index floor raised to %llu",
			 upd->min_rollback_index);
	snprintf(reason, sizeof(reason), "trust sequence %llu in force (was %llu): root %u of "
		 "%zu keys, release %u of %zu;%s%s", upd->sequence, cur->sequence, upd->threshold,
		 upd->keys.n, upd->release.threshold, upd->release.keys.n,
		 changes[0] ? changes : " same keys", floor);
	audit(a, reason, 0);
	snprintf(said, size, "%s: %s", name, reason);
}

/* The history line and the one to print for what out says was done. */
static void report(struct agent *a, const char *name, const struct ota_trust_applied *out,
		   char *said, size_t size)
{
	const struct ota_trust *cur = &out->cur, *upd = &out->upd;
	char changes[OTA_AUDIT_LINE_MAX / 2] = "", reason[OTA_AUDIT_LINE_MAX], when[32];
	size_t len = 0;

	if (out->what == OTA_TRUST_CURRENT) {
		ota_time_format(upd->expires, when, sizeof(when));
		snprintf(reason, sizeof(reason), "trust sequence %llu current (timestamp, valid "
			 "until %s)", upd->sequence, when);
		audit(a, reason, 0);
		snprintf(said, size, "%s: %s", name, reason);
		return;
	}
	if (upd->format == OTA_TRUST_FORMAT_ROLES) {
		report_roles(a, name, out, said, size);
		return;
	}
	key_changes(&cur->keys, &upd->keys, "", changes, sizeof(changes), &len);
	snprintf(reason, sizeof(reason), "trust sequence %llu in force (was %llu): %u of %zu "
		 "keys;%s", upd->sequence, cur->sequence, upd->threshold, upd->keys.n,
		 changes[0] ? changes : " same keys");
	audit(a, reason, 0);
	snprintf(said, size, "%s: trust sequence %llu in force: %u of %zu keys must sign;%s", name,
		 upd->sequence, upd->threshold, upd->keys.n, changes[0] ? changes : " same keys");
}

/* A timestamp seen again on a medium (a stick left in, judged at every
 * pass of the daemon) moves nothing: not worth a record. */
static bool moved_nothing(const struct ota_trust_applied *out, long long attested_before)
{
	return out->what == OTA_TRUST_CURRENT && out->attested <= attested_before;
}

static int judge(struct agent *a, const unsigned char *text, size_t len, const char *name,
		 bool by_hand, struct ota_trust_applied *out, char *said, size_t size,
		 struct ota_err *err)
{
	struct ota_trust_device dev = {.state_dir = a->cfg.state_dir, .keys_path = a->cfg.keys,
				       .threshold = a->cfg.threshold,
				       .device_class = a->cfg.device_class,
				       .wall = (long long)time(NULL), .hook = fault_written,
				       .ctx = a};
	char reason[OTA_AUDIT_LINE_MAX];
	struct ota_device before = {0};
	struct ota_err ignored;
	int rc;

	ota_device_load(a->cfg.state_dir, &before, &ignored);
	rc = ota_trust_state_apply(&dev, text, len, name, out, err);
	/* Only a refusal of a file that was read and judged goes to the
	 * history: not a damaged state or an unreadable file. */
	if (rc && by_hand && out->upd.doc.len && out->cur.keys.n) {
		snprintf(reason, sizeof(reason), "trust update refused: %s", err->msg);
		audit(a, reason, rc);
	}
	if (rc)
		return rc;
	if (out->what == OTA_TRUST_ALREADY || (!by_hand && moved_nothing(out, before.attested_time))) {
		snprintf(said, size, "%s: trust sequence %llu is already in force", name,
			 out->upd.sequence);
		return 1;
	}
	ota_fault_point("TRUST_SAVED");
	report(a, name, out, said, size);
	return 0;
}

int trust_apply(struct agent *a, const unsigned char *text, size_t len, const char *name,
		bool by_hand, char *said, size_t size, struct ota_err *err)
{
	struct ota_trust_applied out;
	int rc;

	memset(&out, 0, sizeof(out));
	ota_trust_init(&out.cur);
	ota_trust_init(&out.upd);
	rc = judge(a, text, len, name, by_hand, &out, said, size, err);
	ota_trust_applied_free(&out);
	return rc;
}
