/* semver.h - ordering release versions.
 *
 * Every version is read as CORE[-PRERELEASE][+BUILD]: build metadata is
 * ignored, CORE compares dot-field by field (numeric fields as numbers of
 * any length, a missing field counting as 0, numbers before words), and
 * PRERELEASE by Semantic Versioning 2.0.0 rules (semver.org, section 11),
 * a version without one following any with one.  On strict semantic
 * versions this is exactly SemVer precedence; it also orders release names
 * like "2024.05" or "1.2".  One rule for every pair keeps the order
 * transitive, which sorting (qsort) needs.
 */
#ifndef OTA_SEMVER_H
#define OTA_SEMVER_H

#include <stdbool.h>

/* <0, 0, >0 as a precedes, equals or follows b. */
int ota_semver_cmp(const char *a, const char *b);

/* True if s is a strict semantic version. */
bool ota_semver_valid(const char *s);

#endif
