/* SPDX-License-Identifier: Apache-2.0 */
/* agent.c - the run lock of agent.h: the agent's directories made, the
 * lock taken and state_dir's reserve kept in one place, for a command's
 * whole run or one pass. */
#include <unistd.h>

#include "agent/agent.h"
#include "lib/layout.h"
#include "lib/lock.h"
#include "lib/reserve.h"

int agent_lock(struct agent *a, struct ota_err *err)
{
	struct ota_err ignored;
	int rc;

	if (a->lock_fd >= 0)
		return 0;
	if ((rc = ota_layout_prepare(a->cfg.app_dir, a->cfg.state_dir, err)) ||
	    (rc = ota_lock_take(a->cfg.state_dir, &a->lock_fd, err)))
		return rc;
	a->own_lock = true;
	/* Room for a rollback's writes on a full disk, kept when there is
	 * room for it (lib/reserve.h); without, the run goes on. */
	ota_reserve_make(a->cfg.state_dir, &ignored);
	return 0;
}

void agent_unlock(struct agent *a)
{
	if (!a->own_lock)
		return;
	close(a->lock_fd);
	a->lock_fd = -1;
	a->own_lock = false;
}
