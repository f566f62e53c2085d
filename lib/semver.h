/* semver.h - ordering release versions.
 *
 * Semantic Versioning 2.0.0 precedence (semver.org, section 11) for
 * versions of the form MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]; build
 * metadata is ignored.  Versions that are not semver (still valid release
 * names, e.g. "2024.05" or "1.2") compare numerically dot-field by field,
 * a missing field counting as 0, non-numeric fields by byte order.
 */
#ifndef OTA_SEMVER_H
#define OTA_SEMVER_H

#include <stdbool.h>

/* <0, 0, >0 as a precedes, equals or follows b. */
int ota_semver_cmp(const char *a, const char *b);

/* True if s is a strict semantic version. */
bool ota_semver_valid(const char *s);

#endif
