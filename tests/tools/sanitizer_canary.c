/* SPDX-License-Identifier: Apache-2.0 */
/* sanitizer_canary.c - one bug of each kind the sanitizers must report:
 *   sanitizer-canary leak|heap-overflow|undefined
 * Built only by `make check-sanitize` (with the suite's sanitizer flags);
 * tests/run.sh runs it first and requires a report from each, so a
 * sanitizer setup that has quietly stopped reporting fails the run. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int sink;

int main(int argc, char **argv)
{
	char *p;
	int big = INT_MAX;

	if (argc != 2)
		return 2;
	if (strcmp(argv[1], "leak") == 0) {
		p = malloc(64);
		sink = p != NULL;
		/* cppcheck-suppress memleak ; the leak is the point */
		p = NULL; /* lost: LeakSanitizer reports it at exit */
		return 0;
	}
	if (strcmp(argv[1], "heap-overflow") == 0) {
		p = malloc(8);
		if (!p)
			return 1;
		p[8 + sink] = 1; /* one past the end */
		free(p);
		return 0;
	}
	if (strcmp(argv[1], "undefined") == 0) {
		sink = big + (argc - 1); /* signed overflow */
		return 0;
	}
	return 2;
}
