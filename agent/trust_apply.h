/* SPDX-License-Identifier: Apache-2.0 */
/* trust_apply.h - accepting one trust file or timestamp on the device:
 * lib/trust.h's ota_trust_state_apply (the rules, the durable save, the
 * attested time) and the line in the history.  Shared by `ota-agent trust
 * FILE` and the delivery passes that find trust files on a medium or in
 * an index (delivery_trust.c). */
#ifndef OTA_AGENT_TRUST_APPLY_H
#define OTA_AGENT_TRUST_APPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/agent.h"

/* Apply the trust file or timestamp text (len bytes; name for messages)
 * under the run lock the caller holds.  0 when it was applied, said
 * getting the line to print ("NAME: trust sequence N in force: ..."),
 * recorded in the history; 1 when it is in force already (said says so;
 * nothing recorded); otherwise the refusal, with nothing changed.  by_hand
 * is a person's `ota-agent trust`: its refusals are recorded in the
 * history ("trust update refused: ..."), and a timestamp applied again is
 * recorded again.  A medium's file (!by_hand), which the daemon judges
 * again at every pass, records neither: refusals are notes, as its bad
 * bundles are, and a timestamp that moved nothing is "already in force". */
int trust_apply(struct agent *a, const unsigned char *text, size_t len, const char *name,
		bool by_hand, char *said, size_t size, struct ota_err *err);

#endif
