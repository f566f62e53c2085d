/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent install [--quiet] BUNDLE: the whole state machine, forward
 * (engine.h), on one bundle file. */
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "agent/interrupt.h"
#include "cli/cli.h"

int cmd_install(struct agent *a, int argc, char **argv)
{
	char version[OTA_VERSION_MAX + 1];
	struct ota_err err = {0};

	if (argc == 3 && (strcmp(argv[1], "--quiet") == 0 || strcmp(argv[1], "-q") == 0)) {
		a->quiet = true;
		argv++;
		argc--;
	}
	if (argc >= 2 && argv[1][0] == '-' && argv[1][1])
		return ota_cli_usage("install: unknown option '%s'", argv[1]);
	if (argc >= 2 && argv[1][0] == '-' && argv[1][1])
		return ota_cli_usage("install: unknown option '%s'", argv[1]);
	if (argc != 2)
		return ota_cli_usage("install: expected [--quiet] and one bundle file");
	interrupt_arm();
	if (engine_install(a, argv[1], version, &err))
		return ota_cli_fail(&err);
	printf("%s: installed and promoted %s\n", argv[1], version);
	return 0;
}
