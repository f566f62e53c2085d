/* SPDX-License-Identifier: Apache-2.0 */
/* audit_seg.c - segment names, the head file and the chain fields of a
 * record (see audit_seg.h). */
#include "lib/audit_seg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/canon.h"
#include "lib/fsutil.h"

static int get_seq(const json_t *o, const char *key, unsigned long long *v)
{
	const json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < 0)
		return -1;
	*v = (unsigned long long)json_integer_value(j);
	return 0;
}

int ota_audit_head_read(const char *state_dir, struct ota_audit_head *h, struct ota_buf *raw,
			struct ota_err *err)
{
	char path[4096];
	struct ota_buf b;
	json_t *o = NULL;
	const char *sha;
	int rc;

	memset(h, 0, sizeof(*h));
	if (snprintf(path, sizeof(path), "%s/%s", state_dir, OTA_AUDIT_HEAD) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	ota_buf_init(&b, OTA_AUDIT_HEAD_MAX);
	rc = ota_buf_read_file_at(&b, AT_FDCWD, path, O_NOFOLLOW, err);
	if (rc == OTA_EIO && access(path, F_OK) && errno == ENOENT)
		rc = 1;
	else if (rc == 0 && (b.len < 2 || b.data[b.len - 1] != '\n'))
		rc = ota_err_set(err, OTA_EFORMAT, "%s: not a history head", path);
	else if (rc == 0)
		rc = ota_canon_parse_canonical(b.data, b.len - 1, path, &o, err);
	if (rc == 0) {
		sha = json_string_value(json_object_get(o, "sha256"));
		if (json_object_size(o) != 4 || json_integer_value(json_object_get(o, "format")) != 1 ||
		    get_seq(o, "seq", &h->seq) || get_seq(o, "first_seq", &h->first_seq) ||
		    h->seq == 0 || h->first_seq == 0 || h->first_seq > h->seq || !ota_sha256_hex_ok(sha))
			rc = ota_err_set(err, OTA_EFORMAT, "%s: not a history head", path);
		else
			memcpy(h->sha256, sha, sizeof(h->sha256));
	}
	json_decref(o);
	/* A damaged head's bytes too: a reader compares them before and after. */
	if (raw && (rc >= 0 || rc == OTA_EFORMAT) &&
	    ota_buf_append(raw, b.data, rc == 1 ? 0 : b.len, NULL))
		rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
	ota_buf_free(&b);
	return rc;
}

int ota_audit_head_write(const char *state_dir, const struct ota_audit_head *h,
			 struct ota_err *err)
{
	char path[4096], text[OTA_AUDIT_HEAD_MAX];
	int n;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, OTA_AUDIT_HEAD) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	/* Canonical by construction: keys in order, integers, a hex string. */
	n = snprintf(text, sizeof(text), "{\"first_seq\":%llu,\"format\":1,\"seq\":%llu,"
		     "\"sha256\":\"%s\"}\n", h->first_seq, h->seq, h->sha256);
	if (n < 0 || n >= (int)sizeof(text))
		return ota_err_set(err, OTA_EINTERNAL, "%s: head too long", path);
	return ota_write_file_atomic(path, text, (size_t)n, true, err);
}

/* "history.<digits>.jsonl" -> its number; 0 for any other name. */
static unsigned long long seg_number(const char *name)
{
	static const char pre[] = "history.", suf[] = ".jsonl";
	size_t n = strlen(name), i, d;
	unsigned long long v = 0;

	if (n <= strlen(pre) + strlen(suf) || strncmp(name, pre, strlen(pre)) ||
	    strcmp(name + n - strlen(suf), suf))
		return 0;
	d = n - strlen(pre) - strlen(suf);
	if (d > 19)
		return 0;
	for (i = strlen(pre); i < strlen(pre) + d; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		v = v * 10 + (unsigned long long)(name[i] - '0');
	}
	return v;
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

int ota_audit_segs_list(const char *state_dir, unsigned long long **first, size_t *n,
			struct ota_err *err)
{
	unsigned long long *v = NULL, *grown, f;
	size_t len = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(state_dir);

	*first = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", state_dir);
	while ((de = readdir(d))) {
		if (!(f = seg_number(de->d_name)))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, cap * sizeof(*v)))) {
				free(v);
				closedir(d);
				return ota_err_set(err, OTA_EINTERNAL, "out of memory");
			}
			v = grown;
		}
		v[len++] = f;
	}
	closedir(d);
	if (len)
		qsort(v, len, sizeof(*v), cmp_ull);
	*first = v;
	*n = len;
	return 0;
}

int ota_audit_seg_path(const char *state_dir, unsigned long long first, char *out,
		       size_t outlen, struct ota_err *err)
{
	int n = first ? snprintf(out, outlen, "%s/history.%010llu.jsonl", state_dir, first)
		      : snprintf(out, outlen, "%s/%s", state_dir, OTA_AUDIT_FILE);

	if (n < 0 || (size_t)n >= outlen)
		return ota_err_set(err, OTA_EIO, "%s: path too long", state_dir);
	return 0;
}

int ota_audit_line_link(const unsigned char *text, size_t len, unsigned long long *seq,
			char prev[OTA_SHA256_HEX_LEN + 1])
{
	json_t *o = NULL;
	const char *p;
	int rc = OTA_EFORMAT;

	if (ota_canon_parse(text, len, "history", &o, NULL))
		return rc;
	p = json_string_value(json_object_get(o, "prev"));
	if (json_is_object(o) && get_seq(o, "seq", seq) == 0 && *seq > 0 && ota_sha256_hex_ok(p)) {
		memcpy(prev, p, OTA_SHA256_HEX_LEN + 1);
		rc = 0;
	}
	json_decref(o);
	return rc;
}

int ota_audit_line_hash(const unsigned char *line, size_t len,
			char hex[OTA_SHA256_HEX_LEN + 1], struct ota_err *err)
{
	unsigned char d[OTA_SHA256_LEN];
	int rc = ota_sha256(line, len, d, err);

	if (rc == 0)
		ota_hex(d, sizeof(d), hex);
	return rc;
}
