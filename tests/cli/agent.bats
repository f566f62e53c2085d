#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent end to end: a whole device in $T/root, the real example service
# (examples/app) on a port of its own, releases built by
# examples/make-release.sh.  Promotion, health-check rollback (unhealthy,
# crash loop, failing self-test), anti-rollback, refused bundles leaving
# nothing staged, pruning, status, history, rollback, config errors, the run
# lock and a full disk.  Interrupted runs are agent_crash.bats's.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0



# Hooks for make_bundle.
add_marker() { printf 'FLIP-THIS-PAYLOAD-BYTE\n' >"$1/share/marker"; }

# Flip one bit of the marker's bytes in the bundle $1 (payload only: the
# manifest holds its hash, not its text).
flip_marker() {
	python3 - "$1" <<-'EOF'
		import sys
		data = bytearray(open(sys.argv[1], "rb").read())
		i = data.index(b"FLIP-THIS-PAYLOAD-BYTE")
		data[i] ^= 1
		open(sys.argv[1], "wb").write(bytes(data))
	EOF
}

@test "ota-agent --help exits 0 and names every command" {
	run ota-agent --help
	assert_status 0
	for c in install recover rollback status history; do
		assert_output_matches "$c"
	done
}

@test "ota-agent --version exits 0 and prints a version number" {
	run ota-agent --version
	assert_status 0
	assert_output_matches '[0-9]+\.[0-9]+'
}

@test "install of a good 1.0.0 on an empty device: promoted, current and last-good 1.0.0, service up" {
	make_bundle 1.0.0 good
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_serving 1.0.0
	assert_invariants
	cmp "$STATE/manifests/1.0.0.json" <(ota-bundle manifest "$BUNDLE")
}

@test "--config FILE is read as given, the paths in it still under --root" {
	mv "$ROOT/etc/ota/agent.yaml" "$T/elsewhere.yaml"
	make_bundle 1.0.0 good
	run agent --config "$T/elsewhere.yaml" install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
	assert_invariants
	assert_absent "$ROOT/etc/ota/agent.yaml"
}

@test "service and health commands get OTA_ROOT, OTA_APP_DIR, OTA_STATE_DIR and OTA_VERSION" {
	write_config
	sed -i -e "s|^  restart: \"|  restart: \"env >'$T/restart.env'; |" \
		-e "s|^  command: \"|  command: \"env >'$T/health.env'; |" "$ROOT/etc/ota/agent.yaml"
	install_ok 1.0.0 good
	local f
	for f in restart.env health.env; do
		grep -qx "OTA_ROOT=$ROOT" "$T/$f"
		grep -qx "OTA_APP_DIR=$APP" "$T/$f"
		grep -qx "OTA_STATE_DIR=$STATE" "$T/$f"
		grep -qx "OTA_VERSION=1.0.0" "$T/$f"
	done
}

@test "install on a bare root (only etc/ota, no /opt, no /var/lib): the agent makes its dirs" {
	rm -rf "$ROOT/opt" "$ROOT/var"
	make_bundle 1.0.0 good
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
	assert_invariants
}

@test "install of a good 2.0.0 over 1.0.0: promoted, last-good 2.0.0, 1.0.0 kept" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_serving 2.0.0
	[ -d "$APP/releases/1.0.0" ]
	assert_invariants
}

@test "unhealthy 3.0.0 (health endpoint 500) over 2.0.0: exit 15, back on 2.0.0, which serves" {
	install_ok 2.0.0 good
	make_bundle 3.0.0 unhealthy
	run --separate-stderr agent install "$BUNDLE"
	assert_status 15
	assert_error_line '[Rr]oll'
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_serving 2.0.0
	assert_invariants
	[ "$(history_tail 2)" = "HEALTH_CHECK>ROLLING_BACK 3.0.0 ROLLING_BACK>IDLE 3.0.0" ]
}

@test "a rolled-back release is not kept: it would take a proven release's place among keep_releases" {
	install_ok 1.0.0 good
	install_ok 2.0.0 good
	make_bundle 3.0.0 unhealthy
	run agent install "$BUNDLE"
	assert_status 15
	assert_absent "$APP/releases/3.0.0"
	assert_absent "$STATE/manifests/3.0.0.json"
	[ "$(ls "$APP/releases")" = "$(printf '1.0.0\n2.0.0')" ]
	install_ok 4.0.0 good
	[ "$(ls "$APP/releases")" = "$(printf '1.0.0\n2.0.0\n4.0.0')" ]
	assert_invariants
}

