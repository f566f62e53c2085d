/* SPDX-License-Identifier: Apache-2.0 */
/* cli.h - what every tool's main shares: program name, the one-line error
 * on stderr, usage errors, --version.  Only mains use this; libota never
 * prints. */
#ifndef OTA_CLI_H
#define OTA_CLI_H

#include <getopt.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/err.h"

/* The one version of the project: the file VERSION, passed by the
 * Makefile (a build outside it, as clang-tidy's, says "unknown"). */
#ifndef OTA_VERSION
#define OTA_VERSION "unknown"
#endif
#define OTA_TOOLS_VERSION OTA_VERSION

/* Where the help texts send a reader for the exit statuses: the source
 * tree's path and the installed one (the Makefile passes its DOCDIR). */
#ifndef OTA_DOCDIR
#define OTA_DOCDIR "/usr/local/share/doc/ota"
#endif
#define OTA_EXIT_CODES_DOC "schema/exit-codes.md, installed as " OTA_DOCDIR "/schema/exit-codes.md"

/* Remember the program name used as the prefix of every message, and
 * switch LC_CTYPE to C.UTF-8 (bundle entry names are UTF-8). */
void ota_cli_init(const char *prog);
const char *ota_cli_prog(void);

/* Print "prog: <message>" and a newline on f, the message escaped
 * (lib/ctlesc.h: controls, invalid UTF-8 and bidirectional formatting as
 * \xNN) so that nothing from input reaches a terminal raw. */
void ota_cli_say(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same without the "prog: " prefix (a line of results on stdout). */
void ota_cli_print(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "prog: <err->msg>" (escaped, as ota_cli_say) and return the exit
 * status for err->code. */
int ota_cli_fail(const struct ota_err *err);

/* Print "prog: <message>", one line saying what is wrong and what is
 * expected; return exit status 2. */
int ota_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A usage error naming the option getopt_long stopped at: c is ':' for a
 * missing value (an optstring starting with ':' and opterr = 0, which
 * ota_cli_init sets), anything else for an unknown option.  cmd names
 * the subcommand ("" for none). */
int ota_cli_bad_option(const char *cmd, int c, char **argv);

/* Print "prog (ota tools) VERSION" on stdout; return 0. */
int ota_cli_version(void);
/* The version string alone ("0.1.0"), for what reports it (the dashboard). */
const char *ota_cli_version_string(void);

/* A (sub)command as --help shows it and --list-commands names it; the
 * bash completion's test reads --list-commands and each command's --help,
 * so a new command or option cannot be left out of it. */
struct ota_cli_cmd {
	const char *name;
	const char *usage;   /* synopsis after the program name, may span lines */
	const char *summary; /* what it does */
	const char *subs;    /* its own subcommands, space-separated, or NULL */
};

/* Whether args (argv[1] to argv[argc - 1]) ask for help: --help or -h
 * anywhere before "--".  Asked before anything else is read, so that help
 * needs no config file, no key and no root. */
bool ota_cli_asks_help(int argc, char **argv);
/* Whether args are "--version", or a subcommand word and "--version". */
bool ota_cli_asks_version(int argc, char **argv);
/* Print c's name, then "name sub" for each of its subcommands, one a line. */
void ota_cli_list_command(const struct ota_cli_cmd *c);
/* Print "usage: prog USAGE", the summary and notes (may be NULL) on
 * stdout; return 0. */
int ota_cli_command_help(const struct ota_cli_cmd *c, const char *notes);

/* Where a passphrase comes from; every tool that reads or writes a
 * private key takes the same options: --passphrase-file F (its first
 * line), --passphrase-env NAME (the value of that variable) or, for a key
 * being written, --no-passphrase; with none of them, the terminal on
 * stdin, without echo (asked twice for a new passphrase). */
struct ota_cli_pass {
	const char *file; /* --passphrase-file */
	const char *env;  /* --passphrase-env */
	bool none;        /* --no-passphrase */
};

/* getopt_long values of those options (outside the range of letters). */
enum {
	OTA_CLI_OPT_PASS_FILE = 0x100,
	OTA_CLI_OPT_PASS_ENV,
	OTA_CLI_OPT_NO_PASS,
};
#define OTA_CLI_PASS_LONGOPTS                                                                \
	{"passphrase-file", required_argument, NULL, OTA_CLI_OPT_PASS_FILE},                 \
	{"passphrase-env", required_argument, NULL, OTA_CLI_OPT_PASS_ENV}
#define OTA_CLI_NO_PASS_LONGOPT {"no-passphrase", no_argument, NULL, OTA_CLI_OPT_NO_PASS}

/* Take getopt's c and optarg into p if c is one of the options above;
 * returns whether it was. */
bool ota_cli_pass_option(struct ota_cli_pass *p, int c, const char *arg);

/* 0 if p names at most one source, else a usage error (exit status 2)
 * naming cmd ("" for none) and what: "" for a key's passphrase, "new-"
 * for the new one of passwd.
 * With writing, a terminal is needed when no source is named. */
int ota_cli_pass_check(const struct ota_cli_pass *p, const char *cmd, const char *what,
		       bool writing);

/* The passphrase p names (file or environment), NULL with --no-passphrase
 * or when none is named.  *out is freed with ota_passphrase_free.
 * OTA_EUSAGE for an unset variable, OTA_EKEY for an empty or overlong one. */
int ota_cli_passphrase(const struct ota_cli_pass *p, char **out, struct ota_err *err);

/* A passphrase for a key being written: the one p names, NULL with
 * --no-passphrase, else typed twice on the terminal. */
int ota_cli_new_passphrase(const struct ota_cli_pass *p, char **out, struct ota_err *err);

/* Read a new passphrase from the terminal on stdin, twice, without echo;
 * OTA_EUSAGE if the two differ or it is empty.  *out is freed with
 * ota_passphrase_free. */
int ota_cli_prompt_new_passphrase(char **out, struct ota_err *err);

/* The PIN of the PKCS#11 token uri names (lib/pkcs11.h): the one p names
 * (file or environment), else, when the token wants one and stdin is a
 * terminal, asked for without echo; NULL when there is none (the URI's
 * own pin-value or pin-source then applies).  Freed with
 * ota_passphrase_free. */
int ota_cli_token_pin(const char *uri, const struct ota_cli_pass *p, char **out,
		      struct ota_err *err);

/* Load the private key at path: decrypted with the passphrase p names,
 * else, for an encrypted key with a terminal on stdin, with a passphrase
 * asked for without echo.  path may also be a PKCS#11 URI (pkcs11:...,
 * lib/pkcs11.h): a key that stays on its token, whose PIN p names (or
 * the URI, or the terminal).  p may be NULL.  *out owned by the caller. */
int ota_cli_load_private_key(const char *path, const struct ota_cli_pass *p, EVP_PKEY **out,
			     struct ota_err *err);

#endif
