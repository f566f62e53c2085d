/* SPDX-License-Identifier: Apache-2.0 */
/* health.h - the checks a new release must pass before it is promoted.
 *
 * Each check is optional; all that are configured must pass at the same
 * poll: a TCP port on 127.0.0.1 accepts a connection, an http:// URL
 * answers 2xx (libcurl), a shell command exits 0, and the service is not
 * crash-looping (its restart count, from service.restart_count, has not
 * moved since the restart).  ota_health_wait polls every interval until
 * timeout; after a first full pass the checks must keep passing for the
 * `stable` time.
 */
#ifndef OTA_HEALTH_H
#define OTA_HEALTH_H

#include <stdbool.h>

#include "lib/config.h"
#include "lib/err.h"
#include "lib/progress.h"

/* One poll of every configured check: 0 when all pass, OTA_EHEALTH with
 * the first failing check's reason otherwise.  restarts_before is the
 * restart count read right after the restart (-1 if not configured). */
int ota_health_poll(const struct ota_config *c, char *const *env, long restarts_before,
		    struct ota_err *err);

/* The service's restart count via service.restart_count; -1 when that is
 * not configured; OTA_EHEALTH if the command fails or prints no integer. */
int ota_health_restart_count(const struct ota_config *c, char *const *env, long *count,
			     struct ota_err *err);

/* The same read as the count every check compares with, taken once right
 * after the restart: bounded by health.timeout rather than by one check's
 * time, since a slow first answer is no crash loop. */
int ota_health_restart_baseline(const struct ota_config *c, char *const *env, long *count,
				struct ota_err *err);

/* Poll until all checks pass and keep passing for c->stable_ms, or until
 * c->timeout_ms: 0 or OTA_EHEALTH with the last failure's reason.  p (may
 * be NULL) is told the ms waited of the timeout after each poll, and can
 * cancel: OTA_EHEALTH "interrupted". */
int ota_health_wait(const struct ota_config *c, char *const *env, long restarts_before,
		    struct ota_progress *p, struct ota_err *err);

#endif
