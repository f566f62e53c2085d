/* SPDX-License-Identifier: Apache-2.0 */
/* trust_set.c - the keys and threshold in force (trust_set.h). */
#include "agent/trust_set.h"

#include <time.h>

#include "lib/freshness.h"
#include "lib/trust.h"

int trust_set_load(struct agent *a, struct ota_err *err)
{
	struct ota_trust t;
	int rc;

	/* Fail closed: no key is left trusted when the set in force cannot be read. */
	ota_keyring_free(&a->keys);
	a->threshold = 0;
	rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &t, err);
	/* Release keys, and retired ones (judged by trust_set_check_bundle):
	 * root keys count on a bundle only where they are release keys too. */
	if (rc == 0)
		rc = ota_trust_release_keyring(&t, &a->keys, err);
	if (rc == 0)
		a->threshold = t.release.threshold;
	else
		ota_keyring_free(&a->keys);
	ota_trust_free(&t);
	return rc;
}

int trust_set_check_bundle(struct agent *a, const struct ota_verify_result *res,
			   const char *name, struct ota_err *err)
{
	const struct ota_manifest *m = res->manifest;
	struct ota_trust t;
	long long now;
	int rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &t, err);

	if (rc == 0)
		rc = ota_trust_check_signers(&t, res->signed_by, res->n_signed, m->created, name,
					     err);
	if (rc == 0)
		rc = ota_fresh_now(a->cfg.state_dir, (long long)time(NULL), &now, err);
	if (rc == 0)
		rc = ota_fresh_check_expires(name, m->expires, now, err);
	ota_trust_free(&t);
	return rc;
}
