/* SPDX-License-Identifier: Apache-2.0 */
/* test_keys.c - key files, key ids and keyrings (lib/keys.c), each test in
 * its own mkdtemp directory.  The `openssl` command is the reference: keys
 * it makes must load here, and keys written here must load there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "lib/fsutil.h"
#include "lib/hash.h"
#include "lib/keys.h"

#define PASS "correct horse battery staple"

struct fx {
	char dir[256];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "%s/test_keys.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = ota_rm_tree(f->dir, NULL);

	free(f);
	return rc;
}

/* dir/name into out (PATH_MAX-ish buffers throughout). */
static char *at(void **state, const char *name, char out[512])
{
	const struct fx *f = *state;

	if ((size_t)snprintf(out, 512, "%s/%s", f->dir, name) >= 512)
		fail_msg("path too long");
	return out;
}

/* Run a shell command; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

static size_t entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* A new key pair written as key_path (passphrase may be NULL) and pub_path. */
static EVP_PKEY *write_pair(const char *key_path, const char *pub_path, const char *pass)
{
	struct ota_err err = {0};
	EVP_PKEY *key = NULL;

	assert_int_equal(ota_key_generate(&key, &err), 0);
	if (key_path)
		assert_int_equal(ota_privkey_write(key, key_path, pass, false, &err), 0);
	if (pub_path)
		assert_int_equal(ota_pubkey_write(key, pub_path, false, &err), 0);
	return key;
}

static void assert_same_public(EVP_PKEY *a, EVP_PKEY *b)
{
	unsigned char ra[OTA_KEY_RAW_LEN], rb[OTA_KEY_RAW_LEN];

	assert_int_equal(ota_key_raw_public(a, ra, NULL), 0);
	assert_int_equal(ota_key_raw_public(b, rb, NULL), 0);
	assert_memory_equal(ra, rb, sizeof(ra));
}

static void test_keys_plain_key_round_trips_through_files(void **state)
{
	char k[512], p[512];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = write_pair(at(state, "a.key", k), at(state, "a.pub", p), NULL);
	EVP_PKEY *back = NULL;
	unsigned char raw[OTA_KEY_RAW_LEN];

	assert_int_equal(sh("grep -q 'BEGIN PRIVATE KEY' %s", k), 0);
	assert_int_equal(ota_privkey_load(k, NULL, &back, &err), 0);
	assert_same_public(key, back);
	assert_int_equal(ota_pubkey_load(&pk, p, &err), 0);
	assert_int_equal(ota_key_raw_public(key, raw, &err), 0);
	assert_memory_equal(pk.raw, raw, sizeof(raw));
	assert_string_equal(pk.source, p);
	ota_pubkey_free(&pk);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
}

static void test_keys_encrypted_key_round_trips_with_its_passphrase(void **state)
{
	char k[512];
	struct ota_err err = {0};
	EVP_PKEY *key = write_pair(at(state, "e.key", k), NULL, PASS);
	EVP_PKEY *back = NULL;

	assert_int_equal(sh("grep -q 'BEGIN ENCRYPTED PRIVATE KEY' %s", k), 0);
	assert_int_equal(ota_privkey_load(k, PASS, &back, &err), 0);
	assert_same_public(key, back);
	EVP_PKEY_free(back);
	EVP_PKEY_free(key);
}

static void test_keys_encrypted_key_refuses_a_wrong_passphrase(void **state)
{
	char k[512], msg[600];
	struct ota_err err = {0};
	EVP_PKEY *key = write_pair(at(state, "e.key", k), NULL, PASS);
	EVP_PKEY *back = NULL;

	assert_int_equal(ota_privkey_load(k, PASS "!", &back, &err), OTA_EKEY);
	assert_null(back);
	snprintf(msg, sizeof(msg), "%s: wrong passphrase", k);
	assert_string_equal(err.msg, msg);
	EVP_PKEY_free(key);
}

