/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz_bundle.c - reading and verifying a bundle (lib/verify.h), from a
 * memory file, with one fixed trusted key, extracting into a scratch dir.
 * Each input runs twice:
 *   A. exactly ota-verify's path, ota_verify_bundle_fd with --extract: a
 *      mutation of a seed signed by the fuzz key keeps a good signature
 *      as long as it spares the head, so payload checks and extraction
 *      are reached too;
 *   B. the path behind the signature, as if the attacker held the key (a
 *      compromised build box): the reader's head is re-signed with the
 *      fuzz key, then the manifest parse, target, payload and extraction
 *      of ota_verify_open/_finish run on whatever the input says.
 * Properties: no crash, no leak (memory or descriptor), each refusal one
 * line with a code of err.h, nothing at all left in the extract area
 * after a refusal, the tree there after a success, and A accepting
 * implies B accepting.  Extraction is capped (FUZZ_EXTRACT_CAP): past it
 * the sink fails, which exercises the clean-up of a failed extract. */
#include <locale.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fuzz/fuzz.h"
#include "lib/extract.h"
#include "lib/fsutil.h"
#include "lib/keys.h"
#include "lib/sig.h"
#include "lib/stage.h"
#include "lib/verify.h"

#define NAME "fuzz.bundle"
#define DEVICE "edge-gw-v2"
#define FUZZ_EXTRACT_CAP (4u * 1024 * 1024)

/* The fuzz key's 32-byte Ed25519 seed.  Trusted by nothing but these
 * targets; fuzz/mkcorpus.sh signs the seed bundles with it. */
static const unsigned char fuzz_seed[32] = "ota fuzz key - trust it nowhere";

static EVP_PKEY *priv;
static struct ota_keyring ring;
static char area[512], out_dir[600];

static void load_key(const char *dir)
{
	char pub[600];
	struct ota_err err = {0};

	priv = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, fuzz_seed, sizeof(fuzz_seed));
	FUZZ_CHECK(priv != NULL, "cannot make the fuzz key");
	snprintf(pub, sizeof(pub), "%s/keys", dir);
	FUZZ_CHECK(ota_mkdir_p(pub, 0700, &err) == 0, "%s", err.msg);
	snprintf(pub, sizeof(pub), "%s/keys/fuzz.pub", dir);
	FUZZ_CHECK(ota_pubkey_write(priv, pub, false, &err) == 0, "%s", err.msg);
	/* The loader ota-verify uses, on the file it would be given. */
	FUZZ_CHECK(ota_keyring_load(&ring, pub, &err) == 0, "%s", err.msg);
}

/* NOLINTNEXTLINE(readability-non-const-parameter): libFuzzer's signature */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = fuzz_tmpdir("ota-fuzz-bundle");
	struct ota_err err = {0};

	(void)argc;
	(void)argv;
	/* As ota_cli_init: entry names are UTF-8 whatever the locale. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		(void)setlocale(LC_CTYPE, "C.utf8"); /* else non-ASCII names are refused */
	load_key(dir);
	snprintf(area, sizeof(area), "%s/x", dir);
	FUZZ_CHECK(ota_mkdir_p(area, 0700, &err) == 0, "%s", err.msg);
	snprintf(out_dir, sizeof(out_dir), "%s/out", area);
	return 0;
}

/* After a run: on success the tree is there (then removed), on failure
 * nothing is; either way the area ends empty. */
static void check_area(int rc, const struct ota_err *err, const char *what)
{
	struct ota_err e2 = {0};

	fuzz_note(what, rc, err);
	if (rc) {
		fuzz_check_failure(rc, err, what);
	} else {
		FUZZ_CHECK(access(out_dir, F_OK) == 0, "%s: succeeded without a tree", what);
		FUZZ_CHECK(ota_rm_tree(out_dir, &e2) == 0, "%s", e2.msg);
	}
	fuzz_check_empty_dir(area, what);
}

