#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Nothing outside holds the device hostage: with watch.direct: 0 a
# download or a copy off a stick runs without the run lock (only its
# source's spool lock), so a rollback meanwhile is not kept waiting; a
# direct install holds the run lock while it reads, for no longer than its
# bounds (a server's or a stick's: the last tests); a server trickling bytes is cut at
# watch.min_rate, a download is bounded in all by watch.max_time, and
# judging a medium's bundles by watch.scan_timeout.  A device under
# $T/root with the real example service; a real loopback server.
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

# The device's config: watch: LINES (after quick retries), no stable window.
hostage_config() {
	write_config HEALTH_STABLE=0 EXTRA="$(printf 'watch:\n  retry_delay: 0.2\n  connect_timeout: 2\n%s' "$1")"
}

# The same with the spool (watch.direct: 0): what keeps the run lock free.
spool_config() {
	hostage_config "$(printf '  direct: 0\n%s' "$1")"
}

publish() {
	make_bundle "$@" >/dev/null || return 1
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
}

# 1.0.0 installed, a stick at $MEDIUM holding 2.0.0 (2 MiB more), and its
# import started and stopped in the middle of the copy ($PID).
import_paused_mid_copy() {
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM"
	install_ok 1.0.0 good
	spool_config ""
	make_bundle 2.0.0 good HOOK=add_2mb_file
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent DELIVERING "$T/import.out" import "$MEDIUM"
}

# Wait (at most 10 s) until the server has seen a GET of /$1.
wait_request() {
	local i
	for i in $(seq 100); do
		[ -n "$(requests_for "$1")" ] && return 0
		sleep 0.1
	done
	echo "no request for $1" >&2
	return 1
}

@test "with the spool (watch.direct 0), a stalled download holds no run lock: rollback meanwhile exits 0; SIGTERM then stops the poll, exit 22, spool clean" {
	mkdir -p "$T/www"
	install_ok 1.0.0 good
	spool_config "$(printf '  retries: 0\n  stall_timeout: 60')"
	publish 2.0.0 good
	serve "$T/www" --stall app-2.0.0-good.bundle
	ota-agent --root "$ROOT" poll "$URL" --once >"$T/poll.out" 2>&1 3>&- &
	local pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_request app-2.0.0-good.bundle
	run agent rollback
	assert_status 0
	assert_output_matches '^already on the last good release 1\.0\.0'
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 22 ] || { echo "poll exited $st: $(cat "$T/poll.out")" >&2; false; }
	grep -q 'app-2\.0\.0-good\.bundle: interrupted by SIGTERM: nothing installed$' "$T/poll.out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_spool_empty
}

@test "a trickle under watch.min_rate is cut after stall_timeout, resumed, then given up: exit 18" {
	mkdir -p "$T/www"
	hostage_config "$(printf '  retries: 1\n  stall_timeout: 1\n  min_rate: 100000')"
	publish 1.0.0 good HOOK=add_2mb_file
	serve "$T/www" --slow app-1.0.0-good.bundle
	run --separate-stderr agent poll "$URL" --once
	assert_status 18
	assert_error_line 'app-1\.0\.0-good\.bundle: Operation too slow\. Less than 100000 bytes/sec .* \(2 attempts\)$'
	assert_absent "$APP/current"
	assert_spool_empty
}

@test "watch.max_time bounds a whole download, retries included: exit 18, given up" {
	mkdir -p "$T/www"
	hostage_config "$(printf '  retries: 50\n  stall_timeout: 60\n  min_rate: 1\n  max_time: 2')"
	publish 1.0.0 good HOOK=add_2mb_file
	serve "$T/www" --slow app-1.0.0-good.bundle
	local t0=$SECONDS
	run --separate-stderr agent poll "$URL" --once
	assert_status 18
	assert_error_line 'app-1\.0\.0-good\.bundle: gave up after 2 s \(watch\.max_time\)'
	[ $((SECONDS - t0)) -lt 15 ]
	assert_absent "$APP/current"
	assert_spool_empty
}

@test "with the spool (watch.direct 0), a copy off a stick holds no run lock: rollback meanwhile exits 0, then the import installs" {
	import_paused_mid_copy
	local pid=$PID
	run agent rollback
	assert_status 0
	assert_output_matches '^already on the last good release 1\.0\.0'
	resume_paused "$pid" 0 "$T/import.out"
	assert_current 2.0.0
	assert_invariants
}

