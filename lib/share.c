/* SPDX-License-Identifier: Apache-2.0 */
/* share.c - share files as text (share.h, schema/shares.md): the 80-byte
 * share, its checksum, and Crockford base32 lines with a CRC-10 each. */
#include "lib/share.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "lib/hash.h"

#define LINE_BYTES (OTA_SHARE_BIN_LEN / OTA_SHARE_LINES) /* 10 */
#define LINE_CHARS 18                                   /* 16 data + 2 check */
#define SUM_OFF (OTA_SHARE_BIN_LEN - 4)
#define CRC10_POLY 0x233U /* x^10 + x^9 + x^5 + x^4 + x + 1 */

static const char sum_domain[] = "ota-share-v1";

/* 1 if v >= t, else 0, for v and t below 2^31, without a branch. */
static unsigned int ge(unsigned int v, unsigned int t)
{
	return ((t - 1U - v) >> 31) & 1U;
}

/* 1 if a == b (both below 2^16), else 0, without a branch. */
static unsigned int eq(unsigned int a, unsigned int b)
{
	return (((a ^ b) - 1U) >> 31) & 1U;
}

/* "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[v], computed rather than looked up. */
static char b32_char(unsigned int v)
{
	return (char)('0' + v + 7 * ge(v, 10) + ge(v, 18) + ge(v, 20) + ge(v, 22) + ge(v, 27));
}

/* The value of a share character, or -1; lower case and the look-alikes
 * O, I, L are taken as 0, 1, 1.  Every candidate is tried, so the time
 * does not depend on the character. */
static int b32_value(unsigned char c)
{
	unsigned int u = c, v = 0, found = 0, i, m;

	u -= 32 * (ge(u, 'a') & (1U - ge(u, 'z' + 1)));
	u ^= (u ^ '0') & (0U - eq(u, 'O'));
	u ^= (u ^ '1') & (0U - (eq(u, 'I') | eq(u, 'L')));
	for (i = 0; i < 32; i++) {
		m = 0U - eq(u, (unsigned char)b32_char(i));
		v |= i & m;
		found |= m;
	}
	return found ? (int)v : -1;
}

/* CRC-10 of the line number and the line's bytes, MSB first: it finds
 * every error within 10 consecutive bits, so any one mistyped character
 * and any two neighbours swapped. */
static unsigned int line_crc(unsigned int no, const uint8_t *p)
{
	uint8_t msg[1 + LINE_BYTES];
	unsigned int crc = 0, in, i, b;

	msg[0] = (uint8_t)no;
	memcpy(msg + 1, p, LINE_BYTES);
	for (i = 0; i < sizeof(msg); i++)
		for (b = 0; b < 8; b++) {
			in = (unsigned int)(msg[i] >> (7 - b)) & 1U;
			crc = ((crc << 1) & 0x3ffU) ^ (CRC10_POLY & (0U - (in ^ (crc >> 9))));
		}
	OPENSSL_cleanse(msg, sizeof(msg));
	return crc;
}

/* SHA-256 of the domain and the first 76 bytes, cut to 4 bytes. */
static int share_sum(const uint8_t *bin, uint8_t sum[4], struct ota_err *err)
{
	uint8_t msg[sizeof(sum_domain) - 1 + SUM_OFF], md[OTA_SHA256_LEN];
	int rc;

	memcpy(msg, sum_domain, sizeof(sum_domain) - 1);
	memcpy(msg + sizeof(sum_domain) - 1, bin, SUM_OFF);
	rc = ota_sha256(msg, sizeof(msg), md, err);
	if (rc == 0)
		memcpy(sum, md, 4);
	OPENSSL_cleanse(msg, sizeof(msg));
	OPENSSL_cleanse(md, sizeof(md));
	return rc;
}

static int to_bin(const struct ota_share *s, uint8_t bin[OTA_SHARE_BIN_LEN], struct ota_err *err)
{
	if (s->shares < 1 || s->shares > 255 || s->threshold < 1 || s->threshold > s->shares ||
	    s->index < 1 || s->index > s->shares)
		return ota_err_set(err, OTA_EUSAGE, "share %u: bad fields (%u of %u, index %u)",
				   s->index, s->threshold, s->shares, s->index);
	bin[0] = OTA_SHARE_FORMAT;
	bin[1] = (uint8_t)s->threshold;
	bin[2] = (uint8_t)s->shares;
	bin[3] = (uint8_t)s->index;
	memcpy(bin + 4, s->split_id, OTA_SHARE_SPLIT_ID_LEN);
	memcpy(bin + 12, s->key_id, OTA_SHARE_KEY_ID_LEN);
	memcpy(bin + 44, s->value, OTA_SHARE_SECRET_LEN);
	return share_sum(bin, bin + SUM_OFF, err);
}

