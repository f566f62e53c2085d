/* SPDX-License-Identifier: Apache-2.0 */
/* antirollback.h - whether a release may be installed over what the device
 * has, decided once for install, import and poll.
 *
 * Two rules, in this order: the release's version must be newer than the
 * installed one (semver.h's order; any version is newer than none), and
 * its rollback index must not be below the device's floor, the highest
 * index of any release it promoted (state.h's device.json).  The second is
 * what stops a validly signed but vulnerable old release even when its
 * version string is made to look new.
 */
#ifndef OTA_ANTIROLLBACK_H
#define OTA_ANTIROLLBACK_H

#include "lib/err.h"

enum ota_newer {
	OTA_NEWER,       /* may be installed */
	OTA_NOT_NEWER,   /* same or older version than the installed one */
	OTA_INDEX_LOWER, /* rollback index below the device's floor */
};

/* Judge version / rollback_index against installed ("" for nothing
 * installed) and floor. */
enum ota_newer ota_antirollback_judge(const char *installed, unsigned long long floor,
				      const char *version, unsigned long long rollback_index);

/* The same as an error: 0 when it may be installed, else OTA_EROLLBACK
 * with the reason, naming name (the bundle). */
int ota_antirollback_check(const char *installed, unsigned long long floor, const char *version,
			   unsigned long long rollback_index, const char *name,
			   struct ota_err *err);

#endif