static int run_verify(int fd)
{
	struct ota_verify_opts opts = {.keys = &ring, .device_class = DEVICE};
	struct ota_verify_result res;
	struct ota_err err = {0};
	int rc = ota_stage_bundle_fd(fd, NAME, &opts, out_dir, false, NULL, &res, &err);

	if (rc == 0)
		FUZZ_CHECK(res.manifest && res.n_signed == 1, "verified without a manifest/signer");
	else
		FUZZ_CHECK(res.manifest == NULL, "failed but returned a manifest");
	FUZZ_CHECK(strncmp(err.msg, NAME, strlen(NAME)) == 0 || rc == 0,
		   "message does not name the bundle: %s", err.msg);
	ota_verify_result_free(&res);
	check_area(rc, &err, "verify");
	return rc;
}

struct capped {
	struct ota_extract *x;
	unsigned long long bytes;
};

static int cap_entry(void *ctx, const struct ota_entry *e, struct ota_err *err)
{
	return ota_extract_entry(((struct capped *)ctx)->x, e, err);
}

static int cap_data(void *ctx, const void *buf, size_t len, struct ota_err *err)
{
	struct capped *c = ctx;

	c->bytes += len;
	if (c->bytes > FUZZ_EXTRACT_CAP)
		return ota_err_set(err, OTA_EIO, "fuzz: extraction cap reached");
	return ota_extract_write(c->x, buf, len, err);
}

/* The head re-signed by the fuzz key: only its own signature remains. */
static int resign(const struct ota_bundle_head *head, struct ota_bundle_head *forged,
		  struct ota_err *err)
{
	struct ota_verify_opts opts = {.keys = &ring, .device_class = DEVICE};
	struct ota_verify_result res = {0};
	int rc;

	*forged = *head; /* shallow: forged->manifest stays the reader's */
	forged->n_sigs = 1;
	memcpy(forged->sigs[0].keyid, ring.keys[0].id, sizeof(forged->sigs[0].keyid));
	rc = ota_sig_sign(priv, head->manifest.data, head->manifest.len, forged->sigs[0].sig, err);
	FUZZ_CHECK(rc == 0, "signing failed: %s", err->msg);
	rc = ota_verify_signatures(forged, NAME, &opts, &res, err);
	FUZZ_CHECK(rc == 0, "our own signature does not verify: %s", err->msg);
	return 0;
}

static int payload(struct ota_bundle_reader *r, const struct ota_manifest *m, struct ota_err *err)
{
	struct capped c = {0};
	struct ota_payload_sink sink = {.entry = cap_entry, .data = cap_data, .ctx = &c};
	int rc;

	if (strcmp(m->target, DEVICE))
		return ota_err_set(err, OTA_ETARGET, "%s: wrong target", NAME);
	rc = ota_extract_new(&c.x, out_dir, m, false, err);
	if (rc == 0)
		rc = ota_verify_payload(r, m, NAME, &sink, NULL, err);
	if (rc == 0)
		rc = ota_extract_commit(c.x, err);
	ota_extract_free(c.x);
	return rc;
}

static int run_signed(int fd)
{
	static struct ota_bundle_head forged;
	const struct ota_bundle_head *head;
	struct ota_bundle_reader *r = NULL;
	struct ota_manifest *m = NULL;
	struct ota_err err = {0};
	int rc;

	if ((rc = ota_bundle_reader_new(&r, fd, NAME, &err)) ||
	    (rc = ota_bundle_read_head(r, &head, &err)) || (rc = resign(head, &forged, &err)) ||
	    (rc = ota_manifest_parse(head->manifest.data, head->manifest.len, NAME, &m, &err)))
		goto out;
	rc = payload(r, m, &err);
out:
	ota_manifest_free(m);
	ota_bundle_reader_free(r);
	check_area(rc, &err, "signed");
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fds = fuzz_count_fds();
	int fd = fuzz_memfd(NAME, data, size);
	int a, b;

	a = run_verify(fd);
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek failed");
	b = run_signed(fd);
	FUZZ_CHECK(a != 0 || b == 0, "verified as is, refused once re-signed: %d", b);
	close(fd);
	FUZZ_CHECK(fuzz_count_fds() == fds, "a file descriptor leaked");
	return 0;
}
