/* SPDX-License-Identifier: Apache-2.0 */
/* test_verify_policy.c - the verification policy of lib/verify.c before any
 * payload: ota_verify_signatures on bundle heads made here (threshold of
 * distinct trusted keys, strangers ignored, a trusted key's bad signature
 * fatal and named, also when the signatures are checked side by side over
 * a manifest of several pieces, the counts in the refusal), and ota_verify_open on bundles written
 * with the library's writer (target, and the manifest parsed only once its
 * signatures verified).  Keys are generated per run with lib/keys.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/bundle_write.h"
#include "lib/fsutil.h"
#include "lib/keys.h"
#include "lib/sig.h"
#include "lib/verify.h"

#define NAME "p.bundle"
#define N_KEYS 3 /* keys 0 and 1 trusted, 2 a stranger's */
#define DATA "abc"

struct fixture {
	char dir[64]; /* mkdtemp: the bundles */
	EVP_PKEY *key[N_KEYS];
	char id[N_KEYS][OTA_KEYID_HEX_LEN + 1];
	struct ota_keyring trusted;
	struct ota_manifest *m; /* 1.0.0 for "dev": one file "a" holding DATA */
	struct ota_buf manifest; /* its canonical bytes */
	struct ota_bundle_head head;
	struct ota_verify_result res;
	struct ota_err err;
};

static int make_keys(struct fixture *f, struct ota_err *err)
{
	unsigned char raw[OTA_KEY_RAW_LEN];
	int i, rc = 0;

	for (i = 0; i < N_KEYS && rc == 0; i++) {
		char name[16];

		snprintf(name, sizeof(name), "key%d", i);
		rc = ota_key_generate(&f->key[i], err);
		if (rc == 0)
			rc = ota_key_raw_public(f->key[i], raw, err);
		if (rc == 0)
			rc = ota_key_id(raw, f->id[i], err);
		if (rc == 0 && i < 2)
			rc = ota_keyring_add_raw(&f->trusted, raw, name, err);
	}
	return rc;
}

static int make_manifest(struct fixture *f, struct ota_err *err)
{
	struct ota_entry e = {0};

	e.path = "a";
	e.type = OTA_ENTRY_FILE;
	e.mode = 0644;
	e.size = strlen(DATA);
	f->m = ota_manifest_new();
	if (!f->m)
		return -1;
	return ota_sha256(DATA, strlen(DATA), e.sha256, err) ||
	       ota_manifest_set(f->m, "1.0.0", "dev", 3, 1700000000, err) ||
	       ota_manifest_add(f->m, &e, err) || ota_manifest_check(f->m, err) ||
	       ota_manifest_serialize(f->m, &f->manifest, err);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ota_err err = {0};

	if (!f)
		return -1;
	*state = f;
	ota_buf_init(&f->manifest, 0);
	snprintf(f->dir, sizeof(f->dir), "/tmp/ota-test-verify-policy.XXXXXX");
	if (!mkdtemp(f->dir)) {
		f->dir[0] = '\0';
		return -1;
	}
	if (make_keys(f, &err) || make_manifest(f, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	struct ota_err err;
	int i;

	if (f->dir[0])
		ota_rm_tree(f->dir, &err);
	for (i = 0; i < N_KEYS; i++)
		EVP_PKEY_free(f->key[i]);
	ota_keyring_free(&f->trusted);
	ota_manifest_free(f->m);
	ota_buf_free(&f->manifest);
	ota_verify_result_free(&f->res);
	free(f);
	return 0;
}

static int sig_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ota_bundle_sig *)a)->keyid,
		      ((const struct ota_bundle_sig *)b)->keyid);
}

/* f->head over msg, signed by each key of signers (-1 ends), sorted by key
 * id as the reader gives them; bad names one signer whose signature is
 * then damaged (-1: none). */
static void make_head(struct fixture *f, const struct ota_buf *msg, const int *signers, int bad)
{
	size_t n = 0;

	memset(&f->head, 0, sizeof(f->head));
	f->head.manifest = *msg; /* borrowed: never freed through head */
	for (; *signers >= 0; signers++, n++) {
		struct ota_bundle_sig *s = &f->head.sigs[n];

		memcpy(s->keyid, f->id[*signers], sizeof(s->keyid));
		if (ota_sig_sign(f->key[*signers], msg->data, msg->len, s->sig, &f->err))
			fail_msg("%s", f->err.msg);
		if (*signers == bad)
			s->sig[10] ^= 0x01;
	}
	f->head.n_sigs = n;
	if (n)
		qsort(f->head.sigs, n, sizeof(f->head.sigs[0]), sig_cmp);
}

