/* SPDX-License-Identifier: Apache-2.0 */
/* replay.c - a main for a fuzz target without libFuzzer: runs the target
 * once over every input of its checked-in corpus (or the files and
 * directories given), so `make check` and `make check-sanitize` replay the
 * seeds and every regression input with any compiler.  TAP output: one
 * test per target.  A failing input aborts the process (the target's
 * FUZZ_CHECK, or a sanitizer), after "# input: FILE" names it. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

#ifndef FUZZ_NAME
#error "FUZZ_NAME (the target's name) must be defined"
#endif
#ifndef FUZZ_CORPUS
#error "FUZZ_CORPUS (its corpus directory) must be defined"
#endif

#define INPUT_MAX (64u * 1024 * 1024)

static unsigned char *read_input(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long n;

	FUZZ_CHECK(f != NULL, "cannot open %s", path);
	FUZZ_CHECK(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n <= (long)INPUT_MAX &&
		       fseek(f, 0, SEEK_SET) == 0,
		   "cannot size %s", path);
	buf = malloc((size_t)n + 1);
	FUZZ_CHECK(buf != NULL, "out of memory");
	FUZZ_CHECK(fread(buf, 1, (size_t)n, f) == (size_t)n, "cannot read %s", path);
	(void)fclose(f); /* read only: nothing to lose */
	*len = (size_t)n;
	return buf;
}

static void run_file(const char *path, size_t *count)
{
	size_t len;
	unsigned char *data = read_input(path, &len);

	printf("# input: %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	(*count)++;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void run_path(const char *path, size_t *count)
{
	struct dirent **names;
	struct stat st;
	char file[4096];
	int n, i;

	FUZZ_CHECK(stat(path, &st) == 0, "%s: no such file or directory", path);
	if (!S_ISDIR(st.st_mode)) {
		run_file(path, count);
		return;
	}
	n = scandir(path, &names, NULL, by_name);
	FUZZ_CHECK(n >= 0, "cannot list %s", path);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' &&
		    (size_t)snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name) <
			sizeof(file) &&
		    stat(file, &st) == 0 && S_ISREG(st.st_mode))
			run_file(file, count);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i;

	LLVMFuzzerInitialize(&argc, &argv);
	printf("1..1\n");
	if (argc < 2)
		run_path(FUZZ_CORPUS, &count);
	for (i = 1; i < argc; i++)
		run_path(argv[i], &count);
	if (count == 0) {
		printf("not ok 1 - fuzz target %s: no corpus inputs\n", FUZZ_NAME);
		return 1;
	}
	printf("ok 1 - fuzz target %s: %zu corpus inputs replayed\n", FUZZ_NAME, count);
	return 0;
}
