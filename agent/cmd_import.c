/* ota-agent import [DIR]: one pass of the USB source (delivery_usb.c) over
 * a mounted medium, watch.usb by default. */
#include "agent/delivery.h"
#include "agent/interrupt.h"
#include "cli/cli.h"

int cmd_import(struct agent *a, int argc, char **argv)
{
	const char *dir = argc == 2 ? argv[1] : a->cfg.usb_dir;

	if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
		return ota_cli_usage("import: expected one directory (a mounted medium)");
	if (!dir)
		return ota_cli_usage("import: no directory given and no watch.usb in the config");
	interrupt_arm();
	return delivery_run_once(a, &delivery_usb, dir);
}
