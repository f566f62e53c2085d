#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Device identity and signed install receipts (schema/receipt.md): the
# device key made once (0600, never replaced), its id in status with the
# hostname and machine id read under --root; with watch.receipts on,
# import writes receipts/<device id>.json on the stick, signed by that key,
# its counter persisted first; ota-keytool receipts verify|collect checks
# them against a device list and refuses forged, altered, replayed and
# unknown-device receipts (24), printing the fleet as a table, JSON or CSV.
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	write_config HEALTH_STABLE=0
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM"
	echo gw-42 >"$ROOT/etc/hostname"
	echo 4c4c4544003510488033b4c04f4e4e31 >"$ROOT/etc/machine-id"
	LEDGER=$T/laptop/collected.json
}

receipts_on() { write_config HEALTH_STABLE=0 EXTRA="$(printf 'watch:\n  receipts: true')"; }

# The device's receipt on the stick.
receipt() { echo "$MEDIUM/receipts/$(agent identity | cut -d' ' -f2).json"; }

collect() { ota-keytool receipts collect "$MEDIUM" --devices devices.txt --state "$LEDGER" "$@"; }

# rjget FILE EXPR: a field of the receipt document (python expression on r).
rjget() {
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["receipt"]; print(eval(sys.argv[2]))' "$1" "$2"
}

@test "identity: the device key is made once (0600), its line names the key id; status shows it with hostname and machine id" {
	run agent status
	assert_output_matches "^device: +no device key yet"
	run agent identity
	assert_status 0
	local id
	id=$(echo "$output" | cut -d' ' -f2)
	[[ "$output" =~ ^device\ [0-9a-f]{64}\ [A-Za-z0-9+/]{43}=\ gw-42$ ]]
	[ "$id" = "$(ota-keytool id "$STATE/device.pub")" ]
	[ "$(stat -c %a "$STATE/device.key")" = 600 ]
	cp "$STATE/device.key" before.key
	[ "$(agent identity)" = "$output" ]
	cmp before.key "$STATE/device.key"
	run agent status
	assert_output_matches "^device: +$id \(gw-42, machine id 4c4c4544003510488033b4c04f4e4e31\)$"
	[ "$(agent status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["device"]["id"])')" = "$id" ]
}

@test "a device key that is a link or not 0600 is refused, never replaced (11)" {
	agent identity >/dev/null
	chmod 644 "$STATE/device.key"
	cp "$STATE/device.key" before.key
	run --separate-stderr agent identity
	assert_status 11
	assert_error_line "device.key: mode 0644, not 0600"
	cmp before.key "$STATE/device.key"
}

@test "receipts are off by default: import never writes the medium" {
	make_bundle 1.0.0 >/dev/null
	mv "$BUNDLE" "$MEDIUM/"
	medium_listing "$MEDIUM" >before
	run agent import "$MEDIUM"
	assert_status 0
	medium_listing "$MEDIUM" | cmp - before
	assert_absent "$STATE/receipt.counter"
}

@test "with watch.receipts, import leaves a receipt signed by the device key: what runs, the outcome, the history head, the counter" {
	receipts_on
	agent identity | tee devices.txt
	make_bundle 1.0.0 >/dev/null
	mv "$BUNDLE" "$MEDIUM/"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	local r
	r=$(receipt)
	[ "${lines[1]}" = "$r: receipt 1 written" ]
	[ "$(rjget "$r" 'r["current"], r["last_good"], r["outcome"], r["counter"], r["class"], r["hostname"]')" = "('1.0.0', '1.0.0', {'exit': 0, 'result': 'installed', 'version': '1.0.0'}, 1, 'edge-gw-v2', 'gw-42')" ]
	# The history head it names is the device's.
	[ "$(rjget "$r" 'r["history"]["seq"]')" = "$(agent history --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["seq"])')" ]
	[ "$(cat "$STATE/receipt.counter")" = 1 ]
	# The attested time it carries is the device's (device.json, raised by the install).
	[ "$(rjget "$r" 'r["attested_time"]')" = "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("attested_time", 0))' "$STATE/device.json")" ]
	# Checked independently of our code: canonical, and the device key's signature.
	python3 - "$r" "$STATE/device.pub" <<-'PY'
		import base64, json, sys
		from cryptography.hazmat.primitives.serialization import load_pem_public_key
		raw = open(sys.argv[1], "rb").read()
		j = json.loads(raw)
		assert raw == json.dumps(j, sort_keys=True, separators=(",", ":")).encode() + b"\n"
		doc = json.dumps(j["receipt"], sort_keys=True, separators=(",", ":")).encode()
		load_pem_public_key(open(sys.argv[2], "rb").read()).verify(base64.b64decode(j["signature"]), doc)
	PY
	run collect
	assert_status 0
	assert_output_matches "^DEVICE +HOST +CLASS +CURRENT"
	assert_output_matches "^$(cut -d' ' -f2 devices.txt | cut -c1-16) +gw-42 +edge-gw-v2 +1.0.0 +1.0.0 +installed +1.0.0 +0 +1 +[0-9]+ +$(rjget "$r" 'r["attested_time"]' | python3 -c 'import sys,time; t=int(sys.stdin.read()); print(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)) if t else "-")') +new$"
	# Plugged in again: nothing newer, counter 2.
	run agent import "$MEDIUM"
	assert_status 0
	[ "$(rjget "$r" 'r["outcome"]["result"], r["counter"]')" = "('up_to_date', 2)" ]
	run collect --csv
	assert_status 0
	[ "${lines[0]}" = "device,hostname,class,current,last_good,result,version,exit,counter,history_seq,attested_time,status" ]
	[[ "${lines[1]}" == "\"$(cut -d' ' -f2 devices.txt)\",\"gw-42\",\"edge-gw-v2\",\"1.0.0\",\"1.0.0\",\"up_to_date\",\"\",\"0\",\"2\","* ]]
	# The same stick read twice is not a replay.
	run collect --json
	assert_status 0
	[ "$(echo "$output" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["status"])')" = "collected before" ]
}

