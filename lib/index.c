/* SPDX-License-Identifier: Apache-2.0 */
/* index.c - reading index.json strictly, choosing from it, and listing
 * the *.bundle files of a directory (see index.h).  Writing an index is
 * index_write.c's. */
#include "lib/index.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lib/canon.h"
#include "lib/dirnames.h"
#include "lib/path.h"
#include "lib/semver.h"

bool ota_index_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (len == 0 || len > OTA_NAME_MAX || !strcmp(name, ".") || !strcmp(name, "..") ||
	    !ota_utf8_valid(name, len))
		return false;
	/* Names go into URLs and one-line messages: no controls, no '/'. */
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f || name[i] == '/')
			return false;
	return true;
}

static const char *get_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int parse_entry(const json_t *v, struct ota_index_entry *e, struct ota_err *err)
{
	const char *file = get_str(v, "file"), *version = get_str(v, "version");
	const char *target = get_str(v, "target"), *sha = get_str(v, "sha256");
	const json_t *size = json_object_get(v, "size");

	if (!json_is_object(v) || json_object_size(v) != 5 || !file || !version || !target ||
	    !sha || !size)
		return ota_err_set(err, OTA_EFORMAT, "keys must be exactly file, sha256, size, "
				   "target, version");
	if (!ota_index_name_ok(file))
		return ota_err_set(err, OTA_EFORMAT, "file: not a plain file name");
	if (!ota_manifest_version_ok(version))
		return ota_err_set(err, OTA_EFORMAT, "version: not a version");
	if (!ota_manifest_target_ok(target))
		return ota_err_set(err, OTA_EFORMAT, "target: not a device class");
	if (!json_is_integer(size) || json_integer_value(size) < 0 ||
	    json_integer_value(size) > (1LL << 53))
		return ota_err_set(err, OTA_EFORMAT, "size: not a size");
	if (strlen(sha) != OTA_SHA256_HEX_LEN || ota_unhex(sha, e->sha256, OTA_SHA256_LEN))
		return ota_err_set(err, OTA_EFORMAT, "sha256: not 64 lowercase hex digits");
	e->file = strdup(file);
	if (!e->file)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	/* Both bounded by the _ok checks above. */
	memcpy(e->version, version, strlen(version) + 1);
	memcpy(e->target, target, strlen(target) + 1);
	e->size = (unsigned long long)json_integer_value(size);
	return 0;
}

static bool ends_in(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && strcmp(name + n - e, ext) == 0;
}

static int parse_trust(const json_t *v, struct ota_index_trust *e, struct ota_err *err)
{
	const char *file = get_str(v, "file"), *target = get_str(v, "target");
	const char *sha = get_str(v, "sha256");
	const json_t *size = json_object_get(v, "size"), *seq = json_object_get(v, "sequence");

	if (!json_is_object(v) || json_object_size(v) != 5 || !file || !target || !sha ||
	    !json_is_integer(size) || !json_is_integer(seq))
		return ota_err_set(err, OTA_EFORMAT, "keys must be exactly file, sequence, "
				   "sha256, size, target");
	if (!ota_index_name_ok(file) || (!ends_in(file, OTA_TRUST_EXT) &&
					 !ends_in(file, OTA_TIMESTAMP_EXT)))
		return ota_err_set(err, OTA_EFORMAT, "file: not a plain *" OTA_TRUST_EXT " or *"
				   OTA_TIMESTAMP_EXT " name");
	if (strcmp(target, "*") && !ota_manifest_target_ok(target))
		return ota_err_set(err, OTA_EFORMAT, "target: not a device class or \"*\"");
	if (json_integer_value(size) < 0 || json_integer_value(size) > OTA_INDEX_TRUST_MAX_SIZE)
		return ota_err_set(err, OTA_EFORMAT, "size: not a size up to %d",
				   OTA_INDEX_TRUST_MAX_SIZE);
	if (json_integer_value(seq) < 1 || json_integer_value(seq) > 4294967295LL)
		return ota_err_set(err, OTA_EFORMAT, "sequence: not 1..4294967295");
	if (strlen(sha) != OTA_SHA256_HEX_LEN || ota_unhex(sha, e->sha256, OTA_SHA256_LEN))
		return ota_err_set(err, OTA_EFORMAT, "sha256: not 64 lowercase hex digits");
	if (!(e->file = strdup(file)))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	memcpy(e->target, target, strlen(target) + 1);
	e->size = (unsigned long long)json_integer_value(size);
	e->sequence = (unsigned long long)json_integer_value(seq);
	return 0;
}

/* The optional "trust" list. */
static int parse_trust_list(const json_t *list, const char *name, struct ota_index *idx,
			    struct ota_err *err)
{
	size_t i, j;
	int rc;

	if (!json_is_array(list))
		return ota_err_set(err, OTA_EFORMAT, "%s: trust: not a list", name);
	if (json_array_size(list) > OTA_INDEX_MAX_TRUST)
		return ota_err_set(err, OTA_EFORMAT, "%s: more than %d trust files", name,
				   OTA_INDEX_MAX_TRUST);
	idx->trust = calloc(json_array_size(list) + 1, sizeof(*idx->trust));
	if (!idx->trust)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	for (i = 0; i < json_array_size(list); i++) {
		if ((rc = parse_trust(json_array_get(list, i), &idx->trust[i], err)))
			return ota_err_prefix(err, rc, "%s: trust[%zu]", name, i);
		idx->n_trust++;
		for (j = 0; j < i; j++)
			if (!strcmp(idx->trust[j].file, idx->trust[i].file))
				return ota_err_set(err, OTA_EFORMAT, "%s: trust[%zu]: file listed "
						   "twice", name, i);
	}
	return 0;
}

