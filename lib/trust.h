/* SPDX-License-Identifier: Apache-2.0 */
/* trust.h - trust files: which keys a device trusts and how many of them
 * must sign, changed in the field by signed updates (schema/trust.md).
 *
 * A trust file is text.  Line 1 is the trust document, canonical JSON, in
 * format 1 (one key set for both roles)
 *   {"format":1,"keys":{"<keyid>":"<base64 raw public key>",...},
 *    "kind":"trust","sequence":N,"target":"<device class>"|"*","threshold":M}
 * or format 2 (roles, times, a floor; schema/trust.md)
 *   {"created":T,["expires":E,]"format":2,"kind":"trust",
 *    ["min_rollback_index":N,]"release":{"keys":{...},"threshold":M},
 *    ["retired":{"<keyid>":{"at":T,"key":"<base64>"},...},]
 *    "root":{"keys":{...},"threshold":M},"sequence":N,"target":...,
 *    ["timestamp":{"keys":{...},"threshold":M}]}
 * or a timestamp: {"created":T,"expires":E,"format":2,"kind":"timestamp",
 *    "sequence":N,"target":...}
 * then one line "signature <keyid> <88 base64>" per signature, sorted by
 * key id: Ed25519 over the exact bytes of line 1, without its newline.
 *
 * A device holds one trust set: its factory keys (the config's `keys` and
 * `threshold`, sequence 0) until it accepts a trust file.  It accepts one
 * only if it names this device class or "*", its sequence is higher than
 * the one held (an old file cannot be replayed), it is signed by the
 * threshold of the keys trusted now, and by the threshold of the keys it
 * names (TUF's rule for root rotation: a set that cannot sign is never
 * installed).  Signatures by other keys are ignored; one by a counted key
 * that does not verify refuses the file.
 */
#ifndef OTA_TRUST_H
#define OTA_TRUST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/keys.h"
#include "lib/manifest.h"
#include "lib/sig.h"

#define OTA_TRUST_FORMAT 1       /* one key set, both roles (legacy) */
#define OTA_TRUST_FORMAT_ROLES 2 /* root, release (and timestamp) roles, times */
#define OTA_TRUST_FILE_MAX (64 * 1024)
#define OTA_TRUST_MAX_KEYS 64
#define OTA_TRUST_MAX_SIGS 64
/* Far below the top of JSON's exact integers (2^53), and reached only by
 * steps of at most OTA_TRUST_SEQUENCE_STEP: a trust file cannot use up the
 * range and leave the device unable to rotate ever again. */
#define OTA_TRUST_SEQUENCE_MAX 4294967295ULL
#define OTA_TRUST_SEQUENCE_STEP 1000ULL
#define OTA_TRUST_ANY_TARGET "*"
#define OTA_TRUST_SIG_PREFIX "signature "

struct ota_trust_sig {
	char keyid[OTA_KEYID_HEX_LEN + 1];
	unsigned char sig[OTA_SIG_RAW_LEN];
};

/* A set of keys and how many of them must sign. */
struct ota_trust_role {
	struct ota_keyring keys; /* owned */
	unsigned int threshold;  /* 1..keys.n; 0 for a role not named */
};

enum ota_trust_kind {
	OTA_TRUST_KIND_TRUST,     /* a trust file: the keys of each role */
	OTA_TRUST_KIND_TIMESTAMP, /* "sequence N is current as of created, until expires" */
};

struct ota_trust {
	unsigned int format;      /* OTA_TRUST_FORMAT or _FORMAT_ROLES; 0 factory */
	enum ota_trust_kind kind;
	unsigned long long sequence; /* 0: factory keys, not from a trust file */
	char target[OTA_VERSION_MAX + 1]; /* a device class, or "*" */
	/* The root role: the only keys that sign trust files (the names are
	 * format 1's, where they are also the release role). */
	unsigned int threshold;   /* 1..keys.n */
	struct ota_keyring keys;  /* owned */
	struct ota_trust_role release;   /* sign bundles; format 1 and factory: root's */
	struct ota_trust_role timestamp; /* sign timestamps; threshold 0: root does */
	/* Release keys retired by a rotation, each with the `created` of the
	 * trust file that retired it: their signatures still count on what
	 * was created before then, and refuse anything created since. */
	struct ota_keyring retired; /* owned */
	long long retired_at[OTA_TRUST_MAX_KEYS];
	long long created, expires;            /* 0: not said (format 1, factory) */
	unsigned long long min_rollback_index; /* 0: not said */
	struct ota_buf doc;               /* line 1: the signed bytes (none at 0) */
	struct ota_trust_sig sigs[OTA_TRUST_MAX_SIGS]; /* sorted by key id */
	size_t n_sigs;
	char source[256]; /* file it came from, for messages */
};

