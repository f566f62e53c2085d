/* SPDX-License-Identifier: Apache-2.0 */
/* ota-keytool trust show|verify: what a trust file says and who signed
 * it, and whether a device holding a given trust set would accept it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "keytool/keytool.h"
#include "lib/freshness.h"
#include "lib/trust.h"

/* Whether key pk signed t: "signed", "not signed", or why not. */
static const char *signed_by(const struct ota_trust *t, const struct ota_pubkey *pk)
{
	size_t i;

	for (i = 0; i < t->n_sigs; i++)
		if (strcmp(t->sigs[i].keyid, pk->id) == 0)
			return ota_sig_verify(pk, t->doc.data, t->doc.len, t->sigs[i].sig, NULL)
				   ? "BAD SIGNATURE"
				   : "signed";
	return "not signed";
}

static void show_times(const struct ota_trust *t)
{
	char when[32];
	size_t i;

	ota_time_format(t->created, when, sizeof(when));
	printf("created %s\n", when);
	if (t->expires) {
		ota_time_format(t->expires, when, sizeof(when));
		printf("expires %s\n", when);
	}
	if (t->min_rollback_index)
		printf("min rollback index %llu\n", t->min_rollback_index);
	for (i = 0; i < t->retired.n; i++) {
		ota_time_format(t->retired_at[i], when, sizeof(when));
		printf("retired %s at %s\n", t->retired.keys[i].id, when);
	}
}

static void show(const char *path, const struct ota_trust *t)
{
	size_t i, n = 0;

	if (t->kind == OTA_TRUST_KIND_TIMESTAMP) {
		printf("%s: timestamp for trust sequence %llu for %s\n", path, t->sequence,
		       t->target);
		show_times(t);
		for (i = 0; i < t->n_sigs; i++)
			printf("signature by %s\n", t->sigs[i].keyid);
		return;
	}
	printf("%s: trust sequence %llu for %s\n", path, t->sequence, t->target);
	printf("threshold %u of %zu keys\n", t->threshold, t->keys.n);
	if (t->format == OTA_TRUST_FORMAT_ROLES) {
		printf("release threshold %u of %zu keys\n", t->release.threshold,
		       t->release.keys.n);
		for (i = 0; i < t->release.keys.n; i++)
			printf("release key %s\n", t->release.keys.keys[i].id);
		for (i = 0; i < t->timestamp.keys.n; i++)
			printf("timestamp key %s (%u needed)\n", t->timestamp.keys.keys[i].id,
			       t->timestamp.threshold);
		show_times(t);
	}
	for (i = 0; i < t->keys.n; i++) {
		const char *s = signed_by(t, &t->keys.keys[i]);
		printf("key %s %s\n", t->keys.keys[i].id, s);
		n += strcmp(s, "signed") == 0;
	}
	for (i = 0; i < t->n_sigs; i++)
		if (!ota_keyring_find(&t->keys, t->sigs[i].keyid))
			printf("signature by %s, a key it does not name (counts only for a device "
			       "that trusts it now)\n", t->sigs[i].keyid);
	printf("signed by %zu of its own keys, %u needed\n", n, t->threshold);
}

int ota_keytool_trust_show(int argc, char **argv)
{
	struct ota_err err = {0};
	struct ota_trust t;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))
		return ota_keytool_help("trust");
	if (argc != 2 || argv[1][0] == '-')
		return ota_cli_usage("trust show: expected one trust file");
	rc = ota_trust_load(argv[1], &t, &err);
	if (rc == 0)
		show(argv[1], &t);
	ota_trust_free(&t);
	return rc ? ota_cli_fail(&err) : 0;
}

struct verify_opts {
	const char *keys, *trust, *device_class;
	unsigned int threshold;
};

static int parse_verify(int argc, char **argv, struct verify_opts *o)
{
	static const struct option longopts[] = {{"keys", required_argument, NULL, 'k'},
						 {"threshold", required_argument, NULL, 'm'},
						 {"trust", required_argument, NULL, 't'},
						 {"device-class", required_argument, NULL, 'd'},
						 {"help", no_argument, NULL, 'h'},
						 {NULL, 0, NULL, 0}};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': o->keys = optarg; break;
		case 't': o->trust = optarg; break;
		case 'd': o->device_class = optarg; break;
		case 'm':
			o->threshold = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || optarg[0] < '1' || optarg[0] > '9' || o->threshold > 64)
				return ota_cli_usage("trust verify: --threshold: expected 1..64, "
						     "got '%s'", optarg);
			break;
		case 'h': return ota_keytool_help("trust");
		default: return ota_keytool_bad_option("trust verify", c, argv);
		}
	}
	if (!o->keys == !o->trust || (o->trust && o->threshold))
		return ota_cli_usage("trust verify: give --keys K [--threshold M] (the factory "
				     "keys) or --trust CURRENT (a trust file in force)");
	if (optind + 1 != argc)
		return ota_cli_usage("trust verify: expected one trust file");
	return OTA_KEYTOOL_CONTINUE;
}

int ota_keytool_trust_verify(int argc, char **argv)
{
	struct verify_opts o = {0};
	struct ota_trust cur, upd;
	struct ota_err err = {0};
	int rc, st;

	ota_trust_init(&cur);
	ota_trust_init(&upd);
	st = parse_verify(argc, argv, &o);
	if (st != OTA_KEYTOOL_CONTINUE)
		return st;
	if (o.keys)
		rc = ota_trust_factory(&cur, o.keys, o.threshold, &err);
	else if ((rc = ota_trust_load(o.trust, &cur, &err)) == 0)
		rc = ota_trust_check_self(&cur, &err);
	if (rc == 0)
		rc = ota_trust_load(argv[optind], &upd, &err);
	if (rc == 0 && upd.kind == OTA_TRUST_KIND_TIMESTAMP) {
		rc = ota_trust_check_timestamp(&cur, &upd, o.device_class, (long long)time(NULL),
					       &err);
		if (rc == 0)
			printf("%s: OK: a device holding trust sequence %llu accepts this "
			       "timestamp\n", argv[optind], cur.sequence);
		goto out;
	}
	if (rc == 0)
		rc = ota_trust_check_update(&cur, &upd, o.device_class, &err);
	if (rc == 0)
		rc = ota_trust_check_fresh(&upd, (long long)time(NULL), &err);
	if (rc == 0)
		printf("%s: OK: a device holding trust sequence %llu accepts sequence %llu "
		       "(%u of %zu keys)\n", argv[optind], cur.sequence, upd.sequence,
		       upd.threshold, upd.keys.n);
out:
	ota_trust_free(&cur);
	ota_trust_free(&upd);
	return rc ? ota_cli_fail(&err) : 0;
}
