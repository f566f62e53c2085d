/* SPDX-License-Identifier: Apache-2.0 */
/* ota-bundle index: describe every bundle of a directory in its
 * index.json, so that any static web server can offer them to
 * `ota-agent poll`.  The index is a hint; trust is each bundle's signature. */
#include <stdio.h>
#include <string.h>

#include "bundler/bundler.h"
#include "cli/cli.h"
#include "lib/index.h"

int cmd_index(int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_buf warnings;
	const char *line, *nl;
	size_t n = 0, n_trust = 0;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("index: expected one directory");
	ota_buf_init(&warnings, 1024 * 1024);
	rc = ota_index_write_dir(argv[1], &n, &n_trust, &warnings, &err);
	/* One line per file that was not listed, each already naming it. */
	for (line = (const char *)warnings.data; line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			nl = line + strlen(line) - 1;
		ota_cli_say(stderr, "%.*s", (int)(nl - line + (*nl != '\n')), line);
	}
	ota_buf_free(&warnings);
	if (rc)
		return ota_cli_fail(&err);
	if (n_trust)
		ota_cli_print(stdout, "%s/%s: %zu bundle%s, %zu trust file%s", argv[1],
			      OTA_INDEX_FILE, n, n == 1 ? "" : "s", n_trust, n_trust == 1 ? "" : "s");
	else
		ota_cli_print(stdout, "%s/%s: %zu bundle%s", argv[1], OTA_INDEX_FILE, n,
			      n == 1 ? "" : "s");
	return 0;
}
