/* SPDX-License-Identifier: Apache-2.0 */
/* bundle_slots.h - the reserved signature slots of an uncompressed bundle
 * (schema/bundle.md, "Signature slots"): the tar blocks that signing in
 * place writes, and the rule for what the reserved entry may hold.
 *
 * The head of a slotted bundle is manifest.json, the signatures in the
 * order they were added, then the entry signatures/.slots whose body is
 * n free slots of OTA_BUNDLE_SLOT_SIZE zero bytes.  Adding a signature
 * turns the first slot into a signature entry: the signature's data block
 * and the header of the shorter .slots entry are written into the first
 * slot (no reader looks there yet), then the .slots header itself is
 * overwritten by the signature's header: one aligned 512-byte block, the
 * commit.  Pure functions: no I/O.
 */
#ifndef OTA_BUNDLE_SLOTS_H
#define OTA_BUNDLE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/bundle.h"
#include "lib/err.h"
#include "lib/sig.h"

#define OTA_TAR_BLOCK 512

/* The ustar header block the bundle writer gives a regular file path of
 * size bytes (mode 0644, uid/gid 0, mtime): path is ASCII and under 100
 * bytes, so no pax header goes with it.  OTA_EINTERNAL if libarchive
 * fails. */
int ota_slots_header(const char *path, unsigned long long size, long long mtime,
		     unsigned char out[OTA_TAR_BLOCK], struct ota_err *err);

/* The one-block data of a signature entry: the base64, "\n", zeros. */
void ota_slots_sig_block(const unsigned char sig[OTA_SIG_RAW_LEN],
			 unsigned char out[OTA_TAR_BLOCK]);

/* Whether n bytes at offset off of the body of a .slots entry of size
 * bytes (mtime) may be there; read in chunks of OTA_BUNDLE_SLOT_SIZE, so
 * the first slot comes whole.  Past the first slot: zeros.  The first
 * slot: what an interrupted in-place signing can leave there, byte by
 * byte: each byte of its first block zero or what a signature's data
 * block has at that place (base64, "\n" at 88, zeros after), each byte
 * of its second zero or the header of the .slots entry one slot shorter.
 * Else false, and *bad the offset of the first wrong byte (any offset in
 * the first slot: the first slot). */
bool ota_slots_chunk_ok(const unsigned char *p, size_t n, unsigned long long off,
			unsigned long long size, long long mtime, unsigned long long *bad);

#endif
