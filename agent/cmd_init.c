/* SPDX-License-Identifier: Apache-2.0 */
/* cmd_init.c - `ota-agent init`: set up a device (device_init.h) and say
 * what comes next.  Runs before any config exists, so it reads none. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "agent/agent.h"
#include "agent/device_init.h"
#include "cli/cli.h"

static void next_steps(const struct device_init *d)
{
	const char *r = d->root;

	printf("ota-agent: set up device class %s: %s%s, %zu trusted key%s\n", d->device_class,
	       r, d->config, d->n_keys, d->n_keys == 1 ? "" : "s");
	printf("device id %s (its line for the laptop's device list: ota-agent identity)\n",
	       d->device_id);
	printf("next steps:\n"
	       "  1. edit %s%s: the health checks your application answers\n"
	       "  2. install your application's unit as app.service (an example in\n"
	       "     the documentation: it runs %s/current/run.sh)\n"
	       "  3. systemctl enable --now ota-recover.service ota-agent.service\n"
	       "  4. plug in a USB stick holding a signed bundle for %s, or run\n"
	       "     ota-agent install FILE.bundle; then ota-agent status\n",
	       r, d->config, d->app_dir, d->device_class);
}

int agent_init(const char *root, const char *config, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'},
		{"device-class", required_argument, NULL, 'd'},
		{"keys", required_argument, NULL, 'k'},
		{"app-dir", required_argument, NULL, 'a'},
		{"state-dir", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0}};
	struct device_init d = {.root = root ? root : "",
				.config = config ? config : OTA_CONFIG_DEFAULT,
				.app_dir = "/opt/app",
				.state_dir = "/var/lib/ota"};
	struct ota_err err = {0};
	const char **keys;
	int c, rc;

	/* --keys A.pub B.pub: the first is the option's, the rest operands. */
	if (!(keys = calloc((size_t)argc, sizeof(*keys))))
		return ota_cli_fail(&(struct ota_err){OTA_EINTERNAL, "out of memory"});
	optind = 0;
	while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': d.root = optarg; break;
		case 'd': d.device_class = optarg; break;
		case 'k': keys[d.n_keys++] = optarg; break;
		case 'a': d.app_dir = optarg; break;
		case 's': d.state_dir = optarg; break;
		default: free(keys); return ota_cli_bad_option("init", c, argv);
		}
	}
	if (d.n_keys)
		while (optind < argc)
			keys[d.n_keys++] = argv[optind++];
	d.keys = keys;
	if (!d.device_class)
		rc = ota_cli_usage("init: --device-class T is required");
	else if (!d.n_keys || optind != argc)
		rc = ota_cli_usage("init: --keys PUB... (the public keys to trust) is required");
	else if ((rc = device_init_write(&d, &err)))
		rc = ota_cli_fail(&err);
	else
		next_steps(&d);
	free(keys);
	return rc;
}
