/* SPDX-License-Identifier: Apache-2.0 */
/* signer.h - the three jobs of ota-sign, one file each. */
#ifndef OTA_SIGNER_H
#define OTA_SIGNER_H

#include "cli/cli.h"

struct sign_opts {
	const char *key;             /* --key: private key file */
	struct ota_cli_pass pass;    /* --passphrase-file, --passphrase-env */
	const char *manifest;        /* --manifest: detached mode */
	const char *out;             /* --out: detached signature file */
	int force;                   /* --force: replace an existing --out */
	int quiet;                   /* --quiet: no progress on a terminal */
};

/* ota-sign --key K FILE.bundle: sign in place. */
int sign_bundle(const struct sign_opts *o, const char *bundle);
/* ota-sign --key K --manifest M.json --out M.sig: the signing box. */
int sign_manifest(const struct sign_opts *o);
/* ota-sign attach [--quiet] FILE.bundle M.sig: a progress line unless quiet. */
int sign_attach(const char *bundle, const char *sig_file, bool quiet);

#endif
