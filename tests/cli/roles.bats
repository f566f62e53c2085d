#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Root and release roles, and freshness without a clock (schema/trust.md):
# root keys alone sign trust files, release keys alone sign bundles; a
# rotation needs the old root threshold and the new; expired bundles,
# trust files and timestamps are refused (23) at the device's attested
# time, which a clock set back does not lower; a retired release key's
# signature counts only on what was created before its retirement; a
# trust file lifts the fleet's rollback floor.  The device is agent.bash's;
# its factory keys are a, b, c with threshold 2 (root and release at once).
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	local k
	for k in a b c d e ci ci2; do make_key "$k"; done
	rm "$ROOT/etc/ota/keys/k.pub"
	cp a.pub b.pub c.pub "$ROOT/etc/ota/keys/"
	write_config EXTRA="threshold: 2"
	NOW=$(date +%s)
}

# rbundle VERSION SIGNERS...: a release of the example service at
# $T/app-VERSION.bundle ($BUNDLE), rollback index its major version,
# created at $CREATED (default now) and expiring at $EXPIRES if set.
rbundle() {
	local v=$1 k tree=$T/tree-$1
	shift
	BUNDLE=$T/app-$v.bundle
	rm -rf "$tree" "$BUNDLE"
	"$OTA_EXAMPLES/make-release.sh" "$v" good "$tree" "$OTA_EXAMPLE_BIN/gateway" >/dev/null
	SOURCE_DATE_EPOCH=${CREATED:-$NOW} ota-bundle create --tree "$tree" --version "$v" \
		--target edge-gw-v2 --rollback-index "${v%%.*}" --out "$BUNDLE" \
		${EXPIRES:+--expires "$EXPIRES"} >/dev/null
	for k in "$@"; do ota-sign --key "$k.key" "$BUNDLE" >/dev/null; done
}

# roles NAME SEQ "ROOT" M "RELEASE" R [CREATE OPTION...] -- SIGNERS...:
# $T/NAME.trust, role-aware, created at $CREATED (default now).
roles() {
	local name=$1 seq=$2 root=$3 m=$4 release=$5 r=$6 k
	shift 6
	local -a opts=() pubs=() rel=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	for k in $root; do pubs+=("$k.pub"); done
	for k in $release; do rel+=(--release "$k.pub"); done
	ota-keytool trust create --sequence "$seq" --threshold "$m" --target '*' \
		"${rel[@]}" --release-threshold "$r" --created "${CREATED:-$NOW}" "${opts[@]}" \
		--out "$name.trust" "${pubs[@]}" >/dev/null
	for k in "$@"; do ota-keytool trust sign --key "$k.key" "$name.trust" >/dev/null; done
}

# A snapshot of what a refusal must leave alone: the trust state and device.json.
snap() { cat "$STATE/trust.ota" "$STATE/device.json" 2>/dev/null | sha256sum; }
devkey() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' "$STATE/device.json" "$1"; }
attested() { devkey attested_time; }
floor() { devkey rollback_index; }

# The CI key alone signs releases; a, b, c (2 of them) sign trust files.
ci_in_charge() {
	roles t1 1 "a b c" 2 ci 1 -- a b
	agent trust t1.trust >/dev/null
}

@test "factory keys are root and release until a role-aware trust file; keys shows the roles" {
	run agent keys
	assert_status 0
	assert_output_matches "^roles: every key is root and release \(the factory set\)$"
	assert_output_matches "^key $(pub_id a.pub) root\+release$"
	ci_in_charge
	run agent keys
	assert_status 0
	assert_output_matches "^release threshold 1 of 1 keys$"
	assert_output_matches "^key $(pub_id a.pub) root$"
	assert_output_matches "^key $(pub_id ci.pub) release$"
	run agent keys --json
	[ "$(jget "j['roles']['$(pub_id ci.pub)']['role']")" = release ]
}

@test "attack: root keys alone sign a release (6), nothing staged; the CI key does" {
	ci_in_charge
	rbundle 1.0.0 a b
	run --separate-stderr agent install "$BUNDLE"
	assert_status 6
	assert_error_line 'untrusted: 0 of 2 signatures by a trusted key, 1 needed'
	assert_nothing_staged 1.0.0
	rbundle 1.0.0 ci
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
	assert_invariants
}

@test "a root key listed as a release key too signs releases" {
	roles t1 1 "a b c" 2 "a ci" 1 -- a b
	agent trust t1.trust >/dev/null
	rbundle 1.0.0 a
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
}

@test "attack: a release key signs a trust file (6), nothing written" {
	ci_in_charge
	before=$(snap)
	roles evil 2 "ci" 1 ci 1 -- ci
	run --separate-stderr agent trust evil.trust
	assert_status 6
	assert_error_line 'evil.trust: untrusted: signed by 0 of the root keys in force, 2 needed'
	[ "$(snap)" = "$before" ]
	cmp t1.trust "$STATE/trust.ota"
}

