/* SPDX-License-Identifier: Apache-2.0 */
/* dirnames.c - the sorted names of one kind in a directory (dirnames.h). */
#include "lib/dirnames.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool wanted(const char *name, const char *suffix)
{
	size_t len = strlen(name), ext = strlen(suffix);

	return name[0] != '.' && len > ext && !strcmp(name + len - ext, suffix);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ota_dir_names(const char *dir, const char *suffix, size_t max, const char *what,
		  char ***names, size_t *n, struct ota_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL, **grown;
	size_t cnt = 0, cap = 0;
	int rc = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return ota_err_errno(err, OTA_EIO, errno, "%s", dir);
	while (rc == 0 && (errno = 0, de = readdir(d))) {
		if (!wanted(de->d_name, suffix))
			continue;
		if (max && cnt == max) {
			rc = ota_err_set(err, OTA_EFORMAT, "%s: more than %zu %s", dir, max, what);
			break;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, cap * sizeof(*v)))) {
				rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
				break;
			}
			v = grown;
		}
		if (!(v[cnt] = strdup(de->d_name)))
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		else
			cnt++;
	}
	if (rc == 0 && errno)
		rc = ota_err_errno(err, OTA_EIO, errno, "%s: readdir", dir);
	closedir(d);
	if (rc) {
		ota_dir_names_free(v, cnt);
		return rc;
	}
	if (cnt > 1)
		qsort(v, cnt, sizeof(*v), by_name);
	*names = v;
	*n = cnt;
	return 0;
}

void ota_dir_names_free(char **names, size_t n)
{
	while (n > 0)
		free(names[--n]);
	free(names);
}
