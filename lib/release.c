/* SPDX-License-Identifier: Apache-2.0 */
/* release.c - releases/, current and .last-good on the device (release.h). */
#include "lib/release.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/fault.h"
#include "lib/fsutil.h"
#include "lib/semver.h"

int ota_release_path(const char *app_dir, const char *version, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%s/" OTA_RELEASES_DIR "/%s", app_dir, version);

	return (n < 0 || (size_t)n >= outlen) ? -1 : 0;
}

bool ota_release_exists(const char *app_dir, const char *version)
{
	char path[PATH_MAX];

	return ota_release_path(app_dir, version, path, sizeof(path)) == 0 &&
	       access(path, F_OK) == 0;
}

int ota_release_link_get(const char *app_dir, const char *link,
			 char version[OTA_VERSION_MAX + 1], struct ota_err *err)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *prefix = OTA_RELEASES_DIR "/";
	ssize_t n;

	version[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", app_dir, link);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", path);
	target[n] = '\0';
	if (strncmp(target, prefix, strlen(prefix)) ||
	    !ota_manifest_version_ok(target + strlen(prefix)))
		return ota_err_set(err, OTA_EFORMAT, "%s: points at \"%s\", not at a release",
				   path, target);
	/* ota_manifest_version_ok bounds the length. */
	memcpy(version, target + strlen(prefix), strlen(target + strlen(prefix)) + 1);
	return 0;
}

int ota_release_installed(const char *app_dir, char version[OTA_VERSION_MAX + 1],
			  struct ota_err *err)
{
	int rc = ota_release_link_get(app_dir, OTA_LINK_CURRENT, version, err);

	if (rc == 0 && !version[0])
		rc = ota_release_link_get(app_dir, OTA_LINK_LAST_GOOD, version, err);
	return rc;
}

int ota_release_link_set(const char *app_dir, const char *link, const char *version,
			 struct ota_err *err)
{
	char path[PATH_MAX], tmp[PATH_MAX], target[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", app_dir, link);
	/* Never written: what _get would refuse to read as a release. */
	if (*version && !ota_manifest_version_ok(version))
		return ota_err_set(err, OTA_EFORMAT, "%s: \"%s\" is not a release version", path,
				   version);
	if (!*version) {
		if (unlink(path) && errno != ENOENT)
			return ota_err_errno(err, OTA_EIO, errno, "%s", path);
		return ota_fsync_dir(app_dir, true, err);
	}
	snprintf(target, sizeof(target), OTA_RELEASES_DIR "/%s", version);
	snprintf(tmp, sizeof(tmp), "%s/%s" OTA_TMP_MARK "%ld", app_dir, link, (long)getpid());
	/* symlink + rename: there is no instant without a valid link. */
	if (unlink(tmp) && errno != ENOENT)
		return ota_err_errno(err, OTA_EIO, errno, "%s", tmp);
	if (symlink(target, tmp))
		return ota_err_errno(err, OTA_EIO, errno, "%s", tmp);
	if (rename(tmp, path)) {
		int rc = ota_err_errno(err, OTA_EIO, errno, "%s", path);
		unlink(tmp);
		return rc;
	}
	return ota_fsync_dir(app_dir, true, err);
}

static int version_cmp(const void *a, const void *b)
{
	return ota_semver_cmp(*(char *const *)a, *(char *const *)b);
}

void ota_release_list_free(char **versions, size_t n)
{
	while (versions && n--)
		free(versions[n]);
	free(versions);
}

int ota_release_list(const char *app_dir, char ***versions, size_t *n, struct ota_err *err)
{
	char path[PATH_MAX], **v = NULL, **grown;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	*versions = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "%s/" OTA_RELEASES_DIR, app_dir);
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", path);
	while ((de = readdir(d))) {
		if (!ota_manifest_version_ok(de->d_name))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, cap * sizeof(*v))))
				break;
			v = grown;
		}
		if (!(v[count] = strdup(de->d_name)))
			break;
		count++;
	}
	closedir(d);
	if (de) {
		ota_release_list_free(v, count);
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	}
	if (count)
		qsort(v, count, sizeof(*v), version_cmp);
	*versions = v;
	*n = count;
	return 0;
}

/* Renamed to a temporary name first: a power cut halfway through removing
 * a big tree must not leave half a release under a version's name. */
/* ota_release_remove, stopping at the fault point (fault.h) between the
 * rename and the deletion if one is named. */
static int remove_release(const char *app_dir, const char *version, const char *fault,
			  struct ota_err *err)
{
	char path[PATH_MAX], doomed[PATH_MAX];
	int rc;

