/* SPDX-License-Identifier: Apache-2.0 */
/* Signing: load the key, sign manifest bytes, and the two ways the
 * signature leaves here (into the bundle, or into a detached file). */
#include <openssl/evp.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "lib/bundle_sign.h"
#include "lib/detached.h"
#include "lib/fsutil.h"
#include "lib/manifest.h"
#include "signer/signer.h"

/* Sign msg with the key of o; pub gets the signer's raw public key. */
static int sign_bytes(const struct sign_opts *o, const struct ota_buf *msg,
		      unsigned char sig[OTA_SIG_RAW_LEN], unsigned char pub[OTA_KEY_RAW_LEN],
		      struct ota_err *err)
{
	EVP_PKEY *key = NULL;
	int rc = ota_cli_load_private_key(o->key, &o->pass, &key, err);

	if (rc == 0 && (rc = ota_key_raw_public(key, pub, err)) == 0)
		rc = ota_sig_sign(key, msg->data, msg->len, sig, err);
	EVP_PKEY_free(key);
	return rc;
}

/* The end of the progress on a terminal (drawn while a bundle is
 * rewritten), and the one line saying it was. */
static int progress_end(struct ota_cli_progress *prog, const char *bundle, int rc,
			const char *rewrote)
{
	ota_cli_progress_end(prog);
	/* Not an error, but a cost worth knowing: the whole bundle read,
	 * checked and written again. */
	if (rc == 0 && rewrote)
		fprintf(stderr, "ota-sign: %s: rewritten whole, not signed in place: %s\n", bundle,
			rewrote);
	return rc;
}

/* Add a signature made elsewhere (attach). */
static int add_signature(const char *bundle, const unsigned char *pub, const unsigned char *sig,
			 int quiet, struct ota_err *err)
{
	struct ota_cli_progress prog;
	const char *rewrote;
	int rc;

	ota_cli_progress_start(&prog, bundle, quiet);
	rc = ota_bundle_add_signature(bundle, pub, sig, ota_cli_progress_hook(&prog), &rewrote,
				      err);
	return progress_end(&prog, bundle, rc, rewrote);
}

/* The ota_bundle_signer of a loaded key. */
static int sign_with_key(void *key, const unsigned char *msg, size_t len,
			 unsigned char sig[OTA_SIG_RAW_LEN], unsigned char pub[OTA_KEY_RAW_LEN],
			 struct ota_err *err)
{
	int rc = ota_key_raw_public(key, pub, err);

	return rc ? rc : ota_sig_sign(key, msg, len, sig, err);
}

int sign_bundle(const struct sign_opts *o, const char *bundle)
{
	unsigned char pub[OTA_KEY_RAW_LEN];
	char id[OTA_KEYID_HEX_LEN + 1];
	struct ota_cli_progress prog;
	struct ota_bundle_signer s = {sign_with_key, NULL};
	struct ota_err err = {0};
	EVP_PKEY *key = NULL;
	const char *rewrote;
	int rc;

	/* The key first (a passphrase may be asked for), then the bundle,
	 * read once and locked while it is signed. */
	if ((rc = ota_cli_load_private_key(o->key, &o->pass, &key, &err)))
		goto out;
	s.ctx = key;
	ota_cli_progress_start(&prog, bundle, o->quiet);
	rc = ota_bundle_sign(bundle, &s, ota_cli_progress_hook(&prog), &rewrote, pub, &err);
	if ((rc = progress_end(&prog, bundle, rc, rewrote)) || (rc = ota_key_id(pub, id, &err)))
		goto out;
	printf("%s: signed with key %s\n", bundle, id);
out:
	EVP_PKEY_free(key);
	return rc ? ota_cli_fail(&err) : 0;
}

int sign_manifest(const struct sign_opts *o)
{
	struct ota_detached d = {.has_pub = true};
	char id[OTA_KEYID_HEX_LEN + 1];
	struct ota_manifest *m = NULL;
	struct ota_atomic out = {.fd = -1};
	struct ota_err err = {0};
	struct ota_buf manifest, text;
	int rc;

	ota_buf_init(&manifest, OTA_MANIFEST_MAX);
	ota_buf_init(&text, OTA_DETACHED_FILE_MAX);
	/* Never sign bytes that no device would accept as a manifest. */
	if ((rc = ota_buf_read_file(&manifest, o->manifest, &err)) ||
	    (rc = ota_manifest_parse(manifest.data, manifest.len, o->manifest, &m, &err)) ||
	    (rc = ota_check_output(o->out, o->force, &err)) ||
	    (rc = sign_bytes(o, &manifest, d.sig, d.pub, &err)) ||
	    (rc = ota_detached_format(&d, &text, &err)) ||
	    (rc = ota_atomic_open(&out, o->out, 0644, &err)) ||
	    (rc = ota_write_all(out.fd, text.data, text.len, o->out, &err)) ||
	    (rc = ota_atomic_commit(&out, o->force, &err)) ||
	    (rc = ota_key_id(d.pub, id, &err)))
		goto out;
	printf("%s: signed manifest of %s for %s with key %s\n", o->out, m->version, m->target, id);
out:
	ota_atomic_abort(&out);
	ota_manifest_free(m);
	ota_buf_free(&manifest);
	ota_buf_free(&text);
	return rc ? ota_cli_fail(&err) : 0;
}

/* Whether path reads as a detached signature file. */
static bool is_signature_file(const char *path)
{
	struct ota_detached d;
	struct ota_buf text;
	bool yes;

	ota_buf_init(&text, OTA_DETACHED_FILE_MAX);
	yes = ota_buf_read_file(&text, path, NULL) == 0 &&
	      ota_detached_parse(text.data, text.len, path, &d, NULL) == 0;
	ota_buf_free(&text);
	return yes;
}

int sign_attach(const char *bundle, const char *sig_file, bool quiet)
{
	char id[OTA_KEYID_HEX_LEN + 1];
	struct ota_err err = {0};
	struct ota_detached d;
	struct ota_buf text;
	int rc;

	ota_buf_init(&text, OTA_DETACHED_FILE_MAX);
	if ((rc = ota_buf_read_file(&text, sig_file, &err)) ||
	    (rc = ota_detached_parse(text.data, text.len, sig_file, &d, &err))) {
		/* The bundle is far over a signature file's size: the usual
		 * reason is the two arguments given the other way round. */
		if (is_signature_file(bundle)) {
			ota_buf_free(&text);
			return ota_cli_usage("attach: %s is the signature and %s the bundle: the "
					     "bundle comes first (attach FILE.bundle M.sig)",
					     bundle, sig_file);
		}
		goto out;
	}
	if (!d.has_pub) {
		rc = ota_err_set(&err, OTA_EFORMAT, "%s: no \"%s\" line: cannot tell whose "
				 "signature it is", sig_file, OTA_DETACHED_PUB_PREFIX);
		goto out;
	}
	if ((rc = add_signature(bundle, d.pub, d.sig, quiet, &err)) ||
	    (rc = ota_key_id(d.pub, id, &err)))
		goto out;
	printf("%s: attached signature by key %s\n", bundle, id);
out:
	ota_buf_free(&text);
	return rc ? ota_cli_fail(&err) : 0;
}
