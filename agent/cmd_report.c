/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent report --html FILE [--force]: the dashboard's page as one
 * self-contained file to carry off the device: written to a temporary
 * name, fsynced and renamed, never over an existing file unless --force. */
#include <stdio.h>
#include <string.h>

#include "agent/view.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/fsutil.h"

int cmd_report(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_buf page;
	const char *path = NULL;
	bool force = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "--html") && i + 1 < argc)
			path = argv[++i];
		else
			return ota_cli_usage("report: expected --html FILE [--force]");
	}
	if (!path)
		return ota_cli_usage("report: expected --html FILE [--force]");
	/* Refuse early, before the work; the rename refuses again if it races. */
	if ((rc = ota_check_output(path, force, &err)))
		goto out;
	ota_buf_init(&page, 0);
	rc = view_render_page(a, NULL, &page, &err);
	if (rc == 0)
		rc = ota_write_file_atomic(path, page.data, page.len, force, &err);
	if (rc == 0)
		printf("%s: written (%zu bytes)\n", path, page.len);
	ota_buf_free(&page);
out:
	return rc ? ota_cli_fail(&err) : 0;
}
