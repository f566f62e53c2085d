/* SPDX-License-Identifier: Apache-2.0 */
/* verify_detached.c - the design's own form of verification: a manifest
 * file, its detached signature and an unpacked tree (see verify.h). */
#include "lib/verify.h"

#include <string.h>

#include "lib/detached.h"
#include "lib/sig.h"
#include "lib/tree.h"

/* With the signer's key named in the file, judge by that key alone;
 * otherwise any trusted key that verifies the signature will do. */
static int check_detached(const struct ota_detached *d, const struct ota_buf *manifest,
			  const char *sig_path, const struct ota_verify_opts *opts,
			  struct ota_verify_result *res, struct ota_err *err)
{
	char id[OTA_KEYID_HEX_LEN + 1];
	const struct ota_pubkey *pk;
	size_t i;
	int rc;

	if (d->has_pub) {
		if ((rc = ota_key_id(d->pub, id, err)))
			return rc;
		pk = ota_keyring_find(opts->keys, id);
		if (!pk)
			return ota_err_set(err, OTA_EUNTRUSTED, "%s: untrusted: signed by key %.16s, "
					   "which is not trusted", sig_path, id);
		if ((rc = ota_sig_verify(pk, manifest->data, manifest->len, d->sig, err)))
			return ota_err_prefix(err, rc, "%s: bad signature", sig_path);
		memcpy(res->signed_by[res->n_signed++], pk->id, sizeof(pk->id));
		return 0;
	}
	for (i = 0; i < opts->keys->n; i++) {
		pk = &opts->keys->keys[i];
		if (ota_sig_verify(pk, manifest->data, manifest->len, d->sig, NULL) == 0) {
			memcpy(res->signed_by[res->n_signed++], pk->id, sizeof(pk->id));
			return 0;
		}
	}
	return ota_err_set(err, OTA_EBADSIG, "%s: bad signature: verifies with none of the %zu "
			   "trusted keys", sig_path, opts->keys->n);
}

int ota_verify_detached(const char *manifest_path, const char *sig_path, const char *tree,
			const struct ota_verify_opts *opts, struct ota_verify_result *res,
			struct ota_err *err)
{
	struct ota_manifest *want = NULL, *have = NULL;
	struct ota_buf manifest, sig;
	struct ota_detached d;
	int rc;

	memset(res, 0, sizeof(*res));
	ota_buf_init(&manifest, OTA_MANIFEST_MAX);
	ota_buf_init(&sig, OTA_DETACHED_FILE_MAX);
	if ((rc = ota_buf_read_file(&manifest, manifest_path, err)) ||
	    (rc = ota_buf_read_file(&sig, sig_path, err)) ||
	    (rc = ota_detached_parse(sig.data, sig.len, sig_path, &d, err)) ||
	    (rc = check_detached(&d, &manifest, sig_path, opts, res, err)) ||
	    (rc = ota_manifest_parse(manifest.data, manifest.len, manifest_path, &want, err)))
		goto out;
	if (strcmp(want->target, opts->device_class)) {
		rc = ota_err_set(err, OTA_ETARGET, "%s: wrong target: manifest is for \"%s\", this "
				 "device is \"%s\"", manifest_path, want->target, opts->device_class);
		goto out;
	}
	have = ota_manifest_new();
	if (!have) {
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
		goto out;
	}
	if ((rc = ota_manifest_set(have, want->version, want->target, 0, 0, err)) ||
	    (rc = ota_tree_scan(tree, have, err)))
		goto out;
	rc = ota_tree_compare(want, have, err);
	if (rc) {
		ota_err_prefix(err, rc, "%s", tree);
		goto out;
	}
	res->manifest = want;
	want = NULL;
out:
	ota_manifest_free(want);
	ota_manifest_free(have);
	ota_buf_free(&manifest);
	ota_buf_free(&sig);
	return rc;
}
