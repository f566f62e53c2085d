/* SPDX-License-Identifier: Apache-2.0 */
/* err.h - the one error idiom of libota.
 *
 * Library functions return 0 on success or a negative OTA_E* code, and fill
 * a caller-provided struct ota_err with a one-line reason that names the
 * file, path or field.  The library never prints and never exits; the tools
 * map -code to their exit status (schema/exit-codes.md is the same table).
 */
#ifndef OTA_ERR_H
#define OTA_ERR_H

#include <stddef.h>

enum ota_code {
	OTA_OK = 0,
	OTA_EINTERNAL = -1,  /* out of memory, library failure, bug */
	OTA_EUSAGE = -2,     /* bad command line or option value */
	OTA_EIO = -3,        /* a file could not be read or written */
	OTA_EFORMAT = -4,    /* malformed bundle, manifest, signature file */
	OTA_EBADSIG = -5,    /* a signature by a trusted key does not verify */
	OTA_EUNTRUSTED = -6, /* no signature by any trusted key */
	OTA_EHASH = -7,      /* content differs from the manifest (hash/size) */
	OTA_ETARGET = -8,    /* bundle is for another device class */
	OTA_EPATH = -9,      /* unsafe path, link or special file */
	OTA_EFILESET = -10,  /* file missing, extra or out of order */
	OTA_EKEY = -11,      /* unusable key: bad file, weak, wrong passphrase */
	OTA_EEXIST = -12,    /* refusing to overwrite an existing file */
	OTA_EBUSY = -13,     /* another agent run holds the lock */
	OTA_EROLLBACK = -14, /* older or same version, or lower rollback index */
	OTA_EHEALTH = -15,   /* new release failed its health check: rolled back */
	OTA_ECONFIG = -16,   /* bad configuration file */
	OTA_ENOSPC = -17,    /* not enough free space to stage a release */
	OTA_EFETCH = -18,    /* a bundle could not be fetched: network, HTTP, size cap */
	OTA_ESHARE = -19,    /* escrow shares that do not rebuild a key */
	OTA_EVERSION = -20,  /* version not semantic (Semantic Versioning 2.0.0) */
	OTA_EAUDIT = -21,    /* the audit history does not verify (tampered) */
	OTA_EINTR = -22,     /* stopped by a signal; what was under way undone */
	OTA_EEXPIRED = -23,  /* expired, or signed by a key after it was retired */
	OTA_ERECEIPT = -24,  /* an install receipt forged, altered, replayed or unknown */
};

#define OTA_ERR_MSG_MAX 1024

struct ota_err {
	int code;
	char msg[OTA_ERR_MSG_MAX];
};

/* Record code and a printf-style reason in err (which may be NULL).
 * Returns code, so callers can write `return ota_err_set(err, ...)`. */
int ota_err_set(struct ota_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like ota_err_set, with ": strerror(errnum)" appended. */
int ota_err_errno(struct ota_err *err, int code, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Record an OpenSSL failure: the reason plus the top of OpenSSL's error
 * queue, which it then clears. */
int ota_err_openssl(struct ota_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend a printf-style context ("app.bundle") and ": " to the reason
 * already in err, keeping its code; returns that code.  err may be NULL. */
int ota_err_prefix(struct ota_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The static analyzer (make lint) sees one file at a time, so it cannot
 * know that these return their code, never 0, and follows impossible
 * "error returned success" paths.  For it alone, say so. */
#if defined(__clang_analyzer__) && !defined(OTA_ERR_DEFINING)
#define ota_err_set(err, code, ...) (ota_err_set((err), (code), __VA_ARGS__), (code))
#define ota_err_errno(err, code, ...) (ota_err_errno((err), (code), __VA_ARGS__), (code))
#define ota_err_openssl(err, code, ...) (ota_err_openssl((err), (code), __VA_ARGS__), (code))
#define ota_err_prefix(err, code, ...) (ota_err_prefix((err), (code), __VA_ARGS__), (code))
#endif

/* Exit status a tool uses for code (0 for OTA_OK). */
int ota_exit_status(int code);

/* Short name of the class of code ("bad signature", "hash mismatch"). */
const char *ota_code_name(int code);

/* Whose fault a failure is, decided once for install, import, poll, the
 * history (a "refused" bundle or a "failed" attempt) and the dashboard:
 *   BUNDLE   the bundle is not one this device takes: malformed, badly or
 *            not signed, damaged, for another device class, unsafe, not
 *            newer, or of a version that is not semantic (4-10, 14, 20).
 *            Another bundle may be fine.
 *   SOURCE   it could not be read or fetched whole (3, 18): the medium or
 *            the server; another bundle, or a later try, may be fine.
 *   RELEASE  it installed but failed its health check and was rolled back
 *            (15): nothing older is tried in the same pass.
 *   DEVICE   the device itself: its keys, config, lock, space, memory, an
 *            operator's signal (1, 2, 11-13, 16, 17, 19, 21, 22).  Trying another bundle cannot
 *            help.
 * OTA_FAULT_NONE for 0.  An interruption (22) is the device's side too. */
enum ota_fault {
	OTA_FAULT_NONE,
	OTA_FAULT_BUNDLE,
	OTA_FAULT_SOURCE,
	OTA_FAULT_RELEASE,
	OTA_FAULT_DEVICE,
};
enum ota_fault ota_code_fault(int code);

#endif