@test "attack: a rotation signed by the old root only (6), nothing written; by old and new root, accepted" {
	ci_in_charge
	before=$(snap)
	roles t2 2 "d e" 2 ci 1 -- a b
	run --separate-stderr agent trust t2.trust
	assert_status 6
	assert_error_line 'signed by 0 of the root keys it names, 2 needed'
	[ "$(snap)" = "$before" ]
	ota-keytool trust sign --key d.key t2.trust >/dev/null
	ota-keytool trust sign --key e.key t2.trust >/dev/null
	run agent trust t2.trust
	assert_status 0
	cmp t2.trust "$STATE/trust.ota"
	# The old root counts for nothing now.
	roles t3 3 "a b" 2 ci 1 -- a b
	run agent trust t3.trust
	assert_status 6
}

@test "attack: an expired bundle (23), nothing staged" {
	ci_in_charge
	CREATED=1000 EXPIRES=2000 rbundle 1.0.0 ci
	run --separate-stderr agent install "$BUNDLE"
	assert_status 23
	assert_error_line 'expired at 1970-01-01T00:33:20Z'
	assert_nothing_staged 1.0.0
	# A bundle whose expiry is ahead installs.
	EXPIRES=+1d rbundle 1.0.0 ci
	run agent install "$BUNDLE"
	assert_status 0
}

@test "attack: an expired trust file (23), nothing written" {
	ci_in_charge
	before=$(snap)
	CREATED=1000 roles t2 2 "a b c" 2 ci 1 --expires 2000 -- a b
	run --separate-stderr agent trust t2.trust
	assert_status 23
	assert_error_line 't2.trust: expired at 1970-01-01T00:33:20Z'
	[ "$(snap)" = "$before" ]
}

@test "attack: a clock set back: the attested time holds, an expired bundle stays refused (23)" {
	ci_in_charge
	# The bundle expires in ten years; the wall clock says it is fine.
	EXPIRES=$((NOW + 3650 * 86400)) rbundle 1.0.0 ci
	# A trust file created twenty years from now was seen: the device's
	# time is that, whatever its clock says.
	CREATED=$((NOW + 7300 * 86400)) roles t2 2 "a b c" 2 ci 1 -- a b
	agent trust t2.trust >/dev/null
	[ "$(attested)" = $((NOW + 7300 * 86400)) ]
	run --separate-stderr agent install "$BUNDLE"
	assert_status 23
	assert_error_line 'expired at'
	assert_nothing_staged 1.0.0
	# Nothing older moves it back.
	CREATED=$NOW roles t3 3 "a b c" 2 ci 1 -- a b
	agent trust t3.trust >/dev/null
	[ "$(attested)" = $((NOW + 7300 * 86400)) ]
}

@test "the attested time rises with what the device accepts: a trust file's created, a staged bundle's" {
	ci_in_charge
	[ "$(attested)" = "$NOW" ]
	CREATED=$((NOW + 100)) rbundle 1.0.0 ci
	agent install "$BUNDLE" >/dev/null
	[ "$(attested)" = $((NOW + 100)) ]
	# A refused bundle raises nothing.
	CREATED=$((NOW + 200)) rbundle 2.0.0 a
	run agent install "$BUNDLE"
	assert_status 6
	[ "$(attested)" = $((NOW + 100)) ]
}

@test "attack: a retired key's signature on a release created after its retirement (23), nothing staged" {
	ci_in_charge
	# CI's key is rotated at NOW+1000: ci is retired then, ci2 signs from then on.
	CREATED=$((NOW + 1000)) roles t2 2 "a b c" 2 ci2 1 --previous t1.trust -- a b
	run agent trust t2.trust
	assert_status 0
	run agent keys
	assert_output_matches "^key $(pub_id ci.pub) retired at "
	CREATED=$((NOW + 2000)) rbundle 2.0.0 ci
	run --separate-stderr agent install "$BUNDLE"
	assert_status 23
	assert_error_line "signed by key $(pub_id ci.pub | cut -c1-16), retired at trust sequence 2"
	assert_nothing_staged 2.0.0
	# What ci signed before its retirement still installs, as does ci2's.
	CREATED=$((NOW + 500)) rbundle 1.0.0 ci
	run agent install "$BUNDLE"
	assert_status 0
	CREATED=$((NOW + 2000)) rbundle 2.0.0 ci2
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 2.0.0
}

@test "attack: a revoked key (dropped with --revoke) counts for nothing, even on old releases (6)" {
	ci_in_charge
	roles t2 2 "a b c" 2 ci2 1 --previous t1.trust --revoke "$(pub_id ci.pub)" -- a b
	agent trust t2.trust >/dev/null
	CREATED=$((NOW - 1000)) rbundle 1.0.0 ci
	run agent install "$BUNDLE"
	assert_status 6
}

@test "attack: a known-vulnerable release below a trust file's min_rollback_index (14), nothing staged" {
	ci_in_charge
	roles t2 2 "a b c" 2 ci 1 --min-rollback-index 5 -- a b
	run agent trust t2.trust
	assert_status 0
	assert_output_matches 'rollback index floor raised to 5$'
	[ "$(floor)" = 5 ]
	rbundle 3.0.0 ci
	run --separate-stderr agent install "$BUNDLE"
	assert_status 14
	assert_error_line 'rollback index 3 is lower than 5'
	assert_nothing_staged 3.0.0
	rbundle 5.0.0 ci
	run agent install "$BUNDLE"
	assert_status 0
}

