/* SPDX-License-Identifier: Apache-2.0 */
/* test_bundle_slots.c - lib/bundle_slots.c: the headers written in place
 * are the bundle writer's own, and the rule for the reserved entry's
 * body: zeros, but for exactly what an interrupted signing leaves in the
 * first slot, byte by byte, in any order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/bundle_slots.h"
#include "lib/bundle_write.h"

#define MTIME 1700000000LL
#define SIZE (8ULL * OTA_BUNDLE_SLOT_SIZE)

/* The first slot as a signing writes it: a signature's data block and
 * the header of .slots one slot shorter. */
static void pending(unsigned char slot[OTA_BUNDLE_SLOT_SIZE])
{
	unsigned char sig[OTA_SIG_RAW_LEN];
	size_t i;

	for (i = 0; i < sizeof(sig); i++)
		sig[i] = (unsigned char)(i * 37 + 11);
	ota_slots_sig_block(sig, slot);
	assert_int_equal(ota_slots_header(OTA_BUNDLE_SLOTS, SIZE - OTA_BUNDLE_SLOT_SIZE, MTIME,
					  slot + OTA_TAR_BLOCK, NULL), 0);
}

static bool first_ok(const unsigned char *slot)
{
	unsigned long long bad;

	return ota_slots_chunk_ok(slot, OTA_BUNDLE_SLOT_SIZE, 0, SIZE, MTIME, &bad);
}

static void test_slots_header_is_the_writers_header(void **state)
{
	char path[] = "/tmp/test_bundle_slots.XXXXXX";
	unsigned char mine[OTA_TAR_BLOCK], theirs[OTA_TAR_BLOCK];
	struct ota_bundle_writer *w = NULL;
	struct ota_err err = {0};
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(ota_bundle_writer_new(&w, fd, path, OTA_COMPRESS_NONE, MTIME, &err), 0);
	assert_int_equal(ota_bundle_write_manifest(w, (const unsigned char *)"{}", 2, &err), 0);
	assert_int_equal(ota_bundle_write_slots(w, 8, &err), 0);
	assert_int_equal(ota_bundle_writer_finish(w, &err), 0);
	ota_bundle_writer_free(w);
	/* manifest header and its one data block, then the .slots header */
	assert_int_equal(pread(fd, theirs, sizeof(theirs), 2 * OTA_TAR_BLOCK), OTA_TAR_BLOCK);
	assert_int_equal(ota_slots_header(OTA_BUNDLE_SLOTS, SIZE, MTIME, mine, &err), 0);
	assert_memory_equal(mine, theirs, OTA_TAR_BLOCK);
	close(fd);
	unlink(path);
}

static void test_slots_header_refuses_a_name_that_needs_a_pax_header(void **state)
{
	unsigned char out[OTA_TAR_BLOCK];
	char name[160];
	struct ota_err err = {0};

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(ota_slots_header(name, 89, MTIME, out, &err), OTA_EINTERNAL);
}

static void test_slots_first_slot_zero_or_pending_or_any_part_of_it(void **state)
{
	unsigned char want[OTA_BUNDLE_SLOT_SIZE], slot[OTA_BUNDLE_SLOT_SIZE];
	size_t k;

	(void)state;
	pending(want);
	memset(slot, 0, sizeof(slot));
	assert_true(first_ok(slot));
	/* every prefix (a kill), and every suffix (sectors out of order) */
	for (k = 0; k <= sizeof(slot); k++) {
		memset(slot, 0, sizeof(slot));
		memcpy(slot, want, k);
		if (!first_ok(slot))
			fail_msg("prefix of %zu bytes refused", k);
		memset(slot, 0, sizeof(slot));
		memcpy(slot + k, want + k, sizeof(slot) - k);
		if (!first_ok(slot))
			fail_msg("suffix from byte %zu refused", k);
	}
}

static void test_slots_first_slot_refuses_any_other_byte(void **state)
{
	unsigned char want[OTA_BUNDLE_SLOT_SIZE], slot[OTA_BUNDLE_SLOT_SIZE];
	size_t i;

	(void)state;
	pending(want);
	for (i = 0; i < sizeof(slot); i++) {
		memcpy(slot, want, sizeof(slot));
		/* a byte no signing writes there: not base64, not the header's */
		slot[i] = i < OTA_SIG_B64_LEN ? '*' : (unsigned char)(want[i] ^ 0x80);
		if (slot[i] == 0)
			slot[i] = 1;
		if (first_ok(slot))
			fail_msg("byte %zu = 0x%02x accepted", i, slot[i]);
	}
}

static void test_slots_first_slot_refuses_the_header_of_another_size(void **state)
{
	unsigned char slot[OTA_BUNDLE_SLOT_SIZE];

	(void)state;
	pending(slot);
	/* the header of an entry as long as the old one: no slot taken */
	assert_int_equal(ota_slots_header(OTA_BUNDLE_SLOTS, SIZE, MTIME, slot + OTA_TAR_BLOCK, NULL),
			 0);
	assert_false(first_ok(slot));
}

static void test_slots_past_the_first_slot_only_zeros(void **state)
{
	unsigned char chunk[OTA_BUNDLE_SLOT_SIZE] = {0};
	unsigned long long bad = 0;

	(void)state;
	assert_true(ota_slots_chunk_ok(chunk, sizeof(chunk), 2048, SIZE, MTIME, &bad));
	chunk[700] = 'A';
	assert_false(ota_slots_chunk_ok(chunk, sizeof(chunk), 2048, SIZE, MTIME, &bad));
	assert_int_equal(bad, 2048 + 700);
	/* a pending signature is only ever in the first slot */
	pending(chunk);
	assert_false(ota_slots_chunk_ok(chunk, sizeof(chunk), 1024, SIZE, MTIME, &bad));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_header_is_the_writers_header),
		cmocka_unit_test(test_slots_header_refuses_a_name_that_needs_a_pax_header),
		cmocka_unit_test(test_slots_first_slot_zero_or_pending_or_any_part_of_it),
		cmocka_unit_test(test_slots_first_slot_refuses_any_other_byte),
		cmocka_unit_test(test_slots_first_slot_refuses_the_header_of_another_size),
		cmocka_unit_test(test_slots_past_the_first_slot_only_zeros),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
