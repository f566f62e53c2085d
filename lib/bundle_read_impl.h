/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_read_impl.h - inside the bundle reader only: its state, shared by
 * bundle_read.c (the stream, the payload) and bundle_read_head.c (the head). */
#ifndef OTA_BUNDLE_READ_IMPL_H
#define OTA_BUNDLE_READ_IMPL_H

#include <archive.h>
#include <archive_entry.h>
#include <stdbool.h>

#include "lib/bundle_read.h"

/* Two archives: `raw` undoes the compression, `a` reads the tar from what
 * raw gives.  Owning the bytes between them is what lets the reader see
 * what follows the tar's end-of-archive marker, which libarchive's tar
 * reader stops at and never shows. */
struct ota_bundle_reader {
	struct archive *raw; /* filters only: the decompressed stream */
	struct archive *a;   /* the tar, fed by feed() from raw */
	unsigned char *blk[2];  /* the last two blocks fed to a, alternating */
	size_t blk_len[2];
	int cur;                /* blk[cur] is the last one fed */
	unsigned long long fed; /* bytes fed to a */
	struct archive_entry *ae; /* current entry, owned by a */
	const char *name;
	bool pending; /* ae is a payload entry the head reader stopped at */
	bool unsorted; /* signatures out of key id order (read_signature) */
	bool at_end;
	unsigned long long data_off; /* of the current entry's next data block */
	struct ota_bundle_head head;
	const char *spool_dir; /* where a big manifest is kept (buf_map.c), or NULL */
	const struct ota_bundle_source *src; /* when not a file */
	unsigned char *src_buf;   /* what src->read last gave */
	int src_rc;               /* src's failure, reported as it is */
	struct ota_err src_err;
	char dir_name[OTA_PATH_MAX + sizeof(OTA_BUNDLE_PAYLOAD_DIR) + 1];
};

/* 1 with r->ae set, 0 at the end of the archive, or an error. */
int bundle_next_header(struct ota_bundle_reader *r, struct ota_err *err);

/* The entry's name as written (UTF-8 when the tar says so). */
static inline const char *bundle_entry_name(struct archive_entry *ae)
{
	const char *n = archive_entry_pathname_utf8(ae);

	return n ? n : archive_entry_pathname(ae);
}

static inline bool bundle_is_plain_file(struct archive_entry *ae)
{
	return archive_entry_filetype(ae) == AE_IFREG && !archive_entry_hardlink(ae) &&
	       !archive_entry_sparse_count(ae);
}

#endif