/* "N: XXXX XXXX XXXX XXXX  CC\n" for line no (1-based) of bin. */
static void format_line(unsigned int no, const uint8_t *p, char out[40])
{
	unsigned int crc = line_crc(no, p), acc = 0, bits = 0, i, n = 0;
	char c[LINE_CHARS];

	for (i = 0; i < LINE_BYTES; i++) {
		acc = (acc << 8 | p[i]) & 0xfffU;
		for (bits += 8; bits >= 5; bits -= 5)
			c[n++] = b32_char((acc >> (bits - 5)) & 31U);
	}
	c[n++] = b32_char(crc >> 5);
	c[n++] = b32_char(crc & 31U);
	snprintf(out, 40, "%u: %.4s %.4s %.4s %.4s  %.2s\n", no, c, c + 4, c + 8, c + 12, c + 16);
	OPENSSL_cleanse(c, sizeof(c));
}

int ota_share_format(const struct ota_share *s, struct ota_buf *out, struct ota_err *err)
{
	uint8_t bin[OTA_SHARE_BIN_LEN];
	char head[640], key[OTA_SHA256_LEN * 2 + 1], split[OTA_SHARE_SPLIT_ID_LEN * 2 + 1];
	char line[40];
	unsigned int i;
	int rc = to_bin(s, bin, err);

	if (rc)
		goto out;
	ota_hex(s->key_id, OTA_SHARE_KEY_ID_LEN, key);
	ota_hex(s->split_id, OTA_SHARE_SPLIT_ID_LEN, split);
	snprintf(head, sizeof(head),
		 "# ota escrow share %u of %u: any %u of the %u shares rebuild the key\n"
		 "# key id   %s\n"
		 "# split id %s\n"
		 "# Keep it offline and apart from the other shares.  To type it back,\n"
		 "# the %d numbered lines are enough: case, spaces and O, I, L for\n"
		 "# 0, 1, 1 do not matter; each line ends with 2 check characters.\n",
		 s->index, s->shares, s->threshold, s->shares, key, split, OTA_SHARE_LINES);
	rc = ota_buf_puts(out, head, err);
	for (i = 0; rc == 0 && i < OTA_SHARE_LINES; i++) {
		format_line(i + 1, bin + i * LINE_BYTES, line);
		rc = ota_buf_puts(out, line, err);
	}
	OPENSSL_cleanse(line, sizeof(line));
out:
	OPENSSL_cleanse(bin, sizeof(bin));
	return rc;
}

