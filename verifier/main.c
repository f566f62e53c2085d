/* SPDX-License-Identifier: Apache-2.0 */
/* ota-verify: check a bundle (or the design's manifest + signature + tree
 * triple) against trusted keys and a device class; optionally extract the
 * verified tree, all or nothing. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lib/trust.h"
#include "cli/progress.h"
#include "lib/stage.h"
#include "lib/verify.h"

static const char usage[] =
	"usage: ota-verify --keys FILE.pub|DIR --device-class T [--threshold M]\n"
	"                  [--extract DIR [--base DIR]] [--json] [--quiet] FILE.bundle\n"
	"       ota-verify --trust F.trust --device-class T [--extract DIR [--base DIR]]\n"
	"                  [--json] [--quiet] FILE.bundle\n"
	"       ota-verify --keys FILE.pub|DIR --device-class T [--json]\n"
	"                  --manifest M.json --signature M.sig --tree DIR\n"
	"\n"
	"Exit 0 only if M distinct trusted keys signed the exact manifest bytes,\n"
	"the manifest is canonical, it targets this device class, and the payload\n"
	"(or DIR) holds exactly its entries with matching SHA-256.  --extract DIR\n"
	"(which must not exist) writes the verified tree; on any failure nothing\n"
	"is left behind.  --trust F.trust takes the keys and threshold of a trust\n"
	"file (a device's state_dir/trust.ota, schema/trust.md) instead.\n"
	"A delta bundle's files that its payload leaves out are taken, when\n"
	"extracting, from the base release's tree given with --base (and checked\n"
	"against the manifest like the rest).  Progress is shown on a terminal\n"
	"unless --quiet.\n"
	"\n"
	"Exit status: 0 ok, 2 usage, 3 I/O, 4 malformed, 5 bad signature,\n"
	"6 untrusted, 7 hash mismatch, 8 wrong target, 9 unsafe path,\n"
	"10 file set mismatch, 11 key error, 12 exists, 20 version not semantic\n"
	"(" OTA_EXIT_CODES_DOC ").\n";

struct verify_args {
	const char *keys, *trust, *device_class, *extract, *manifest, *signature, *tree, *bundle;
	const char *base;
	unsigned int threshold;
	int json, quiet;
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
	static const struct option longopts[] = {
		{"keys", required_argument, NULL, 'k'}, {"trust", required_argument, NULL, 'r'},
		{"device-class", required_argument, NULL, 'd'},
		{"threshold", required_argument, NULL, 'T'},
		{"extract", required_argument, NULL, 'x'}, {"json", no_argument, NULL, 'j'},
		{"manifest", required_argument, NULL, 'm'},
		{"signature", required_argument, NULL, 's'}, {"tree", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'v'},
		{"base", required_argument, NULL, 'b'}, {"quiet", no_argument, NULL, 'q'},
		{NULL, 0, NULL, 0}};
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, ":q", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': a->keys = optarg; break;
		case 'r': a->trust = optarg; break;
		case 'd': a->device_class = optarg; break;
		case 'x': a->extract = optarg; break;
		case 'j': a->json = 1; break;
		case 'm': a->manifest = optarg; break;
		case 's': a->signature = optarg; break;
		case 't': a->tree = optarg; break;
		case 'b': a->base = optarg; break;
		case 'q': a->quiet = 1; break;
		case 'T':
			a->threshold = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || a->threshold < 1 || a->threshold > 64)
				return ota_cli_usage("--threshold: expected 1..64, got '%s'", optarg);
			break;
		case 'h': fputs(usage, stdout); return -1;
		case 'v': ota_cli_version(); return -1;
		default: return ota_cli_bad_option("", c, argv);
		}
	}
	if (a->keys && a->trust)
		return ota_cli_usage("--keys and --trust: give one of them");
	if (!a->keys && !a->trust)
		return ota_cli_usage("--keys DIR|FILE (or --trust FILE) is required");
	if (!a->device_class)
		return ota_cli_usage("--device-class T is required");
	if (a->trust && a->threshold)
		return ota_cli_usage("--trust brings its own threshold: no --threshold");
	if (a->manifest || a->signature || a->tree) {
		if (!a->manifest || !a->signature || !a->tree || optind != argc || a->extract)
			return ota_cli_usage("the design's form takes --manifest, --signature and "
					     "--tree together, and no bundle or --extract");
		return 0;
	}
	if (optind + 1 != argc)
		return ota_cli_usage("expected one bundle file");
	if (a->base && !a->extract)
		return ota_cli_usage("--base is for --extract of a delta bundle");
	a->bundle = argv[optind];
	return 0;
}

static void print_json(const struct ota_verify_result *res, const struct ota_err *err, int rc)
{
	json_t *o, *ids = json_array();
	size_t i;
	char *text;

	for (i = 0; i < res->n_signed; i++)
		json_array_append_new(ids, json_string(res->signed_by[i]));
	if (rc == 0)
		o = json_pack("{s:b, s:s, s:s, s:I, s:I, s:I, s:o}", "ok", 1, "version",
			      res->manifest->version, "target", res->manifest->target,
			      "rollback_index", (json_int_t)res->manifest->rollback_index, "files",
			      (json_int_t)res->manifest->n_files, "bytes",
			      (json_int_t)res->manifest->payload_bytes, "signed_by", ids);
	else
		o = json_pack("{s:b, s:i, s:s, s:s}", "ok", 0, "exit", ota_exit_status(rc), "error",
			      ota_code_name(rc), "message", err->msg);
	if (rc)
		json_decref(ids);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (text)
		puts(text);
	free(text);
	json_decref(o);
}

/* The release keys and threshold of a trust file that holds up on its own
 * (signed by its own root threshold) and names this device class or "*".
 * Retired release keys are left out: without a device's attested time,
 * only keys in force count here. */
