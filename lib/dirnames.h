/* SPDX-License-Identifier: Apache-2.0 */
/* dirnames.h - the names a directory holds of one kind (the *.pub of a key
 * directory, the *.bundle of a medium), in an order that does not depend
 * on readdir's. */
#ifndef OTA_DIRNAMES_H
#define OTA_DIRNAMES_H

#include <stddef.h>

#include "lib/err.h"

/* The names in dir longer than suffix, ending in it and not starting with
 * '.' (hidden files, and the "._x" files macOS leaves on FAT media, are
 * skipped as a shell glob would), of any file type, sorted by byte order.
 * More than max of them (0: no limit) is OTA_EFORMAT "DIR: more than MAX
 * WHAT", so a hostile directory cannot make the list grow without bound.
 * On success *names (free with ota_dir_names_free) and *n are set; on
 * failure *names is NULL and *n 0. */
int ota_dir_names(const char *dir, const char *suffix, size_t max, const char *what,
		  char ***names, size_t *n, struct ota_err *err);
void ota_dir_names_free(char **names, size_t n);

#endif
