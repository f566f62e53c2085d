#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The safety net (ota-agent recover and rollback, run by ota-recover.service
# and app-rollback.service) must work whatever else is wrong on the device:
# a bad value in a config key it does not use is one warning line, not exit
# 16 (install still refuses it); and on a full state file system the state
# and history writes a way back needs still succeed (tmpfs, as root).
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

teardown() {
	agent_teardown
	if [ -n "${MOUNTED:-}" ]; then
		umount "$MOUNTED" 2>/dev/null || umount -l "$MOUNTED"
	fi
}

# 1.0.0 promoted, then 2.0.0 killed right as it enters HEALTH_CHECK: current
# is the unproven 2.0.0, state.json says HEALTH_CHECK.
interrupted_in_health_check() {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good
	run env OTA_AGENT_FAULT_ENTER=HEALTH_CHECK ota-agent --root "$ROOT" install "$BUNDLE" 3>&-
	[ "$status" -eq 137 ] || { echo "the fault did not fire: $status $output" >&2; return 1; }
	assert_current 2.0.0
	[ "$(state_of)" = HEALTH_CHECK ]
}

state_of() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' "$STATE/state.json"
}

# The config with watch.http empty (YAML null) and a typo'd delivery value.
break_delivery_keys() {
	write_config EXTRA="$(printf 'watch:\n  http:\n  retries: fiv')"
}

# -- the config: only what the safety net uses must be valid -----------------------

@test "empty watch.http and a typo'd watch.retries: rollback exits 0 with one warning line, back on 1.0.0" {
	interrupted_in_health_check
	break_delivery_keys
	run --separate-stderr agent rollback
	assert_status 0
	[ "${#stderr_lines[@]}" -eq 1 ]
	printf '%s\n' "$stderr" | grep -Eq '^ota-agent: warning: .*agent\.yaml:[0-9]+: watch\.http: expected an http:// URL, got null \(and 1 more\) \(ignored: recover and rollback need only'
	assert_current 1.0.0
	assert_last_good 1.0.0
	[ "$(state_of)" = IDLE ]
	write_config # history reads the whole config
	history_pairs | tail -n 1 | grep -q '^ROLLING_BACK>IDLE 2.0.0$'
	assert_invariants
}

@test "empty watch.http and a typo'd watch.retries: recover exits 0 with one warning line, back on 1.0.0" {
	interrupted_in_health_check
	break_delivery_keys
	run --separate-stderr agent recover
	assert_status 0
	[ "${#stderr_lines[@]}" -eq 1 ]
	printf '%s\n' "$stderr" | grep -Eq '^ota-agent: warning: .*watch\.http: expected an http:// URL'
	assert_output_matches 'recovered a run interrupted in HEALTH_CHECK'
	assert_current 1.0.0
	[ "$(state_of)" = IDLE ]
	write_config # history reads the whole config
	history_pairs | tail -n 1 | grep -q '^ROLLING_BACK>IDLE 2.0.0$'
	assert_invariants
}

@test "the same config: install still refuses it (16), nothing staged" {
	install_ok 1.0.0 good
	break_delivery_keys
	make_bundle 2.0.0 good
	run --separate-stderr agent install "$BUNDLE"
	assert_status 16
	assert_error_line 'agent\.yaml:[0-9]+: watch\.http: expected an http:// URL, got null'
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
}

@test "an unknown top-level key and a missing device_class: rollback warns and works (0)" {
	interrupted_in_health_check
	write_config EXTRA='colour: blue'
	sed -i '/^device_class:/d' "$ROOT/etc/ota/agent.yaml"
	run --separate-stderr agent rollback
	assert_status 0
	[ "${#stderr_lines[@]}" -eq 1 ]
	printf '%s\n' "$stderr" | grep -Eq '^ota-agent: warning: .*colour.*\(and 1 more\)'
	assert_current 1.0.0
}

@test "a bad key the safety net needs (service.restart empty): rollback refuses it (16)" {
	interrupted_in_health_check
	sed -i 's/^  restart: .*/  restart: ""/' "$ROOT/etc/ota/agent.yaml"
	run --separate-stderr agent rollback
	assert_status 16
	assert_error_line 'agent\.yaml:[0-9]+: service\.restart: expected a non-empty command'
	assert_current 2.0.0
}

@test "a bad health.timeout (the restart's bound): recover refuses it (16)" {
	interrupted_in_health_check
	write_config HEALTH_TIMEOUT=soon
	run --separate-stderr agent recover
	assert_status 16
	assert_error_line 'health\.timeout'
	assert_current 2.0.0
}

# -- a full disk: the way back needs no free space -------------------------------

# state_dir's file system (/var/lib under the root) a tmpfs of 8 MiB.
small_state_fs() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs (run the suite as root)"
	mount -t tmpfs -o size=8m,mode=0755 tmpfs "$ROOT/var/lib" ||
		skip "mount -t tmpfs failed: no mount rights in this environment"
	MOUNTED=$ROOT/var/lib
}

# Fill it to the last page, as a runaway app would, and prove it is full.
fill_state_fs() {
	dd if=/dev/zero of="$ROOT/var/lib/fill" bs=1M 2>/dev/null || true
	dd if=/dev/zero of="$ROOT/var/lib/fill2" bs=4k 2>/dev/null || true
	[ "$(df --output=avail -B1 "$ROOT/var/lib" | tail -n 1 | tr -d ' ')" -eq 0 ]
	! printf x >"$ROOT/var/lib/probe" 2>/dev/null
	rm -f "$ROOT/var/lib/probe"
}

@test "full disk under state_dir: rollback exits 0, current back on 1.0.0, state IDLE, the history has the rollback" {
	small_state_fs
	interrupted_in_health_check
	[ -f "$STATE/reserve" ]
	fill_state_fs
	run --separate-stderr agent rollback
	assert_status 0
	[ -z "$stderr" ]
	assert_output_matches 'last good release 1\.0\.0|rolled back'
	assert_current 1.0.0
	assert_last_good 1.0.0
	[ "$(state_of)" = IDLE ]
	history_pairs | tail -n 2 | tr '\n' ' ' | grep -q 'HEALTH_CHECK>ROLLING_BACK 2.0.0 ROLLING_BACK>IDLE 2.0.0'
	run agent history --verify
	assert_status 0
	assert_absent "$STATE/reserve" # spent; the next run makes it again when there is room
	rm "$ROOT/var/lib/fill" "$ROOT/var/lib/fill2"
	run agent recover
	assert_status 0
	[ -f "$STATE/reserve" ]
	assert_invariants
}

@test "full disk under state_dir: recover exits 0, current back on 1.0.0, state IDLE, the history has the recovery" {
	small_state_fs
	interrupted_in_health_check
	fill_state_fs
	run --separate-stderr agent recover
	assert_status 0
	[ -z "$stderr" ]
	assert_output_matches 'recovered a run interrupted in HEALTH_CHECK'
	assert_current 1.0.0
	[ "$(state_of)" = IDLE ]
	history_pairs | tail -n 2 | tr '\n' ' ' | grep -q 'HEALTH_CHECK>ROLLING_BACK 2.0.0 ROLLING_BACK>IDLE 2.0.0'
	run agent history --verify
	assert_status 0
	assert_invariants
}

@test "full disk under state_dir without the reserve (control): recover cannot write its state (17)" {
	small_state_fs
	interrupted_in_health_check
	rm "$STATE/reserve"
	fill_state_fs
	run --separate-stderr agent recover
	assert_status 17
	assert_error_line 'state\.json.*No space left on device'
	assert_current 2.0.0
}
