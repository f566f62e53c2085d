#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Installing straight from the stick and from the wire (watch.direct, the
# default): no spool copy; the signed head verified first, every file
# hashed as it is staged; a medium or a server that changes under the
# install, or goes away, fails it with nothing left, the state back to
# IDLE and the run in the history; a dropped transfer resumes with Range
# within the same install.  The agent is stopped at an exact step
# (paused_agent: a fault point and SIGSTOP) while the test changes the
# source.  A device under $T/root with the real example service; a real
# loopback server (httpd.py).
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM" "$T/www"
	write_config HEALTH_STABLE=0 EXTRA="$(printf 'watch:\n  retries: 2\n  retry_delay: 0.2\n  connect_timeout: 2\n  stall_timeout: 5')"
}

# 1.0.0 installed; 2.0.0 (2 MiB more, share/blob near the end of the
# bundle) at $BUNDLE.
two_releases() {
	install_ok 1.0.0 good || return 1
	make_bundle 2.0.0 good HOOK=add_2mb_file
}

# Write 64 other bytes into the file $1 at offset $2, in place (the same
# inode, as a medium rewritten under an open file).
scribble() {
	head -c 64 /dev/urandom | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# No file at all in the spool (its directory and lock file aside).
assert_no_spool_file() {
	local left
	left=$(find "$STATE/spool" -mindepth 1 ! -type d ! -name '*.lock' 2>/dev/null || true)
	[ -z "$left" ] || { echo "in the spool: $left" >&2; return 1; }
}

# The state machine is back at rest.
assert_idle() {
	run agent status --json
	[ "$(jget 'j["state"]')" = IDLE ] || { echo "not IDLE: $output" >&2; false; }
}

# The last history record: from, to, version, result, exit.
last_record() {
	agent history --json | python3 -c '
import json, sys
r = json.load(sys.stdin)[-1]
print(r["from"], r["to"], r["version"], r["result"], r["exit"])'
}

# Wait for the paused agent $PID to end; its exit status must be $1.
expect_exit() { resume_paused "$PID" "$1" "$T/out"; }

@test "import installs straight off the stick: halfway through staging the spool holds no file, the history names the medium's file" {
	two_releases
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent STAGING_HALF "$T/out" import "$MEDIUM"
	assert_no_spool_file
	expect_exit 0
	assert_current 2.0.0
	assert_invariants
	run agent history --json
	[[ "$output" == *"bundle $MEDIUM/app-2.0.0-good.bundle"* ]]
}

@test "a stick whose bundle is rewritten during the install (after its head was verified): exit 7, hash mismatch, nothing staged, IDLE, recorded" {
	two_releases
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent STAGING_HALF "$T/out" import "$MEDIUM"
	scribble "$MEDIUM/app-2.0.0-good.bundle" 1500000
	expect_exit 7
	grep -q "$MEDIUM/app-2\.0\.0-good\.bundle: hash mismatch: share/blob" "$T/out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_no_spool_file
	assert_idle
	[ "$(last_record)" = "STAGING IDLE 2.0.0 refused 7" ]
	assert_invariants
}

@test "a stick pulled out during the install (its bundle shrinks under the read): exit 3, named, nothing staged, IDLE, recorded" {
	two_releases
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent STAGING_HALF "$T/out" import "$MEDIUM"
	truncate -s 100000 "$MEDIUM/app-2.0.0-good.bundle"
	expect_exit 3
	grep -q "app-2\.0\.0-good\.bundle: the medium failed or was pulled out while the bundle was read off it (.* shorter than it was)" "$T/out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_idle
	[ "$(last_record)" = "STAGING IDLE 2.0.0 failed 3" ]
	run agent history --verify
	assert_status 0
	assert_invariants
}

@test "a bundle unlinked from the stick during the install is still read whole through the open file: every byte verified, installed" {
	two_releases
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent STAGING_HALF "$T/out" import "$MEDIUM"
	rm "$MEDIUM/app-2.0.0-good.bundle"
	expect_exit 0
	assert_current 2.0.0
	assert_invariants
}

@test "SIGTERM during a direct import: exit 22, nothing staged, IDLE" {
	two_releases
	mv "$BUNDLE" "$MEDIUM/"
	paused_agent STAGING_HALF "$T/out" import "$MEDIUM"
	kill -TERM "$PID"
	expect_exit 22
	grep -q "interrupted by SIGTERM while staging: discarded, nothing installed" "$T/out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_idle
}

@test "poll installs as it downloads: no spool file halfway through staging, one GET, installed" {
	two_releases
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	paused_agent STAGING_HALF "$T/out" poll "$URL" --once
	assert_no_spool_file
	expect_exit 0
	assert_current 2.0.0
	[ "$(requests_for app-2.0.0-good.bundle)" = "GET /app-2.0.0-good.bundle range=-" ]
	assert_invariants
}

@test "a connection dropped mid-body: the install resumes with a Range request from the byte where it stopped and succeeds" {
	two_releases
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --drop-first
	run --separate-stderr agent poll "$URL" --once
	assert_status 0
	assert_current 2.0.0
	local half=$(($(stat -c %s "$T/www/app-2.0.0-good.bundle") / 2))
	[ "$(requests_for app-2.0.0-good.bundle)" = "$(printf 'GET /app-2.0.0-good.bundle range=-\nGET /app-2.0.0-good.bundle range=bytes=%d-' "$half")" ]
	assert_no_spool_file
	assert_invariants
}

@test "a server whose bundle changes mid-transfer (dropped, then resumed into other bytes): exit 7, nothing staged, IDLE, recorded" {
	two_releases
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --drop-first
	paused_agent DELIVERING "$T/out" poll "$URL" --once
	scribble "$T/www/app-2.0.0-good.bundle" 1500000
	expect_exit 7
	grep -Eq "app-2\.0\.0-good\.bundle: (hash mismatch: share/blob|SHA-256 is)" "$T/out"
	[ "$(requests_for app-2.0.0-good.bundle | wc -l)" -eq 2 ]
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_no_spool_file
	assert_idle
	[ "$(last_record)" = "STAGING IDLE 2.0.0 refused 7" ]
}

@test "a server that answers the resuming Range with the whole file (HTTP 200): its first bytes are dropped, the rest hashed, installed" {
	two_releases
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --drop-first --ignore-range
	run --separate-stderr agent poll "$URL" --once
	assert_status 0
	assert_current 2.0.0
	[ "$(requests_for app-2.0.0-good.bundle | wc -l)" -eq 2 ]
	requests_for app-2.0.0-good.bundle | tail -1 | grep -q 'range=bytes=[0-9]*-$'
	assert_invariants
}

@test "a direct install holds the run lock while it reads, no longer than its bounds: a stalled server keeps rollback busy (13) until watch.stall_timeout cuts it, then nothing is left and rollback runs" {
	install_ok 1.0.0 good
	write_config HEALTH_STABLE=0 EXTRA="$(printf 'watch:\n  retries: 0\n  stall_timeout: 3')"
	make_bundle 2.0.0 good HOOK=add_2mb_file
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --stall app-2.0.0-good.bundle
	ota-agent --root "$ROOT" poll "$URL" --once >"$T/out" 2>&1 3>&- &
	PID=$!
	BG_PIDS="$BG_PIDS $PID"
	local i
	for i in $(seq 100); do
		[ -n "$(requests_for app-2.0.0-good.bundle)" ] && break
		sleep 0.1
	done
	run agent rollback
	assert_status 13
	assert_output_matches 'another ota-agent run holds the lock'
	local st=0
	wait "$PID" || st=$?
	[ "$st" -eq 18 ] || { echo "poll exited $st: $(cat "$T/out")" >&2; false; }
	grep -q 'app-2\.0\.0-good\.bundle: Operation too slow' "$T/out"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	run agent rollback
	assert_status 0
}