static int check(struct fixture *f, unsigned int threshold)
{
	struct ota_verify_opts o = {0};

	o.keys = &f->trusted;
	o.device_class = "dev";
	o.threshold = threshold;
	return ota_verify_signatures(&f->head, NAME, &o, &f->res, &f->err);
}

static void test_policy_threshold_counts_distinct_trusted_keys(void **state)
{
	struct fixture *f = *state;
	static const int both[] = {0, 1, -1}, one[] = {1, -1};

	make_head(f, &f->manifest, both, -1);
	if (check(f, 2))
		fail_msg("%s", f->err.msg);
	assert_int_equal(f->res.n_signed, 2);
	assert_true(!strcmp(f->res.signed_by[0], f->id[0]) || !strcmp(f->res.signed_by[1], f->id[0]));
	assert_true(!strcmp(f->res.signed_by[0], f->id[1]) || !strcmp(f->res.signed_by[1], f->id[1]));
	assert_int_equal(check(f, 1), 0);
	assert_int_equal(check(f, 3), OTA_EUNTRUSTED);
	assert_non_null(strstr(f->err.msg, "2 of 2 signatures by a trusted key, 3 needed"));
	/* threshold 0 means 1. */
	make_head(f, &f->manifest, one, -1);
	assert_int_equal(check(f, 0), 0);
	assert_int_equal(f->res.n_signed, 1);
	assert_string_equal(f->res.signed_by[0], f->id[1]);
}

static void test_policy_a_stranger_signature_is_ignored_not_counted(void **state)
{
	struct fixture *f = *state;
	static const int with_stranger[] = {0, 2, -1}, only_stranger[] = {2, -1};

	/* Even a damaged one: it is not ours to judge. */
	make_head(f, &f->manifest, with_stranger, 2);
	if (check(f, 1))
		fail_msg("%s", f->err.msg);
	assert_int_equal(f->res.n_signed, 1);
	assert_string_equal(f->res.signed_by[0], f->id[0]);
	assert_int_equal(check(f, 2), OTA_EUNTRUSTED);
	assert_non_null(strstr(f->err.msg, NAME ": untrusted: 1 of 2 signatures by a trusted key, "
					   "2 needed"));
	make_head(f, &f->manifest, only_stranger, -1);
	assert_int_equal(check(f, 1), OTA_EUNTRUSTED);
	assert_non_null(strstr(f->err.msg, "0 of 1 signatures by a trusted key, 1 needed"));
}

static void test_policy_a_trusted_key_bad_signature_is_ebadsig(void **state)
{
	struct fixture *f = *state;
	static const int both[] = {0, 1, -1};

	/* One good trusted signature does not excuse a bad one. */
	make_head(f, &f->manifest, both, 1);
	assert_int_equal(check(f, 1), OTA_EBADSIG);
	assert_non_null(strstr(f->err.msg, NAME ": bad signature"));
	make_head(f, &f->manifest, both, 0);
	assert_int_equal(check(f, 1), OTA_EBADSIG);
}

/* The signatures are checked side by side over a manifest read once, in
 * pieces (here three of 256 KiB and a tail): both good ones count, and a
 * bad one is refused by its own key's name, whichever of the two it is. */
static void test_policy_signatures_streamed_side_by_side_name_the_bad_one(void **state)
{
	struct fixture *f = *state;
	static const int both[] = {0, 1, -1};
	struct ota_buf big;
	char id16[17];
	size_t i;
	int bad;

	ota_buf_init(&big, 0);
	for (i = 0; i < 3 * 256 * 1024 + 1000; i++)
		assert_int_equal(ota_buf_append(&big, (const unsigned char *)"xyz" + i % 3, 1,
						&f->err), 0);
	make_head(f, &big, both, -1);
	assert_int_equal(check(f, 2), 0);
	assert_int_equal(f->res.n_signed, 2);
	for (bad = 0; bad < 2; bad++) {
		make_head(f, &big, both, bad);
		assert_int_equal(check(f, 1), OTA_EBADSIG);
		memcpy(id16, f->id[bad], 16);
		id16[16] = '\0';
		assert_non_null(strstr(f->err.msg, id16));
		assert_non_null(strstr(f->err.msg, "signature does not verify"));
	}
	ota_buf_free(&big);
}

