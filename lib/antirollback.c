/* SPDX-License-Identifier: Apache-2.0 */
/* antirollback.c - newer than installed, and not below the floor
 * (antirollback.h). */
#include "lib/antirollback.h"

#include "lib/semver.h"

enum ota_newer ota_antirollback_judge(const char *installed, unsigned long long floor,
				      const char *version, unsigned long long rollback_index)
{
	if (*installed && ota_semver_cmp(version, installed) <= 0)
		return OTA_NOT_NEWER;
	if (rollback_index < floor)
		return OTA_INDEX_LOWER;
	return OTA_NEWER;
}

int ota_antirollback_check(const char *installed, unsigned long long floor, const char *version,
			   unsigned long long rollback_index, const char *name,
			   struct ota_err *err)
{
	switch (ota_antirollback_judge(installed, floor, version, rollback_index)) {
	case OTA_NOT_NEWER:
		return ota_err_set(err, OTA_EROLLBACK, "%s: version %s is not newer than the "
				   "installed %s", name, version, installed);
	case OTA_INDEX_LOWER:
		return ota_err_set(err, OTA_EROLLBACK, "%s: rollback index %llu is lower than %llu, "
				   "the highest this device accepted", name, rollback_index, floor);
	case OTA_NEWER:
		break;
	}
	return 0;
}