@test "crash-looping 3.0.0 over 2.0.0: exit 15, the message says crash, back on 2.0.0" {
	install_ok 2.0.0 good
	make_bundle 3.0.0 crash
	run --separate-stderr agent install "$BUNDLE"
	assert_status 15
	assert_error_line 'crash'
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_serving 2.0.0
	assert_invariants
}

# The self-test says why on its stderr; that must not spill onto ours: the
# agent's error stays one line, ending with the self-test's own reason.
@test "3.0.0 whose self-test fails over 2.0.0: exit 15, back on 2.0.0, one error line" {
	install_ok 2.0.0 good
	make_bundle 3.0.0 selftest-fail
	run --separate-stderr agent install "$BUNDLE"
	assert_status 15
	assert_error_line 'health command exited 1: .*selftest=fail in gateway.conf'
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_serving 2.0.0
	assert_invariants
}

@test "downgrade to 1.5.0 after 2.0.0 (same rollback index): exit 14, nothing staged" {
	install_ok 2.0.0 good
	make_bundle 1.5.0 good INDEX=2
	run --separate-stderr agent install "$BUNDLE"
	assert_status 14
	assert_error_line '2\.0\.0'
	assert_nothing_staged 1.5.0
	assert_current 2.0.0
	assert_invariants
	[ "$(history_states 2)" = "IDLE>VERIFYING VERIFYING>IDLE" ]
}

@test "the same version again (2.0.0 over 2.0.0): exit 14, the release untouched" {
	install_ok 2.0.0 good
	make_bundle 2.0.0 good NAME=again
	run --separate-stderr agent install "$BUNDLE"
	assert_status 14
	assert_error_line ''
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_invariants
	[ "$(history_states 2)" = "IDLE>VERIFYING VERIFYING>IDLE" ]
}

@test "a higher version with a lower rollback index (3.0.0 index 1 after index 2): exit 14, nothing staged" {
	install_ok 2.0.0 good INDEX=2
	make_bundle 3.0.0 good INDEX=1
	run --separate-stderr agent install "$BUNDLE"
	assert_status 14
	assert_error_line '[Rr]ollback.index'
	assert_nothing_staged 3.0.0
	assert_current 2.0.0
	assert_invariants
	[ "$(history_states 2)" = "IDLE>VERIFYING VERIFYING>IDLE" ]
}

@test "the rollback index accepted is the highest promoted, not the last offered" {
	install_ok 2.0.0 good INDEX=5
	make_bundle 3.0.0 unhealthy INDEX=9
	run agent install "$BUNDLE"
	assert_status 15
	make_bundle 4.0.0 good INDEX=5
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 4.0.0
}

@test "corrupted bundle (one payload bit flipped): exit 7, nothing staged, current untouched" {
	install_ok 2.0.0 good
	make_bundle 3.0.0 good HOOK=add_marker
	flip_marker "$BUNDLE"
	run --separate-stderr agent install "$BUNDLE"
	assert_status 7
	assert_error_line 'hash'
	assert_nothing_staged 3.0.0
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_serving 2.0.0
	assert_invariants
}

# Staging is the one pass over the payload: its hashes are checked as it is
# written, so a damaged payload is caught in STAGING, which then leaves
# nothing behind (the signature, manifest and target fail in VERIFYING).
@test "corrupted payload is refused while staging: STAGING -> IDLE with the hash mismatch" {
	install_ok 2.0.0 good
	make_bundle 3.0.0 good HOOK=add_marker
	flip_marker "$BUNDLE"
	run agent install "$BUNDLE"
	assert_status 7
	local h
	h=$(history_states 3)
	[ "$h" = "IDLE>VERIFYING VERIFYING>STAGING STAGING>IDLE" ] ||
		{ echo "refused bundle recorded as: $h" >&2; false; }
	run agent history --json
	printf '%s' "$output" | python3 -c 'import json, sys
r = json.load(sys.stdin)[-1]
assert r["to"] == "IDLE" and "hash mismatch" in r["reason"], r'
	assert_nothing_staged 3.0.0
	assert_current 2.0.0
}