static void test_keys_encrypted_key_without_passphrase_is_refused(void **state)
{
	char k[512], msg[600];
	struct ota_err err = {0};
	EVP_PKEY *key = write_pair(at(state, "e.key", k), NULL, PASS);
	EVP_PKEY *back = NULL;

	assert_int_equal(ota_privkey_load(k, NULL, &back, &err), OTA_EKEY);
	assert_null(back);
	snprintf(msg, sizeof(msg), "%s: key is encrypted: passphrase required", k);
	assert_string_equal(err.msg, msg);
	EVP_PKEY_free(key);
}

/* What `openssl asn1parse` sees: PBES2, PBKDF2 with HMAC-SHA256, a
 * 16-byte salt and 600000 (0x0927C0) iterations, AES-256-CBC. */
static void test_keys_encrypted_key_uses_pbkdf2_sha256_600000_and_aes256(void **state)
{
	static const char *const want[] = {":PBES2", ":PBKDF2", ":hmacWithSHA256", ":aes-256-cbc"};
	char k[512], cmd[600], line[512], all[4096] = "";
	EVP_PKEY *key = write_pair(at(state, "e.key", k), NULL, PASS);
	bool iter = false, salt = false;
	FILE *fp;
	size_t i;

	snprintf(cmd, sizeof(cmd), "openssl asn1parse -in %s", k);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp)) {
		strncat(all, line, sizeof(all) - strlen(all) - 1);
		iter |= strstr(line, "INTEGER") && strstr(line, ":0927C0\n");
		/* the salt is the OCTET STRING inside the PBKDF2 parameters */
		salt |= strstr(line, "d=5  hl=2 l=  16 prim: OCTET STRING") != NULL;
	}
	assert_int_equal(pclose(fp), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(all, want[i]))
			fail_msg("no %s in:\n%s", want[i], all);
	assert_true(iter);
	assert_true(salt);
	EVP_PKEY_free(key);
}

/* Base64 that still decodes but no longer holds a PKCS#8 envelope is
 * damage, not a wrong passphrase. */
static void test_keys_damaged_encrypted_key_is_not_called_a_wrong_passphrase(void **state)
{
	char k[512], msg[600];
	struct ota_err err = {0};
	EVP_PKEY *key = write_pair(at(state, "e.key", k), NULL, PASS), *back = NULL;

	put(k, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAA\n"
	       "-----END ENCRYPTED PRIVATE KEY-----\n");
	assert_int_equal(ota_privkey_load(k, PASS, &back, &err), OTA_EKEY);
	snprintf(msg, sizeof(msg), "%s: damaged encrypted key", k);
	assert_string_equal(err.msg, msg);
	EVP_PKEY_free(key);
}

/* passwd's primitive: the same key under a new passphrase, to and from
 * none, and never a temporary file left. */
static void test_keys_replace_changes_the_passphrase_in_place(void **state)
{
	char k[512];
	struct ota_err err = {0};
	EVP_PKEY *key = write_pair(at(state, "e.key", k), NULL, PASS), *back = NULL;
	const struct fx *f = *state;

	assert_int_equal(ota_privkey_replace(key, k, "new pass", &err), 0);
	assert_int_equal(ota_privkey_load(k, PASS, &back, &err), OTA_EKEY);
	assert_int_equal(ota_privkey_load(k, "new pass", &back, &err), 0);
	assert_same_public(key, back);
	EVP_PKEY_free(back);
	assert_int_equal(ota_privkey_replace(key, k, NULL, &err), 0);
	assert_int_equal(ota_privkey_load(k, NULL, &back, &err), 0);
	assert_same_public(key, back);
	EVP_PKEY_free(back);
	assert_int_equal(mode_of(k), 0600);
	assert_int_equal(entries(f->dir), 1);
	EVP_PKEY_free(key);
}

