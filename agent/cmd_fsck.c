/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent fsck: every release on disk hashed again against the
 * manifest kept for it (lib/fsck.h).  One line on stdout per damaged
 * entry, "VERSION: PATH: why"; exit 7 (hash mismatch) when there is any,
 * 0 when every release is whole.  Run under the lock, so that no prune
 * removes a release half-way through its check. */
#include <stdio.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/fsck.h"

static void print_damage(void *ctx, const char *version, const char *path, const char *why)
{
	(void)ctx;
	if (path[0])
		ota_cli_print(stdout, "%s: %s: %s", version, path, why);
	else
		ota_cli_print(stdout, "%s: %s", version, why);
}

int cmd_fsck(struct agent *a, int argc, char **argv)
{
	struct ota_fsck_count n;
	struct ota_err err = {0};

	(void)argv;
	if (argc > 1)
		return ota_cli_usage("fsck takes no arguments");
	if (ota_fsck_releases(a->cfg.app_dir, a->cfg.state_dir, print_damage, NULL, &n, &err))
		return ota_cli_fail(&err);
	fflush(stdout);
	if (n.damaged) {
		ota_err_set(&err, OTA_EHASH, "fsck: %zu damaged in %zu of %zu releases", n.damaged,
			    n.bad_releases, n.releases);
		return ota_cli_fail(&err);
	}
	printf("%zu release%s, %zu files: whole\n", n.releases, n.releases == 1 ? "" : "s",
	       n.files);
	return 0;
}
