/* SPDX-License-Identifier: Apache-2.0 */
/* ota-bundle manifest: print (or write) a bundle's exact manifest bytes,
 * which is all the air-gapped signing box needs to see. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "bundler/bundler.h"
#include "cli/cli.h"
#include "lib/bundle_read.h"
#include "lib/fsutil.h"

static int write_out(const char *out, bool force, const struct ota_buf *b, struct ota_err *err)
{
	struct ota_atomic t = {.fd = -1};
	int rc;

	if (!out)
		return ota_write_all(STDOUT_FILENO, b->data, b->len, "stdout", err);
	if ((rc = ota_atomic_open(&t, out, 0644, err)))
		return rc;
	rc = ota_write_all(t.fd, b->data, b->len, out, err);
	if (rc == 0)
		rc = ota_atomic_commit(&t, force, err);
	ota_atomic_abort(&t);
	return rc;
}

int cmd_manifest(int argc, char **argv)
{
	static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
						 {"force", no_argument, NULL, 'f'},
						 {NULL, 0, NULL, 0}};
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	struct ota_err err = {0};
	const char *out = NULL;
	bool force = false;
	int fd = -1, c, rc;

	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		if (c == 'f')
			force = true;
		else if (c == 'o')
			out = optarg;
		else
			return ota_cli_bad_option("manifest", c, argv);
	}
	if (optind + 1 != argc)
		return ota_cli_usage("manifest: expected one bundle file");
	/* The rule of every output: a file only with --force, a directory never. */
	if (out && ota_check_output(out, force, &err))
		return ota_cli_fail(&err);
	fd = ota_open_regular(AT_FDCWD, argv[optind], 0, NULL, NULL, &err);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	if ((rc = ota_bundle_reader_new(&r, fd, argv[optind], &err)) ||
	    (rc = ota_bundle_read_head(r, &head, &err)))
		goto out;
	rc = write_out(out, force, &head->manifest, &err);
out:
	ota_bundle_reader_free(r);
	if (fd >= 0)
		close(fd);
	return rc ? ota_cli_fail(&err) : 0;
}
