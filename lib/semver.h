/* SPDX-License-Identifier: Apache-2.0 */
/* semver.h - release versions are Semantic Versioning 2.0.0, exactly.
 *
 * A version is MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] as semver.org 2.0.0
 * says: numbers without leading zeros (0 itself allowed), no "v", dot-
 * separated identifiers of [0-9A-Za-z-], none empty, numeric prerelease
 * identifiers without leading zeros.  Precedence is section 11: cores by
 * number, a prerelease before its release, prerelease identifiers one by
 * one (numbers by value and before words, words in ASCII order, the
 * longer list after its prefix); build metadata is ignored, so versions
 * differing only in it are equal.
 *
 * Versions that do not parse still get a place: every one of them comes
 * before (is older than) every valid version, and they order among
 * themselves by byte order.  So a device whose installed version came
 * from an older agent ("v2", "2024.05") takes any valid release, and a
 * release directory with such a name sorts first, as the oldest.  One
 * total order for every pair keeps sorting (qsort) sound.
 */
#ifndef OTA_SEMVER_H
#define OTA_SEMVER_H

#include <stdbool.h>

/* <0, 0, >0 as a precedes, equals or follows b (NULL reads as "", which
 * does not parse).  Pure; never fails. */
int ota_semver_cmp(const char *a, const char *b);

/* True if s is a semantic version (above); false for NULL.  An installed
 * version for which this is false is older than any valid release. */
bool ota_semver_valid(const char *s);

/* The form to show in a refusal: "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]". */
#define OTA_SEMVER_FORM "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], e.g. 1.4.2 or 2.0.0-rc.1"

/* A suggestion for a version that does not parse: s without a leading
 * "v" or "V" if that is valid ("v1.4.2" -> "1.4.2"), else NULL.  The
 * pointer is into s. */
const char *ota_semver_suggest(const char *s);

#endif