/* Modes come from fchmod, not from the umask of whoever runs the tool. */
static void test_keys_private_file_is_0600_and_public_0644_whatever_the_umask(void **state)
{
	char k[512], p[512];
	mode_t old = umask(0);
	EVP_PKEY *key = write_pair(at(state, "a.key", k), NULL, NULL);
	struct ota_err err = {0};

	umask(077);
	assert_int_equal(ota_pubkey_write(key, at(state, "a.pub", p), false, &err), 0);
	umask(old);
	assert_int_equal(mode_of(k), 0600);
	assert_int_equal(mode_of(p), 0644);
	EVP_PKEY_free(key);
}

static void test_keys_write_refuses_to_overwrite_and_leaves_no_temp_file(void **state)
{
	char k[512], p[512], msg[600];
	const struct fx *f = *state;
	struct ota_err err = {0};
	EVP_PKEY *first = write_pair(at(state, "a.key", k), at(state, "a.pub", p), NULL);
	EVP_PKEY *second = write_pair(NULL, NULL, NULL), *back = NULL;
	struct ota_pubkey pk;

	assert_int_equal(ota_privkey_write(second, k, NULL, false, &err), OTA_EEXIST);
	snprintf(msg, sizeof(msg), "%s: exists (use --force to overwrite)", k);
	assert_string_equal(err.msg, msg);
	assert_int_equal(ota_pubkey_write(second, p, false, &err), OTA_EEXIST);
	snprintf(msg, sizeof(msg), "%s: exists (use --force to overwrite)", p);
	assert_string_equal(err.msg, msg);
	assert_int_equal(entries(f->dir), 2);
	assert_int_equal(ota_privkey_load(k, NULL, &back, &err), 0);
	assert_same_public(first, back);
	EVP_PKEY_free(back);
	/* with overwrite the new key replaces the old */
	assert_int_equal(ota_privkey_write(second, k, NULL, true, &err), 0);
	assert_int_equal(ota_pubkey_write(second, p, true, &err), 0);
	assert_int_equal(ota_privkey_load(k, NULL, &back, &err), 0);
	assert_same_public(second, back);
	assert_int_equal(ota_pubkey_load(&pk, p, &err), 0);
	assert_int_equal(entries(f->dir), 2);
	ota_pubkey_free(&pk);
	EVP_PKEY_free(back);
	EVP_PKEY_free(first);
	EVP_PKEY_free(second);
}

/* The id as computed by openssl alone: SubjectPublicKeyInfo DER, whose last
 * 32 bytes are the raw key, through `openssl dgst -sha256`. */
static void test_keys_key_id_is_sha256_of_the_raw_public_key(void **state)
{
	static const unsigned char rfc8032_1[OTA_KEY_RAW_LEN] = {
	    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
	    0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
	    0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a};
	char p[512], cmd[700], out[128] = "", id[OTA_KEYID_HEX_LEN + 1];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = write_pair(NULL, at(state, "a.pub", p), NULL);
	FILE *fp;

	assert_int_equal(ota_pubkey_load(&pk, p, &err), 0);
	snprintf(cmd, sizeof(cmd),
		 "openssl pkey -pubin -in %s -outform DER | tail -c 32 | openssl dgst -sha256 -r",
		 p);
	fp = popen(cmd, "r");
	assert_non_null(fp);
	assert_non_null(fgets(out, sizeof(out), fp));
	assert_int_equal(pclose(fp), 0);
	out[OTA_KEYID_HEX_LEN] = '\0';
	assert_string_equal(pk.id, out);
	/* and a fixed known answer: RFC 8032 test 1's key */
	assert_int_equal(ota_key_id(rfc8032_1, id, &err), 0);
	assert_string_equal(id, "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");
	ota_pubkey_free(&pk);
	EVP_PKEY_free(key);
}