@test "bundle for another device class: exit 8, nothing staged" {
	install_ok 2.0.0 good
	make_bundle 3.0.0 good TARGET=other-board
	run --separate-stderr agent install "$BUNDLE"
	assert_status 8
	assert_error_line 'other-board'
	assert_nothing_staged 3.0.0
	assert_current 2.0.0
	assert_invariants
	[ "$(history_states 2)" = "IDLE>VERIFYING VERIFYING>IDLE" ]
}

@test "bundle signed by a key the device does not trust: exit 6, nothing staged" {
	install_ok 2.0.0 good
	make_key evil
	make_bundle 3.0.0 good KEY=evil
	run --separate-stderr agent install "$BUNDLE"
	assert_status 6
	assert_error_line 'untrusted'
	assert_nothing_staged 3.0.0
	assert_current 2.0.0
	assert_invariants
	[ "$(history_states 2)" = "IDLE>VERIFYING VERIFYING>IDLE" ]
}

@test "pruning: after 5 good installs with keep_releases 3, exactly 3 releases remain" {
	local v
	for v in 1 2 3 4 5; do
		install_ok "$v.0.0" good
	done
	run ls "$APP/releases"
	[ "${#lines[@]}" -eq 3 ]
	[ -d "$APP/releases/$(link_version current)" ]
	[ -d "$APP/releases/$(link_version .last-good)" ]
	assert_current 5.0.0
	assert_last_good 5.0.0
	assert_invariants
}

@test "status --json on a device with nothing installed: current null, no releases, IDLE" {
	run agent status --json
	assert_status 0
	[ "$(jget 'j["current"]')" = None ]
	[ "$(jget 'j["last_good"]')" = None ]
	[ "$(jget 'j["releases"]')" = '[]' ]
	[ "$(jget 'j["state"]')" = IDLE ]
	[ "$(jget 'type(j["rollback_index"]).__name__')" = int ]
}

@test "status --json after 1.0.0 and 2.0.0: one object with current, last_good, releases, state, rollback_index" {
	install_ok 1.0.0 good INDEX=1
	install_ok 2.0.0 good INDEX=2
	run --separate-stderr agent status --json
	assert_status 0
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jget 'j["current"]')" = 2.0.0 ]
	[ "$(jget 'j["last_good"]')" = 2.0.0 ]
	[ "$(jget 'j["releases"]')" = "['1.0.0', '2.0.0']" ]
	[ "$(jget 'j["state"]')" = IDLE ]
	[ "$(jget 'j["rollback_index"]')" = 2 ]
}

@test "status (text) names the current and last good release and the state" {
	install_ok 1.0.0 good
	install_ok 2.0.0 good
	run agent status
	assert_status 0
	assert_output_matches '[Cc]urrent[^0-9]*2\.0\.0'
	assert_output_matches '[Ll]ast.good[^0-9]*2\.0\.0'
	assert_output_matches '1\.0\.0'
	assert_output_matches 'IDLE'
}

@test "history --json of a good install: IDLE>VERIFYING>STAGING>SWITCHING>HEALTH_CHECK>PROMOTED>IDLE" {
	install_ok 1.0.0 good
	assert_history "$(promoted_sequence 1.0.0)"
	run --separate-stderr agent history --json
	assert_status 0
	[ "$(jget 'len(j)')" -eq 6 ]
	[ "$(jget 'all(set(r) >= {"time", "from", "to", "version", "reason"} for r in j)')" = True ]
	[ "$(jget 'all(str(r["time"]) != "" for r in j)')" = True ]
	[ "$(jget 'all(j[i]["to"] == j[i + 1]["from"] for i in range(len(j) - 1))')" = True ]
}

@test "history --json of two good installs and a rolled back one: every transition, in order" {
	install_ok 1.0.0 good
	install_ok 2.0.0 good
	make_bundle 3.0.0 unhealthy
	run agent install "$BUNDLE"
	assert_status 15
	assert_history "$(promoted_sequence 1.0.0)" "$(promoted_sequence 2.0.0)" \
		"IDLE>VERIFYING 3.0.0 VERIFYING>STAGING 3.0.0 STAGING>SWITCHING 3.0.0" \
		"SWITCHING>HEALTH_CHECK 3.0.0 HEALTH_CHECK>ROLLING_BACK 3.0.0 ROLLING_BACK>IDLE 3.0.0"
}