	if (ota_release_path(app_dir, version, path, sizeof(path)) ||
	    snprintf(doomed, sizeof(doomed), "%s" OTA_TMP_MARK "removing", path) >=
		    (int)sizeof(doomed))
		return ota_err_set(err, OTA_EIO, "%s: path too long", app_dir);
	if ((rc = ota_rm_tree(doomed, err)))
		return rc;
	if (rename(path, doomed))
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", path);
	if ((rc = ota_fsync_dir(path, false, err)))
		return rc;
	if (fault)
		ota_fault_point(fault);
	if ((rc = ota_rm_tree(doomed, err)))
		return rc;
	return ota_fsync_dir(path, false, err);
}

int ota_release_remove(const char *app_dir, const char *version, struct ota_err *err)
{
	return remove_release(app_dir, version, NULL, err);
}

/* The releases pruning may remove, oldest first: all but the ones
 * current, .last-good and .previous-good point at.  Free with
 * ota_release_list_free (*n_all entries). */
static int removable(const char *app_dir, char ***v, size_t *n_all, size_t *n,
		     struct ota_err *err)
{
	char linked[3][OTA_VERSION_MAX + 1];
	static const char *const links[] = {OTA_LINK_CURRENT, OTA_LINK_LAST_GOOD,
					    OTA_LINK_PREVIOUS_GOOD};
	size_t i, k;
	int rc = 0;

	for (k = 0; k < 3 && rc == 0; k++)
		rc = ota_release_link_get(app_dir, links[k], linked[k], err);
	if (rc || (rc = ota_release_list(app_dir, v, n_all, err)))
		return rc;
	/* Keep the removable ones at the front, in order. */
	for (i = 0, *n = 0; i < *n_all; i++) {
		char *t = (*v)[i];
		if (!strcmp(t, linked[0]) || !strcmp(t, linked[1]) || !strcmp(t, linked[2]))
			continue;
		(*v)[i] = (*v)[*n];
		(*v)[(*n)++] = t;
	}
	return 0;
}

int ota_release_prune(const char *app_dir, unsigned int keep, struct ota_err *err)
{
	char **v = NULL;
	size_t n_all = 0, n = 0, i, excess;
	int rc = removable(app_dir, &v, &n_all, &n, err);

	/* Oldest first: drop until keep remain, sparing the linked ones. */
	excess = rc == 0 && n_all > keep ? n_all - keep : 0;
	for (i = 0; i < n && i < excess && rc == 0; i++)
		rc = remove_release(app_dir, v[i], "PRUNE", err);
	ota_release_list_free(v, n_all);
	return rc;
}

int ota_release_free_bytes(const char *app_dir, unsigned long long *free_bytes,
			   struct ota_err *err)
{
	char path[PATH_MAX];
	struct statvfs st;

	snprintf(path, sizeof(path), "%s/" OTA_RELEASES_DIR, app_dir);
	if (statvfs(path, &st))
		return ota_err_errno(err, OTA_EIO, errno, "%s", path);
	*free_bytes = (unsigned long long)st.f_bavail * st.f_frsize;
	return 0;
}

int ota_release_make_room(const char *app_dir, unsigned long long need, char *removed,
			  size_t len, struct ota_err *err)
{
	char **v = NULL;
	size_t n_all = 0, n = 0, i, used = 0;
	unsigned long long have = 0;
	int rc = removable(app_dir, &v, &n_all, &n, err);

	removed[0] = '\0';
	for (i = 0; rc == 0 && i < n; i++) {
		if ((rc = ota_release_free_bytes(app_dir, &have, err)) || have >= need)
			break;
		if ((rc = remove_release(app_dir, v[i], "PRUNE", err)) == 0 &&
		    used + strlen(v[i]) + 2 < len)
			used += (size_t)snprintf(removed + used, len - used, "%s%s", used ? " " : "",
						 v[i]);
	}
	ota_release_list_free(v, n_all);
	return rc;
}

static int clean_dir(const char *dir, struct ota_err *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : ota_err_errno(err, OTA_EIO, errno, "%s", dir);
	while (rc == 0 && (de = readdir(d))) {
		if (!strstr(de->d_name, OTA_TMP_MARK))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		rc = ota_rm_tree(path, err);
	}
	closedir(d);
	return rc ? rc : ota_fsync_dir(dir, true, err);
}

int ota_release_clean(const char *app_dir, struct ota_err *err)
{
	char path[PATH_MAX];
	int rc = clean_dir(app_dir, err);

	snprintf(path, sizeof(path), "%s/" OTA_RELEASES_DIR, app_dir);
	return rc ? rc : clean_dir(path, err);
}