static void test_keys_openssl_genpkey_keys_load_plain_and_encrypted(void **state)
{
	char k[512], e[512], p[512];
	struct ota_err err = {0};
	EVP_PKEY *a = NULL, *b = NULL;
	struct ota_pubkey pk;

	assert_int_equal(sh("openssl genpkey -algorithm ed25519 -out %s", at(state, "o.key", k)),
			 0);
	assert_int_equal(sh("openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:x -out %s",
			    at(state, "oe.key", e)),
			 0);
	assert_int_equal(sh("openssl pkey -in %s -pubout -out %s", k, at(state, "o.pub", p)), 0);
	assert_int_equal(ota_privkey_load(k, NULL, &a, &err), 0);
	assert_int_equal(ota_privkey_load(e, "x", &b, &err), 0);
	assert_int_equal(ota_pubkey_load(&pk, p, &err), 0);
	EVP_PKEY_free(b);
	b = NULL;
	assert_int_equal(ota_privkey_load(e, NULL, &b, &err), OTA_EKEY);
	assert_non_null(strstr(err.msg, "passphrase required"));
	assert_int_equal(ota_privkey_load(e, "y", &b, &err), OTA_EKEY);
	assert_non_null(strstr(err.msg, "wrong passphrase"));
	ota_pubkey_free(&pk);
	EVP_PKEY_free(a);
}

static void test_keys_our_keys_load_in_openssl_pkey(void **state)
{
	char k[512], e[512], p[512], p2[512];
	EVP_PKEY *a = write_pair(at(state, "a.key", k), at(state, "a.pub", p), NULL);
	EVP_PKEY *b = write_pair(at(state, "e.key", e), NULL, PASS);

	assert_int_equal(sh("openssl pkey -in %s -noout 2>/dev/null", k), 0);
	assert_int_equal(sh("openssl pkey -pubin -in %s -noout 2>/dev/null", p), 0);
	assert_int_equal(sh("openssl pkey -in %s -passin 'pass:" PASS "' -noout 2>/dev/null", e),
			 0);
	assert_int_not_equal(sh("openssl pkey -in %s -passin pass:wrong -noout 2>/dev/null", e), 0);
	/* the public half openssl derives is byte for byte our .pub */
	assert_int_equal(sh("openssl pkey -in %s -pubout -out %s", k, at(state, "o.pub", p2)), 0);
	assert_int_equal(sh("cmp -s %s %s", p, p2), 0);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_keys_rsa_and_ec_keys_are_refused(void **state)
{
	static const char *const gen[] = {"-algorithm RSA -pkeyopt rsa_keygen_bits:1024",
					  "-algorithm EC -pkeyopt ec_paramgen_curve:P-256"};
	char k[512], p[512];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = NULL;
	size_t i;

	for (i = 0; i < 2; i++) {
		assert_int_equal(sh("openssl genpkey %s -out %s 2>/dev/null && "
				    "openssl pkey -in %s -pubout -out %s",
				    gen[i], at(state, "x.key", k), k, at(state, "x.pub", p)),
				 0);
		assert_int_equal(ota_privkey_load(k, NULL, &key, &err), OTA_EKEY);
		assert_null(key);
		assert_non_null(strstr(err.msg, "not an Ed25519 key"));
		assert_int_equal(ota_pubkey_load(&pk, p, &err), OTA_EKEY);
		assert_null(pk.pkey);
		assert_non_null(strstr(err.msg, "not an Ed25519 key"));
		assert_int_equal(sh("rm %s %s", k, p), 0);
	}
}

/* A PEM that OpenSSL reads happily, of the identity point. */
static void test_keys_weak_public_key_file_is_refused(void **state)
{
	unsigned char ident[OTA_KEY_RAW_LEN] = {0x01};
	EVP_PKEY *weak = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, ident, sizeof(ident));
	struct ota_err err = {0};
	struct ota_pubkey pk;
	char p[512];

	assert_non_null(weak);
	assert_int_equal(ota_pubkey_write(weak, at(state, "weak.pub", p), false, &err), 0);
	assert_int_equal(sh("openssl pkey -pubin -in %s -noout", p), 0);
	assert_int_equal(ota_pubkey_load(&pk, p, &err), OTA_EKEY);
	assert_non_null(strstr(err.msg, "weak public key"));
	assert_true(strncmp(err.msg, p, strlen(p)) == 0);
	EVP_PKEY_free(weak);
}