@test "history (text): one line per transition with its from and to states and version" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 unhealthy
	run agent install "$BUNDLE"
	assert_status 15
	run --separate-stderr agent history
	assert_status 0
	local text=("${lines[@]}") i=0 pair from to v
	mapfile -t pairs < <(history_pairs)
	[ "${#text[@]}" -eq "${#pairs[@]}" ]
	[ "${#pairs[@]}" -eq 12 ]
	for pair in "${pairs[@]}"; do
		from=${pair%%>*} to=${pair#*>} v=${pair#* }
		to=${to%% *}
		[[ "${text[$i]}" == *"$from"*"$to"* ]] || { echo "line $i: ${text[$i]}; want $pair" >&2; false; }
		[ "$v" = - ] || [[ "${text[$i]}" == *"$v"* ]] ||
			{ echo "line $i: ${text[$i]}; want $pair" >&2; false; }
		i=$((i + 1))
	done
}

@test "a promotion keeps the release it replaces as the previous good one" {
	install_ok 1.0.0 good
	assert_absent "$APP/.previous-good"
	install_ok 2.0.0 good
	assert_link .previous-good 1.0.0
	run agent status --json
	[ "$(jget 'j["previous_good"]')" = 1.0.0 ]
	install_ok 3.0.0 good
	assert_link .previous-good 2.0.0
}

@test "rollback when current is the last good release and healthy: exit 0, restarted and checked, nothing moves" {
	install_ok 1.0.0 good INDEX=1
	install_ok 1.1.0 good INDEX=1
	local before
	before=$(history_pairs | wc -l)
	run agent rollback
	assert_status 0
	assert_output_matches '^already on the last good release 1\.1\.0, and it passes its health checks$'
	assert_current 1.1.0
	assert_link .previous-good 1.0.0
	assert_serving 1.1.0
	[ "$(history_pairs | wc -l)" -eq "$before" ]
}

@test "rollback when the last good release itself fails: back to the previous good one, the failing one demoted" {
	install_ok 1.0.0 good INDEX=1
	install_ok 1.1.0 good INDEX=1
	break_release 1.1.0
	run agent rollback
	assert_status 0
	assert_output_matches '^rolled back from 1\.1\.0 to 1\.0\.0$'
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_absent "$APP/.previous-good"
	assert_serving 1.0.0
	[ "$(history_tail 2)" = 'IDLE>ROLLING_BACK 1.1.0 ROLLING_BACK>IDLE 1.1.0' ]
	run agent history
	assert_output_matches 'the last good release 1\.1\.0 fails \(.*selftest: broken\); falling back to the previous good 1\.0\.0'
	assert_output_matches 'rolled back to 1\.0\.0; 1\.1\.0 is no longer a good release'
	assert_invariants
}

@test "rollback from the last good release refused by the rollback index: exit 14, nothing moves" {
	install_ok 1.0.0 good INDEX=1
	install_ok 2.0.0 good INDEX=2
	break_release 2.0.0
	local before
	before=$(history_pairs | wc -l)
	run --separate-stderr agent rollback
	assert_status 14
	assert_error_line 'not falling back to the previous good release 1\.0\.0: its rollback index 1 is below 2'
	assert_current 2.0.0
	assert_last_good 2.0.0
	[ "$(history_pairs | wc -l)" -eq "$before" ]
	mend_release 2.0.0
	assert_invariants
}

@test "rollback from the only good release, failing: exit 3, nothing to fall back to, nothing moves" {
	install_ok 1.0.0 good
	break_release 1.0.0
	run --separate-stderr agent rollback
	assert_status 3
	assert_error_line '1\.0\.0 is the last good release, fails \(.*\), and no earlier good release is on disk'
	assert_current 1.0.0
	mend_release 1.0.0
	assert_invariants
}

@test "rollback on a device with nothing installed: exit 0, says it waits for a first install" {
	run agent rollback
	assert_status 0
	assert_output_matches '^nothing installed yet: no release to roll back to, waiting for a first install$'
	assert_absent "$APP/current"
}

