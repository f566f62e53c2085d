/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz.h - what the fuzz targets share: the libFuzzer entry points, a
 * check that aborts with a message (so libFuzzer, or the replay driver,
 * records the input as a crash), and the properties every failure of
 * libota must have whatever the input: a documented code and one line.
 *
 * Each fuzz_<name>.c is one target; it is linked either with libFuzzer
 * (clang, `make fuzz`) or with replay.c (any compiler, `make check`),
 * which runs it over its checked-in corpus once.
 */
#ifndef OTA_FUZZ_H
#define OTA_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* common.c has a weak default that does nothing. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Print "fuzz: <file>:<line>: <what>" and abort() when cond is false. */
#define FUZZ_CHECK(cond, ...)                                                                      \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                                \
	} while (0)

void fuzz_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

/* rc is a failure of libota: a code of err.h, recorded in err, whose
 * message is one non-empty line (what a tool prints after "prog: "). */
void fuzz_check_failure(int rc, const struct ota_err *err, const char *what);

/* With FUZZ_VERBOSE set in the environment, print what a step returned
 * ("fuzz: what: ok" or its message) on stderr: how to see what one input
 * does (fuzz/README.md). */
void fuzz_note(const char *what, int rc, const struct ota_err *err);

/* A memory file (memfd_create) holding data, its offset at 0; aborts if
 * one cannot be made.  The caller closes it. */
int fuzz_memfd(const char *name, const uint8_t *data, size_t size);

/* A fresh private directory under $TMPDIR for this process, removed at
 * exit; returns its path (static storage). */
const char *fuzz_tmpdir(const char *prefix);

/* Abort unless dir holds nothing at all (no entry, hidden or not). */
void fuzz_check_empty_dir(const char *dir, const char *what);

/* How many file descriptors the process has open (/proc/self/fd); a
 * target compares the count before and after an input to catch one the
 * library forgot to close.  (Not across inputs: libFuzzer opens pipes to
 * its symbolizer between them.) */
int fuzz_count_fds(void);

#endif
