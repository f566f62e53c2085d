/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent releases [--json]: the releases on disk, newest last, with
 * which is current, last good and previous good, each one's rollback
 * index, and whether `rollback --to` may go there (not below the floor). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "agent/engine.h"
#include "cli/cli.h"
#include "lib/release.h"

struct marks {
	char current[OTA_VERSION_MAX + 1], last_good[OTA_VERSION_MAX + 1];
	char previous[OTA_VERSION_MAX + 1];
	unsigned long long floor;
};

static int load_marks(struct agent *a, struct marks *m, struct ota_err *err)
{
	char installed[OTA_VERSION_MAX + 1];
	int rc;

	if ((rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_CURRENT, m->current, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_LAST_GOOD, m->last_good, err)) ||
	    (rc = ota_release_link_get(a->cfg.app_dir, OTA_LINK_PREVIOUS_GOOD, m->previous,
				       err)))
		return rc;
	return engine_installed(a, installed, &m->floor, err);
}

/* One release as JSON: version, marks, index (null if unknown), allowed. */
static json_t *release_json(struct agent *a, const struct marks *m, const char *v)
{
	struct ota_err ignored;
	unsigned long long index = 0;
	int known = engine_release_index(a, v, &index, &ignored) == 0;

	return json_pack("{s:s, s:b, s:b, s:b, s:o, s:b}", "version", v, "current",
			 !strcmp(v, m->current), "last_good", !strcmp(v, m->last_good),
			 "previous_good", !strcmp(v, m->previous), "rollback_index",
			 known ? json_integer((json_int_t)index) : json_null(), "allowed",
			 known && index >= m->floor);
}

/* "2.0.0   index 2   current last-good": one line of the listing. */
static void print_line(const json_t *r)
{
	const json_t *index = json_object_get(r, "rollback_index");
	char idx[24] = "?";

	if (json_is_integer(index))
		snprintf(idx, sizeof(idx), "%lld", (long long)json_integer_value(index));
	printf("%-20s index %-6s%s%s%s%s\n", json_string_value(json_object_get(r, "version")), idx,
	       json_is_true(json_object_get(r, "current")) ? " current" : "",
	       json_is_true(json_object_get(r, "last_good")) ? " last-good" : "",
	       json_is_true(json_object_get(r, "previous_good")) ? " previous-good" : "",
	       json_is_true(json_object_get(r, "allowed")) ? "" : " below-floor");
}

int cmd_releases(struct agent *a, int argc, char **argv)
{
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	struct ota_err err = {0};
	struct marks m;
	char **v = NULL;
	size_t n = 0, i;
	json_t *all;

	if (argc > 2 || (argc == 2 && !json))
		return ota_cli_usage("releases: the only option is --json");
	if (load_marks(a, &m, &err) || ota_release_list(a->cfg.app_dir, &v, &n, &err))
		return ota_cli_fail(&err);
	if (!(all = json_array())) {
		ota_release_list_free(v, n);
		ota_err_set(&err, OTA_EINTERNAL, "out of memory");
		return ota_cli_fail(&err);
	}
	for (i = 0; i < n; i++)
		json_array_append_new(all, release_json(a, &m, v[i]));
	ota_release_list_free(v, n);
	if (json) {
		if (json_dumpf(all, stdout, JSON_INDENT(2)) == 0)
			putchar('\n');
	} else if (n == 0) {
		printf("no release on disk\n");
	}
	for (i = 0; !json && i < json_array_size(all); i++)
		print_line(json_array_get(all, i));
	json_decref(all);
	return 0;
}
