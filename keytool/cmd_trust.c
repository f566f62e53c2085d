/* ota-keytool trust create|sign|show|verify: trust files on the signing
 * boxes (lib/trust.h).  create writes the unsigned document, each key
 * holder signs it in place, show and verify check it the way a device
 * will before it is carried out to the fleet. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/fsutil.h"
#include "lib/state.h"
#include "lib/trust.h"

struct create_opts {
	const char *out, *target;
	unsigned long long sequence;
	unsigned int threshold;
	bool force;
};

static int parse_number(const char *opt, const char *arg, unsigned long long max,
			unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (!*arg || *end || errno || arg[0] == '-' || arg[0] == '+' || v < 1 || v > max)
		return ota_cli_usage("trust: %s: expected 1..%llu, got '%s'", opt, max, arg);
	*out = v;
	return 0;
}

static int parse_create(int argc, char **argv, struct create_opts *o)
{
	static const struct option longopts[] = {{"sequence", required_argument, NULL, 's'},
						 {"threshold", required_argument, NULL, 'm'},
						 {"target", required_argument, NULL, 't'},
						 {"out", required_argument, NULL, 'o'},
						 {"force", no_argument, NULL, 'f'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	unsigned long long v = 0;
	int c, st;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((st = parse_number("--sequence", optarg, OTA_TRUST_SEQUENCE_MAX,
					       &o->sequence)))
				return st;
			break;
		case 'm':
			if ((st = parse_number("--threshold", optarg, OTA_TRUST_MAX_KEYS, &v)))
				return st;
			o->threshold = (unsigned int)v;
			break;
		case 't': o->target = optarg; break;
		case 'o': o->out = optarg; break;
		case 'f': o->force = true; break;
		case 'h': return ota_keytool_help("trust");
		default: return ota_keytool_bad_option("trust create", c, argv);
		}
	}
	if (!o->sequence || !o->threshold || !o->target || !o->out)
		return ota_cli_usage("trust create: --sequence N, --threshold M, --target T|'*' "
				     "and --out F are required");
	if (optind == argc)
		return ota_cli_usage("trust create: no KEY.pub or key directory given");
	return OTA_KEYTOOL_CONTINUE;
}

/* Write t's file text to path: new (O_EXCL unless overwrite), fsynced. */
static int write_trust(const struct ota_trust *t, const char *path, bool overwrite,
		       struct ota_err *err)
{
	struct ota_atomic a = {.fd = -1};
	struct ota_buf text;
	int rc;

	ota_buf_init(&text, 0);
	if ((rc = ota_trust_format(t, &text, err)) || (rc = ota_atomic_open(&a, path, 0644, err)) ||
	    (rc = ota_write_all(a.fd, text.data, text.len, path, err)))
		goto out;
	rc = ota_atomic_commit(&a, overwrite, err);
	if (rc == OTA_EEXIST)
		rc = ota_err_set(err, rc, "%s: exists (use --force to replace it)", path);
out:
	ota_atomic_abort(&a);
	ota_buf_free(&text);
	return rc;
}

static int cmd_create(int argc, char **argv)
{
	struct create_opts o = {0};
	struct ota_keyring all = {0}, one;
	struct ota_trust t;
	struct ota_err err = {0};
	int i, rc = 0, st;
	size_t k;

	ota_trust_init(&t);
	st = parse_create(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	rc = ota_check_output(o.out, o.force, &err);
	/* Every file or directory named; the same key twice is one key. */
	for (i = optind; rc == 0 && i < argc; i++) {
		if ((rc = ota_keyring_load(&one, argv[i], &err)))
			break;
		for (k = 0; rc == 0 && k < one.n; k++)
			rc = ota_keyring_add_raw(&all, one.keys[k].raw, one.keys[k].source,
						 &err);
		ota_keyring_free(&one);
	}
	if (rc == 0 && (rc = ota_trust_make(&t, o.sequence, o.target, o.threshold, &all, &err)))
		ota_err_prefix(&err, rc, "trust create");
	if (rc == 0)
		rc = write_trust(&t, o.out, o.force, &err);
	if (rc == 0)
		printf("%s: trust sequence %llu for %s: %u of %zu keys; unsigned: sign it with "
		       "`ota-keytool trust sign`\n", o.out, t.sequence, t.target, t.threshold,
		       t.keys.n);
	ota_trust_free(&t);
	ota_keyring_free(&all);
	return rc ? ota_cli_fail(&err) : 0;
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {{"key", required_argument, NULL, 'k'},
						 OTA_CLI_PASS_LONGOPTS,
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	struct ota_cli_pass pass = {0};
	struct ota_err err = {0};
	struct ota_trust t;
	const char *key_path = NULL;
	EVP_PKEY *key = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (ota_cli_pass_option(&pass, c, optarg))
			continue;
		if (c == 'k')
			key_path = optarg;
		else if (c == 'h')
			return ota_keytool_help("trust");
		else
			return ota_keytool_bad_option("trust sign", c, argv);
	}
	if (!key_path || optind + 1 != argc)
		return ota_cli_usage("trust sign: expected --key K and one trust file");
	if ((c = ota_cli_pass_check(&pass, "trust sign", "", false)))
		return c;
	/* Never sign what a device would refuse to parse. */
	if ((rc = ota_trust_load(argv[optind], &t, &err)) == 0 &&
	    (rc = ota_cli_load_private_key(key_path, &pass, &key, &err)) == 0 &&
	    (rc = ota_trust_sign(&t, key, &err)) == 0 &&
	    (rc = write_trust(&t, argv[optind], true, &err)) == 0)
		printf("%s: signed (%zu signature%s)\n", argv[optind], t.n_sigs,
		       t.n_sigs == 1 ? "" : "s");
	EVP_PKEY_free(key);
	ota_trust_free(&t);
	return rc ? ota_cli_fail(&err) : 0;
}

int cmd_trust(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} sub[] = {{"create", cmd_create},
		   {"sign", cmd_sign},
		   {"show", ota_keytool_trust_show},
		   {"verify", ota_keytool_trust_verify}};
	size_t i;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return ota_keytool_help("trust");
	for (i = 0; argc >= 2 && i < sizeof(sub) / sizeof(sub[0]); i++)
		if (strcmp(argv[1], sub[i].name) == 0)
			return sub[i].run(argc - 1, argv + 1);
	if (argc < 2)
		return ota_cli_usage("trust: expected create, sign, show or verify");
	return ota_cli_usage("trust: unknown command '%s' (expected create, sign, show or "
			     "verify)", argv[1]);
}
