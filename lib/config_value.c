/* SPDX-License-Identifier: Apache-2.0 */
/* config_value.c - the scalar grammar of the agent's config (integers,
 * seconds, URLs), kept apart from the YAML reading so that each can be
 * read on its own. */
#include "lib/config_value.h"

#include <stdio.h>
#include <string.h>

bool ota_config_parse_uint(const char *s, size_t len, unsigned long long *out)
{
	size_t i;

	/* 12 digits can not overflow, and exceed every range here. */
	if (len == 0 || len > 12 || (s[0] == '0' && len > 1))
		return false;
	*out = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (unsigned long long)(s[i] - '0');
	}
	return true;
}

bool ota_config_parse_seconds(const char *s, unsigned long long *ms)
{
	const char *dot = strchr(s, '.');
	unsigned long long sec, frac = 0;
	size_t n = dot ? (size_t)(dot - s) : strlen(s), d;

	if (!ota_config_parse_uint(s, n, &sec))
		return false;
	if (dot) {
		for (d = 1; dot[d]; d++) {
			if (d > 3 || dot[d] < '0' || dot[d] > '9')
				return false;
			frac = frac * 10 + (unsigned long long)(dot[d] - '0');
		}
		if (d == 1)
			return false;
		for (; d <= 3; d++)
			frac *= 10;
	}
	*ms = sec * 1000 + frac;
	return true;
}

bool ota_config_url_ok(const char *v)
{
	size_t i;

	if (strncmp(v, "http://", 7) || !v[7])
		return false;
	/* One line, no spaces: what curl is given is what was written. */
	for (i = 0; v[i]; i++) {
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] == 0x7f)
			return false;
	}
	return true;
}

const char *ota_config_format_seconds(unsigned int ms, char *buf, size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%u.%03u", ms / 1000, ms % 1000);

	while (n > 0 && n < size && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && n < size && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}
