/* SPDX-License-Identifier: Apache-2.0 */
/* freshness.h - time without a clock: a device's attested time, and the
 * rules that judge `expires` and key retirement against it
 * (schema/trust.md, "Freshness").
 *
 * A device in the field has no trustworthy clock.  What it has is the
 * signed `created` of everything it verified and accepted: a bundle it
 * staged, a trust file or a timestamp it applied.  The highest of those is
 * its attested time (device.json, state.h), raised durably and never
 * lowered; the wall clock counts only where it is ahead (ota_device_now).
 */
#ifndef OTA_FRESHNESS_H
#define OTA_FRESHNESS_H

#include <stddef.h>

#include "lib/err.h"

/* The latest time these tools accept: 2^53 seconds, JSON's exact top. */
#define OTA_TIME_MAX (1LL << 53)

/* A time given on a command line: seconds since the epoch, or "+N" with
 * a unit s, h or d (seconds if none) after base.  OTA_EUSAGE naming opt. */
int ota_time_parse(const char *opt, const char *s, long long base, long long *out,
		   struct ota_err *err);

/* Refuse what expired (expires > 0 and at or before now) with
 * OTA_EEXPIRED: "NAME: expired at <UTC> (attested time <UTC>)". */
int ota_fresh_check_expires(const char *name, long long expires, long long now,
			    struct ota_err *err);

/* The device's time to judge by: ota_device_now of state_dir's
 * device.json and wall. */
int ota_fresh_now(const char *state_dir, long long wall, long long *now, struct ota_err *err);

/* Raise state_dir's attested time to created if that is higher (durably,
 * device.json replaced atomically); never lowers it.  *raised (may be
 * NULL) says whether it moved. */
int ota_fresh_attest(const char *state_dir, long long created, int *raised, struct ota_err *err);

/* Raise state_dir's rollback index floor to index if that is higher: what
 * a trust file's min_rollback_index does to the whole fleet. */
int ota_fresh_raise_floor(const char *state_dir, unsigned long long index, int *raised,
			  struct ota_err *err);

/* "2026-12-03T13:05:00Z" into out (at least 21 bytes). */
void ota_time_format(long long t, char *out, size_t size);

#endif