static void test_keys_unreadable_and_garbage_pub_files(void **state)
{
	char p[512], k[512];
	struct ota_err err = {0};
	struct ota_pubkey pk;
	EVP_PKEY *key = NULL;

	assert_int_equal(ota_pubkey_load(&pk, at(state, "missing.pub", p), &err), OTA_EIO);
	put(at(state, "junk.pub", p), "hello\n");
	assert_int_equal(ota_pubkey_load(&pk, p, &err), OTA_EKEY);
	assert_true(strncmp(err.msg, p, strlen(p)) == 0);
	/* a public key is not a private key, and the other way round */
	EVP_PKEY_free(write_pair(at(state, "a.key", k), at(state, "a.pub", p), NULL));
	assert_int_equal(ota_privkey_load(p, NULL, &key, &err), OTA_EKEY);
	assert_int_equal(ota_pubkey_load(&pk, k, &err), OTA_EKEY);
}

static void test_keys_passphrase_file_gives_its_first_line(void **state)
{
	char f[512];
	struct ota_err err = {0};
	char *pass = NULL;

	put(at(state, "pw", f), "s3cret\nsecond line\n");
	assert_int_equal(ota_passphrase_read_file(f, &pass, &err), 0);
	assert_string_equal(pass, "s3cret");
	ota_passphrase_free(pass);
	put(f, "no newline");
	assert_int_equal(ota_passphrase_read_file(f, &pass, &err), 0);
	assert_string_equal(pass, "no newline");
	ota_passphrase_free(pass);
	put(f, "\nafter an empty line\n");
	assert_int_equal(ota_passphrase_read_file(f, &pass, &err), OTA_EKEY);
	assert_null(pass);
	put(f, "");
	assert_int_equal(ota_passphrase_read_file(f, &pass, &err), OTA_EKEY);
	assert_int_equal(ota_passphrase_read_file(at(state, "nope", f), &pass, &err), OTA_EIO);
}

static void test_keyring_loads_every_pub_of_a_dir_once_in_name_order(void **state)
{
	char p[512], d[512], a_id[OTA_KEYID_HEX_LEN + 1];
	struct ota_keyring kr;
	struct ota_err err = {0};
	struct ota_pubkey pk;

	/* written b first, so readdir order is unlikely to be name order */
	EVP_PKEY_free(write_pair(NULL, at(state, "b.pub", p), NULL));
	EVP_PKEY_free(write_pair(NULL, at(state, "a.pub", p), NULL));
	assert_int_equal(ota_pubkey_load(&pk, p, &err), 0);
	memcpy(a_id, pk.id, sizeof(a_id));
	ota_pubkey_free(&pk);
	assert_int_equal(sh("cp %s %s", p, at(state, "c.pub", d)), 0);
	put(at(state, "README", p), "not a key\n");
	put(at(state, ".hidden.pub", p), "not a key either\n");
	assert_int_equal(ota_keyring_load(&kr, ((struct fx *)*state)->dir, &err), 0);
	assert_int_equal(kr.n, 2);
	assert_string_equal(kr.keys[0].source, at(state, "a.pub", p));
	assert_string_equal(kr.keys[1].source, at(state, "b.pub", p));
	assert_ptr_equal(ota_keyring_find(&kr, a_id), &kr.keys[0]);
	assert_ptr_equal(ota_keyring_find(&kr, kr.keys[1].id), &kr.keys[1]);
	assert_null(ota_keyring_find(&kr, "00"));
	ota_keyring_free(&kr);
	/* a single file is a keyring of one */
	assert_int_equal(ota_keyring_load(&kr, d, &err), 0);
	assert_int_equal(kr.n, 1);
	assert_string_equal(kr.keys[0].id, a_id);
	ota_keyring_free(&kr);
}

