/* SPDX-License-Identifier: Apache-2.0 */
/* fault.h - fault injection for the crash and power-cut tests, one
 * mechanism for the library and the agent.  A process stops at a named
 * point when the environment names it:
 *
 *   OTA_AGENT_FAULT_AFTER=POINT   at ota_fault_point(POINT): a state of
 *                                 state.h whose work is done, STAGING_HALF,
 *                                 PRUNE (an old release moved away, not yet
 *                                 deleted), ROTATE (a history segment
 *                                 renamed, the new one not yet written),
 *                                 DELIVERING (a copy off a medium or a
 *                                 download under way, also a download
 *                                 read by a direct install), TRUST_WRITTEN,
 *                                 TRUST_SAVED; and in ota-sign (in place,
 *                                 bundle_sign.h) SIGN_SLOT_WRITTEN (the
 *                                 first slot written, not committed),
 *                                 SIGN_COMMITTED
 *   OTA_AGENT_FAULT_ENTER=STATE   at ota_fault_entered(STATE): right after
 *                                 the move to STATE is on record
 *   OTA_AGENT_FAULT_SIGNAL=STOP   stop with SIGSTOP instead of SIGKILL, so a
 *                                 test outside can cut the machine's power
 *                                 at exactly that moment
 *
 * A process stops there once: continued (SIGCONT), it runs on.  Unset, a
 * point costs one getenv.
 */
#ifndef OTA_FAULT_H
#define OTA_FAULT_H

void ota_fault_point(const char *point);
void ota_fault_entered(const char *state);

#endif
