/* SPDX-License-Identifier: Apache-2.0 */
/* trust_set.h - the trust set in force on the device: the trust file it
 * accepted last (state_dir/trust.ota, schema/trust.md), else the factory
 * keys and threshold of the config. */
#ifndef OTA_AGENT_TRUST_SET_H
#define OTA_AGENT_TRUST_SET_H

#include "agent/agent.h"
#include "lib/verify.h"

/* Load its release role into a->keys and a->threshold (retired release
 * keys too: trust_set_check_bundle judges them), read again at every
 * call.  On failure a->keys is left empty: no key is trusted. */
int trust_set_load(struct agent *a, struct ota_err *err);

/* Freshness of a bundle whose signatures verified (res, named name): no
 * signer retired at or before its created (OTA_EEXPIRED), and not
 * expired at the device's time (ota_device_now: the attested time, or
 * the wall clock where ahead; OTA_EEXPIRED). */
int trust_set_check_bundle(struct agent *a, const struct ota_verify_result *res,
			   const char *name, struct ota_err *err);

#endif
