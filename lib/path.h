/* SPDX-License-Identifier: Apache-2.0 */
/* path.h - what a path inside a release may look like.
 *
 * A release path is relative and '/'-separated, valid UTF-8 (no overlong
 * forms, no surrogates).  Control characters are allowed, since file names
 * may hold them and the canonical form escapes them.  Refused is everything
 * that could leave the tree or alias another entry: empty, absolute, "." or
 * ".." components, empty components ("a//b", a trailing '/'), a NUL, invalid
 * UTF-8, a component over 255 bytes or a whole path over OTA_PATH_MAX bytes.
 */
#ifndef OTA_PATH_H
#define OTA_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/err.h"

#define OTA_PATH_MAX 4096
#define OTA_NAME_MAX 255

/* True when s (len bytes) is well-formed UTF-8 without surrogates. */
bool ota_utf8_valid(const char *s, size_t len);

/* 0 if path (len bytes, may contain NUL which is then refused) is a safe
 * release path; OTA_EPATH with the reason otherwise. */
int ota_path_check(const char *path, size_t len, struct ota_err *err);

/* 0 if a symlink at release path link_path with target target stays inside
 * the release: target relative, well-formed as above except that ".."
 * components are allowed as long as, resolved lexically from the link's
 * directory, they never climb above the release root.  OTA_EPATH otherwise. */
int ota_path_check_link(const char *link_path, const char *target, struct ota_err *err);

/* An absolute path normalised lexically into out (size bytes): "//" and
 * "." components dropped, ".." taking its parent away, no trailing '/'
 * ("/" stays "/").  -1 when a ".." would climb above "/" (a config path
 * leaving --root), the path is not absolute, or out is too small. */
int ota_path_normalize_abs(const char *in, char *out, size_t size);

/* How much of a hostile path an error message shows. */
#define OTA_QUOTE_MAX 160

/* Room for a quoted path: each byte may take 4 characters, plus "...". */
struct ota_quoted {
	char s[OTA_QUOTE_MAX * 4 + 4];
};

/* s (len bytes) as it may appear inside "..." in a one-line message:
 * printable ASCII as is (with \" and \\), every other byte as \xNN, cut
 * at OTA_QUOTE_MAX bytes with "...".  Returns q->s. */
const char *ota_path_quote_n(const char *s, size_t len, struct ota_quoted *q);
/* The same for a NUL-terminated s. */
const char *ota_path_quote(const char *s, struct ota_quoted *q);

/* Length of the parent part of path ("a/b/c" -> 3, "a" -> 0). */
size_t ota_path_parent_len(const char *path);

#endif
