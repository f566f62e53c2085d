/* delivery_trust.h - trust files that travel with bundles (schema/trust.md,
 * "On a medium or in an index"): the *.trust files of a medium, or those
 * an index lists, applied in sequence order before a bundle is chosen, so
 * that one medium can carry a rotation and a release signed by the new
 * keys.  Each is judged as `ota-agent trust FILE` judges it
 * (trust_apply.h); a bad or old one is named and skipped like a bad
 * bundle. */
#ifndef OTA_AGENT_DELIVERY_TRUST_H
#define OTA_AGENT_DELIVERY_TRUST_H

#include <stddef.h>

#include "agent/delivery.h"
#include "lib/index.h"
#include "lib/trust.h"

#define DELIVERY_TRUST_MAX OTA_INDEX_MAX_TRUST /* trust files looked at per pass */

/* What the trust step of a pass came to. */
struct delivery_trust {
	struct ota_trust *files; /* owned: those that parsed, at most
				    DELIVERY_TRUST_MAX */
	size_t n;
	size_t applied, current, refused; /* current: already in force */
	int first_rc;                     /* of the first refused, 0 if none */
	struct ota_err first_err;
};

void delivery_trust_init(struct delivery_trust *t);
void delivery_trust_free(struct delivery_trust *t);

/* Take the trust file text (name for messages): parsed into t->files, or
 * refused (noted in p) when it does not parse. */
void delivery_trust_add(struct delivery_trust *t, const unsigned char *text, size_t len,
			const char *name, struct delivery_pass *p);

/* A trust file refused before it was parsed (unreadable, not what the
 * index said): noted in p, counted. */
void delivery_trust_refuse(struct delivery_trust *t, int rc, const struct ota_err *why,
			   struct delivery_pass *p);

/* Read every *.trust of dir (read-only, links not followed) into t. */
int delivery_trust_read_dir(struct delivery_trust *t, const char *dir,
			    struct delivery_pass *p, struct ota_err *err);

/* Apply t's files in sequence order, each under the run lock taken for it
 * alone; the refused are noted in p.  0, or the code of a fault of the
 * device (the lock, the trust state) that stops the pass. */
int delivery_trust_apply(struct agent *a, struct delivery_trust *t, struct delivery_pass *p,
			 struct ota_err *err);

/* t's refusals folded into a pass's count and its first refusal. */
void delivery_trust_fold(const struct delivery_trust *t, size_t *n_refused, int *first_rc,
			 struct ota_err *first_err);

#endif
