/* trust_set.c - the keys and threshold in force (trust_set.h). */
#include "agent/trust_set.h"

#include "lib/trust.h"

int trust_set_load(struct agent *a, struct ota_err *err)
{
	struct ota_trust t;
	int rc;

	/* Fail closed: no key is left trusted when the set in force cannot be read. */
	ota_keyring_free(&a->keys);
	a->threshold = 0;
	rc = ota_trust_state_load(a->cfg.state_dir, a->cfg.keys, a->cfg.threshold, &t, err);
	if (rc == 0) {
		a->keys = t.keys; /* taken over */
		t.keys.keys = NULL;
		t.keys.n = 0;
		a->threshold = t.threshold;
	}
	ota_trust_free(&t);
	return rc;
}