static void test_policy_signature_over_other_bytes_is_ebadsig(void **state)
{
	struct fixture *f = *state;
	static const int one[] = {0, -1};
	struct ota_buf other = f->manifest;

	make_head(f, &f->manifest, one, -1);
	other.len--; /* the signed bytes less one */
	f->head.manifest = other;
	assert_int_equal(check(f, 1), OTA_EBADSIG);
}

static void test_policy_no_signatures_is_untrusted(void **state)
{
	struct fixture *f = *state;
	static const int none[] = {-1};

	make_head(f, &f->manifest, none, -1);
	assert_int_equal(check(f, 1), OTA_EUNTRUSTED);
	assert_non_null(strstr(f->err.msg, NAME ": untrusted: the bundle is not signed"));
	assert_int_equal(check(f, 0), OTA_EUNTRUSTED);
}

/* verify.h promises `threshold` signatures by *distinct* trusted keys:
 * one key's signature twice counts once, whatever reader made the head
 * (the bundle reader refuses duplicate key ids, a detached file might
 * not). */
static void test_policy_one_key_twice_does_not_meet_a_threshold_of_two(void **state)
{
	struct fixture *f = *state;
	static const int twice[] = {0, 0, -1};

	make_head(f, &f->manifest, twice, -1);
	assert_int_equal(check(f, 2), OTA_EUNTRUSTED);
}

/* A bundle of msg signed by signers (sorted by id), with the payload of
 * f->m when payload; its path in out. */
static void write_bundle(struct fixture *f, const struct ota_buf *msg, const int *signers,
			 bool payload, char *out, size_t outlen)
{
	struct ota_bundle_writer *w = NULL;
	size_t i;
	int fd;

	make_head(f, msg, signers, -1);
	assert_true((size_t)snprintf(out, outlen, "%s/" NAME, f->dir) < outlen);
	unlink(out);
	fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	if (ota_bundle_writer_new(&w, fd, NAME, OTA_COMPRESS_NONE, 1700000000, &f->err) ||
	    ota_bundle_write_manifest(w, msg->data, msg->len, &f->err))
		fail_msg("%s", f->err.msg);
	for (i = 0; i < f->head.n_sigs; i++)
		if (ota_bundle_write_signature(w, f->head.sigs[i].keyid, f->head.sigs[i].sig,
					       &f->err))
			fail_msg("%s", f->err.msg);
	if (payload && (ota_bundle_write_entry(w, &f->m->entries[0], &f->err) ||
			ota_bundle_write_data(w, DATA, strlen(DATA), &f->err)))
		fail_msg("%s", f->err.msg);
	if (ota_bundle_writer_finish(w, &f->err))
		fail_msg("%s", f->err.msg);
	ota_bundle_writer_free(w);
	assert_int_equal(close(fd), 0);
}

static int open_bundle(struct fixture *f, const char *path, const char *device_class,
		       unsigned int threshold)
{
	struct ota_verify_opts o = {0};
	struct ota_verify_session v;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	assert_true(fd >= 0);
	o.keys = &f->trusted;
	o.device_class = device_class;
	o.threshold = threshold;
	rc = ota_verify_open(&v, fd, NAME, &o, &f->err);
	if (rc == 0) {
		assert_non_null(v.res.manifest);
		assert_string_equal(v.res.manifest->version, "1.0.0");
	}
	ota_verify_close(&v);
	close(fd);
	return rc;
}

static void test_policy_open_accepts_a_signed_bundle_for_this_device(void **state)
{
	struct fixture *f = *state;
	static const int both[] = {0, 1, -1};
	char path[128];

	write_bundle(f, &f->manifest, both, true, path, sizeof(path));
	if (open_bundle(f, path, "dev", 2))
		fail_msg("%s", f->err.msg);
}

