/* SPDX-License-Identifier: Apache-2.0 */
/* err.c - filling struct ota_err, and the code -> exit status table. */
#define OTA_ERR_DEFINING /* the functions, not err.h's analyzer hints */
#include "lib/err.h"

#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void __attribute__((format(printf, 3, 0)))
vset(struct ota_err *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->code = code;
	/* A truncated reason is still a reason; never fail while failing. */
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

static void append(struct ota_err *err, const char *suffix)
{
	size_t len;

	if (!err)
		return;
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", suffix);
}

int ota_err_set(struct ota_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int ota_err_errno(struct ota_err *err, int code, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	append(err, strerror(errnum));
	return code;
}

int ota_err_openssl(struct ota_err *err, int code, const char *fmt, ...)
{
	char reason[256] = "unknown OpenSSL error";
	unsigned long e = ERR_peek_last_error();
	va_list ap;

	if (e)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	append(err, reason);
	return code;
}

int ota_err_prefix(struct ota_err *err, int code, const char *fmt, ...)
{
	char tmp[OTA_ERR_MSG_MAX];
	size_t len;
	va_list ap;

	if (!err)
		return code;
	memcpy(tmp, err->msg, sizeof(tmp));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	/* Truncation keeps the context, which names the file: the more useful end. */
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", tmp);
	err->code = code;
	return code;
}

int ota_exit_status(int code)
{
	if (code >= 0)
		return 0;
	if (code < OTA_ERECEIPT) /* not a code of ours */
		return 1;
	return -code;
}

enum ota_fault ota_code_fault(int code)
{
	switch (code) {
	case OTA_OK:
		return OTA_FAULT_NONE;
	case OTA_EFORMAT:
	case OTA_EBADSIG:
	case OTA_EUNTRUSTED:
	case OTA_EHASH:
	case OTA_ETARGET:
	case OTA_EPATH:
	case OTA_EFILESET:
	case OTA_EROLLBACK:
	case OTA_EVERSION:
	case OTA_EEXPIRED:
		return OTA_FAULT_BUNDLE;
	case OTA_EIO:
	case OTA_EFETCH:
		return OTA_FAULT_SOURCE;
	case OTA_EHEALTH:
		return OTA_FAULT_RELEASE;
	default:
		return OTA_FAULT_DEVICE;
	}
}

const char *ota_code_name(int code)
{
	switch (code) {
	case OTA_OK: return "ok";
	case OTA_EINTERNAL: return "internal error";
	case OTA_EUSAGE: return "usage error";
	case OTA_EIO: return "I/O error";
	case OTA_EFORMAT: return "malformed input";
	case OTA_EBADSIG: return "bad signature";
	case OTA_EUNTRUSTED: return "untrusted key";
	case OTA_EHASH: return "hash mismatch";
	case OTA_ETARGET: return "wrong target";
	case OTA_EPATH: return "unsafe path";
	case OTA_EFILESET: return "file set mismatch";
	case OTA_EKEY: return "key error";
	case OTA_EEXIST: return "file exists";
	case OTA_EBUSY: return "busy";
	case OTA_EROLLBACK: return "rollback refused";
	case OTA_EHEALTH: return "health check failed";
	case OTA_ECONFIG: return "configuration error";
	case OTA_ENOSPC: return "not enough space";
	case OTA_EFETCH: return "fetch failed";
	case OTA_ESHARE: return "escrow shares refused";
	case OTA_EVERSION: return "version not semantic";
	case OTA_EAUDIT: return "audit history tampered";
	case OTA_EINTR: return "interrupted";
	case OTA_EEXPIRED: return "expired";
	case OTA_ERECEIPT: return "receipt refused";
	}
	return "error";
}
