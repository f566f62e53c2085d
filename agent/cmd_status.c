/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent status: what the device runs and has, the run in progress and
 * whether the history verifies.  Read-only: takes no lock, changes nothing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/view.h"
#include "cli/cli.h"

static const char *str(const json_t *o, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : dflt;
}

static long long num(const json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_run(const json_t *run)
{
	const char *state = str(run, "state", "?");
	const json_t *active = json_object_get(run, "active");

	if (!strcmp(state, "IDLE")) {
		printf("run:            none (IDLE)\n");
		return;
	}
	printf("run:            %s of %s (from %s), ", state, str(run, "version", "(version not known yet)"),
	       str(run, "from", "nothing"));
	if (json_is_true(active) && json_integer_value(json_object_get(run, "pid")))
		printf("in progress (pid %lld)", num(run, "pid"));
	else if (json_is_true(active))
		printf("in progress");
	else if (json_is_false(active))
		printf("interrupted: `ota-agent recover` will %s", str(run, "recovery", "?"));
	else
		printf("in progress or interrupted");
	printf(", since %s\n", str(run, "since", "?"));
}

static void print_history(const json_t *h)
{
	long long n = num(h, "records");

	if (!json_is_true(json_object_get(h, "ok")))
		printf("history:        DOES NOT VERIFY: %s\n", str(h, "problem", "?"));
	else if (n == 0)
		printf("history:        empty\n");
	else
		printf("history:        %lld records, chain verified from seq %lld%s to %lld\n", n,
		       num(h, "first_seq"),
		       json_is_true(json_object_get(h, "rotated")) ? " (older rotated out)" : "",
		       num(h, "last_seq"));
}

static void print_space(long long bytes)
{
	static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		v /= 1024;
		u++;
	}
	if (u)
		printf("free space:     %.1f %s (%lld bytes)\n", v, unit[u], bytes);
	else
		printf("free space:     %lld bytes\n", bytes);
}

static void print_text(const json_t *s)
{
	const json_t *rel = json_object_get(s, "releases");
	size_t i;

	const json_t *dev = json_object_get(s, "device");

	printf("device:         %s (%s, machine id %s)\n",
	       str(dev, "id", "no device key yet: `ota-agent identity` makes it"),
	       str(dev, "hostname", "hostname not known"), str(dev, "machine_id", "not known"));
	if (json_object_get(dev, "problem"))
		printf("device key:     %s\n", str(dev, "problem", "?"));
	printf("device class:   %s\n", str(s, "device_class", "?"));
	printf("current:        %s\n", str(s, "current", "(none)"));
	printf("last good:      %s\n", str(s, "last_good", "(none)"));
	printf("releases:      ");
	for (i = 0; i < json_array_size(rel); i++)
		printf(" %s", json_string_value(json_array_get(rel, i)));
	printf("%s\n", json_array_size(rel) ? "" : " (none)");
	printf("state:          %s\n", str(s, "state", "?"));
	print_run(json_object_get(s, "run"));
	printf("rollback index: %lld\n", num(s, "rollback_index"));
	if (json_object_get(s, "free_bytes"))
		print_space(num(s, "free_bytes"));
	print_history(json_object_get(s, "history"));
}

int cmd_status(struct agent *a, int argc, char **argv)
{
	struct ota_err err = {0};
	json_t *s = NULL;
	char *text;
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;

	if (argc > 2 || (argc == 2 && !json))
		return ota_cli_usage("status: the only option is --json");
	if (view_status_json(a, &s, &err))
		return ota_cli_fail(&err);
	if (json) {
		text = json_dumps(s, JSON_SORT_KEYS | JSON_COMPACT);
		if (text)
			puts(text);
		free(text);
	} else {
		print_text(s);
	}
	json_decref(s);
	return 0;
}