static void test_policy_open_refuses_another_target(void **state)
{
	struct fixture *f = *state;
	static const int one[] = {0, -1};
	char path[128];

	write_bundle(f, &f->manifest, one, true, path, sizeof(path));
	assert_int_equal(open_bundle(f, path, "other-dev", 1), OTA_ETARGET);
	assert_non_null(strstr(f->err.msg, "bundle is for \"dev\", this device is \"other-dev\""));
}

static void test_policy_open_checks_signatures_before_target(void **state)
{
	struct fixture *f = *state;
	static const int stranger[] = {2, -1};
	char path[128];

	write_bundle(f, &f->manifest, stranger, true, path, sizeof(path));
	assert_int_equal(open_bundle(f, path, "other-dev", 1), OTA_EUNTRUSTED);
}

static void test_policy_manifest_parsed_only_after_signatures_verified(void **state)
{
	struct fixture *f = *state;
	static const int none[] = {-1}, stranger[] = {2, -1}, trusted[] = {0, -1};
	struct ota_buf garbage;
	char path[128];

	ota_buf_init(&garbage, 0);
	assert_int_equal(ota_buf_append(&garbage, "{\"not\": a manifest", 18, &f->err), 0);
	/* Unsigned or signed by a stranger: refused as untrusted, never parsed. */
	write_bundle(f, &garbage, none, false, path, sizeof(path));
	assert_int_equal(open_bundle(f, path, "dev", 1), OTA_EUNTRUSTED);
	write_bundle(f, &garbage, stranger, false, path, sizeof(path));
	assert_int_equal(open_bundle(f, path, "dev", 1), OTA_EUNTRUSTED);
	/* The control: the same bytes signed by a trusted key reach the parser. */
	write_bundle(f, &garbage, trusted, false, path, sizeof(path));
	assert_int_equal(open_bundle(f, path, "dev", 1), OTA_EFORMAT);
	ota_buf_free(&garbage);
}

static void test_policy_open_refuses_a_bad_trusted_signature(void **state)
{
	struct fixture *f = *state;
	static const int one[] = {1, -1};
	char path[128];
	struct ota_buf other;

	/* key 1's signature of other bytes, attached to the manifest. */
	ota_buf_init(&other, 0);
	assert_int_equal(ota_buf_append(&other, "other", 5, &f->err), 0);
	make_head(f, &other, one, -1);
	{
		struct ota_bundle_writer *w = NULL;
		int fd;

		snprintf(path, sizeof(path), "%s/" NAME, f->dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		assert_true(fd >= 0);
		if (ota_bundle_writer_new(&w, fd, NAME, OTA_COMPRESS_NONE, 1700000000, &f->err) ||
		    ota_bundle_write_manifest(w, f->manifest.data, f->manifest.len, &f->err) ||
		    ota_bundle_write_signature(w, f->head.sigs[0].keyid, f->head.sigs[0].sig,
					       &f->err) ||
		    ota_bundle_write_entry(w, &f->m->entries[0], &f->err) ||
		    ota_bundle_write_data(w, DATA, strlen(DATA), &f->err) ||
		    ota_bundle_writer_finish(w, &f->err))
			fail_msg("%s", f->err.msg);
		ota_bundle_writer_free(w);
		assert_int_equal(close(fd), 0);
	}
	ota_buf_free(&other);
	assert_int_equal(open_bundle(f, path, "dev", 1), OTA_EBADSIG);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_policy_threshold_counts_distinct_trusted_keys),
		T(test_policy_a_stranger_signature_is_ignored_not_counted),
		T(test_policy_a_trusted_key_bad_signature_is_ebadsig),
		T(test_policy_signatures_streamed_side_by_side_name_the_bad_one),
		T(test_policy_signature_over_other_bytes_is_ebadsig),
		T(test_policy_no_signatures_is_untrusted),
		T(test_policy_one_key_twice_does_not_meet_a_threshold_of_two),
		T(test_policy_open_accepts_a_signed_bundle_for_this_device),
		T(test_policy_open_refuses_another_target),
		T(test_policy_open_checks_signatures_before_target),
		T(test_policy_manifest_parsed_only_after_signatures_verified),
		T(test_policy_open_refuses_a_bad_trusted_signature),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
