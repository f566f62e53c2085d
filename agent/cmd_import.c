/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent import [DIR]: one pass of the USB source (delivery_usb.c) over
 * a mounted medium, watch.usb by default; with watch.receipts on, then a
 * signed receipt of what happened left on the medium (receipt.h).
 * import --mount-options: how the import unit is to mount a stick. */
#include <stdio.h>
#include <string.h>

#include "agent/delivery.h"
#include "agent/interrupt.h"
#include "agent/receipt.h"
#include "cli/cli.h"
#include "lib/release.h"

/* The receipt is a report, not part of the install: its failure is one
 * line on stderr and leaves the import's exit status as it was. */
static void leave_receipt(struct agent *a, const char *dir, const char *before, int status)
{
	char path[PATH_MAX];
	unsigned long long counter = 0;
	struct ota_err err = {0};

	if (receipt_write(a, dir, before, status, path, sizeof(path), &counter, &err))
		ota_cli_say(stderr, "%s (no receipt written)", err.msg);
	else
		ota_cli_print(stdout, "%s: receipt %llu written", path, counter);
}

/* How the import unit mounts a stick (systemd/ota-usb-import@.service):
 * read-write only when the receipt is to be written on it. */
#define MOUNT_OPTIONS "nosuid,nodev,noexec"

int cmd_import(struct agent *a, int argc, char **argv)
{
	const char *dir = argc == 2 ? argv[1] : a->cfg.usb_dir;
	char before[OTA_VERSION_MAX + 1] = "";
	struct ota_err ignored;
	int rc;

	if (argc == 2 && !strcmp(argv[1], "--mount-options")) {
		printf("%s," MOUNT_OPTIONS "\n", a->cfg.receipts ? "rw" : "ro");
		return fflush(stdout) ? ota_exit_status(OTA_EIO) : 0;
	}
	if (argc >= 2 && argv[1][0] == '-' && argv[1][1])
		return ota_cli_usage("import: unknown option '%s'", argv[1]);
	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return ota_cli_usage("import: expected one directory (a mounted medium)");
	if (!dir)
		return ota_cli_usage("import: no directory given and no watch.usb in the config");
	interrupt_arm();
	if (a->cfg.receipts)
		ota_release_link_get(a->cfg.app_dir, "current", before, &ignored);
	rc = delivery_run_once(a, &delivery_usb, dir);
	if (a->cfg.receipts)
		leave_receipt(a, dir, before, rc);
	return rc;
}
