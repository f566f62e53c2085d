/* SPDX-License-Identifier: Apache-2.0 */
/* run.h - running the commands a device's config names (the service
 * restart, the restart count, health commands): /bin/sh -c with a bounded
 * time, a clean signal mask, extra environment, and captured output.
 */
#ifndef OTA_RUN_H
#define OTA_RUN_H

#include <stddef.h>

#include "lib/err.h"

/* Run a shell command (/bin/sh -c) with the given extra environment
 * (NULL-terminated "NAME=value" list, may be NULL), at most timeout_ms
 * (then its process group is killed, and that is a failure).  Returns its exit status (0..255),
 * or a negative OTA code with err set when it could not be run or timed
 * out.  If out is not NULL, up to outlen-1 bytes of its stdout are stored
 * NUL-terminated. */
int ota_run_command(const char *cmd, char *const *env, unsigned int timeout_ms, char *out,
		    size_t outlen, struct ota_err *err);

/* Run cmd like ota_run_command, with its stderr folded into its captured
 * stdout so nothing it prints reaches ours (the tools' errors are one
 * line).  0 for exit 0; otherwise OTA_EHEALTH "WHAT exited N: CMD: <its
 * last line of output>", or the error of ota_run_command. */
int ota_run_checked(const char *what, const char *cmd, char *const *env,
		    unsigned int timeout_ms, struct ota_err *err);

#endif