static int parse_root(const json_t *root, const char *name, struct ota_index *idx,
		      struct ota_err *err)
{
	const json_t *list = json_object_get(root, "bundles"), *format, *trust;
	size_t i, j;
	int rc;

	format = json_object_get(root, "format");
	trust = json_object_get(root, "trust");
	if (!json_is_object(root) || json_object_size(root) != 2U + (trust != NULL) ||
	    !json_is_array(list) || !format)
		return ota_err_set(err, OTA_EFORMAT, "%s: not a bundle index: keys must be "
				   "exactly bundles (a list), format and, optionally, trust", name);
	if (!json_is_integer(format) || json_integer_value(format) != OTA_INDEX_FORMAT)
		return ota_err_set(err, OTA_EFORMAT, "%s: unsupported index format", name);
	if (json_array_size(list) > OTA_INDEX_MAX_BUNDLES)
		return ota_err_set(err, OTA_EFORMAT, "%s: more than %d bundles", name,
				   OTA_INDEX_MAX_BUNDLES);
	idx->entries = calloc(json_array_size(list) + 1, sizeof(*idx->entries));
	if (!idx->entries)
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	for (i = 0; i < json_array_size(list); i++) {
		if ((rc = parse_entry(json_array_get(list, i), &idx->entries[i], err)))
			return ota_err_prefix(err, rc, "%s: bundles[%zu]", name, i);
		idx->n++;
		for (j = 0; j < i; j++)
			if (!strcmp(idx->entries[j].file, idx->entries[i].file))
				return ota_err_set(err, OTA_EFORMAT, "%s: bundles[%zu]: file listed "
						   "twice", name, i);
	}
	return trust ? parse_trust_list(trust, name, idx, err) : 0;
}

int ota_index_parse(const unsigned char *data, size_t len, const char *name,
		    struct ota_index *idx, struct ota_err *err)
{
	json_t *root = NULL;
	int rc;

	memset(idx, 0, sizeof(*idx));
	if (len > OTA_INDEX_MAX)
		return ota_err_set(err, OTA_EFORMAT, "%s: larger than %d bytes", name,
				   OTA_INDEX_MAX);
	if ((rc = ota_canon_parse(data, len, name, &root, err)) == 0)
		rc = parse_root(root, name, idx, err);
	json_decref(root);
	return rc;
}

void ota_index_free(struct ota_index *idx)
{
	size_t i;

	for (i = 0; idx->entries && i < idx->n; i++)
		free(idx->entries[i].file);
	free(idx->entries);
	for (i = 0; idx->trust && i < idx->n_trust; i++)
		free(idx->trust[i].file);
	free(idx->trust);
	memset(idx, 0, sizeof(*idx));
}

const struct ota_index_entry *ota_index_pick(const struct ota_index *idx, const char *target,
					     const char *installed)
{
	const struct ota_index_entry *best = NULL, *e;
	size_t i;

	for (i = 0; i < idx->n; i++) {
		e = &idx->entries[i];
		/* A version that is not semantic would be refused by the install. */
		if (strcmp(e->target, target) || !ota_semver_valid(e->version) ||
		    (*installed && ota_semver_cmp(e->version, installed) <= 0))
			continue;
		if (!best || ota_semver_cmp(e->version, best->version) > 0)
			best = e;
	}
	return best;
}

int ota_bundle_names(const char *dir, char ***names, size_t *n, struct ota_err *err)
{
	return ota_dir_names(dir, OTA_BUNDLE_EXT, OTA_INDEX_MAX_BUNDLES, "bundles", names, n, err);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ota_trust_names(const char *dir, char ***names, size_t *n, struct ota_err *err)
{
	char **ts = NULL, **all;
	size_t n_ts = 0;
	int rc;

	if ((rc = ota_dir_names(dir, OTA_TRUST_EXT, OTA_INDEX_MAX_TRUST, "trust files", names, n,
				err)) ||
	    (rc = ota_dir_names(dir, OTA_TIMESTAMP_EXT, OTA_INDEX_MAX_TRUST, "timestamps", &ts,
				&n_ts, err)))
		goto fail;
	if (*n + n_ts > OTA_INDEX_MAX_TRUST) {
		rc = ota_err_set(err, OTA_EFORMAT, "%s: more than %d trust files and timestamps",
				 dir, OTA_INDEX_MAX_TRUST);
		goto fail;
	}
	if (n_ts) {
		if (!(all = realloc(*names, (*n + n_ts) * sizeof(*all)))) {
			rc = ota_err_set(err, OTA_EINTERNAL, "out of memory");
			goto fail;
		}
		memcpy(all + *n, ts, n_ts * sizeof(*all));
		free(ts); /* the names now belong to all */
		*names = all;
		*n += n_ts;
		qsort(*names, *n, sizeof(**names), by_name);
	} else {
		free(ts);
	}
	return 0;
fail:
	ota_dir_names_free(*names, *n);
	ota_dir_names_free(ts, n_ts);
	*names = NULL;
	*n = 0;
	return rc;
}
