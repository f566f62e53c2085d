/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool receipts verify|collect DIR --devices FILE: the receipts
 * devices left on a stick (schema/receipt.md), checked on the laptop
 * against the list of device keys: forged, altered, replayed and unknown
 * ones refused (24), the rest printed as the fleet's table.  collect also
 * remembers each device's counter (receipts_ledger.c), so that an older
 * receipt brought later is a replay. */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/devkey.h"
#include "lib/dirnames.h"
#include "lib/receipt.h"

#define RECEIPTS_MAX 100000

struct opts {
	bool collect, json, csv;
	const char *dir, *devices, *state;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{"devices", required_argument, NULL, 'd'}, {"state", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'}, {"csv", no_argument, NULL, 'c'},
		{NULL, 0, NULL, 0}};
	int c;

	if (argc < 2 || (strcmp(argv[1], "verify") && strcmp(argv[1], "collect")))
		return ota_cli_usage("receipts: expected verify or collect");
	o->collect = !strcmp(argv[1], "collect");
	optind = 2;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'd': o->devices = optarg; break;
		case 's': o->state = optarg; break;
		case 'j': o->json = true; break;
		case 'c': o->csv = true; break;
		default: return ota_cli_bad_option("receipts: ", c, argv);
		}
	}
	if (optind + 1 != argc)
		return ota_cli_usage("receipts %s: expected one directory", argv[1]);
	if (!o->devices)
		return ota_cli_usage("receipts %s: --devices FILE is required", argv[1]);
	if (o->json && o->csv)
		return ota_cli_usage("receipts %s: --json or --csv, not both", argv[1]);
	o->dir = argv[optind];
	return 0;
}

/* One receipt file: verified, named for its device, fresh.  0 new, 1 the
 * one collected last; OTA_ERECEIPT (or another code) refused. */
static int judge(const char *path, const char *name, const struct ota_keyring *devices,
		 const json_t *ledger, struct ota_receipt *r, unsigned char sha[OTA_SHA256_LEN],
		 struct ota_err *err)
{
	unsigned char last_sha[OTA_SHA256_LEN];
	unsigned long long last;
	struct ota_buf b;
	int rc;

	ota_buf_init(&b, OTA_RECEIPT_FILE_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == OTA_EFORMAT)
		rc = ota_err_set(err, OTA_ERECEIPT, "%s: malformed: over %d bytes", path,
				 OTA_RECEIPT_FILE_MAX);
	if (rc == 0)
		rc = ota_receipt_verify(b.data, b.len, path, devices, r, err);
	if (rc == 0)
		rc = ota_sha256(b.data, b.len, sha, err);
	/* A good receipt copied under another device's name is not that device's. */
	if (rc == 0 && (strncmp(name, r->device, OTA_KEYID_HEX_LEN) ||
			strcmp(name + OTA_KEYID_HEX_LEN, OTA_RECEIPT_EXT)))
		rc = ota_err_set(err, OTA_ERECEIPT, "%s: the receipt of device %.16s under another "
				 "name", path, r->device);
	if (rc == 0 && receipts_ledger_last(ledger, r->device, &last, last_sha))
		rc = ota_err_set(err, OTA_EFORMAT, "damaged ledger entry for %.16s", r->device);
	if (rc == 0)
		rc = ota_receipt_fresh(path, last, last_sha, r->counter, sha, err);
	ota_buf_free(&b);
	return rc;
}

/* DIR/receipts when DIR is the stick, else DIR itself. */
static void receipts_dir(const char *dir, char *out, size_t size)
{
	struct stat st;

	if (snprintf(out, size, "%s/" OTA_RECEIPTS_DIR, dir) >= (int)size || lstat(out, &st) ||
	    !S_ISDIR(st.st_mode))
		snprintf(out, size, "%s", dir);
}

struct run {
	const struct opts *o;
	struct ota_keyring devices;
	json_t *ledger, *rows;
	char dir[PATH_MAX], ledger_path[PATH_MAX];
	size_t refused, fresh;
};

static int one(struct run *x, const char *name, struct ota_err *err)
{
	unsigned char sha[OTA_SHA256_LEN];
	struct ota_receipt r;
	struct ota_err why = {0};
	char path[PATH_MAX];
	int rc;

	if (snprintf(path, sizeof(path), "%s/%s", x->dir, name) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", x->dir);
	rc = judge(path, name, &x->devices, x->ledger, &r, sha, &why);
	if (rc < 0 && rc != OTA_ERECEIPT && rc != OTA_EIO) {
		*err = why;
		return rc;
	}
	if (rc < 0) {
		ota_cli_say(stderr, "%s", why.msg);
		x->refused++;
		return 0;
	}
	x->fresh += rc == 0;
	if (rc == 0 && x->o->collect &&
	    (rc = receipts_ledger_note(x->ledger, r.device, r.counter, sha, err)))
		return rc;
	return receipts_row(x->rows, &r, rc == 0 ? "new" : "collected before",
			    x->devices.keys ? ota_keyring_find(&x->devices, r.device)->source : "",
			    err);
}

static int run(struct run *x, struct ota_err *err)
{
	char **names = NULL;
	size_t n = 0, i;
	int rc;

	receipts_dir(x->o->dir, x->dir, sizeof(x->dir));
	if ((rc = ota_devices_load(x->o->devices, &x->devices, err)) ||
	    (rc = receipts_ledger_path(x->o->state, x->ledger_path, sizeof(x->ledger_path), err)) ||
	    (rc = receipts_ledger_load(x->ledger_path, &x->ledger, err)) ||
	    (rc = ota_dir_names(x->dir, OTA_RECEIPT_EXT, RECEIPTS_MAX, "receipts", &names, &n,
				err)))
		goto out;
	if (!(x->rows = json_array())) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	for (i = 0; rc == 0 && i < n; i++)
		rc = one(x, names[i], err);
	/* Only what was accepted moves the ledger; a refused file never does. */
	if (rc == 0 && x->o->collect && x->fresh)
		rc = receipts_ledger_save(x->ledger_path, x->ledger, err);
	if (rc == 0)
		rc = receipts_print(x->rows, x->o->json, x->o->csv, err);
out:
	ota_dir_names_free(names, n);
	return rc;
}

int cmd_receipts(int argc, char **argv)
{
	struct opts o = {0};
	struct run x = {.o = &o};
	struct ota_err err = {0};
	int rc;

	if ((rc = parse(argc, argv, &o)))
		return rc;
	rc = run(&x, &err);
	ota_keyring_free(&x.devices);
	json_decref(x.ledger);
	json_decref(x.rows);
	if (rc)
		return ota_cli_fail(&err);
	if (x.refused)
		ota_cli_say(stderr, "%s: %zu receipt%s refused", x.dir, x.refused,
			    x.refused == 1 ? "" : "s");
	return x.refused ? ota_exit_status(OTA_ERECEIPT) : 0;
}