@test "pruning never removes the previous good release, even when it is the oldest" {
	write_config KEEP_RELEASES=2
	install_ok 1.0.0 good INDEX=1
	install_ok 1.1.0 good INDEX=1
	break_release 1.1.0
	run agent rollback # 1.1.0 demoted, still on disk
	assert_status 0
	install_ok 1.2.0 good INDEX=1
	assert_link .previous-good 1.0.0
	run ls "$APP/releases"
	[ "$output" = "$(printf '1.0.0\n1.2.0')" ]
	assert_invariants
}

@test "rollback switches current back to last-good and restarts the service on it" {
	install_ok 1.0.0 good
	install_ok 2.0.0 good
	# current moved by hand (a technician, a half-done tool): not proven
	ln -sfn releases/1.0.0 "$APP/current"
	run agent rollback
	assert_status 0
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_serving 2.0.0
	history_pairs | grep -q '>ROLLING_BACK'
	[ "$(history_pairs | tail -n 1 | cut -d' ' -f1)" = 'ROLLING_BACK>IDLE' ]
	assert_invariants
}

@test "config with an unknown key: exit 16, FILE:LINE in the message, nothing installed" {
	write_config EXTRA='colour: blue'
	make_bundle 1.0.0 good
	run --separate-stderr agent install "$BUNDLE"
	assert_status 16
	assert_error_line "agent\.yaml:$(wc -l <"$ROOT/etc/ota/agent.yaml"):.*colour"
	assert_absent "$APP/current"
	assert_absent "$APP/releases/1.0.0"
}

@test "config with an unknown key inside health: exit 16 with its line" {
	write_config
	sed -i 's/^  interval:/  intervall:/' "$ROOT/etc/ota/agent.yaml"
	run --separate-stderr agent status
	assert_status 16
	assert_error_line "agent\.yaml:$(grep -n intervall "$ROOT/etc/ota/agent.yaml" | cut -d: -f1):"
}

@test "config with a bad value (health.timeout: soon): exit 16 with its line" {
	write_config HEALTH_TIMEOUT=soon
	run --separate-stderr agent status
	assert_status 16
	assert_error_line "agent\.yaml:$(grep -n 'timeout: soon' "$ROOT/etc/ota/agent.yaml" | cut -d: -f1):"
}

@test "config paths cannot leave --root: app_dir /opt/../../.. refused (16); /opt/./app//x/.. normalised under the root" {
	write_config
	sed -i "s|^app_dir: .*|app_dir: /opt/../../../$T/escaped|" "$ROOT/etc/ota/agent.yaml"
	make_bundle 1.0.0 good
	run --separate-stderr agent install "$BUNDLE"
	assert_status 16
	assert_error_line "agent\.yaml:2: app_dir: '/opt/\.\./\.\./\.\./.*/escaped' climbs above '/' \(out of --root\)"
	assert_absent "$T/escaped"
	sed -i "s|^app_dir: .*|app_dir: /opt/./app//x/..|" "$ROOT/etc/ota/agent.yaml"
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
}

@test "a second install while one runs: exit 13 naming the lock; the first completes 0" {
	install_ok 1.0.0 good
	write_config HEALTH_TIMEOUT=6 HEALTH_STABLE=2.5
	make_bundle 3.0.0 good
	local second=$BUNDLE
	make_bundle 2.0.0 good
	agent install "$BUNDLE" >"$T/first.out" 2>&1 &
	BG_PIDS=$!
	wait_for_state VERIFYING STAGING SWITCHING HEALTH_CHECK
	run --separate-stderr agent install "$second"
	assert_status 13
	assert_error_line 'lock'
	local st=0
	wait "$BG_PIDS" || st=$?
	BG_PIDS=""
	[ "$st" -eq 0 ] || { echo "first install exited $st: $(cat "$T/first.out")" >&2; false; }
	assert_current 2.0.0
	assert_last_good 2.0.0
	assert_nothing_staged 3.0.0
	assert_invariants
}

