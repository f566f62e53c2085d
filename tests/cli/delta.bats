#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Delta bundles: `ota-bundle create --base` leaves out of the payload every
# file the base release already has; the manifest still lists the whole
# release and says, signed, what is left out.  ota-verify checks what the
# payload holds and, with --extract, takes the rest from --base DIR;
# ota-agent install takes it from the releases on the device.  The attack
# rows: a payload holding an omitted file and the reverse, an unsigned
# change of the omitted set, a missing or tampered base on the device.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	make_tree v1
	cp -a v1 v2
	printf 'hello again\n' >v2/etc/greeting
	mkdir v2/moved
	cp v1/bin/app v2/moved/app-copy # same bytes, new path: found by hash
	ota-bundle create --tree v1 --version 1.0.0 --target edge-gw-v2 --out v1.bundle \
		--sign-key k.key >/dev/null
	mkdir x
}


# craft KIND: $T/KIND.bundle, the tree v1 attacked as KIND, signed by k.
craft() {
	python3 "$TESTS_DIR/tools/craft.py" "$1" --tree v1 --key k.key --out "$1.bundle"
}

verify() {
	ota-verify --keys k.pub --device-class edge-gw-v2 "$@"
}

# manifest BUNDLE EXPR: the Python expression EXPR with m = its manifest.
manifest() {
	ota-bundle manifest "$1" | python3 -c \
		'import json, sys; m = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2"
}

@test "create --base BUNDLE leaves out what the base has and says so in the manifest" {
	run ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle --sign-key k.key
	assert_status 0
	assert_output_matches 'delta of 1\.0\.0: 2 files \([0-9]+ bytes\) left out'
	[ "$(manifest v2.bundle 'm["delta"]["base"]')" = 1.0.0 ]
	[ "$(manifest v2.bundle 'm["delta"]["omitted"]')" = "['bin/app', 'moved/app-copy']" ]
	# The whole release is still listed, the design's "files" included.
	[ "$(manifest v2.bundle 'sorted(m["files"])')" = \
		"['bin/app', 'etc/greeting', 'moved/app-copy']" ]
	want=$(ota-bundle manifest v1.bundle | sha256sum | cut -c1-64)
	[ "$(manifest v2.bundle 'm["delta"]["base_manifest"]')" = "$want" ]
	python3 "$TESTS_DIR/tools/craft.py" list v2.bundle >names
	! grep -qx 'payload/bin/app' names
	! grep -qx 'payload/moved/app-copy' names
	grep -qx 'payload/etc/greeting' names
}

@test "create --base MANIFEST.json gives the same bundle as --base BUNDLE" {
	ota-bundle manifest --out v1.json v1.bundle
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out a.bundle \
		--base v1.bundle >/dev/null
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out b.bundle \
		--base v1.json >/dev/null
	cmp a.bundle b.bundle
}

@test "create --base with nothing in common writes a full bundle" {
	mkdir other
	printf 'unrelated\n' >other/f
	run ota-bundle create --tree other --version 2.0.0 --target edge-gw-v2 --out o.bundle \
		--base v1.bundle
	assert_status 0
	assert_output_matches 'nothing in common'
	[ "$(manifest o.bundle '"delta" in m')" = False ]
}

@test "create --base refuses a base that is not a bundle or manifest (4)" {
	printf 'junk' >junk
	run ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out d.bundle \
		--base junk
	assert_status 4
	assert_absent d.bundle
}

@test "ota-verify accepts a delta, saying its omitted files were not checked" {
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle --sign-key k.key >/dev/null
	run verify v2.bundle
	assert_status 0
	assert_output_matches 'a delta of 1\.0\.0: 2 files left out, not checked'
}

@test "ota-verify --extract of a delta without --base is refused (2), nothing written" {
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle --sign-key k.key >/dev/null
	run verify --extract x/out v2.bundle
	assert_status 2
	assert_output_matches 'delta of 1\.0\.0.*--base DIR'
	[ -z "$(ls -A x)" ]
}

@test "ota-verify --extract --base rebuilds the whole release, moved files by hash" {
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle --sign-key k.key >/dev/null
	run verify --extract x/out --base v1 v2.bundle
	assert_status 0
	diff -r v2 x/out
	# The design's own verify_bundle accepts the delta's manifest over it.
	ota-bundle manifest --out v2.json v2.bundle
	ota-sign --key k.key --manifest v2.json --out v2.sig >/dev/null
	run python3 "$TESTS_DIR/tools/reference.py" verify --pub k.pub --manifest v2.json \
		--signature v2.sig --tree x/out --device-class edge-gw-v2
	assert_status 0
}

@test "ota-verify --extract --base refuses a damaged base file (7), nothing written" {
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle --sign-key k.key >/dev/null
	printf 'X' >>v1/bin/app
	run verify --extract x/out --base v1 v2.bundle
	assert_status 7
	assert_output_matches 'base file damaged: .*bin/app'
	[ -z "$(ls -A x)" ]
}

@test "ota-verify --extract --base refuses a base that lacks a file (10), nothing written" {
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle --sign-key k.key >/dev/null
	rm v1/bin/app
	run verify --extract x/out --base v1 v2.bundle
	assert_status 10
	assert_output_matches 'are in none of the base releases here \(the first "bin/app"\)'
	[ -z "$(ls -A x)" ]
}

# -- attacks on the delta fields (crafted with craft.py, not the tools) ----

