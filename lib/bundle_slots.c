/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_slots.c - the blocks of the reserved signature slots
 * (bundle_slots.h). */
#include "lib/bundle_slots.h"

#include <archive.h>
#include <archive_entry.h>
#include <string.h>

/* What libarchive writes: the first block kept, the rest counted. */
struct capture {
	unsigned char *out;
	size_t n;
};

static la_ssize_t capture(struct archive *a, void *data, const void *buf, size_t len)
{
	struct capture *c = data;

	(void)a;
	if (c->n < OTA_TAR_BLOCK)
		memcpy(c->out + c->n, buf, len < OTA_TAR_BLOCK - c->n ? len : OTA_TAR_BLOCK - c->n);
	c->n += len;
	return (la_ssize_t)len;
}

int ota_slots_header(const char *path, unsigned long long size, long long mtime,
		     /* NOLINTNEXTLINE(readability-non-const-parameter): written via c.out */
		     unsigned char out[OTA_TAR_BLOCK], struct ota_err *err)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	struct capture c = {out, 0};
	la_int64_t header;
	int ok;

	/* Written by libarchive with the writer's settings, so the bytes
	 * are exactly those of bundle_write.c's headers. */
	ok = a && ae && archive_write_set_format_pax_restricted(a) == ARCHIVE_OK &&
	     archive_write_add_filter_none(a) == ARCHIVE_OK &&
	     archive_write_set_bytes_per_block(a, OTA_TAR_BLOCK) == ARCHIVE_OK &&
	     archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK &&
	     archive_write_open(a, &c, NULL, capture, NULL) == ARCHIVE_OK;
	if (ok) {
		archive_entry_copy_pathname(ae, path);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, (la_int64_t)size);
		archive_entry_set_mtime(ae, mtime, 0);
		archive_entry_set_uid(ae, 0);
		archive_entry_set_gid(ae, 0);
		ok = archive_write_header(a, ae) == ARCHIVE_OK;
		header = archive_filter_bytes(a, -1);
		/* The data is not written: finishing pads it with zeros. */
		ok = ok && archive_write_close(a) == ARCHIVE_OK;
		/* More than one block before the data means a pax header
		 * went with it: not a block that can be written in place. */
		ok = ok && header == OTA_TAR_BLOCK;
	}
	archive_entry_free(ae);
	if (a)
		archive_write_free(a);
	if (!ok || c.n < OTA_TAR_BLOCK)
		return ota_err_set(err, OTA_EINTERNAL, "%s: cannot make its tar header", path);
	return 0;
}

void ota_slots_sig_block(const unsigned char sig[OTA_SIG_RAW_LEN],
			 unsigned char out[OTA_TAR_BLOCK])
{
	char text[OTA_SIG_B64_LEN + 1];

	memset(out, 0, OTA_TAR_BLOCK);
	ota_sig_encode(sig, text);
	memcpy(out, text, OTA_SIG_B64_LEN);
	out[OTA_SIG_B64_LEN] = '\n';
}

static bool b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/* The first slot (see ota_slots_chunk_ok). */
static bool pending_ok(const unsigned char slot[OTA_BUNDLE_SLOT_SIZE], unsigned long long size,
		       long long mtime)
{
	unsigned char next[OTA_TAR_BLOCK];
	const unsigned char *hdr = slot + OTA_TAR_BLOCK;
	size_t i;

	for (i = 0; i < OTA_TAR_BLOCK; i++) {
		unsigned char c = slot[i];
		if (c && !(i < OTA_SIG_B64_LEN ? b64_char(c) : i == OTA_SIG_B64_LEN && c == '\n'))
			return false;
	}
	for (i = 0; i < OTA_TAR_BLOCK && hdr[i] == 0; i++)
		;
	if (i == OTA_TAR_BLOCK)
		return true;
	if (size < OTA_BUNDLE_SLOT_SIZE ||
	    ota_slots_header(OTA_BUNDLE_SLOTS, size - OTA_BUNDLE_SLOT_SIZE, mtime, next, NULL))
		return false;
	for (i = 0; i < OTA_TAR_BLOCK; i++)
		if (hdr[i] && hdr[i] != next[i])
			return false;
	return true;
}

bool ota_slots_chunk_ok(const unsigned char *p, size_t n, unsigned long long off,
			unsigned long long size, long long mtime, unsigned long long *bad)
{
	size_t i = 0;

	if (off == 0 && n == OTA_BUNDLE_SLOT_SIZE) {
		*bad = 0;
		return pending_ok(p, size, mtime);
	}
	while (i < n && p[i] == 0)
		i++;
	*bad = off + i;
	return i == n;
}
