#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Trust files that travel with bundles (schema/trust.md, "On a medium or
# in an index"): `import` applies the *.trust files of a stick and `poll`
# those its index lists, in sequence order, before choosing a bundle, so a
# rotation and a release signed by the new keys install in one pass; bad
# and old trust files are named and skipped like bad bundles, nothing
# written.  The device's factory keys are a, b, c with threshold 2.
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	local k
	for k in a b c d e; do make_key "$k"; done
	rm "$ROOT/etc/ota/keys/k.pub"
	cp a.pub b.pub c.pub "$ROOT/etc/ota/keys/"
	write_config HEALTH_STABLE=0 EXTRA="threshold: 2"
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM"
}

# signed_release VERSION SIGNERS...: the example release, on the stick,
# signed by each of SIGNERS.
signed_release() {
	local v=$1 first=$2 k
	shift 2
	make_bundle "$v" good KEY="$first" >/dev/null
	for k in "$@"; do ota-sign --key "$k.key" "$BUNDLE" >/dev/null; done
	mv "$BUNDLE" "$MEDIUM/"
}

in_force() { agent keys --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["sequence"])'; }

@test "a stick carrying a rotation and a release signed by the new key installs in one import" {
	make_trust_file "$MEDIUM/fleet-1.trust" 1 2 "a b d" a b
	signed_release 1.0.0 a d
	medium_listing "$MEDIUM" >before
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[ "${lines[0]}" = "$MEDIUM/fleet-1.trust: trust sequence 1 in force: 2 of 3 keys must sign; added $(ota-keytool id d.pub | cut -c1-16) retired $(ota-keytool id c.pub | cut -c1-16)" ]
	[ "${lines[1]}" = "$MEDIUM: installed and promoted 1.0.0" ]
	[ -z "$stderr" ]
	assert_current 1.0.0
	cmp "$MEDIUM/fleet-1.trust" "$STATE/trust.ota"
	[[ "$(trust_history)" == "trust sequence 1 in force (was 0): 2 of 3 keys; added "* ]]
	medium_listing "$MEDIUM" | cmp - before
	assert_spool_empty
}

@test "control: the same release without the rotation is refused (6), signed by one key in force" {
	signed_release 1.0.0 a d
	run --separate-stderr agent import "$MEDIUM"
	assert_status 6
	assert_nothing_staged 1.0.0
	assert_absent "$STATE/trust.ota"
}

@test "two rotations on one stick apply in sequence order, whatever their names; the one in force again is silent" {
	make_trust_file "$MEDIUM/z-first.trust" 1 2 "a b d" a b
	make_trust_file "$MEDIUM/a-second.trust" 2 2 "a d e" a d
	signed_release 1.0.0 d e
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[[ "${lines[0]}" == "$MEDIUM/z-first.trust: trust sequence 1 in force"* ]]
	[[ "${lines[1]}" == "$MEDIUM/a-second.trust: trust sequence 2 in force"* ]]
	assert_current 1.0.0
	[ "$(in_force)" = 2 ]
	cmp "$MEDIUM/a-second.trust" "$STATE/trust.ota"
	# Plugged in again: a-second is in force (no word), z-first is old (named).
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "ota-agent: $MEDIUM/z-first.trust: trust sequence 1 is not newer than 2, the one in force"* ]]
}

@test "a forged trust file on a stick (signed by a key not in force) is named and skipped (6), nothing written" {
	make_trust_file "$MEDIUM/evil.trust" 1 1 "d" d
	signed_release 1.0.0 d
	medium_listing "$MEDIUM" >before
	run --separate-stderr agent import "$MEDIUM"
	assert_status 6
	[[ "${stderr_lines[0]}" == "ota-agent: $MEDIUM/evil.trust: untrusted: signed by 0 of the "*"keys in force, 2 needed" ]]
	assert_absent "$STATE/trust.ota"
	assert_nothing_staged 1.0.0
	[ "$(in_force)" = 0 ]
	# Noted like a bad bundle, not a history record (the daemon sees it every pass).
	[ -z "$(trust_history)" ]
	medium_listing "$MEDIUM" | cmp - before
	assert_spool_empty
}

@test "an old trust file on a stick (a lower sequence than in force) is named and skipped (14), nothing written" {
	make_trust_file t1.trust 1 2 "a b c" a b
	make_trust_file t2.trust 2 2 "a b d" a b
	agent trust t2.trust >/dev/null
	cp t1.trust "$MEDIUM/old.trust"
	cp "$STATE/trust.ota" before.trust
	run --separate-stderr agent import "$MEDIUM"
	assert_status 14
	assert_error_line "$MEDIUM/old.trust: trust sequence 1 is not newer than 2, the one in force"
	cmp before.trust "$STATE/trust.ota"
	assert_spool_empty
}

