/* SPDX-License-Identifier: Apache-2.0 */
/* config_value.h - the scalar grammar of the agent's config: integers,
 * durations in seconds and http:// URLs, as schema/agent-config.md writes
 * them.  Pure functions over NUL-terminated strings; no allocation. */
#ifndef OTA_CONFIG_VALUE_H
#define OTA_CONFIG_VALUE_H

#include <stdbool.h>
#include <stddef.h>

/* Decimal digits only, no sign, no leading zero ("0", "7", "8080"), at
 * most 12 digits: false otherwise. */
bool ota_config_parse_uint(const char *s, size_t len, unsigned long long *out);

/* "N" or "N.D", "N.DD", "N.DDD" seconds, into milliseconds. */
bool ota_config_parse_seconds(const char *s, unsigned long long *ms);

/* "http://" and something, on one line without spaces or controls. */
bool ota_config_url_ok(const char *v);

/* ms as the config writes seconds ("60", "0.5", "0.05") into buf. */
const char *ota_config_format_seconds(unsigned int ms, char *buf, size_t size);

#endif
