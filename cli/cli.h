/* cli.h - what every tool's main shares: program name, the one-line error
 * on stderr, usage errors, --version.  Only mains use this; libota never
 * prints. */
#ifndef OTA_CLI_H
#define OTA_CLI_H

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

#endif