@test "judging a medium's bundles is bounded by watch.scan_timeout: the rest named as unread, the judged newest installed" {
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM"
	hostage_config "  scan_timeout: 0.01"
	make_bundle 2.0.0 good
	mv "$BUNDLE" "$MEDIUM/a-2.0.0.bundle" # judged first (name order)
	make_bundle 1.0.0 good
	local i
	for i in $(seq -w 1 400); do cp "$BUNDLE" "$MEDIUM/b-$i.bundle"; done
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	assert_output_matches "^$MEDIUM: installed and promoted 2\.0\.0$"
	[[ "$stderr" == *"$MEDIUM: stopped judging bundles after 10 ms (watch.scan_timeout): "*" left unread"* ]]
	assert_current 2.0.0
}

@test "with the spool (watch.direct 0), a stick pulled out while its bundle is copied (the file shrinks under the copy): named, recorded in the history, the device as it was" {
	import_paused_mid_copy
	local pid=$PID
	truncate -s 100000 "$MEDIUM/app-2.0.0-good.bundle"
	resume_paused "$pid" 3 "$T/import.out"
	grep -q "app-2\.0\.0-good\.bundle: the medium failed or was pulled out while the bundle was copied off it (.*shorter than it was): nothing installed, the device as it was" "$T/import.out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_spool_empty
	run agent history --json
	[ "$(jget 'j[-1]["from"], j[-1]["to"], j[-1]["version"], j[-1]["bundle"], j[-1]["result"], j[-1]["exit"]')" = \
	  "('IDLE', 'IDLE', '2.0.0', 'app-2.0.0-good.bundle', 'failed', 3)" ]
	run agent history --verify
	assert_status 0
	assert_invariants
}

@test "with the spool (watch.direct 0), the import unit stopped (SIGTERM) while its stick's bundle is copied: exit 22, recorded in the history, the device as it was" {
	import_paused_mid_copy
	local pid=$PID
	kill -TERM "$pid"
	resume_paused "$pid" 22 "$T/import.out"
	grep -q "app-2\.0\.0-good\.bundle: interrupted by SIGTERM while the bundle was copied off the medium (pulled out?): nothing installed, the device as it was$" "$T/import.out"
	assert_current 1.0.0
	assert_spool_empty
	run agent history --json
	[ "$(jget 'j[-1]["to"], j[-1]["version"], j[-1]["result"], j[-1]["exit"]')" = "('IDLE', '2.0.0', 'failed', 22)" ]
}

# 1.0.0 installed and a stick holding 2.0.0 (2 MiB more), imported
# straight off it (watch.direct: 1) with watch: LINES, the agent paused
# halfway through staging ($PID): to the agent, a stick that stopped giving
# bytes for as long as the test waits.
import_direct_paused() {
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM"
	install_ok 1.0.0 good
	hostage_config "$1"
	make_bundle 2.0.0 good HOOK=add_2mb_file
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent STAGING_HALF "$T/import.out" import "$MEDIUM"
}

@test "a direct import off a stick that trickles is cut at watch.min_rate over watch.stall_timeout: exit 3, nothing staged, the run lock free again" {
	import_direct_paused "$(printf '  stall_timeout: 1\n  min_rate: 100000000')"
	local pid=$PID
	sleep 2.5
	resume_paused "$pid" 3 "$T/import.out"
	grep -q "app-2\.0\.0-good\.bundle: the medium gave [0-9]* bytes in [0-9]* ms, under watch.min_rate (100000000 B/s) for watch.stall_timeout: too slow, nothing installed" "$T/import.out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	run agent rollback
	assert_status 0
	assert_invariants
}

@test "a direct import off a stick is bounded in all by watch.max_time: exit 3, nothing staged" {
	import_direct_paused "$(printf '  stall_timeout: 60\n  min_rate: 1\n  max_time: 1')"
	local pid=$PID
	sleep 2
	resume_paused "$pid" 3 "$T/import.out"
	grep -q "app-2\.0\.0-good\.bundle: reading the bundle off the medium took over 1000 ms (watch.max_time): nothing installed" "$T/import.out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_invariants
}
