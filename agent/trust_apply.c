/* trust_apply.c - one trust file accepted or refused on the device
 * (trust_apply.h), recorded in the history either way. */
#include <stdio.h>
#include <time.h>

#include "agent/trust_apply.h"
#include "lib/audit.h"
#include "lib/fault.h"

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

/* " added 1a2b3c4d5e6f7a8b ... retired ..." for the history. */
static void key_changes(const struct ota_trust *from, const struct ota_trust *to, char *out,
			size_t size)
{
	size_t i, len = 0;
	int n;

	*out = '\0';
	for (i = 0; i < to->keys.n && len < size; i++)
		if (!ota_keyring_find(&from->keys, to->keys.keys[i].id) &&
		    (n = snprintf(out + len, size - len, " added %.16s", to->keys.keys[i].id)) > 0)
			len += (size_t)n;
	for (i = 0; i < from->keys.n && len < size; i++)
		if (!ota_keyring_find(&to->keys, from->keys.keys[i].id) &&
		    (n = snprintf(out + len, size - len, " retired %.16s", from->keys.keys[i].id)) >
			0)
			len += (size_t)n;
}

static int check_and_save(struct agent *a, const struct ota_trust *cur,
			  const struct ota_trust *upd, bool record_refusal, char *said,
			  size_t size, struct ota_err *err)
{
	char changes[OTA_AUDIT_LINE_MAX / 2], reason[OTA_AUDIT_LINE_MAX];
	int rc;

	if (ota_trust_same(cur, upd)) {
		snprintf(said, size, "%s: trust sequence %llu is already in force", upd->source,
			 upd->sequence);
		return 1;
	}
	if ((rc = ota_trust_check_update(cur, upd, a->cfg.device_class, err))) {
		snprintf(reason, sizeof(reason), "trust update refused: %s", err->msg);
		if (record_refusal)
			audit(a, reason, rc);
		return rc;
	}
	if ((rc = ota_trust_state_save(a->cfg.state_dir, upd, fault_written, a, err)))
		return rc;
	ota_fault_point("TRUST_SAVED");
	key_changes(cur, upd, changes, sizeof(changes));
	snprintf(reason, sizeof(reason), "trust sequence %llu in force (was %llu): %u of %zu "
		 "keys;%s", upd->sequence, cur->sequence, upd->threshold, upd->keys.n,
		 changes[0] ? changes : " same keys");
	audit(a, reason, 0);
	snprintf(said, size, "%s: trust sequence %llu in force: %u of %zu keys must sign;%s",
		 upd->source, upd->sequence, upd->threshold, upd->keys.n,
		 changes[0] ? changes : " same keys");
	return 0;
}

int trust_apply(struct agent *a, const struct ota_trust *upd, bool record_refusal, char *said,
		size_t size, struct ota_err *err)
{
	struct ota_trust cur;
	int rc;

	ota_trust_init(&cur);
	rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &cur, err);
	if (rc == 0)
		rc = check_and_save(a, &cur, upd, record_refusal, said, size, err);
	ota_trust_free(&cur);
	return rc;
}
