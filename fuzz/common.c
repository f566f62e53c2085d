/* SPDX-License-Identifier: Apache-2.0 */
/* common.c - helpers of the fuzz targets (fuzz.h): checks that abort with
 * a reason, memory files, the per-process scratch directory. */
#include "fuzz/fuzz.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/fsutil.h"

/* The default LLVMFuzzerInitialize, for targets that need none; a
 * target's own definition replaces it. */
/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

void fuzz_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fuzz_check_failure(int rc, const struct ota_err *err, const char *what)
{
	/* err.c names every code of err.h; anything else is "error". */
	FUZZ_CHECK(rc < 0 && strcmp(ota_code_name(rc), "error") != 0,
		   "%s: returned %d, not an OTA_E* code", what, rc);
	FUZZ_CHECK(err->code == rc, "%s: returned %d but err.code is %d (%s)", what, rc, err->code,
		   err->msg);
	FUZZ_CHECK(err->msg[0] != '\0', "%s: failed (%d) with an empty message", what, rc);
	FUZZ_CHECK(!strchr(err->msg, '\n') && !strchr(err->msg, '\r'),
		   "%s: message is not one line: %s", what, err->msg);
	FUZZ_CHECK(strlen(err->msg) < sizeof(err->msg), "%s: message not terminated", what);
}

void fuzz_note(const char *what, int rc, const struct ota_err *err)
{
	static int verbose = -1;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (!verbose)
		return;
	if (rc == 0)
		fprintf(stderr, "fuzz: %s: ok\n", what);
	else
		fprintf(stderr, "fuzz: %s: exit %d: %s\n", what, ota_exit_status(rc), err->msg);
}

int fuzz_memfd(const char *name, const uint8_t *data, size_t size)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t off = 0;
	ssize_t n;

	FUZZ_CHECK(fd >= 0, "memfd_create failed");
	while (off < size) {
		n = write(fd, data + off, size - off);
		FUZZ_CHECK(n > 0, "write to memfd failed");
		off += (size_t)n;
	}
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek on memfd failed");
	return fd;
}

static char tmp_path[256];

static void remove_tmpdir(void)
{
	if (tmp_path[0])
		ota_rm_tree(tmp_path, NULL);
}

const char *fuzz_tmpdir(const char *prefix)
{
	const char *base = getenv("TMPDIR");

	if (tmp_path[0])
		return tmp_path;
	if (!base || !*base)
		base = "/tmp";
	FUZZ_CHECK((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s/%s.XXXXXX", base, prefix) <
		       sizeof(tmp_path),
		   "TMPDIR too long");
	FUZZ_CHECK(mkdtemp(tmp_path) != NULL, "mkdtemp %s failed", tmp_path);
	FUZZ_CHECK(atexit(remove_tmpdir) == 0, "atexit failed");
	return tmp_path;
}

void fuzz_check_empty_dir(const char *dir, const char *what)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	FUZZ_CHECK(d != NULL, "%s: cannot open %s", what, dir);
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			fuzz_fail(__FILE__, __LINE__, "%s: left %s/%s behind", what, dir,
				  de->d_name);
	}
	closedir(d);
}

int fuzz_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	FUZZ_CHECK(d != NULL, "cannot open /proc/self/fd");
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}
