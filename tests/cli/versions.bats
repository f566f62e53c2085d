#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Versions on the device are Semantic Versioning 2.0.0 (lib/semver.h): a
# signed bundle whose version is not one is refused (20) and recorded; a
# device whose installed version does not parse (an older agent took it)
# still takes any valid release, as one older than all of them.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

# A signed bundle of the example release whose manifest says version $1
# (crafted: our tools refuse to make one), at $BUNDLE.
crafted_release() {
	[ -d "$T/tree-crafted" ] ||
		"$OTA_EXAMPLES/make-release.sh" 9.9.9 good "$T/tree-crafted" "$OTA_EXAMPLE_BIN/gateway" >/dev/null
	BUNDLE=$T/crafted-$1.bundle
	CRAFT valid --tree "$T/tree-crafted" --key "$T/k.key" --version "$1" --out "$BUNDLE"
}

@test "install of a signed bundle named v2: version not semantic (20), nothing staged, the refusal in the history" {
	install_ok 1.0.0 good
	crafted_release v2
	run --separate-stderr agent install "$BUNDLE"
	assert_status 20
	assert_error_line 'version: "v2" is not a semantic version'
	assert_current 1.0.0
	assert_nothing_staged v2
	[ "$(history_pairs | tail -n 1)" = 'VERIFYING>IDLE -' ]
	agent history --json | python3 -c 'import json, sys; r = json.load(sys.stdin)[-1]; assert r["exit"] == 20 and r["result"] == "refused", r'
	assert_invariants
}

@test "after 2.0.0, signed bundles named 2.0.0~rc1, beta and 1.0.0rc1 are refused (20), never taken as newer" {
	install_ok 2.0.0 good
	local v
	for v in 2.0.0~rc1 beta 1.0.0rc1; do
		crafted_release "$v"
		run --separate-stderr agent install "$BUNDLE"
		[ "$status" -eq 20 ] || { echo "$v: exit $status: $stderr" >&2; return 1; }
		assert_current 2.0.0
	done
	assert_invariants
}

@test "installed version that does not parse (v2, left by an older agent): 1.3.0 is taken as newer and promoted" {
	install_ok 1.0.0 good
	# What an older agent that took "v2" left: the release, links, manifest.
	mv "$APP/releases/1.0.0" "$APP/releases/v2"
	ln -sfn releases/v2 "$APP/current"
	ln -sfn releases/v2 "$APP/.last-good"
	mv "$STATE/manifests/1.0.0.json" "$STATE/manifests/v2.json"
	install_ok 1.3.0 good
	assert_current 1.3.0
	assert_last_good 1.3.0
	assert_serving 1.3.0
	# And releases list the one that does not parse first, as the oldest.
	run agent status --json
	assert_status 0
	[ "$(jget 'j["releases"][0]')" = v2 ]
}

@test "two bundles differing only in build metadata are the same version: the second is not newer (14)" {
	install_ok 1.4.2+ci.7 good INDEX=1
	make_bundle 1.4.2+ci.8 good INDEX=1
	run --separate-stderr agent install "$BUNDLE"
	assert_status 14
	assert_error_line 'not newer than the installed 1\.4\.2\+ci\.7'
	assert_current 1.4.2+ci.7
}

@test "the design's own form inside a bundle, installed by the agent: verified, staged (files 0644, read-only on disk: 0444), health-checked and promoted" {
	mkdir -p design/etc design/share
	printf 'hello from the design\n' >design/etc/greeting
	head -c 4096 /dev/urandom >design/share/blob
	python3 "$TESTS_DIR/tools/reference.py" manifest --design --tree design --version 1.0.0 \
		--target edge-gw-v2 >d.json
	python3 "$TESTS_DIR/tools/reference.py" sign --key k.key --manifest d.json >d.sig
	CRAFT design-bundle --tree design --manifest d.json --signature d.sig --pub k.pub --out d.bundle
	# The design's form carries no exec bits: a device whose health is a file check.
	cat >"$ROOT/etc/ota/agent.yaml" <<-EOF2
		device_class: edge-gw-v2
		app_dir: /opt/app
		state_dir: /var/lib/ota
		keys: /etc/ota/keys
		service:
		  restart: "true"
		health:
		  timeout: 2
		  interval: 0.1
		  stable: 0
		  command: "grep -q design \$OTA_APP_DIR/current/etc/greeting"
	EOF2
	run --separate-stderr agent install d.bundle
	assert_status 0
	assert_current 1.0.0
	assert_last_good 1.0.0
	[ "$(stat -c %a "$APP/releases/1.0.0/etc/greeting")" = 444 ]
	cmp design/share/blob "$APP/releases/1.0.0/share/blob"
	run agent status --json
	[ "$(jget 'j["rollback_index"]')" = 0 ]
	assert_invariants
}
