/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent identity: the device's key (receipt.h), made if it has none,
 * printed as the line of a device list the laptop checks receipts with
 * (lib/devkey.h): `ota-agent identity >>devices.txt` on the laptop's copy. */
#include <openssl/evp.h>
#include <stdio.h>

#include "agent/receipt.h"
#include "cli/cli.h"
#include "lib/devkey.h"

int cmd_identity(struct agent *a, int argc, char **argv)
{
	char line[OTA_DEVKEY_LINE_MAX];
	struct receipt_identity who;
	struct ota_err err = {0};
	EVP_PKEY *key = NULL;
	int rc;

	(void)argv;
	if (argc != 1)
		return ota_cli_usage("identity: takes no argument");
	if ((rc = receipt_identity(a, true, &who, &key, &err)) == 0 &&
	    (rc = ota_devkey_line(key, line, sizeof(line), &err)) == 0)
		ota_cli_print(stdout, "%s%s%s", line, who.hostname[0] ? " " : "", who.hostname);
	EVP_PKEY_free(key);
	return rc ? ota_cli_fail(&err) : 0;
}
