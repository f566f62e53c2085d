#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A way back to any release on disk: `ota-agent releases` lists them, and
# `rollback --to VERSION` switches to one the rollback index allows through
# the same SWITCHING -> HEALTH_CHECK -> PROMOTED | ROLLING_BACK path as an
# install, recorded in the history; a release it fails to prove is kept on
# disk.  A device under $T/root with the real example service.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

three_releases() {
	install_ok 1.0.0 good INDEX=1
	install_ok 1.1.0 good INDEX=1
	install_ok 1.2.0 good INDEX=1
}

@test "releases lists what is on disk with current, last good, previous good and each rollback index" {
	three_releases
	run agent releases
	assert_status 0
	[ "${lines[0]}" = "1.0.0                index 1     " ]
	[ "${lines[1]}" = "1.1.0                index 1      previous-good" ]
	[ "${lines[2]}" = "1.2.0                index 1      current last-good" ]
	run agent releases --json
	[ "$(jget '[(r["version"], r["current"], r["previous_good"], r["rollback_index"], r["allowed"]) for r in j]')" = \
	  "[('1.0.0', False, False, 1, True), ('1.1.0', False, True, 1, True), ('1.2.0', True, False, 1, True)]" ]
}

@test "releases on an empty device says so" {
	run agent releases
	assert_status 0
	[ "$output" = "no release on disk" ]
}

@test "rollback --to an older release on disk: switched, health-checked, promoted, recorded" {
	three_releases
	run agent rollback --to 1.0.0
	assert_status 0
	[ "$output" = "switched to 1.0.0: health check passed, promoted" ]
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_link .previous-good 1.2.0
	assert_serving 1.0.0
	[ "$(history_tail 4)" = 'IDLE>SWITCHING 1.0.0 SWITCHING>HEALTH_CHECK 1.0.0 HEALTH_CHECK>PROMOTED 1.0.0 PROMOTED>IDLE 1.0.0' ]
	run agent history
	assert_output_matches 'IDLE +-> SWITCHING +1\.0\.0 +ok +rollback --to 1\.0\.0 requested'
	[ -d "$APP/releases/1.1.0" ]
	assert_invariants
	install_ok 1.3.0 good INDEX=1
}

@test "rollback --to a release below the device's floor: exit 14, nothing moves" {
	install_ok 1.0.0 good INDEX=1
	install_ok 2.0.0 good INDEX=2
	run agent releases
	assert_output_matches '^1\.0\.0 +index 1 +previous-good below-floor$'
	run --separate-stderr agent rollback --to 1.0.0
	assert_status 14
	assert_error_line 'rollback --to 1\.0\.0: its rollback index 1 is below 2, the lowest this device accepts'
	assert_current 2.0.0
	assert_invariants
}

@test "rollback --to a release that fails its health check: back on the last good one, exit 15, the release kept on disk" {
	install_ok 1.0.0 good INDEX=1
	install_ok 1.1.0 good INDEX=1
	break_release 1.0.0
	run --separate-stderr agent rollback --to 1.0.0
	assert_status 15
	assert_error_line '1\.0\.0: rolled back to 1\.1\.0: health check failed'
	assert_current 1.1.0
	assert_last_good 1.1.0
	assert_serving 1.1.0
	[ -d "$APP/releases/1.0.0" ]
	[ "$(history_tail 2)" = 'HEALTH_CHECK>ROLLING_BACK 1.0.0 ROLLING_BACK>IDLE 1.0.0' ]
	mend_release 1.0.0
	assert_invariants
}

@test "rollback --to the current release says so; --to a version not on disk is a usage error (2)" {
	install_ok 1.0.0 good
	run agent rollback --to 1.0.0
	assert_status 0
	[ "$output" = "1.0.0 is the current release already" ]
	run --separate-stderr agent rollback --to 0.9.0
	assert_status 2
	assert_error_line 'rollback --to 0\.9\.0: no such release on disk \(ota-agent releases lists them\)'
	run --separate-stderr agent rollback --to ../../etc
	assert_status 2
	run --separate-stderr agent rollback --to
	assert_status 2
}

@test "rollback --to cut in its health check: recover switches back, the release stays on disk" {
	install_ok 1.0.0 good INDEX=1
	install_ok 1.1.0 good INDEX=1
	run env OTA_AGENT_FAULT_ENTER=HEALTH_CHECK ota-agent --root "$ROOT" rollback --to 1.0.0 3>&-
	assert_status 137
	run agent recover
	assert_status 0
	assert_current 1.1.0
	assert_last_good 1.1.0
	[ -d "$APP/releases/1.0.0" ]
	assert_invariants
}
