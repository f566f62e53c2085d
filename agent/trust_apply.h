/* trust_apply.h - accepting one trust file on the device: the rules of
 * lib/trust.h against the set in force, the durable save, and the line in
 * the history.  Shared by `ota-agent trust FILE` and the delivery passes
 * that find trust files on a medium or in an index (delivery_trust.c). */
#ifndef OTA_AGENT_TRUST_APPLY_H
#define OTA_AGENT_TRUST_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/agent.h"
#include "lib/trust.h"

/* Apply upd (parsed, from upd->source) under the run lock the caller
 * holds.  0 when it is now in force, said getting the line to print
 * ("FILE: trust sequence N in force: ..."); 1 when it is in force already
 * (said says so, nothing written or recorded); otherwise the refusal of
 * ota_trust_check_update (recorded in the history as "trust update
 * refused: ..." when record_refusal: a person's `ota-agent trust`, not a
 * medium's file, judged again at every pass of the daemon) or of the load
 * or save, with nothing changed. */
int trust_apply(struct agent *a, const struct ota_trust *upd, bool record_refusal, char *said,
		size_t size, struct ota_err *err);

#endif
