/* SPDX-License-Identifier: Apache-2.0 */
/* test_pkcs11_uri.c - RFC 7512 URIs as lib/pkcs11.h reads them: the
 * attributes that name a token and a key, %-escapes, and refusal of what
 * it does not know rather than a quiet match of some other key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/pkcs11_uri.h"

static void test_the_attributes_that_name_a_key(void **state)
{
	struct ota_pkcs11_uri u;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_pkcs11_uri_parse("pkcs11:token=Release%20HSM;object=ci-2026;"
					      "id=%01%ff;serial=42;slot-id=7;type=private"
					      "?module-path=/usr/lib/x.so&pin-value=12%2634",
					      &u, &err),
			 0);
	assert_string_equal(u.token, "Release HSM");
	assert_string_equal(u.object, "ci-2026");
	assert_int_equal(u.id_len, 2);
	assert_int_equal(u.id[0], 0x01);
	assert_int_equal(u.id[1], 0xff);
	assert_string_equal(u.serial, "42");
	assert_int_equal(u.slot_id, 7);
	assert_string_equal(u.module_path, "/usr/lib/x.so");
	assert_string_equal(u.pin_value, "12&34");
	ota_pkcs11_uri_free(&u);
}

static void test_a_bare_uri_names_nothing_in_particular(void **state)
{
	struct ota_pkcs11_uri u;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_pkcs11_uri_parse("PKCS11:", &u, &err), 0);
	assert_null(u.token);
	assert_null(u.object);
	assert_int_equal(u.id_len, 0);
	assert_int_equal(u.slot_id, -1);
	ota_pkcs11_uri_free(&u);
}

static void test_refused_with_the_reason(void **state)
{
	static const struct {
		const char *uri, *why;
	} bad[] = {
	    {"file:k.key", "not a PKCS#11 URI"},
	    {"pkcs11:objcet=ci", "unknown path attribute \"objcet\""},
	    {"pkcs11:object=ci?pin=1", "unknown query attribute \"pin\""},
	    {"pkcs11:object=a;object=b", "object given twice"},
	    {"pkcs11:object=c%4", "bad %-escape in object"},
	    {"pkcs11:object=c%zz", "bad %-escape in object"},
	    {"pkcs11:object=a%00b", "object holds a NUL byte"},
	    {"pkcs11:id=", "id given twice, empty"},
	    {"pkcs11:slot-id=x", "bad slot-id"},
	    {"pkcs11:slot-id=-1", "bad slot-id"},
	    {"pkcs11:object", "is not name=value"},
	    {"pkcs11:type=public", "type=public: a signing key is type=private"},
	};
	struct ota_pkcs11_uri u;
	struct ota_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		if (ota_pkcs11_uri_parse(bad[i].uri, &u, &err) != OTA_EKEY)
			fail_msg("accepted: %s", bad[i].uri);
		if (!strstr(err.msg, bad[i].why))
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].uri, err.msg, bad[i].why);
	}
}

/* Library and slot descriptions are legal; they do not change which key. */
static void test_descriptive_attributes_are_accepted(void **state)
{
	struct ota_pkcs11_uri u;
	struct ota_err err = {0};

	(void)state;
	assert_int_equal(ota_pkcs11_uri_parse("pkcs11:library-manufacturer=SoftHSM;"
					      "slot-description=x;object=k",
					      &u, &err),
			 0);
	assert_string_equal(u.object, "k");
	ota_pkcs11_uri_free(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_the_attributes_that_name_a_key),
	    cmocka_unit_test(test_a_bare_uri_names_nothing_in_particular),
	    cmocka_unit_test(test_refused_with_the_reason),
	    cmocka_unit_test(test_descriptive_attributes_are_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