@test "recover while an install holds the lock: exit 0, says the run owns the state; the install completes" {
	install_ok 1.0.0 good
	write_config HEALTH_TIMEOUT=6 HEALTH_STABLE=2.5
	make_bundle 2.0.0 good
	agent install "$BUNDLE" >"$T/first.out" 2>&1 &
	BG_PIDS=$!
	wait_for_state VERIFYING STAGING SWITCHING HEALTH_CHECK
	run --separate-stderr agent recover
	assert_status 0
	assert_output_matches '^nothing to recover now: .*another ota-agent run holds the lock \(pid [0-9]+\), which finishes or undoes its own run$'
	local st=0
	wait "$BG_PIDS" || st=$?
	BG_PIDS=""
	[ "$st" -eq 0 ] || { echo "install exited $st: $(cat "$T/first.out")" >&2; false; }
	assert_current 2.0.0
	assert_invariants
}

@test "disk full while staging (ulimit -f 200, a 2 MB file): not enough space (17), current untouched, nothing left" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good HOOK=add_2mb_file
	run --separate-stderr bash -c \
		'trap "" XFSZ; ulimit -f 200; exec ota-agent --root "$1" install "$2" 3>&-' _ "$ROOT" "$BUNDLE"
	assert_status 17
	assert_error_line '([Ff]ile too large|space|[Ff]ull)'
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_nothing_staged 2.0.0
	assert_invariants
	run agent status --json
	[ "$(jget 'j["state"]')" = IDLE ]
}

@test "a symlinked state_dir/lock is not followed: refused (3), the file it names untouched" {
	make_bundle 1.0.0 good
	mkdir -p "$STATE/manifests"
	printf 'precious\n' >"$T/victim"
	ln -s "$T/victim" "$STATE/lock"
	run --separate-stderr agent install "$BUNDLE"
	assert_status 3
	[ "$stderr" = "ota-agent: $STATE/lock: a symbolic link, not followed" ]
	[ "$(cat "$T/victim")" = precious ]
	assert_absent "$APP/current"
}

@test "a symlinked history.jsonl, state.json or trust state is not followed: refused, the file it names untouched" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good
	cp "$STATE/history.jsonl" "$T/victim"
	cp "$T/victim" "$T/victim.before"
	mv "$STATE/history.jsonl" "$T/history.real"
	ln -s "$T/victim" "$STATE/history.jsonl"
	run --separate-stderr agent install "$BUNDLE"
	assert_status 3
	assert_error_line "history.jsonl: a symbolic link, not followed"
	cmp "$T/victim" "$T/victim.before"
	assert_current 1.0.0
	rm "$STATE/history.jsonl" && mv "$T/history.real" "$STATE/history.jsonl"
	mv "$STATE/state.json" "$T/state.real" 2>/dev/null || printf '{}' >"$T/state.real"
	ln -s "$T/state.real" "$STATE/state.json"
	run --separate-stderr agent status
	assert_status 3
	assert_error_line "state.json: a symbolic link, not followed"
	rm "$STATE/state.json"
	ln -s "$T/victim" "$STATE/trust.ota"
	run --separate-stderr agent install "$BUNDLE"
	assert_status 3
	assert_error_line "trust.ota: a symbolic link, not followed"
	cmp "$T/victim" "$T/victim.before"
	assert_current 1.0.0
}

@test "a symlinked state_dir or manifests/ is refused (3), nothing written through it" {
	make_bundle 1.0.0 good
	mkdir -p "$T/elsewhere/manifests"
	ln -s "$T/elsewhere" "$STATE"
	run --separate-stderr agent install "$BUNDLE"
	assert_status 3
	[ "$stderr" = "ota-agent: $STATE: a symbolic link, not followed" ]
	rm "$STATE" && mkdir "$STATE"
	ln -s "$T/elsewhere/manifests" "$STATE/manifests"
	run --separate-stderr agent install "$BUNDLE"
	assert_status 3
	[ "$stderr" = "ota-agent: $STATE/manifests: a symbolic link, not followed" ]
	[ -z "$(ls -A "$T/elsewhere/manifests")" ]
	assert_absent "$APP/current"
}

@test "a FIFO named *.pub in the agent's keys directory fails closed at once (3), nothing staged" {
	make_bundle 1.0.0 good
	mkfifo "$ROOT/etc/ota/keys/evil.pub"
	run --separate-stderr timeout 20 "$OTA_BIN/ota-agent" --root "$ROOT" install "$BUNDLE"
	assert_status 3
	assert_error_line "keys/evil\.pub: not a regular file"
	assert_nothing_staged 1.0.0
	assert_absent "$APP/current"
}