/* What a role-aware trust file says (ota_trust_make_roles). */
struct ota_trust_spec {
	unsigned long long sequence; /* 1..OTA_TRUST_SEQUENCE_MAX */
	const char *target;
	const struct ota_keyring *root, *release, *timestamp; /* timestamp may be NULL */
	unsigned int root_threshold, release_threshold, timestamp_threshold;
	long long created, expires;            /* expires 0: none */
	unsigned long long min_rollback_index; /* 0: none */
	/* The trust file it follows, or NULL: its retired keys are kept, and
	 * the release keys it has and this one drops are retired at created
	 * (all but those in revoke: a stolen key is dropped outright). */
	const struct ota_trust *previous;
	const char *const *revoke;
	size_t n_revoke;
};

/* Initialise t empty (safe to _free). */
void ota_trust_init(struct ota_trust *t);
void ota_trust_free(struct ota_trust *t);

/* A new, unsigned trust document: keys (copied) with threshold, for
 * target, at sequence (1..OTA_TRUST_SEQUENCE_MAX).  OTA_EUSAGE for values
 * out of range. */
int ota_trust_make(struct ota_trust *t, unsigned long long sequence, const char *target,
		   unsigned int threshold, const struct ota_keyring *keys, struct ota_err *err);

/* A new, unsigned role-aware trust document (format 2) from s.
 * OTA_EUSAGE for values out of range. */
int ota_trust_make_roles(struct ota_trust *t, const struct ota_trust_spec *s,
			 struct ota_err *err);

/* A new, unsigned timestamp for the trust set cur (its sequence and
 * target): current as of created, valid until expires (> created). */
int ota_trust_make_timestamp(struct ota_trust *t, const struct ota_trust *cur, long long created,
			     long long expires, struct ota_err *err);

/* The factory trust set: the keys at keys_path (ota_keyring_load) and
 * threshold, sequence 0, target "*", the same keys as root and release
 * (schema/trust.md: until the first role-aware trust file). */
int ota_trust_factory(struct ota_trust *t, const char *keys_path, unsigned int threshold,
		      struct ota_err *err);

/* Parse a trust file or a timestamp (OTA_EFORMAT, "NAME:LINE: reason";
 * OTA_EKEY for a weak key or a key id that is not its key's).  Signatures
 * are not checked here. */
int ota_trust_parse(const unsigned char *text, size_t len, const char *name,
		    struct ota_trust *t, struct ota_err *err);
int ota_trust_load(const char *path, struct ota_trust *t, struct ota_err *err);
/* The same with open flags added (O_NOFOLLOW for the trust state). */
int ota_trust_load_flags(const char *path, int flags, struct ota_trust *t, struct ota_err *err);

/* Append the trust file text of t (document, then signature lines). */
int ota_trust_format(const struct ota_trust *t, struct ota_buf *out, struct ota_err *err);

/* Sign t's document with key, replacing an earlier signature by it. */
int ota_trust_sign(struct ota_trust *t, EVP_PKEY *key, struct ota_err *err);

/* How many keys of `by` signed t's document (*n).  OTA_EBADSIG if a
 * signature filed under a key of `by` does not verify. */
int ota_trust_count(const struct ota_trust *t, const struct ota_keyring *by, size_t *n,
		    struct ota_err *err);

/* t is signed by its own threshold (what a device re-checks when it loads
 * the trust file it keeps).  OTA_EUNTRUSTED, or OTA_EBADSIG. */
int ota_trust_check_self(const struct ota_trust *t, struct ota_err *err);

/* t names device_class or OTA_TRUST_ANY_TARGET (device_class NULL: any
 * will do).  0, or OTA_ETARGET naming both. */
int ota_trust_check_target(const struct ota_trust *t, const char *device_class,
			   struct ota_err *err);