@test "timestamps: the root signs 'sequence N is current', it raises the attested time; CI-signed ones (6) and stale ones (14) are refused" {
	ci_in_charge
	ota-keytool trust timestamp --trust t1.trust --created $((NOW + 50)) --expires +7d \
		--out ts.ts >/dev/null
	cp ts.ts ci.ts
	ota-keytool trust sign --key ci.key ci.ts >/dev/null
	run agent trust ci.ts
	assert_status 6
	ota-keytool trust sign --key a.key ts.ts >/dev/null
	ota-keytool trust sign --key b.key ts.ts >/dev/null
	run agent trust ts.ts
	assert_status 0
	assert_output_matches 'trust sequence 1 current \(timestamp, valid until '
	[ "$(attested)" = $((NOW + 50)) ]
	# No timestamp says a trust file was current before it was made.
	run ota-keytool trust timestamp --trust t1.trust --created $((NOW - 10)) --expires +1d --out x.ts
	assert_status 2
	# Once sequence 2 is in force, the timestamp of sequence 1 is stale.
	roles t2 2 "a b c" 2 ci 1 -- a b
	agent trust t2.trust >/dev/null
	run --separate-stderr agent trust ts.ts
	assert_status 14
	assert_error_line 'timestamp for trust sequence 1, older than 2'
}

@test "attack: an expired timestamp (23), nothing written" {
	CREATED=1000 roles t1 1 "a b c" 2 ci 1 -- a b
	agent trust t1.trust >/dev/null
	ota-keytool trust timestamp --trust t1.trust --created 1500 --expires 2000 --out ts.ts >/dev/null
	ota-keytool trust sign --key a.key ts.ts >/dev/null
	ota-keytool trust sign --key b.key ts.ts >/dev/null
	before=$(snap)
	run --separate-stderr agent trust ts.ts
	assert_status 23
	assert_error_line 'ts.ts: expired at 1970-01-01T00:33:20Z'
	[ "$(snap)" = "$before" ]
}

@test "ota-keytool trust show and verify read the roles; ota-verify --trust counts release keys only" {
	ci_in_charge
	run ota-keytool trust show t1.trust
	assert_status 0
	assert_output_matches "^release key $(pub_id ci.pub)$"
	assert_output_matches "^signed by 2 of its own keys, 2 needed$"
	run ota-keytool trust verify --keys "$ROOT/etc/ota/keys" --threshold 2 t1.trust
	assert_status 0
	rbundle 1.0.0 a b
	run ota-verify --trust t1.trust --device-class edge-gw-v2 "$BUNDLE"
	assert_status 6
	rbundle 1.0.0 ci
	run ota-verify --trust t1.trust --device-class edge-gw-v2 "$BUNDLE"
	assert_status 0
}

@test "format 1 trust files keep working: one set for both roles" {
	ota-keytool trust create --sequence 1 --threshold 2 --target '*' --out t1.trust a.pub b.pub d.pub >/dev/null
	ota-keytool trust sign --key a.key t1.trust >/dev/null
	ota-keytool trust sign --key b.key t1.trust >/dev/null
	agent trust t1.trust >/dev/null
	run agent keys
	assert_output_matches "^roles: every key is root and release \(a format 1 trust file\)$"
	rbundle 1.0.0 a d
	run agent install "$BUNDLE"
	assert_status 0
	# And a role-aware file follows it, signed by its keys.
	roles t2 2 "a b d" 2 ci 1 -- a b
	run agent trust t2.trust
	assert_status 0
}

@test "a timestamp key named by the trust file signs timestamps in place of the root, and nothing else" {
	make_key ts
	roles t1 1 "a b c" 2 ci 1 --timestamp-key ts.pub --timestamp-threshold 1 -- a b
	agent trust t1.trust >/dev/null
	run agent keys
	assert_output_matches "^key $(pub_id ts.pub) timestamp$"
	ota-keytool trust timestamp --trust t1.trust --created $((NOW + 10)) --expires +7d \
		--out root.ts >/dev/null
	cp root.ts ts.ts
	ota-keytool trust sign --key a.key root.ts >/dev/null
	ota-keytool trust sign --key b.key root.ts >/dev/null
	run --separate-stderr agent trust root.ts
	assert_status 6
	assert_error_line 'signed by 0 of the timestamp keys in force, 1 needed'
	ota-keytool trust sign --key ts.key ts.ts >/dev/null
	run agent trust ts.ts
	assert_status 0
	[ "$(attested)" = $((NOW + 10)) ]
	# The timestamp key signs no trust file and no release.
	roles t2 2 "ts" 1 ts 1 -- ts
	run agent trust t2.trust
	assert_status 6
	rbundle 1.0.0 ts
	run agent install "$BUNDLE"
	assert_status 6
}
