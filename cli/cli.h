/* cli.h - what every tool's main shares: program name, the one-line error
 * on stderr, usage errors, --version.  Only mains use this; libota never
 * prints. */
#ifndef OTA_CLI_H
#define OTA_CLI_H

#include <openssl/evp.h>

#include "lib/err.h"

#define OTA_TOOLS_VERSION "0.1.0"

/* Remember the program name used as the prefix of every message, and
 * switch LC_CTYPE to C.UTF-8 (bundle entry names are UTF-8). */
void ota_cli_init(const char *prog);
const char *ota_cli_prog(void);

/* Print "prog: <err->msg>" and return the exit status for err->code. */
int ota_cli_fail(const struct ota_err *err);

/* Print "prog: <message>" plus a hint to run --help; return exit status 2. */
int ota_cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "prog (ota tools) VERSION" on stdout; return 0. */
int ota_cli_version(void);

/* Read a new passphrase from the terminal on stdin, twice, without echo;
 * OTA_EUSAGE if the two differ or it is empty.  *out is freed with
 * ota_passphrase_free. */
int ota_cli_prompt_new_passphrase(char **out, struct ota_err *err);

/* Load the private key at path: decrypted with the first line of passfile
 * when given, else, for an encrypted key with a terminal on stdin, with a
 * passphrase asked for without echo.  *out owned by the caller. */
int ota_cli_load_private_key(const char *path, const char *passfile, EVP_PKEY **out,
			     struct ota_err *err);

#endif
