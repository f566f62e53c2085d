#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Ctrl-C, SIGTERM or SIGHUP during an install run by hand (interrupt.h):
# before the switch the staged release is discarded, after it and before
# promotion the last good release is put back; exit 22 with a line saying
# what was done, the history telling it, and the next install works.  The
# agent is paused at an exact step (OTA_AGENT_FAULT_SIGNAL=STOP) to be
# signalled there.  A device under $T/root with the real example service.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

# Start installing $1 in the background, stopped at fault point $2.
start_paused() {
	paused_agent "$2" "$T/install.out" install "$1"
}

# Wait for the agent; $status is its exit status.
finish() {
	status=0
	wait "$PID" || status=$?
	BG_PIDS=""
	output=$(cat "$T/install.out")
}

@test "SIGINT in the health check, twice: rolled back to the last good release, exit 22, 2.0.0 gone" {
	install_ok 1.0.0 good
	write_config HEALTH_TIMEOUT=20 HEALTH_STABLE=15
	make_bundle 2.0.0 good
	ota-agent --root "$ROOT" install "$BUNDLE" >"$T/install.out" 2>&1 3>&- &
	PID=$!
	BG_PIDS=$PID
	wait_for_state HEALTH_CHECK
	kill -INT "$PID"
	sleep 0.2
	kill -INT "$PID" 2>/dev/null || true # a second one changes nothing
	finish
	assert_status 22
	assert_output_matches '^ota-agent: .*app-2\.0\.0-good\.bundle: rolled back to 1\.0\.0: interrupted by SIGINT before the release was proven healthy$'
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_serving 1.0.0
	[ ! -e "$APP/releases/2.0.0" ]
	[ "$(history_tail 2)" = 'HEALTH_CHECK>ROLLING_BACK 2.0.0 ROLLING_BACK>IDLE 2.0.0' ]
	run agent history --json
	[ "$(jget '[r["exit"] for r in j if r["to"] == "ROLLING_BACK"][-1]')" = 22 ]
	assert_invariants
	install_ok 2.0.0 good
}

@test "SIGTERM half way through staging: the staged release discarded, exit 22, nothing installed" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good
	start_paused "$BUNDLE" STAGING_HALF
	kill -TERM "$PID"
	kill -CONT "$PID"
	finish
	assert_status 22
	assert_output_matches '^ota-agent: .*app-2\.0\.0-good\.bundle: interrupted by SIGTERM while staging: discarded, nothing installed$'
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	[ "$(history_tail 1)" = 'STAGING>IDLE 2.0.0' ]
	run agent history --json
	[ "$(jget 'j[-1]["result"], j[-1]["exit"]')" = "('failed', 22)" ]
	assert_invariants
	install_ok 2.0.0 good
}

@test "SIGHUP once verified, before staging: nothing staged, exit 22" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good
	start_paused "$BUNDLE" VERIFYING
	kill -HUP "$PID"
	kill -CONT "$PID"
	finish
	assert_status 22
	assert_output_matches 'interrupted by SIGHUP while verifying: discarded, nothing installed$'
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	[ "$(history_tail 1)" = 'VERIFYING>IDLE 2.0.0' ]
	assert_invariants
}

@test "SIGINT right after the switch: back on the last good release before any health check, exit 22" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good
	start_paused "$BUNDLE" SWITCHING
	kill -INT "$PID"
	kill -CONT "$PID"
	finish
	assert_status 22
	assert_output_matches 'rolled back to 1\.0\.0: interrupted by SIGINT before the release was proven healthy$'
	assert_current 1.0.0
	[ "$(history_tail 2)" = 'SWITCHING>ROLLING_BACK 2.0.0 ROLLING_BACK>IDLE 2.0.0' ]
	assert_invariants
}
