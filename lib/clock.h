/* SPDX-License-Identifier: Apache-2.0 */
/* clock.h - the one clock timeouts, retries and leases are measured on:
 * CLOCK_MONOTONIC in milliseconds, which a wall-clock step (NTP, a
 * technician setting the date) cannot move. */
#ifndef OTA_CLOCK_H
#define OTA_CLOCK_H

#include <time.h>

static inline long long ota_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