@test "a damaged trust file on a stick (4) is named and skipped; a good bundle on it still installs (0)" {
	printf 'not a trust file\n' >"$MEDIUM/junk.trust"
	signed_release 1.0.0 a b
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	assert_error_line "$MEDIUM/junk.trust"
	assert_current 1.0.0
	assert_absent "$STATE/trust.ota"
}

@test "ota-bundle index lists trust files (file, sequence, sha256, size, target); without any the index has no trust key" {
	mkdir srv
	make_trust_file srv/fleet-1.trust 1 2 "a b d" a b
	printf 'junk\n' >srv/bad.trust
	run --separate-stderr ota-bundle index srv
	assert_status 0
	[ "$output" = "srv/index.json: 0 bundles, 1 trust file" ]
	[[ "$stderr" == *"srv/bad.trust"* ]]
	python3 - srv/index.json "$(sha256sum srv/fleet-1.trust | cut -c1-64)" "$(stat -c %s srv/fleet-1.trust)" <<-'PY'
		import json, sys
		j = json.load(open(sys.argv[1]))
		assert j["trust"] == [{"file": "fleet-1.trust", "sequence": 1, "sha256": sys.argv[2],
		                       "size": int(sys.argv[3]), "target": "*"}], j
	PY
	rm srv/*.trust
	ota-bundle index srv >/dev/null
	python3 -c 'import json,sys; assert "trust" not in json.load(open("srv/index.json"))'
}

@test "poll: a rotation listed in the index and a release signed by the new key install in one pass" {
	mkdir srv
	make_trust_file srv/fleet-1.trust 1 2 "a b d" a b
	signed_release 1.0.0 a d
	mv "$MEDIUM"/*.bundle srv/
	ota-bundle index srv >/dev/null
	serve srv
	run --separate-stderr agent poll "$URL" --once
	assert_status 0
	[[ "${lines[0]}" == "${URL}fleet-1.trust: trust sequence 1 in force"* ]]
	[[ "${lines[1]}" == *"installed and promoted 1.0.0" ]]
	assert_current 1.0.0
	cmp srv/fleet-1.trust "$STATE/trust.ota"
}

@test "poll with an index lying about a trust file's hash: refused (7), nothing written" {
	mkdir srv
	make_trust_file srv/fleet-1.trust 1 2 "a b d" a b
	ota-bundle index srv >/dev/null
	rm srv/fleet-1.trust
	make_trust_file srv/fleet-1.trust 1 2 "a b e" a b
	serve srv
	run --separate-stderr agent poll "$URL" --once
	assert_status 7
	assert_error_line "${URL}fleet-1.trust: size or SHA-256 differs from the index"
	assert_absent "$STATE/trust.ota"
	assert_spool_empty
}

@test "a timestamp on a stick (ota-keytool trust timestamp, *.ts) is applied after its trust file and raises the attested time; seen again it records nothing" {
	local now
	now=$(date +%s)
	ota-keytool trust create --sequence 1 --threshold 2 --target '*' --release a.pub \
		--release-threshold 1 --created "$now" --out "$MEDIUM/fleet-1.trust" a.pub b.pub c.pub >/dev/null
	for k in a b; do ota-keytool trust sign --key "$k.key" "$MEDIUM/fleet-1.trust" >/dev/null; done
	ota-keytool trust timestamp --trust "$MEDIUM/fleet-1.trust" --created $((now + 50)) \
		--expires +7d --out "$MEDIUM/current.ts" >/dev/null
	for k in a b; do ota-keytool trust sign --key "$k.key" "$MEDIUM/current.ts" >/dev/null; done
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[[ "${lines[0]}" == "$MEDIUM/fleet-1.trust: trust sequence 1 in force"* ]]
	[[ "${lines[1]}" == "$MEDIUM/current.ts: trust sequence 1 current (timestamp, valid until "* ]]
	[ "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["attested_time"])' "$STATE/device.json")" = $((now + 50)) ]
	[ "$(trust_history | grep -c 'current (timestamp')" = 1 ]
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[ -z "$stderr" ]
	[ "$(trust_history | grep -c 'current (timestamp')" = 1 ]
	# ota-bundle index lists the timestamp too.
	ota-bundle index "$MEDIUM" >/dev/null
	python3 -c 'import json,sys; assert [t["file"] for t in json.load(open(sys.argv[1]))["trust"]] == ["current.ts", "fleet-1.trust"]' "$MEDIUM/index.json"
}
