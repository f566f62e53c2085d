/* ota-agent status and history: what the device runs, what it has, what
 * it did.  Read-only: they take no lock and change nothing. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "lib/audit.h"
#include "lib/release.h"

static bool want_json(int argc, char **argv, const char *cmd, int *rc)
{
	*rc = 0;
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		return true;
	if (argc != 1)
		*rc = ota_cli_usage("%s: the only option is --json", cmd);
	return false;
}

static json_t *version_or_null(const char *v)
{
	return v[0] ? json_string(v) : json_null();
}

static int collect(struct agent *a, json_t **out, struct ota_err *err)
{
	char current[OTA_VERSION_MAX + 1], last_good[OTA_VERSION_MAX + 1], path[PATH_MAX];
	struct ota_device dev;
	struct ota_run run;
	struct statvfs st;
	json_t *releases = json_array();
	char **v = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, current, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, last_good, err)) ||
	    (rc = ota_run_load(a->cfg.state_dir, &run, err)) ||
	    (rc = ota_device_load(a->cfg.state_dir, &dev, err)) ||
	    (rc = ota_release_list(a->cfg.app_dir, &v, &n, err))) {
		json_decref(releases);
		return rc;
	}
	for (i = 0; i < n; i++)
		json_array_append_new(releases, json_string(v[i]));
	ota_release_list_free(v, n);
	snprintf(path, sizeof(path), "%s/releases", a->cfg.app_dir);
	*out = json_pack("{s:o, s:o, s:o, s:s, s:o, s:I, s:s}", "current", version_or_null(current),
			 "last_good", version_or_null(last_good), "releases", releases, "state",
			 ota_state_name(run.state), "run_version", version_or_null(run.version),
			 "rollback_index", (json_int_t)dev.rollback_index, "device_class",
			 a->cfg.device_class);
	if (*out && statvfs(path, &st) == 0)
		json_object_set_new(*out, "free_bytes",
				    json_integer((json_int_t)st.f_bavail * (json_int_t)st.f_frsize));
	return *out ? 0 : ota_err_set(err, OTA_EINTERNAL, "out of memory");
}

static void print_text(const json_t *s)
{
	const json_t *rel = json_object_get(s, "releases");
	const char *cur = json_string_value(json_object_get(s, "current"));
	const char *lg = json_string_value(json_object_get(s, "last_good"));
	size_t i;

	printf("device class:   %s\n", json_string_value(json_object_get(s, "device_class")));
	printf("current:        %s\n", cur ? cur : "(none)");
	printf("last good:      %s\n", lg ? lg : "(none)");
	printf("releases:      ");
	for (i = 0; i < json_array_size(rel); i++)
		printf(" %s", json_string_value(json_array_get(rel, i)));
	printf("%s\n", json_array_size(rel) ? "" : " (none)");
	printf("state:          %s\n", json_string_value(json_object_get(s, "state")));
	printf("rollback index: %lld\n",
	       (long long)json_integer_value(json_object_get(s, "rollback_index")));
	if (json_object_get(s, "free_bytes"))
		printf("free space:     %lld bytes\n",
		       (long long)json_integer_value(json_object_get(s, "free_bytes")));
}

static void print_json(const json_t *v)
{
	char *text = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);

	if (text)
		puts(text);
	free(text);
}

int cmd_status(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	json_t *s = NULL;
	int rc;
	bool json = want_json(argc, argv, "status", &rc);

	if (rc)
		return rc;
	if ((rc = collect(a, &s, &err)))
		return ota_cli_fail(&err);
	if (json)
		print_json(s);
	else
		print_text(s);
	json_decref(s);
	return 0;
}

int cmd_history(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	json_t *h = NULL, *r;
	size_t i;
	int rc;
	bool json = want_json(argc, argv, "history", &rc);

	if (rc)
		return rc;
	if ((rc = ota_audit_load(a->cfg.state_dir, &h, &err)))
		return ota_cli_fail(&err);
	if (json)
		print_json(h);
	json_array_foreach(h, i, r) {
		const char *v = json_string_value(json_object_get(r, "version"));
		if (json)
			break;
		printf("%s  %-12s -> %-12s  %-10s  %s\n",
		       json_string_value(json_object_get(r, "time")),
		       json_string_value(json_object_get(r, "from")),
		       json_string_value(json_object_get(r, "to")), v && *v ? v : "-",
		       json_string_value(json_object_get(r, "reason")));
	}
	json_decref(h);
	return 0;
}
