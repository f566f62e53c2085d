/* SPDX-License-Identifier: Apache-2.0 */
/* stage.h - a verified bundle's payload written into a release tree: the
 * sink that verify.h streams into.  Extraction (extract.h) writes each
 * entry as it is checked, a delta's omitted files come from the base
 * releases on disk (base.h), hashed as they are copied, and the tree
 * appears at dest only when every byte of it verified; with durable set
 * it is on disk before it appears (ota-agent's releases).  Nothing is left
 * behind on any failure.
 */
#ifndef OTA_STAGE_H
#define OTA_STAGE_H

#include <stdbool.h>

#include "lib/base.h"
#include "lib/err.h"
#include "lib/verify.h"

/* Finish v (opened, ota_verify_open) by streaming its payload into a new
 * tree at dest (which must not exist: OTA_EEXIST).  base lists where a
 * delta's omitted files may be taken from; a delta with base NULL is
 * OTA_EUSAGE, naming what is missing.  The session is finished either way
 * (close it with ota_verify_close). */
int ota_stage_finish(struct ota_verify_session *v, const char *dest, bool durable,
		     struct ota_base *base, struct ota_err *err);

/* The same for a release of the agent (ota-agent install): durable, made
 * read-only as it is committed (extract.h), and every file whose bytes a
 * release in base already has (at its own path, or by SHA-256) taken from
 * there instead of written: the base file is hashed first, then cloned
 * or hard-linked (extract.h says when each); a damaged one is not used
 * (the payload's bytes are written instead; for an omitted file,
 * OTA_EHASH and nothing is left).  A full bundle's bytes of a shared file
 * still stream past and are hashed, unwritten.  base may be NULL; it
 * shares if ota_base_share was called before it was planned, or it was
 * not planned yet. */
int ota_stage_release(struct ota_verify_session *v, const char *dest, struct ota_base *base,
		      struct ota_err *err);

/* Verify the bundle at path against opts and stage it into dest: what
 * `ota-verify --extract` does.  res as ota_verify_bundle's. */
int ota_stage_bundle(const char *path, const struct ota_verify_opts *opts, const char *dest,
		     bool durable, struct ota_base *base, struct ota_verify_result *res,
		     struct ota_err *err);
/* The same for a bundle open as fd, named name in messages. */
int ota_stage_bundle_fd(int fd, const char *name, const struct ota_verify_opts *opts,
			const char *dest, bool durable, struct ota_base *base,
			struct ota_verify_result *res, struct ota_err *err);

#endif