void ota_share_wipe(struct ota_share *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

/* Where the parser is: the file line, the share line expected next, and
 * the bytes decoded so far. */
struct parse {
	const char *name;
	unsigned int lineno;
	unsigned int next;
	uint8_t bin[OTA_SHARE_BIN_LEN];
};

static int bad_char(const struct parse *ps, unsigned char c, struct ota_err *err)
{
	if (c > 0x20 && c < 0x7f)
		return ota_err_set(err, OTA_EFORMAT, "%s:%u: '%c' is not a share character "
				   "(0-9 and A-Z but U)", ps->name, ps->lineno, c);
	return ota_err_set(err, OTA_EFORMAT, "%s:%u: byte 0x%02x is not a share character",
			   ps->name, ps->lineno, c);
}

/* The characters after "N:" of share line no: 16 of data, 2 of check. */
static int parse_data(struct parse *ps, unsigned int no, const unsigned char *p, size_t len,
		      struct ota_err *err)
{
	unsigned int v[LINE_CHARS] = {0}, n = 0, acc = 0, bits = 0, k = 0, i;
	uint8_t out[LINE_BYTES];
	int c, rc = 0;

	for (i = 0; i < len && rc == 0; i++) {
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '-')
			continue;
		c = b32_value(p[i]);
		if (c < 0)
			rc = bad_char(ps, p[i], err);
		else if (n < LINE_CHARS)
			v[n] = (unsigned int)c;
		n++;
	}
	if (rc == 0 && n != LINE_CHARS)
		rc = ota_err_set(err, OTA_EFORMAT, "%s:%u: share line %u has %u characters, "
				 "expected %d (16, then 2 check characters)", ps->name,
				 ps->lineno, no, n, LINE_CHARS);
	for (i = 0; rc == 0 && i < 16; i++) {
		acc = (acc << 5 | v[i]) & 0xfffU;
		for (bits += 5; bits >= 8; bits -= 8)
			out[k++] = (uint8_t)(acc >> (bits - 8));
	}
	if (rc == 0 && line_crc(no, out) != (v[16] << 5 | v[17]))
		rc = ota_err_set(err, OTA_EFORMAT, "%s:%u: share line %u does not match its check "
				 "characters (a typo on this line?)", ps->name, ps->lineno, no);
	if (rc == 0)
		memcpy(ps->bin + (no - 1) * LINE_BYTES, out, LINE_BYTES);
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

static int parse_line(struct parse *ps, const unsigned char *p, size_t len, struct ota_err *err)
{
	unsigned int no = 0, digits = 0;
	size_t i = 0;
	int rc;

	if (len && p[len - 1] == '\r')
		len--;
	while (i < len && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == len || p[i] == '#')
		return 0; /* blank, or a comment for people */
	for (; i < len && p[i] >= '0' && p[i] <= '9' && digits < 3; i++, digits++)
		no = no * 10 + (unsigned int)(p[i] - '0');
	if (!digits || i == len || p[i] != ':')
		return ota_err_set(err, OTA_EFORMAT, "%s:%u: not a share line (expected \"N: \" "
				   "and %d characters)", ps->name, ps->lineno, LINE_CHARS);
	if (ps->next > OTA_SHARE_LINES)
		return ota_err_set(err, OTA_EFORMAT, "%s:%u: more than %d share lines", ps->name,
				   ps->lineno, OTA_SHARE_LINES);
	if (no != ps->next)
		return ota_err_set(err, OTA_EFORMAT, "%s:%u: share line %u where line %u was "
				   "expected (a line missing, or lines swapped?)", ps->name,
				   ps->lineno, no, ps->next);
	rc = parse_data(ps, no, p + i + 1, len - i - 1, err);
	ps->next++;
	return rc;
}

static int from_bin(const struct parse *ps, struct ota_share *s, struct ota_err *err)
{
	const uint8_t *bin = ps->bin;
	uint8_t sum[4];
	int rc = share_sum(bin, sum, err);

	if (rc)
		return rc;
	if (CRYPTO_memcmp(sum, bin + SUM_OFF, sizeof(sum)))
		return ota_err_set(err, OTA_EFORMAT, "%s: share checksum does not match (a line "
				   "from another share, or typos the line checks missed)",
				   ps->name);
	if (bin[0] != OTA_SHARE_FORMAT)
		return ota_err_set(err, OTA_EFORMAT, "%s: share format %u, expected %d", ps->name,
				   bin[0], OTA_SHARE_FORMAT);
	if (bin[2] < 1 || bin[1] < 1 || bin[1] > bin[2] || bin[3] < 1 || bin[3] > bin[2])
		return ota_err_set(err, OTA_EFORMAT, "%s: bad share fields (threshold %u, shares "
				   "%u, index %u)", ps->name, bin[1], bin[2], bin[3]);
	s->threshold = bin[1];
	s->shares = bin[2];
	s->index = bin[3];
	memcpy(s->split_id, bin + 4, OTA_SHARE_SPLIT_ID_LEN);
	memcpy(s->key_id, bin + 12, OTA_SHARE_KEY_ID_LEN);
	memcpy(s->value, bin + 44, OTA_SHARE_SECRET_LEN);
	return 0;
}

int ota_share_parse(const unsigned char *text, size_t len, const char *name,
		    struct ota_share *s, struct ota_err *err)
{
	struct parse ps = {.name = name, .next = 1};
	size_t start = 0, i;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	if (len > OTA_SHARE_FILE_MAX)
		return ota_err_set(err, OTA_EFORMAT, "%s: not a share file (over %d bytes)", name,
				   OTA_SHARE_FILE_MAX);
	for (i = 0; rc == 0 && i <= len; i++) {
		if (i < len && text[i] != '\n')
			continue;
		ps.lineno++;
		rc = parse_line(&ps, text + start, i - start, err);
		start = i + 1;
	}
	if (rc == 0 && ps.next == 1)
		rc = ota_err_set(err, OTA_EFORMAT, "%s: not a share file (no numbered share lines)",
				 name);
	else if (rc == 0 && ps.next <= OTA_SHARE_LINES)
		rc = ota_err_set(err, OTA_EFORMAT, "%s: share line %u missing", name, ps.next);
	if (rc == 0)
		rc = from_bin(&ps, s, err);
	OPENSSL_cleanse(ps.bin, sizeof(ps.bin));
	if (rc)
		ota_share_wipe(s);
	return rc;
}
