/* SPDX-License-Identifier: Apache-2.0 */
/* ota-agent: the device side.  verify -> stage -> switch -> health check
 * -> promote or roll back, crash-safe; plus recover, rollback, status and
 * history.  This file: options, config, environment, lock, dispatch. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"

/* Each command as --help shows it; the table main dispatches on. */
static const struct {
	struct ota_cli_cmd doc;
	int (*run)(struct agent *, int, char **);
	bool locks; /* changes the device: one run at a time */
} commands[] = {
	{{"init", "init [--root DIR] --device-class T --keys PUB... [--app-dir DIR] [--state-dir DIR]",
	  "set up a device: a commented /etc/ota/agent.yaml, /etc/ota/keys with\n"
	  "                   the given Ed25519 public keys, the state and app directories;\n"
	  "                   refuses to overwrite anything (12); prints the next steps", NULL},
	 NULL, false},
	{{"install", "install [--quiet] BUNDLE",
	  "verify, stage, switch, health-check, then promote or roll back\n"
	  "                   (a delta takes the files it leaves out from releases on disk;\n"
	  "                   progress on a terminal unless --quiet)", NULL},
	 cmd_install, true},
	{{"import", "import [DIR] | import --mount-options",
	  "install the newest bundle for this device from a mounted medium\n"
	  "                   (default watch.usb): signed heads judged first, the chosen one\n"
	  "                   installed straight off it (watch.direct: 0: from a spool copy);\n"
	  "                   bad or foreign bundles named on stderr and skipped; *.trust and\n"
	  "                   *.ts on it applied first, in sequence order; the medium is only\n"
	  "                   read, but for receipts/<device id>.json with watch.receipts:\n"
	  "                   true.  --mount-options: how ota-usb-import@.service mounts a\n"
	  "                   stick (ro, or rw when watch.receipts is on)", NULL},
	 /* These take the lock for each delivery pass only (agent_lock). */
	 cmd_import, false},
	{{"identity", "identity",
	  "the device's key id and public key as a line of the laptop's\n"
	  "                   device list (the key is made if missing)", NULL},
	 /* Makes the device key if missing: no lock needed (devkey.h). */
	 cmd_identity, false},
	{{"poll", "poll [URL] [--once] [--interval S]",
	  "install the newest bundle for this device from URL/index.json\n"
	  "                   (ota-bundle index; default watch.http): installed as it\n"
	  "                   downloads (watch.direct: 0: into the spool first), resumed,\n"
	  "                   retried and timed out, checked against the index; trust files\n"
	  "                   it lists applied first; every S s (watch.interval) until\n"
	  "                   SIGTERM, or once", NULL},
	 cmd_poll, false},
	{{"watch", "watch",
	  "the daemon: import from watch.usb and poll watch.http every\n"
	  "                   watch.interval; sd_notify READY/STATUS/STOPPING and WATCHDOG\n"
	  "                   pings for systemd (ota-agent.service, Type=notify)", NULL},
	 cmd_watch, false},
	{{"recover", "recover [--boot]",
	  "finish or undo an interrupted run (run at boot, before the app)", NULL},
	 /* recover takes the lock itself: another run holding it is no failure. */
	 cmd_recover, false},
	{{"rollback", "rollback [--to VERSION]",
	  "switch current back to the last good release (from a\n"
	  "                   failing last good one, to the previous good one); --to: to\n"
	  "                   any release on disk the rollback index allows, health-checked\n"
	  "                   and promoted like an install", NULL},
	 cmd_rollback, true},
	{{"releases", "releases [--json]",
	  "the releases on disk: current, last good, previous good,\n"
	  "                   rollback index, whether a rollback to it is allowed", NULL},
	 cmd_releases, false},
	{{"fsck", "fsck",
	  "hash every release on disk again against its kept manifest:\n"
	  "                   one line per damaged file (VERSION: PATH: why), exit 7 if any", NULL},
	 /* Under the lock: no prune removes a release while it is checked. */
	 cmd_fsck, true},
	{{"status", "status [--json]",
	  "current and last-good release, releases on disk, run state", NULL},
	 cmd_status, false},
	{{"trust", "trust FILE",
	  "accept a signed trust file (key rotation): root and release\n"
	  "                   keys, thresholds, a rollback floor; or a timestamp saying\n"
	  "                   it is still current (schema/trust.md)", NULL},
	 cmd_trust, true},
	{{"keys", "keys [--json]",
	  "the trust set in force: sequence, thresholds, each key's\n"
	  "                   role, the attested time", NULL},
	 cmd_keys, false},
	{{"history", "history [--json] [--since T] [--version V] [--verify [--expect SEQ:SHA256]]",
	  "every state transition (time, version, bundle, signers, result,\n"
	  "                   reason); --verify checks the hash chain (exit 21 if broken)", NULL},
	 cmd_history, false},
	{{"dashboard", "dashboard [--listen ADDR:PORT] [--allow-remote] [--host NAME]...",
	  "serve a read-only web page of status and history (127.0.0.1:8480)", NULL},
	 cmd_dashboard, false},
	{{"report", "report --html FILE [--force]",
	  "the same page as one self-contained file", NULL},
	 cmd_report, false},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char notes[] =
	"\n"
	"--root DIR puts every absolute path of the config, and the default config\n"
	"/etc/ota/agent.yaml, under DIR: a whole device in a directory.\n"
	"\n"
	"Exit status: 0 ok, 2 usage, 3 I/O, 4-11 bundle refused (as ota-verify),\n"
	"12 init: already set up, 13 another run holds the lock, 14 not newer than\n"
	"installed (anti-rollback), 15 health check failed and rolled back,\n"
	"16 configuration error, 17 not enough space, 18 fetch failed (network, HTTP,\n"
	"over watch.max_bundle_mb); trust: 5 bad signature, 6 too few signatures by\n"
	"the root keys in force or by the file's own, 8 wrong target, 14 sequence not\n"
	"newer; 20 version not semantic; 21 audit history tampered;\n"
	"22 interrupted by SIGINT, SIGTERM or SIGHUP, what was under way undone;\n"
	"23 expired (a bundle, trust file or timestamp past its expires at the\n"
	"attested time, or signed by a key after its retirement)\n"
	"(" OTA_EXIT_CODES_DOC ").\n";

static void usage(void)
{
	size_t i;
	int n;

	fputs("usage: ota-agent [--root DIR] [--config FILE] COMMAND\n\ncommands:\n", stdout);
	for (i = 0; i < N_COMMANDS; i++) {
		/* The synopsis, and the summary beside it when it fits. */
		n = printf("  %s", commands[i].doc.usage);
		printf("%s%*s%s\n", n > 18 ? "\n" : "", n > 18 ? 19 : 19 - n, "",
		       commands[i].doc.summary);
	}
	fputs(notes, stdout);
}

static int make_env(struct agent *a)
{
	const struct ota_config *c = &a->cfg;

	if (asprintf(&a->env[0], "OTA_ROOT=%s", c->root) < 0 ||
	    asprintf(&a->env[1], "OTA_APP_DIR=%s", c->app_dir) < 0 ||
	    asprintf(&a->env[2], "OTA_STATE_DIR=%s", c->state_dir) < 0)
		return -1;
	snprintf(a->version_env, sizeof(a->version_env), "OTA_VERSION=");
	a->env[3] = a->version_env;
	return 0;
}

static void agent_free(struct agent *a)
{
	free(a->env[0]);
	free(a->env[1]);
	free(a->env[2]);
	ota_keyring_free(&a->keys);
	ota_config_free(&a->cfg);
	if (a->lock_fd >= 0)
		close(a->lock_fd);
}

/* The safety net loads what it needs; anything else wrong is one line. */
static int load_config(struct agent *a, const char *path, const char *root, bool safety,
		       struct ota_err *err)
{
	struct ota_err warn;
	int rc;

	if (!safety)
		return ota_config_load(path, root, &a->cfg, err);
	rc = ota_config_load_safe(path, root, &a->cfg, &warn, err);
	if (rc == 0 && warn.code)
		fprintf(stderr, "%s: warning: %s (ignored: recover and rollback need only "
			"app_dir, state_dir, service.restart and health.timeout)\n", ota_cli_prog(),
			warn.msg);
	return rc;
}

static int setup(struct agent *a, const char *root, const char *config, bool locks,
		 bool safety, struct ota_err *err)
{
	char path[PATH_MAX];
	int rc;

	/* --config is taken as given; only the default moves under --root. */
	if (snprintf(path, sizeof(path), "%s%s", config ? "" : root ? root : "",
		     config ? config : OTA_CONFIG_DEFAULT) >= (int)sizeof(path))
		return ota_err_set(err, OTA_EUSAGE, "--config: path too long");
	if ((rc = load_config(a, path, root, safety, err)))
		return rc;
	if (make_env(a))
		return ota_err_set(err, OTA_EINTERNAL, "out of memory");
	/* Held for the whole run: such a command runs no delivery pass. */
	return locks ? agent_lock(a, err) : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"root", required_argument, NULL, 'r'}, {"config", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'v'},
		{"list-commands", no_argument, NULL, 'l'}, {NULL, 0, NULL, 0}};
	struct agent a = {.lock_fd = -1};
	struct ota_err err = {0};
	const char *root = NULL, *config = NULL;
	size_t i;
	int c, rc;

	ota_cli_init("ota-agent");
	/* A write past RLIMIT_FSIZE must fail with EFBIG, not kill us. */
	signal(SIGXFSZ, SIG_IGN);
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': root = optarg; break;
		case 'c': config = optarg; break;
		case 'h': usage(); return 0;
		case 'v': return ota_cli_version();
		case 'l':
			for (i = 0; i < N_COMMANDS; i++)
				ota_cli_list_command(&commands[i].doc);
			return 0;
		default: return ota_cli_bad_option("", c, argv);
		}
	}
	if (optind == argc)
		return ota_cli_usage("missing command");
	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[optind], commands[i].doc.name) == 0)
			break;
	if (i == N_COMMANDS)
		return ota_cli_usage("unknown command '%s'", argv[optind]);
	/* Help and version need no config file, no lock and no root. */
	if (ota_cli_asks_help(argc - optind, argv + optind))
		return ota_cli_command_help(&commands[i].doc, notes);
	if (ota_cli_asks_version(argc - optind, argv + optind))
		return ota_cli_version();
	/* init writes the config the others read. */
	if (!commands[i].run)
		return agent_init(root, config, argc - optind, argv + optind);
	/* The safety net (ota-recover.service, app-rollback.service) needs
	 * only the config keys it uses. */
	rc = setup(&a, root, config, commands[i].locks,
		   commands[i].run == cmd_recover || commands[i].run == cmd_rollback, &err);
	if (rc) {
		agent_free(&a);
		return ota_cli_fail(&err);
	}
	rc = commands[i].run(&a, argc - optind, argv + optind);
	agent_free(&a);
	return rc;
}