@test "attack control: a crafted delta verifies and extracts with --base" {
	craft delta-valid
	run verify --extract x/out --base v1 delta-valid.bundle
	assert_status 0
	diff -r v1 x/out
}

@test "attack: a delta whose payload holds a file it says is omitted (10)" {
	craft delta-omitted-in-payload
	run verify --extract x/out --base v1 delta-omitted-in-payload.bundle
	assert_status 10
	assert_output_matches 'in the payload, but the manifest omits it .*etc/greeting'
	[ -z "$(ls -A x)" ]
}

@test "attack: a delta missing a file it does not omit (10)" {
	craft delta-kept-missing
	run verify --extract x/out --base v1 delta-kept-missing.bundle
	assert_status 10
	assert_output_matches 'missing from the bundle: bin/app'
	[ -z "$(ls -A x)" ]
}

@test "attack: the omitted set changed after signing (5)" {
	craft delta-omitted-unsigned
	run verify --extract x/out --base v1 delta-omitted-unsigned.bundle
	assert_status 5
	[ -z "$(ls -A x)" ]
}

# -- on the device ------------------------------------------------------------

# A delta of release 2.0.0 of the example service against 1.0.0.
make_delta() {
	make_bundle 1.0.0
	V1=$BUNDLE
	make_bundle 2.0.0
	# One signature and no room for more (--signature-slots 1): the bytes
	# compared below are the payload's, not 7 KiB of reserved slots.
	ota-bundle create --tree "$T/tree-app-2.0.0-good" --version 2.0.0 --target edge-gw-v2 \
		--rollback-index 2 --out "$T/delta.bundle" --base "$V1" --sign-key "$T/k.key" \
		--signature-slots 1 >/dev/null
}

@test "agent installs a delta from the release it has, the shipped bytes a fraction" {
	make_delta
	run agent install "$V1"
	assert_status 0
	run agent install "$T/delta.bundle"
	assert_status 0
	assert_current 2.0.0
	assert_invariants
	diff -r "$T/tree-app-2.0.0-good" "$APP/releases/2.0.0"
	# The gateway binary, the bulk of the release, does not travel.
	[ "$(stat -c %s "$T/delta.bundle")" -lt "$(($(stat -c %s "$BUNDLE") / 4))" ]
}

@test "agent refuses a delta whose base is not on the device (10), nothing staged" {
	make_delta
	run --separate-stderr agent install "$T/delta.bundle"
	assert_status 10
	assert_error_line 'delta of 1\.0\.0: no base release here to take its 3 omitted files from'
	assert_nothing_staged 2.0.0
	assert_absent "$APP/current"
}

@test "agent refuses a delta when a base file was tampered with (7), current untouched" {
	make_delta
	run agent install "$V1"
	assert_status 0
	tamper "$APP/releases/1.0.0/bin/run.sh" $'# tampered\n'
	run --separate-stderr agent install "$T/delta.bundle"
	assert_status 7
	assert_error_line 'base file damaged: .*releases/1\.0\.0/bin/run\.sh'
	assert_nothing_staged 2.0.0
	assert_current 1.0.0
}

@test "attack: a FIFO in place of a delta's base file is refused at once (10), nothing left behind" {
	make_delta
	run agent install "$V1"
	assert_status 0
	chmod u+w "$APP/releases/1.0.0/bin"
	rm "$APP/releases/1.0.0/bin/run.sh"
	mkfifo "$APP/releases/1.0.0/bin/run.sh"
	run --separate-stderr timeout 60 "$OTA_BIN/ota-agent" --root "$ROOT" install "$T/delta.bundle"
	assert_status 10
	assert_error_line 'base file .*releases/1\.0\.0/bin/run\.sh: not a regular file'
	assert_nothing_staged 2.0.0
	assert_current 1.0.0
}

@test "attack: a 3 GiB sparse file in place of a delta's base file is read at most its size plus one byte (7)" {
	make_delta
	run agent install "$V1"
	assert_status 0
	chmod u+w "$APP/releases/1.0.0/bin/run.sh"
	truncate -s 3G "$APP/releases/1.0.0/bin/run.sh"
	# Copied whole, it would pass the file size limit (10 MB): 17, not 7.
	run --separate-stderr timeout 60 bash -c 'ulimit -f 20000; exec "$1" --root "$2" install "$3"' \
		- "$OTA_BIN/ota-agent" "$ROOT" "$T/delta.bundle"
	assert_status 7
	assert_error_line 'base file damaged: .*releases/1\.0\.0/bin/run\.sh'
	assert_nothing_staged 2.0.0
	assert_current 1.0.0
}

@test "a delta's manifest, like a full one, is valid under schema/manifest.schema.json" {
	python3 -c 'import jsonschema' 2>/dev/null || skip "python3 jsonschema is not installed"
	ota-bundle create --tree v2 --version 2.0.0 --target edge-gw-v2 --out v2.bundle \
		--base v1.bundle >/dev/null
	for b in v1.bundle v2.bundle; do
		ota-bundle manifest "$b" | python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.validate(json.load(sys.stdin), schema)' "$TESTS_DIR/../schema/manifest.schema.json"
	done
	# and the schema refuses an omitted path listed twice
	ota-bundle manifest v2.bundle | python3 -c '
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
m = json.load(sys.stdin)
m["delta"]["omitted"].append(m["delta"]["omitted"][0])
try:
    jsonschema.validate(m, schema)
except jsonschema.ValidationError:
    sys.exit(0)
sys.exit(1)' "$TESTS_DIR/../schema/manifest.schema.json"
}
