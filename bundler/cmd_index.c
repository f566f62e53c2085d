/* ota-bundle index: describe every bundle of a directory in its
 * index.json, so that any static web server can offer them to
 * `ota-agent poll`.  The index is a hint; trust is each bundle's signature. */
#include <stdio.h>

#include "bundler/bundler.h"
#include "cli/cli.h"
#include "lib/index.h"

int cmd_index(int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_buf warnings;
	size_t n = 0;
	int rc;

	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("index: expected one directory");
	ota_buf_init(&warnings, 1024 * 1024);
	rc = ota_index_write_dir(argv[1], &n, &warnings, &err);
	/* One line per file that was not listed, each already naming it. */
	if (warnings.len)
		fprintf(stderr, "%s", (const char *)warnings.data);
	ota_buf_free(&warnings);
	if (rc)
		return ota_cli_fail(&err);
	printf("%s/%s: %zu bundle%s\n", argv[1], OTA_INDEX_FILE, n, n == 1 ? "" : "s");
	return 0;
}
