/* SPDX-License-Identifier: Apache-2.0 */
/* trust_rules.c - what a device accepts (trust.h): a trust file signed by
 * the root thresholds old and new, a timestamp for the set in force, a
 * bundle's signers judged against retirements, and nothing expired. */
#include "lib/trust.h"

#include <stdio.h>
#include <string.h>

#include "lib/freshness.h"

int ota_trust_check_self(const struct ota_trust *t, struct ota_err *err)
{
	size_t n;
	int rc = ota_trust_count(t, &t->keys, &n, err);

	if (rc == 0 && n < t->threshold)
		rc = ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the root keys it "
				 "names, %u needed", t->source, n, t->threshold);
	return rc;
}

int ota_trust_check_target(const struct ota_trust *t, const char *device_class,
			   struct ota_err *err)
{
	if (device_class && strcmp(t->target, OTA_TRUST_ANY_TARGET) &&
	    strcmp(t->target, device_class))
		return ota_err_set(err, OTA_ETARGET, "%s: wrong target: trust file for \"%s\", "
				   "this device is \"%s\"", t->source, t->target, device_class);
	return 0;
}

int ota_trust_check_update(const struct ota_trust *cur, const struct ota_trust *upd,
			   const char *device_class, struct ota_err *err)
{
	size_t n;
	int rc;

	if (upd->kind != OTA_TRUST_KIND_TRUST)
		return ota_err_set(err, OTA_EFORMAT, "%s: a timestamp, not a trust file",
				   upd->source);
	if ((rc = ota_trust_check_target(upd, device_class, err)))
		return rc;
	if (upd->sequence <= cur->sequence)
		return ota_err_set(err, OTA_EROLLBACK, "%s: trust sequence %llu is not newer than "
				   "%llu, the one in force (an old trust file replayed?)",
				   upd->source, upd->sequence, cur->sequence);
	if (upd->sequence - cur->sequence > OTA_TRUST_SEQUENCE_STEP)
		return ota_err_set(err, OTA_EROLLBACK, "%s: trust sequence %llu is more than %llu "
				   "above %llu, the one in force", upd->source, upd->sequence,
				   OTA_TRUST_SEQUENCE_STEP, cur->sequence);
	if ((rc = ota_trust_count(upd, &cur->keys, &n, err)))
		return rc;
	if (n < cur->threshold)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the root "
				   "keys in force, %u needed", upd->source, n, cur->threshold);
	if ((rc = ota_trust_count(upd, &upd->keys, &n, err)))
		return rc;
	if (n < upd->threshold)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the root "
				   "keys it names, %u needed (a new trust set must prove it can sign)",
				   upd->source, n, upd->threshold);
	return 0;
}

int ota_trust_check_fresh(const struct ota_trust *upd, long long now, struct ota_err *err)
{
	return ota_fresh_check_expires(upd->source, upd->expires, now, err);
}

int ota_trust_check_timestamp(const struct ota_trust *cur, const struct ota_trust *ts,
			      const char *device_class, long long now, struct ota_err *err)
{
	const struct ota_keyring *by = cur->timestamp.threshold ? &cur->timestamp.keys : &cur->keys;
	unsigned int need = cur->timestamp.threshold ? cur->timestamp.threshold : cur->threshold;
	size_t n;
	int rc;

	if ((rc = ota_trust_check_target(ts, device_class, err)))
		return rc;
	if (ts->sequence < cur->sequence)
		return ota_err_set(err, OTA_EROLLBACK, "%s: timestamp for trust sequence %llu, "
				   "older than %llu, the one in force", ts->source, ts->sequence,
				   cur->sequence);
	if (ts->sequence > cur->sequence)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: timestamp for trust sequence %llu, "
				   "but this device holds %llu: apply that trust file first",
				   ts->source, ts->sequence, cur->sequence);
	if ((rc = ota_trust_count(ts, by, &n, err)))
		return rc;
	if (n < need)
		return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by %zu of the %s "
				   "keys in force, %u needed", ts->source, n,
				   cur->timestamp.threshold ? "timestamp" : "root", need);
	return ota_trust_check_fresh(ts, now, err);
}

int ota_trust_release_keyring(const struct ota_trust *t, struct ota_keyring *kr,
			      struct ota_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < t->release.keys.n + t->retired.n; i++) {
		const struct ota_pubkey *pk = i < t->release.keys.n
			? &t->release.keys.keys[i] : &t->retired.keys[i - t->release.keys.n];
		rc = ota_keyring_add_raw(kr, pk->raw, pk->source, err);
	}
	return rc;
}

int ota_trust_check_signers(const struct ota_trust *t, const char (*signers)[OTA_KEYID_HEX_LEN + 1],
			    size_t n, long long created, const char *name, struct ota_err *err)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < t->retired.n; k++)
			if (strcmp(signers[i], t->retired.keys[k].id) == 0 &&
			    created >= t->retired_at[k])
				return ota_err_set(err, OTA_EEXPIRED, "%s: signed by key %.16s, "
						   "retired at trust sequence %llu before this "
						   "release was created (%lld >= %lld)", name,
						   signers[i], t->sequence, created,
						   t->retired_at[k]);
	return 0;
}
