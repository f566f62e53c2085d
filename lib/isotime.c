/* SPDX-License-Identifier: Apache-2.0 */
/* isotime.c - ISO 8601 UTC times and epoch seconds (see isotime.h). */
#include "lib/isotime.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (Howard Hinnant's days_from_civil). */
static long long days_from_civil(long long y, unsigned int m, unsigned int d)
{
	long long era;
	unsigned int yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned int)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long long)doe - 719468;
}

static void civil_from_days(long long z, int *y, unsigned int *m, unsigned int *d)
{
	long long era;
	unsigned int doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned int)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((long long)yoe + era * 400 + (*m <= 2));
}

void ota_isotime_format(long long t, char out[OTA_ISOTIME_LEN])
{
	long long days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	unsigned int secs = (unsigned int)(t - days * 86400) % 86400, m, d;
	int y;

	civil_from_days(days, &y, &m, &d);
	if (y < 1970 || y > 9999) {
		snprintf(out, OTA_ISOTIME_LEN, "%lld", t);
		return;
	}
	snprintf(out, OTA_ISOTIME_LEN, "%04d-%02u-%02uT%02u:%02u:%02uZ", y % 10000, m % 13, d % 32,
		 secs / 3600, secs / 60 % 60, secs % 60);
}

/* Exactly n digits at s into *v. */
static bool digits(const char *s, size_t n, unsigned int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned int)(s[i] - '0');
	}
	return true;
}

static bool all_digits(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return i > 0;
}

static unsigned int month_days(unsigned int y, unsigned int m)
{
	static const unsigned char n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100) || y % 400 == 0;

	return n[m - 1] + (m == 2 && leap);
}

/* "THH:MM[:SS][Z|+00:00]" at s, or nothing. */
static bool parse_clock(const char *s, unsigned int *h, unsigned int *mi, unsigned int *se)
{
	*h = *mi = *se = 0;
	if (!*s)
		return true;
	if (s[0] != 'T' || !digits(s + 1, 2, h) || s[3] != ':' || !digits(s + 4, 2, mi))
		return false;
	s += 6;
	if (*s == ':') {
		if (!digits(s + 1, 2, se))
			return false;
		s += 3;
	}
	if (*h > 23 || *mi > 59 || *se > 59)
		return false;
	return !strcmp(s, "") || !strcmp(s, "Z") || !strcmp(s, "+00:00");
}

int ota_isotime_parse(const char *s, long long *t, struct ota_err *err)
{
	unsigned int y, mo, d, h, mi, se;

	if (all_digits(s) && strlen(s) <= 12) {
		*t = strtoll(s, NULL, 10); /* 12 digits or fewer: no overflow */
		return 0;
	}
	if (strlen(s) >= 10 && digits(s, 4, &y) && s[4] == '-' && digits(s + 5, 2, &mo) &&
	    s[7] == '-' && digits(s + 8, 2, &d) && y >= 1970 && mo >= 1 && mo <= 12 && d >= 1 &&
	    d <= month_days(y, mo) && parse_clock(s + 10, &h, &mi, &se)) {
		*t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
		return 0;
	}
	return ota_err_set(err, OTA_EFORMAT, "bad time \"%.40s\": expected seconds since the "
			   "epoch or ISO 8601 UTC (2024-05-01, 2024-05-01T12:00:00Z)", s);
}
