/* SPDX-License-Identifier: Apache-2.0 */
/* fault.c - stop at a named point for the crash tests (fault.h). */
#include "lib/fault.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void stop_if(const char *var, const char *name)
{
	static int fired; /* a point reached again after SIGCONT goes on */
	const char *want = getenv(var), *sig;

	if (!want || strcmp(want, name) || fired)
		return;
	fired = 1;
	sig = getenv("OTA_AGENT_FAULT_SIGNAL");
	kill(getpid(), sig && strcmp(sig, "STOP") == 0 ? SIGSTOP : SIGKILL);
}

void ota_fault_point(const char *point)
{
	stop_if("OTA_AGENT_FAULT_AFTER", point);
}

void ota_fault_entered(const char *state)
{
	stop_if("OTA_AGENT_FAULT_ENTER", state);
}