@test "a refused bundle is a receipt too: outcome refused, exit 6" {
	receipts_on
	make_key other
	make_bundle 2.0.0 good KEY=other >/dev/null
	mv "$BUNDLE" "$MEDIUM/"
	run agent import "$MEDIUM"
	assert_status 6
	[ "$(rjget "$(receipt)" 'r["outcome"]["result"], r["outcome"]["exit"]')" = "('refused', 6)" ]
}

@test "a replayed receipt (an older one after a newer was collected) is refused (24), the ledger unchanged" {
	receipts_on
	agent identity >devices.txt
	agent import "$MEDIUM" >/dev/null
	cp "$(receipt)" old.json
	agent import "$MEDIUM" >/dev/null
	collect >/dev/null
	cp "$LEDGER" ledger.before
	cp old.json "$(receipt)"
	run --separate-stderr collect
	assert_status 24
	[[ "${stderr_lines[0]}" == *"replayed: counter 1 is not above 2, the last one collected from this device" ]]
	cmp ledger.before "$LEDGER"
}

@test "a forged receipt (a field altered after signing) is refused (24), nothing written" {
	receipts_on
	agent identity >devices.txt
	agent import "$MEDIUM" >/dev/null
	local r
	r=$(receipt)
	sed -i 's/"current":""/"current":"9.9.9"/' "$r"
	run --separate-stderr collect
	assert_status 24
	[[ "${stderr_lines[0]}" == *": bad signature by device "*": forged or altered" ]]
	assert_absent "$LEDGER"
	run --separate-stderr ota-keytool receipts verify "$MEDIUM" --devices devices.txt --state "$LEDGER"
	assert_status 24
	assert_absent "$LEDGER"
}

@test "a receipt from a device not in the list is refused (24), nothing written" {
	receipts_on
	agent import "$MEDIUM" >/dev/null
	make_key stranger
	python3 - stranger.pub >devices.txt <<-'PY'
		import base64, hashlib, sys
		from cryptography.hazmat.primitives.serialization import load_pem_public_key, Encoding, PublicFormat
		raw = load_pem_public_key(open(sys.argv[1], "rb").read()).public_bytes(Encoding.Raw, PublicFormat.Raw)
		print("device", hashlib.sha256(raw).hexdigest(), base64.b64encode(raw).decode(), "stranger")
	PY
	run --separate-stderr collect
	assert_status 24
	[[ "${stderr_lines[0]}" == *": unknown device "*": not in the device list" ]]
	assert_absent "$LEDGER"
}

@test "a receipts directory planted on the stick as a link is not written through; the import's status stands" {
	receipts_on
	mkdir elsewhere
	ln -s "$T/elsewhere" "$MEDIUM/receipts"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[[ "$stderr" == *"receipts"*"(no receipt written)" ]]
	[ -z "$(ls elsewhere)" ]
}

@test "watch.receipts takes true or false only (16)" {
	write_config EXTRA="$(printf 'watch:\n  receipts: yes')"
	run --separate-stderr agent status
	assert_status 16
	assert_error_line "watch.receipts: expected true or false"
}

# The import unit's mount line, run by sh as systemd would run it (with
# $$ as $, %i as sdz1), our agent for @BINDIR@/ota-agent and a systemd-mount that
# only logs its arguments.
unit_mount() {
	mkdir -p bin
	printf '#!/bin/sh\necho "systemd-mount $*" >>%s/mounts\n' "$T" >bin/systemd-mount
	printf '#!/bin/sh\nexec %s/ota-agent --root %s "$@"\n' "$OTA_BIN" "$ROOT" >bin/ota-agent
	chmod +x bin/systemd-mount bin/ota-agent
	local line
	line=$(sed -n 's/^ExecStartPre=+sh -c //p' "$TESTS_DIR/../systemd/ota-usb-import@.service.in")
	line=${line#\'}
	line=${line%\'}
	line=${line//\$\$/\$}
	line=${line//%i/sdz1}
	line=${line//@BINDIR@/$T/bin}
	PATH="$T/bin:$PATH" sh -c "$line"
}

@test "the import unit mounts a stick read-only, read-write only with watch.receipts, and nothing when the config is broken" {
	run agent import --mount-options
	assert_status 0
	[ "$output" = "ro,nosuid,nodev,noexec" ]
	unit_mount
	[ "$(cat mounts)" = "systemd-mount --no-ask-password --fsck=no --collect --options=ro,nosuid,nodev,noexec /dev/sdz1 /run/ota/usb/sdz1" ]
	rm mounts
	receipts_on
	unit_mount
	[ "$(cat mounts)" = "systemd-mount --no-ask-password --fsck=no --collect --options=rw,nosuid,nodev,noexec /dev/sdz1 /run/ota/usb/sdz1" ]
	rm mounts
	echo "watch: [" >>"$ROOT/etc/ota/agent.yaml"
	run unit_mount
	[ "$status" -ne 0 ]
	assert_absent mounts
}
