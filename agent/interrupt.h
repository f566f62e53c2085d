/* SPDX-License-Identifier: Apache-2.0 */
/* interrupt.h - Ctrl-C, SIGTERM and SIGHUP while a command run by hand
 * changes the device (install, import, poll --once): a request to stop,
 * which the engine honours at its next step.  Before the switch the
 * staged release is discarded; after it and before promotion the last
 * good release is put back and restarted; a promotion under way is
 * finished.  The command then exits 22 with a line saying what was done.
 * A second signal changes nothing more: the handlers stay, only the first
 * signal is kept.  The daemon never arms this: systemd stops it between
 * passes, and lets an install under way end (supervisor.h). */
#ifndef OTA_AGENT_INTERRUPT_H
#define OTA_AGENT_INTERRUPT_H

/* Catch SIGINT, SIGTERM and SIGHUP from now on. */
void interrupt_arm(void);
/* The first of them caught, or 0. */
int interrupt_signal(void);
/* "SIGINT", "SIGTERM", "SIGHUP" for a signal interrupt_signal gave. */
const char *interrupt_name(int sig);

#endif
