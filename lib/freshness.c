/* SPDX-License-Identifier: Apache-2.0 */
/* freshness.c - the attested time and expiry (freshness.h). */
#include "lib/freshness.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "lib/state.h"

int ota_time_parse(const char *opt, const char *s, long long base, long long *out,
		   struct ota_err *err)
{
	long long unit = 1, v;
	bool rel = *s == '+';
	char *end;

	errno = 0;
	v = (*s >= '0' && *s <= '9') || (rel && s[1] >= '0' && s[1] <= '9')
		    ? strtoll(s + rel, &end, 10) : -1;
	if (v >= 0 && rel && *end && !end[1])
		unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 's' ? 1 : 0, end++;
	if (v < 0 || errno || *end || !unit || v > OTA_TIME_MAX / unit ||
	    (rel ? base + v * unit : v) > OTA_TIME_MAX)
		return ota_err_set(err, OTA_EUSAGE, "%s: expected seconds since the epoch or "
				   "+N[s|h|d], got '%s'", opt, s);
	*out = rel ? base + v * unit : v;
	return 0;
}

void ota_time_format(long long t, char *out, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, size, "%lld", t);
}

int ota_fresh_check_expires(const char *name, long long expires, long long now,
			    struct ota_err *err)
{
	char e[32], n[32];

	if (expires <= 0 || expires > now)
		return 0;
	ota_time_format(expires, e, sizeof(e));
	ota_time_format(now, n, sizeof(n));
	return ota_err_set(err, OTA_EEXPIRED, "%s: expired at %s (this device's time is %s, "
			   "never earlier than the newest it has verified)", name, e, n);
}

int ota_fresh_now(const char *state_dir, long long wall, long long *now, struct ota_err *err)
{
	struct ota_device d;
	int rc = ota_device_load(state_dir, &d, err);

	if (rc == 0)
		*now = ota_device_now(&d, wall);
	return rc;
}

int ota_fresh_attest(const char *state_dir, long long created, int *raised, struct ota_err *err)
{
	struct ota_device d;
	int rc = ota_device_load(state_dir, &d, err);

	if (raised)
		*raised = 0;
	if (rc || created <= d.attested_time)
		return rc;
	d.attested_time = created;
	if ((rc = ota_device_save(state_dir, &d, err)) == 0 && raised)
		*raised = 1;
	return rc;
}

int ota_fresh_raise_floor(const char *state_dir, unsigned long long index, int *raised,
			  struct ota_err *err)
{
	struct ota_device d;
	int rc = ota_device_load(state_dir, &d, err);

	if (raised)
		*raised = 0;
	if (rc || index <= d.rollback_index)
		return rc;
	d.rollback_index = index;
	if ((rc = ota_device_save(state_dir, &d, err)) == 0 && raised)
		*raised = 1;
	return rc;
}
