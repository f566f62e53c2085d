/* SPDX-License-Identifier: Apache-2.0 */
/* test_receipt.c - install receipts and the device list (lib/receipt.c,
 * lib/devkey.c): a receipt round trip, every byte of the document signed
 * (each field changed after signing refused), the strict shape, an
 * unknown device, the replay rule, the device key made once and refused
 * when its mode is wrong, and device-list lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/devkey.h"
#include "lib/fsutil.h"
#include "lib/receipt.h"

struct fixture {
	EVP_PKEY *key;
	struct ota_keyring devices;
	struct ota_receipt r;
	char line[OTA_DEVKEY_LINE_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned char raw[OTA_KEY_RAW_LEN];
	struct ota_err err = {0};

	if (!f || ota_key_generate(&f->key, &err) || ota_key_raw_public(f->key, raw, &err) ||
	    ota_key_id(raw, f->r.device, &err) || ota_devkey_line(f->key, f->line, sizeof(f->line), &err) ||
	    ota_devices_parse((const unsigned char *)f->line, strlen(f->line), "devices", &f->devices,
			      &err))
		return -1;
	snprintf(f->r.device_class, sizeof(f->r.device_class), "edge-gw-v2");
	snprintf(f->r.hostname, sizeof(f->r.hostname), "gw-42");
	snprintf(f->r.current, sizeof(f->r.current), "1.2.0");
	snprintf(f->r.last_good, sizeof(f->r.last_good), "1.2.0");
	snprintf(f->r.result, sizeof(f->r.result), OTA_RECEIPT_INSTALLED);
	snprintf(f->r.version, sizeof(f->r.version), "1.2.0");
	f->r.counter = 7;
	f->r.history_seq = 42;
	memset(f->r.history_sha256, 'a', OTA_SHA256_HEX_LEN);
	f->r.time = 1700000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	EVP_PKEY_free(f->key);
	ota_keyring_free(&f->devices);
	free(f);
	return 0;
}

static void format(struct fixture *f, struct ota_buf *b)
{
	struct ota_err err = {0};

	ota_buf_init(b, OTA_RECEIPT_FILE_MAX);
	if (ota_receipt_format(&f->r, f->key, b, &err))
		fail_msg("%s", err.msg);
}

static int verify(struct fixture *f, const struct ota_buf *b, struct ota_err *err)
{
	struct ota_receipt got;

	return ota_receipt_verify(b->data, b->len, "r.json", &f->devices, &got, err);
}

static void test_receipt_round_trip(void **state)
{
	struct fixture *f = *state;
	struct ota_receipt got;
	struct ota_err err = {0};
	struct ota_buf b;

	format(f, &b);
	assert_int_equal(b.data[b.len - 1], '\n');
	if (ota_receipt_verify(b.data, b.len, "r.json", &f->devices, &got, &err))
		fail_msg("%s", err.msg);
	assert_memory_equal(&got, &f->r, sizeof(got));
	ota_buf_free(&b);
}

/* Every value of the document changed after signing: refused, as forged. */
static void test_receipt_any_change_after_signing_is_refused(void **state)
{
	static const char *const changes[][2] = {
		{"\"current\":\"1.2.0\"", "\"current\":\"1.3.0\""},
		{"\"counter\":7", "\"counter\":8"},
		{"\"exit\":0", "\"exit\":1"},
		{"\"hostname\":\"gw-42\"", "\"hostname\":\"gw-43\""},
		{"\"seq\":42", "\"seq\":43"},
		{"\"version\":\"1.2.0\"", "\"version\":\"1.1.0\""},
	};
	struct fixture *f = *state;
	struct ota_err err;
	struct ota_buf b, c;
	char *at;
	size_t i;

	format(f, &b);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		ota_buf_init(&c, OTA_RECEIPT_FILE_MAX);
		assert_int_equal(ota_buf_append(&c, b.data, b.len, NULL), 0);
		at = strstr((char *)c.data, changes[i][0]);
		assert_non_null(at);
		assert_int_equal(strlen(changes[i][0]), strlen(changes[i][1]));
		memcpy(at, changes[i][1], strlen(changes[i][1]));
		err = (struct ota_err){0};
		assert_int_equal(verify(f, &c, &err), OTA_ERECEIPT);
		assert_non_null(strstr(err.msg, "forged or altered"));
		ota_buf_free(&c);
	}
	ota_buf_free(&b);
}

