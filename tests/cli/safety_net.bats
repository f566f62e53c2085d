#!/usr/bin/env bats
# The safety net (ota-agent recover and rollback, run by ota-recover.service
# and app-rollback.service) must work whatever else is wrong on the device:
# a bad value in a config key it does not use is one warning line, not exit
# 16 (install still refuses it); and on a full state file system the state
# and history writes a way back needs still succeed (tmpfs, as root).
load helpers
load ../tools/agent_env
bats_require_minimum_version 1.5.0

eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	agent_setup
}

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
