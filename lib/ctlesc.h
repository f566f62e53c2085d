/* SPDX-License-Identifier: Apache-2.0 */
/* ctlesc.h - the one escaper for text that came from input (a file name
 * on a medium, a tar entry, a manifest path, a URL, an index field, a
 * config value) on its way to a terminal, the journal or the history. */
#ifndef OTA_CTLESC_H
#define OTA_CTLESC_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"

/* Append s (NULL as "") to out as valid, one-line UTF-8: a C0 or C1
 * control, DEL, an invalid byte and the bidirectional formatting
 * characters (U+061C, U+200E/F, U+202A-E, U+2066-9) each written as \xNN
 * per byte; everything else as is.  Stops before out would pass max bytes
 * (never mid-character).  0, or OTA_EINTERNAL when out of memory. */
int ota_ctlesc(const char *s, size_t max, struct ota_buf *out, struct ota_err *err);

#endif
