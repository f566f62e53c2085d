/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool trust create|timestamp|sign|show|verify: trust files on the
 * signing boxes (lib/trust.h).  create and timestamp (trust_create.c)
 * write the unsigned document, each key holder signs it in place, show and
 * verify (trust_show.c) check it the way a device will before it is
 * carried out to the fleet. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"
#include "lib/state.h"
#include "lib/trust.h"

/* Write t's file text to path: new (O_EXCL unless overwrite), fsynced. */
int ota_keytool_write_trust(const struct ota_trust *t, const char *path, bool overwrite,
			    struct ota_err *err)
{
	struct ota_atomic a = {.fd = -1};
	struct ota_buf text;
	int rc;

	ota_buf_init(&text, 0);
	if ((rc = ota_trust_format(t, &text, err)) || (rc = ota_atomic_open(&a, path, 0644, err)) ||
	    (rc = ota_write_all(a.fd, text.data, text.len, path, err)))
		goto out;
	rc = ota_atomic_commit(&a, overwrite, err);
	if (rc == OTA_EEXIST)
		rc = ota_err_set(err, rc, "%s: exists (use --force to replace it)", path);
out:
	ota_atomic_abort(&a);
	ota_buf_free(&text);
	return rc;
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
						 OTA_CLI_PASS_LONGOPTS,
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct ota_cli_pass pass = {0};
	struct ota_err err = {0};
	struct ota_trust t;
	const char *key_path = NULL;
	EVP_PKEY *key = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&pass, c, optarg))
			continue;
		if (c == 'k')
			key_path = optarg;
		else if (c == 'h')
			return ota_keytool_help("trust");
		else
			return ota_keytool_bad_option("trust sign", c, argv);
	}
	if (!key_path || optind + 1 != argc)
		return ota_cli_usage("trust sign: expected --key K and one trust file");
	if ((c = ota_cli_pass_check(&pass, "trust sign", "", false)))
		return c;
	/* Never sign what a device would refuse to parse. */
	if ((rc = ota_trust_load(argv[optind], &t, &err)) == 0 &&
	    (rc = ota_cli_load_private_key(key_path, &pass, &key, &err)) == 0 &&
	    (rc = ota_trust_sign(&t, key, &err)) == 0 &&
	    (rc = ota_keytool_write_trust(&t, argv[optind], true, &err)) == 0)
		printf("%s: signed (%zu signature%s)\n", argv[optind], t.n_sigs,
		       t.n_sigs == 1 ? "" : "s");
	EVP_PKEY_free(key);
	ota_trust_free(&t);
	return rc ? ota_cli_fail(&err) : 0;
}

int cmd_trust(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} sub[] = {{"create", ota_keytool_trust_create},
		   {"timestamp", ota_keytool_trust_timestamp},
		   {"sign", cmd_sign},
		   {"show", ota_keytool_trust_show},
		   {"verify", ota_keytool_trust_verify}};
	size_t i;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return ota_keytool_help("trust");
	for (i = 0; argc >= 2 && i < sizeof(sub) / sizeof(sub[0]); i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].run(argc - 1, argv + 1);
	if (argc < 2)
		return ota_cli_usage("trust: expected create, timestamp, sign, show or "
				     "verify");
	return ota_cli_usage("trust: unknown command '%s' (expected create, timestamp, "
			     "sign, show or verify)", argv[1]);
}