/* Neither creation order nor its reverse is name order, so a keyring that
 * kept readdir's order (creation order on tmpfs, hashed on ext4) shows. */
static void test_keyring_order_is_name_order_not_readdir_order(void **state)
{
	static const char *const made[] = {"m.pub", "c.pub", "x.pub", "a.pub", "q.pub", "f.pub"};
	static const char *const sorted[] = {"a.pub", "c.pub", "f.pub", "m.pub", "q.pub", "x.pub"};
	char p[512];
	struct ota_err err = {0};
	struct ota_keyring kr;
	size_t i;

	for (i = 0; i < 6; i++)
		EVP_PKEY_free(write_pair(NULL, at(state, made[i], p), NULL));
	assert_int_equal(ota_keyring_load(&kr, ((struct fx *)*state)->dir, &err), 0);
	assert_int_equal(kr.n, 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(kr.keys[i].source, at(state, sorted[i], p));
	ota_keyring_free(&kr);
}

static void test_keyring_without_pub_files_is_an_error(void **state)
{
	const char *dir = ((struct fx *)*state)->dir;
	char p[512], msg[600];
	struct ota_err err = {0};
	struct ota_keyring kr;

	snprintf(msg, sizeof(msg), "%s: no *.pub keys", dir);
	assert_int_equal(ota_keyring_load(&kr, dir, &err), OTA_EKEY);
	assert_string_equal(err.msg, msg);
	EVP_PKEY_free(write_pair(at(state, "a.key", p), NULL, NULL));
	put(at(state, "README", p), "keys go here\n");
	assert_int_equal(ota_keyring_load(&kr, dir, &err), OTA_EKEY);
	assert_string_equal(err.msg, msg);
	assert_int_equal(kr.n, 0);
	assert_null(kr.keys);
}

static void test_keyring_fails_closed_on_one_broken_pub(void **state)
{
	const char *dir = ((struct fx *)*state)->dir;
	char p[512], b[512];
	struct ota_err err = {0};
	struct ota_keyring kr;

	EVP_PKEY_free(write_pair(NULL, at(state, "a.pub", p), NULL));
	EVP_PKEY_free(write_pair(NULL, at(state, "z.pub", p), NULL));
	put(at(state, "m.pub", b),
	    "-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n");
	assert_int_equal(ota_keyring_load(&kr, dir, &err), OTA_EKEY);
	assert_true(strncmp(err.msg, b, strlen(b)) == 0);
	assert_int_equal(kr.n, 0);
	assert_null(kr.keys);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_keys_plain_key_round_trips_through_files),
	    T(test_keys_encrypted_key_round_trips_with_its_passphrase),
	    T(test_keys_encrypted_key_refuses_a_wrong_passphrase),
	    T(test_keys_encrypted_key_without_passphrase_is_refused),
	    T(test_keys_encrypted_key_uses_pbkdf2_sha256_600000_and_aes256),
	    T(test_keys_damaged_encrypted_key_is_not_called_a_wrong_passphrase),
	    T(test_keys_replace_changes_the_passphrase_in_place),
	    T(test_keys_private_file_is_0600_and_public_0644_whatever_the_umask),
	    T(test_keys_write_refuses_to_overwrite_and_leaves_no_temp_file),
	    T(test_keys_key_id_is_sha256_of_the_raw_public_key),
	    T(test_keys_openssl_genpkey_keys_load_plain_and_encrypted),
	    T(test_keys_our_keys_load_in_openssl_pkey),
	    T(test_keys_rsa_and_ec_keys_are_refused),
	    T(test_keys_weak_public_key_file_is_refused),
	    T(test_keys_unreadable_and_garbage_pub_files),
	    T(test_keys_passphrase_file_gives_its_first_line),
	    T(test_keyring_loads_every_pub_of_a_dir_once_in_name_order),
	    T(test_keyring_order_is_name_order_not_readdir_order),
	    T(test_keyring_without_pub_files_is_an_error),
	    T(test_keyring_fails_closed_on_one_broken_pub),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
