/* SPDX-License-Identifier: Apache-2.0 */
/* keytool.h - what ota-keytool's files share: the subcommand table main.c
 * dispatches on, one cmd_*.c per subcommand. */
#ifndef OTA_KEYTOOL_H
#define OTA_KEYTOOL_H

#include <jansson.h>
#include <openssl/evp.h>
#include <stdbool.h>

#include "cli/cli.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/receipt.h"

/* Returned by a parse_args that did not end the command. */
#define OTA_KEYTOOL_CONTINUE (-1)

struct ota_keytool_cmd {
	struct ota_cli_cmd doc; /* name, synopsis, summary, its subcommands */
	/* argv[0] is the command name; returns the exit status */
	int (*run)(int argc, char **argv);
};

/* The subcommands in the order --help lists them; ends with a NULL run. */
extern const struct ota_keytool_cmd ota_keytool_cmds[];

int cmd_generate(int argc, char **argv);
int cmd_id(int argc, char **argv);
int cmd_pub(int argc, char **argv);
int cmd_passwd(int argc, char **argv);
int cmd_escrow(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_receipts(int argc, char **argv);

/* receipts_ledger.c: the counters collect remembers (schema/receipt.md). */
int receipts_ledger_path(const char *given, char *out, size_t size, struct ota_err *err);
int receipts_ledger_load(const char *path, json_t **out, struct ota_err *err);
/* The last counter and file SHA-256 collected from device (0: none);
 * -1 for a damaged entry. */
int receipts_ledger_last(const json_t *ledger, const char *device, unsigned long long *counter,
			 unsigned char sha[OTA_SHA256_LEN]);
int receipts_ledger_note(json_t *ledger, const char *device, unsigned long long counter,
			 const unsigned char sha[OTA_SHA256_LEN], struct ota_err *err);
int receipts_ledger_save(const char *path, const json_t *ledger, struct ota_err *err);

/* receipts_table.c: the fleet's rows and their printing. */
int receipts_row(json_t *rows, const struct ota_receipt *r, const char *status,
		 const char *label, struct ota_err *err);
int receipts_print(const json_t *rows, bool json, bool csv, struct ota_err *err);
/* escrow combine (argv[0] "combine"), in escrow_combine.c */
int ota_keytool_escrow_combine(int argc, char **argv);
/* trust create and trust timestamp (argv[0] the subcommand), in
 * trust_create.c */
int ota_keytool_trust_create(int argc, char **argv);
int ota_keytool_trust_timestamp(int argc, char **argv);
/* trust show and trust verify (argv[0] the subcommand), in trust_show.c */
int ota_keytool_trust_show(int argc, char **argv);
int ota_keytool_trust_verify(int argc, char **argv);

/* Write t's file text to path: new (unless overwrite), fsynced, renamed
 * into place.  OTA_EEXIST names --force. */
struct ota_trust;
int ota_keytool_write_trust(const struct ota_trust *t, const char *path, bool overwrite,
			    struct ota_err *err);

/* "CMD --help": print the synopsis and summary of cmd on stdout; 0. */
int ota_keytool_help(const char *cmd);
/* Report what getopt_long refused (c is its ':' or '?'); exit status 2. */
int ota_keytool_bad_option(const char *cmd, int c, char **argv);
/* Print a key id line on stdout; OTA_EIO if stdout fails. */
int ota_keytool_print_id(const char *id, struct ota_err *err);

#endif
