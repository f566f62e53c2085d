/* SPDX-License-Identifier: Apache-2.0 */
/* isotime.h - times as the audit history writes them and as people type
 * them: ISO 8601 in UTC, "2024-05-01T12:00:00Z", or seconds since the
 * epoch.  No locale, no time zone database: UTC only. */
#ifndef OTA_ISOTIME_H
#define OTA_ISOTIME_H

#include "lib/err.h"

#define OTA_ISOTIME_LEN 21 /* "YYYY-MM-DDTHH:MM:SSZ" and NUL */

/* t (seconds since the epoch, 1970..9999) as "YYYY-MM-DDTHH:MM:SSZ". */
void ota_isotime_format(long long t, char out[OTA_ISOTIME_LEN]);

/* Parse s into seconds since the epoch.  Accepted, all UTC:
 *   1714564800                   seconds since the epoch (digits only)
 *   2024-05-01                   midnight of that day
 *   2024-05-01T12:00  2024-05-01T12:00:00   with an optional "Z" or "+00:00"
 * Fields are range-checked (no 2024-02-30, no 24:00).  OTA_EFORMAT with
 * the reason otherwise. */
int ota_isotime_parse(const char *s, long long *t, struct ota_err *err);

#endif
