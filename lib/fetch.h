/* SPDX-License-Identifier: Apache-2.0 */
/* fetch.h - downloading over plain HTTP with libcurl, for a device on a
 * LAN with a technician's laptop: resume (Range) after a dropped
 * connection, bounded retries, timeouts, and a size cap.  No proxy, no
 * redirects, no protocol but http. */
#ifndef OTA_FETCH_H
#define OTA_FETCH_H

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/progress.h"

struct ota_fetch_opts {
	unsigned int retries;            /* further attempts after a failure, e.g. 5 */
	unsigned int connect_timeout_ms; /* e.g. 10 s */
	unsigned int stall_timeout_ms;   /* abort when under min_rate this long */
	unsigned int min_rate;           /* bytes/s; 0 is taken as 1 */
	unsigned int max_time_ms;        /* the whole fetch, retries and waits
					    included; 0: no bound */
	unsigned int retry_delay_ms;     /* wait between attempts */
	struct ota_progress *progress; /* may be NULL */
};

/* Which failures are retried: connection refused or reset, timeouts, a
 * transfer cut short, HTTP 408, 429 and 5xx.  Not retried: other HTTP
 * statuses (404...), a body over its cap, content that contradicts what
 * the caller expects.  Every failure is OTA_EFETCH unless said otherwise. */

/* GET url into b (whose cap bounds it: OTA_EFORMAT past it).  OTA_EFETCH
 * for network errors after the retries, or an HTTP status other than 200. */
int ota_fetch_to_buf(const char *url, const struct ota_fetch_opts *o, struct ota_buf *b,
		     struct ota_err *err);

/* GET url into path, appending to what path already holds (resume with a
 * Range request; a server that ignores Range starts the file over), until
 * it holds exactly size bytes, never more, retrying a dropped or failed
 * transfer up to o->retries times, resuming each time.  Then the file's
 * SHA-256 must equal sha256.  OTA_EHASH when the server's file is not
 * what was expected (it declares or sends another size, or the hash
 * differs); path is then removed.  path is left (for a later resume) on
 * other failures, fsynced on success. */
int ota_fetch_to_file(const char *url, const char *path, unsigned long long size,
		      const unsigned char sha256[OTA_SHA256_LEN], const struct ota_fetch_opts *o,
		      struct ota_err *err);

#endif