/* May a device holding cur, of device_class (NULL: do not check), accept
 * the trust file upd?  0 if so; OTA_ETARGET, OTA_EROLLBACK (sequence not
 * higher), OTA_EUNTRUSTED (too few signatures by cur's root keys or by
 * upd's own root keys: release keys never count), OTA_EBADSIG.  Checked
 * in that order.  Freshness is ota_trust_check_fresh's. */
int ota_trust_check_update(const struct ota_trust *cur, const struct ota_trust *upd,
			   const char *device_class, struct ota_err *err);

/* upd (a trust file or timestamp) judged at the device's time now: not
 * expired (OTA_EEXPIRED). */
int ota_trust_check_fresh(const struct ota_trust *upd, long long now, struct ota_err *err);

/* May a device holding cur accept the timestamp ts?  It must name cur's
 * sequence (OTA_EROLLBACK if older, OTA_EUNTRUSTED if newer: the device
 * lacks that trust file) and a matching target, be signed by cur's
 * timestamp role (the root role if it names none), and not be expired at
 * now. */
int ota_trust_check_timestamp(const struct ota_trust *cur, const struct ota_trust *ts,
			      const char *device_class, long long now, struct ota_err *err);

/* The keys that may count on a bundle under t: its release keys and its
 * retired ones (ota_trust_check_signers then judges the retired), copied
 * into kr (empty on entry). */
int ota_trust_release_keyring(const struct ota_trust *t, struct ota_keyring *kr,
			      struct ota_err *err);

/* The n signers (key ids) of a bundle named name, created at created:
 * OTA_EEXPIRED if one is a key t retired at or before created. */
int ota_trust_check_signers(const struct ota_trust *t, const char (*signers)[OTA_KEYID_HEX_LEN + 1],
			    size_t n, long long created, const char *name, struct ota_err *err);

/* True if a and b hold the same document bytes. */
bool ota_trust_same(const struct ota_trust *a, const struct ota_trust *b);

/* The device's trust state (trust_state.c): state_dir/trust.ota, the last
 * trust file it accepted, byte for byte. */
#define OTA_TRUST_STATE_FILE "trust.ota"

/* The trust set in force: state_dir/trust.ota if there is one (checked
 * again: well-formed and signed by its own threshold; any fault is an
 * error, never a fall back to the factory keys, which may include retired
 * ones), else the factory set of keys_path and threshold. */
int ota_trust_state_load(const char *state_dir, const char *keys_path, unsigned int threshold,
			 struct ota_trust *t, struct ota_err *err);

/* Durably replace state_dir/trust.ota with t: a temporary file beside it,
 * fsynced, then renamed over it and the directory fsynced, so a crash
 * leaves the old trust set or the new one, never a mix.  hook(ctx), if
 * not NULL, runs between the fsync and the rename (fault injection). */
int ota_trust_state_save(const char *state_dir, const struct ota_trust *t,
			 void (*hook)(void *ctx), void *ctx, struct ota_err *err);

/* Remove the temporary files an interrupted _save left in state_dir. */
int ota_trust_state_clean(const char *state_dir, struct ota_err *err);

/* The device a trust file is applied to. */
struct ota_trust_device {
	const char *state_dir, *keys_path; /* keys_path, threshold: the factory set */
	unsigned int threshold;
	const char *device_class;
	long long wall; /* the wall clock (time(NULL)); the attested time may be ahead */
	void (*hook)(void *ctx); /* fault injection for _save, or NULL */
	void *ctx;
};

/* What ota_trust_state_apply did. */
struct ota_trust_applied {
	enum { OTA_TRUST_ALREADY, OTA_TRUST_APPLIED, OTA_TRUST_CURRENT } what;
	struct ota_trust cur, upd; /* owned (ota_trust_applied_free): before, and given */
	bool floor_raised;         /* upd's min_rollback_index lifted the floor */
	long long attested;        /* the attested time after */
};

/* Apply a trust file or timestamp (text, len bytes, named name) to the
 * device dev: parse it, check it against the trust set in force (_update
 * and _fresh, or _timestamp) at ota_device_now, then keep a trust file
 * (_state_save), raise the rollback floor to its min_rollback_index, and
 * raise the attested time to its created.  Refused, nothing is written
 * and the code is the reason's.  out is filled either way (free it). */
int ota_trust_state_apply(const struct ota_trust_device *dev, const unsigned char *text,
			  size_t len, const char *name, struct ota_trust_applied *out,
			  struct ota_err *err);
void ota_trust_applied_free(struct ota_trust_applied *out);

#endif