/* Not one canonical line, an extra key, a missing newline: malformed. */
static void test_receipt_shape_is_strict(void **state)
{
	struct fixture *f = *state;
	struct ota_err err = {0};
	struct ota_buf b, c;

	format(f, &b);
	c = b;
	c.len--; /* no final newline */
	assert_int_equal(verify(f, &c, &err), OTA_ERECEIPT);
	assert_non_null(strstr(err.msg, "malformed"));
	ota_buf_init(&c, OTA_RECEIPT_FILE_MAX);
	assert_int_equal(ota_buf_puts(&c, " ", NULL), 0);
	assert_int_equal(ota_buf_append(&c, b.data, b.len, NULL), 0);
	assert_int_equal(verify(f, &c, &err), OTA_ERECEIPT);
	assert_non_null(strstr(err.msg, "not canonical"));
	ota_buf_free(&c);
	ota_buf_init(&c, OTA_RECEIPT_FILE_MAX);
	assert_int_equal(ota_buf_append(&c, b.data, b.len - 2, NULL), 0);
	assert_int_equal(ota_buf_puts(&c, ",\"x\":1}\n", NULL), 0);
	assert_int_equal(verify(f, &c, &err), OTA_ERECEIPT);
	assert_non_null(strstr(err.msg, "keys must be exactly receipt and signature"));
	ota_buf_free(&c);
	ota_buf_free(&b);
}

static void test_receipt_of_an_unknown_device_is_refused(void **state)
{
	struct fixture *f = *state;
	struct ota_err err = {0};
	struct ota_keyring none = {0};
	struct ota_receipt got;
	struct ota_buf b;

	format(f, &b);
	assert_int_equal(ota_receipt_verify(b.data, b.len, "r.json", &none, &got, &err),
			 OTA_ERECEIPT);
	assert_non_null(strstr(err.msg, "unknown device"));
	ota_buf_free(&b);
}

/* Newer: 0; the very one collected last: 1; anything else not above: replayed. */
static void test_receipt_replay_rule(void **state)
{
	unsigned char a[OTA_SHA256_LEN] = {1}, b[OTA_SHA256_LEN] = {2};
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_receipt_fresh("r", 0, a, 1, a, &err), 0);
	assert_int_equal(ota_receipt_fresh("r", 6, a, 7, b, &err), 0);
	assert_int_equal(ota_receipt_fresh("r", 7, a, 7, a, &err), 1);
	assert_int_equal(ota_receipt_fresh("r", 7, a, 7, b, &err), OTA_ERECEIPT);
	assert_int_equal(ota_receipt_fresh("r", 7, a, 6, a, &err), OTA_ERECEIPT);
	assert_non_null(strstr(err.msg, "replayed: counter 6 is not above 7"));
}

static void test_devices_list_lines(void **state)
{
	struct fixture *f = *state;
	struct ota_keyring kr;
	struct ota_err err = {0};
	char text[512], bad[512];

	snprintf(text, sizeof(text), "# the fleet\n\n%s gw 42\n", f->line);
	assert_int_equal(ota_devices_parse((const unsigned char *)text, strlen(text), "d", &kr,
					   &err), 0);
	assert_int_equal(kr.n, 1);
	assert_string_equal(kr.keys[0].source, "gw 42");
	ota_keyring_free(&kr);
	/* An id that is not its key's. */
	snprintf(bad, sizeof(bad), "%s\n", f->line);
	bad[7] = bad[7] == '0' ? '1' : '0';
	assert_int_equal(ota_devices_parse((const unsigned char *)bad, strlen(bad), "d", &kr, &err),
			 OTA_EKEY);
	assert_non_null(strstr(err.msg, "d:1: the key id is not its key's"));
	ota_keyring_free(&kr);
	/* Listed twice; a line of another shape. */
	snprintf(text, sizeof(text), "%s\n%s\n", f->line, f->line);
	assert_int_equal(ota_devices_parse((const unsigned char *)text, strlen(text), "d", &kr,
					   &err), OTA_EFORMAT);
	assert_non_null(strstr(err.msg, "d:2: device"));
	ota_keyring_free(&kr);
	assert_int_equal(ota_devices_parse((const unsigned char *)"key x\n", 6, "d", &kr, &err),
			 OTA_EFORMAT);
	ota_keyring_free(&kr);
}

/* Made once, 0600; the same id after; a wrong mode refused, not replaced. */
static void test_devkey_made_once_and_never_replaced(void **state)
{
	char dir[] = "/tmp/test_receipt.XXXXXX", id[OTA_KEYID_HEX_LEN + 1], id2[sizeof(id)];
	char path[sizeof(dir) + 32];
	struct ota_err err = {0};
	struct stat st;
	bool made;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(ota_devkey_get(dir, false, NULL, id, &made, &err), 1);
	assert_int_equal(ota_devkey_get(dir, true, NULL, id, &made, &err), 0);
	assert_true(made);
	snprintf(path, sizeof(path), "%s/" OTA_DEVKEY_FILE, dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(ota_devkey_get(dir, true, NULL, id2, &made, &err), 0);
	assert_false(made);
	assert_string_equal(id, id2);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(ota_devkey_get(dir, true, NULL, id2, &made, &err), OTA_EKEY);
	assert_non_null(strstr(err.msg, "not 0600"));
	assert_int_equal(ota_rm_tree(dir, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_receipt_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_any_change_after_signing_is_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_shape_is_strict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_of_an_unknown_device_is_refused, setup,
						teardown),
		cmocka_unit_test(test_receipt_replay_rule),
		cmocka_unit_test_setup_teardown(test_devices_list_lines, setup, teardown),
		cmocka_unit_test(test_devkey_made_once_and_never_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