static int load_trust(const char *path, const char *device_class, struct ota_keyring *keys,
		      unsigned int *threshold, struct ota_err *err)
{
	struct ota_trust t;
	int rc = ota_trust_load(path, &t, err);

	if (rc == 0)
		rc = ota_trust_check_self(&t, err);
	if (rc == 0)
		rc = ota_trust_check_target(&t, device_class, err);
	if (rc == 0) {
		*keys = t.release.keys; /* taken over */
		t.release.keys.keys = NULL;
		t.release.keys.n = 0;
		*threshold = t.release.threshold;
	}
	ota_trust_free(&t);
	return rc;
}

/* A bundle, with the progress line and a delta's base tree. */
static int verify_bundle(const struct verify_args *a, struct ota_verify_opts *opts,
			 struct ota_verify_result *res, struct ota_err *err)
{
	struct ota_cli_progress prog;
	struct ota_base *base = NULL;
	int rc = 0;

	if (a->base && (rc = ota_base_new(&base, err)) == 0)
		rc = ota_base_add(base, a->base, NULL, NULL, err);
	ota_cli_progress_start(&prog, a->bundle, a->quiet || a->json);
	opts->progress = ota_cli_progress_hook(&prog);
	if (rc == 0 && a->extract)
		rc = ota_stage_bundle(a->bundle, opts, a->extract, true, base, res, err);
	else if (rc == 0)
		rc = ota_verify_bundle(a->bundle, opts, res, err);
	ota_cli_progress_end(&prog);
	ota_base_free(base);
	return rc;
}

/* What an OK line says of a delta: verified without its omitted files,
 * or extracted with them from --base. */
static const char *delta_note(const struct verify_args *a, const struct ota_manifest *m)
{
	static char note[160];

	if (!m->delta.n_omitted || !a->bundle)
		return "";
	snprintf(note, sizeof(note), "; a delta of %s: %zu files %s", m->delta.base,
		 m->delta.n_omitted, a->extract ? "taken from --base" : "left out, not checked");
	return note;
}

int main(int argc, char **argv)
{
	struct verify_args a = {0};
	struct ota_verify_result res = {0};
	struct ota_keyring keys = {0};
	struct ota_verify_opts opts = {.keys = &keys};
	struct ota_err err = {0};
	const char *subject, *tmpdir;
	int rc;

	ota_cli_init("ota-verify");
	/* No subcommands: an empty list for the completion's test. */
	if (argc == 2 && strcmp(argv[1], "--list-commands") == 0)
		return 0;
	/* "-h" anywhere, before anything is read, as every tool takes it. */
	if (ota_cli_asks_help(argc, argv)) {
		fputs(usage, stdout);
		return 0;
	}
	rc = parse_args(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	opts.device_class = a.device_class;
	opts.threshold = a.threshold;
	/* A big manifest is kept on disk, not in memory (buf_map.c); /var/tmp
	 * is the one temporary directory meant to be a disk, not tmpfs. */
	tmpdir = getenv("TMPDIR");
	opts.spool_dir = tmpdir && *tmpdir ? tmpdir : "/var/tmp";
	subject = a.bundle ? a.bundle : a.manifest;
	rc = a.trust ? load_trust(a.trust, a.device_class, &keys, &opts.threshold, &err)
		     : ota_keyring_load(&keys, a.keys, &err);
	if (rc == 0 && a.bundle)
		rc = verify_bundle(&a, &opts, &res, &err);
	else if (rc == 0)
		rc = ota_verify_detached(a.manifest, a.signature, a.tree, &opts, &res, &err);
	if (a.json)
		print_json(&res, &err, rc);
	if (rc == 0 && !a.json)
		printf("%s: OK: version %s for %s, %zu files, %llu bytes, signed by %.16s%s%s\n",
		       subject, res.manifest->version, res.manifest->target, res.manifest->n_files,
		       res.manifest->payload_bytes, res.signed_by[0],
		       res.n_signed > 1 ? " and others" : "", delta_note(&a, res.manifest));
	ota_verify_result_free(&res);
	ota_keyring_free(&keys);
	return rc ? ota_cli_fail(&err) : 0;
}
