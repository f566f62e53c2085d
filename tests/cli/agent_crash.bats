#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent killed mid-install, then `recover`: the design's atomicity and
# recoverability.  (a) OTA_AGENT_FAULT_AFTER=STATE kills the agent right
# after the work of each state; (b) kill -9 at 25 moments spread over a
# whole install of a release of ~200 files and 3 MB.  After every kill
# `recover` must leave check_release.py's invariants and a current release
# that was proven healthy: 1.0.0, or 2.0.0 only once it had been promoted.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

# The releases are built once for the file: 1.0.0, 2.0.0 and 3.0.0 good,
# 2.0.0 unhealthy, and a big good 2.0.0.
setup_file() {
	local T=$BATS_FILE_TMPDIR
	make_key k
	make_bundle 1.0.0 good DIR="$T"
	make_bundle 2.0.0 good DIR="$T"
	make_bundle 3.0.0 good DIR="$T"
	make_bundle 2.0.0 unhealthy DIR="$T"
	make_bundle 2.0.0 good DIR="$T" NAME=big HOOK=add_200_files
}

setup() {
	helpers_setup
	cp "$BATS_FILE_TMPDIR/k.key" "$BATS_FILE_TMPDIR/k.pub" "$T/"
	agent_setup
	write_config HEALTH_TIMEOUT=2
	B=$BATS_FILE_TMPDIR
}


# 200 files of 16 KiB in 10 directories: staging takes measurable time.
add_200_files() {
	python3 - "$1/share/data" <<-'EOF'
		import os, sys
		for d in range(10):
		    os.makedirs(os.path.join(sys.argv[1], "d%d" % d))
		    for f in range(20):
		        with open(os.path.join(sys.argv[1], "d%d" % d, "f%02d" % f), "wb") as out:
		            out.write(os.urandom(16384))
	EOF
}

# The agent with fault injection after state $1.
agent_fault() {
	OTA_AGENT_FAULT_AFTER=$1 ota-agent --root "$ROOT" "${@:2}" 3>&-
}

# Install bundle $1, which must be promoted.
install_bundle() {
	run agent install "$1"
	[ "$status" -eq 0 ] || { echo "install $1: exit $status: $output" >&2; false; }
}

# fault_after STATE BUNDLE WANT: on 1.0.0, install BUNDLE killed right
# after STATE; it dies of SIGKILL with STATE on record; recover exits 0,
# records the recovery (from STATE to IDLE) and leaves WANT current and
# last good with the invariants; then a newer good release installs.
fault_after() {
	local state=$1 bundle=$2 want=$3 last k
	install_bundle "$B/app-1.0.0-good.bundle"
	run agent_fault "$state" install "$bundle"
	assert_status 137
	run agent status --json
	[ "$(jget 'j["state"]')" = "$state" ] || { echo "state after the kill: $output" >&2; false; }
	last=$(history_pairs | tail -n 1)
	[[ "$last" == *">$state "* ]] || { echo "last transition before the kill: $last" >&2; false; }
	k=$(history_pairs | wc -l)
	run agent recover
	assert_status 0
	assert_invariants
	assert_current "$want"
	assert_last_good "$want"
	run agent status --json
	[ "$(jget 'j["state"]')" = IDLE ]
	mapfile -t new < <(history_pairs | tail -n +$((k + 1)))
	[ "${#new[@]}" -ge 1 ] || { echo "recover recorded nothing: $(history_pairs)" >&2; false; }
	[[ "${new[0]}" == "$state>"* ]] || { echo "recovery does not start from $state: ${new[*]}" >&2; false; }
	[[ "${new[-1]}" == *">IDLE "* ]] || { echo "recovery does not end IDLE: ${new[*]}" >&2; false; }
	if [ "$want" = 1.0.0 ]; then
		install_bundle "$B/app-2.0.0-good.bundle"
		assert_current 2.0.0
	else
		install_bundle "$B/app-3.0.0-good.bundle"
		assert_current 3.0.0
	fi
	assert_invariants
}

@test "recover with nothing interrupted: exit 0, nothing recorded, nothing moves" {
	install_bundle "$B/app-1.0.0-good.bundle"
	local before
	before=$(history_pairs)
	run agent recover
	assert_status 0
	[ "$(history_pairs)" = "$before" ]
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_invariants
}

@test "killed after VERIFYING: recover keeps 1.0.0, 2.0.0 installs afterwards" {
	fault_after VERIFYING "$B/app-2.0.0-good.bundle" 1.0.0
}

@test "killed after STAGING: recover keeps 1.0.0 (staged, never switched), 2.0.0 installs afterwards" {
	fault_after STAGING "$B/app-2.0.0-good.bundle" 1.0.0
}

@test "killed after SWITCHING: recover goes back to 1.0.0 (switched, never checked)" {
	fault_after SWITCHING "$B/app-2.0.0-good.bundle" 1.0.0
}

@test "killed after HEALTH_CHECK: recover goes back to 1.0.0 (checked, never promoted)" {
	fault_after HEALTH_CHECK "$B/app-2.0.0-good.bundle" 1.0.0
}

@test "killed after PROMOTED: recover finishes the promotion of 2.0.0, 3.0.0 installs afterwards" {
	fault_after PROMOTED "$B/app-2.0.0-good.bundle" 2.0.0
}

@test "killed on entering PROMOTED: recover promotes 2.0.0 and records its rollback index" {
	install_bundle "$B/app-1.0.0-good.bundle"
	run env OTA_AGENT_FAULT_ENTER=PROMOTED ota-agent --root "$ROOT" install "$B/app-2.0.0-good.bundle" 3>&-
	assert_status 137
	run agent status --json
	[ "$(jget 'j["state"]')" = PROMOTED ]
	[ "$(jget 'j["rollback_index"]')" = 1 ]
	run agent recover
	assert_status 0
	assert_invariants
	assert_current 2.0.0
	assert_last_good 2.0.0
	run agent status --json
	[ "$(jget 'j["rollback_index"]')" = 2 ]
	make_bundle 2.1.0 good INDEX=1
	run agent install "$BUNDLE"
	assert_status 14
	assert_output_matches 'rollback index 1 is lower than 2'
	assert_current 2.0.0
}

@test "killed after ROLLING_BACK of an unhealthy 2.0.0: recover finishes on 1.0.0, a good 2.0.0 installs" {
	fault_after ROLLING_BACK "$B/app-2.0.0-unhealthy.bundle" 1.0.0
}

@test "a fall-back from a failing last good release killed on entering ROLLING_BACK: recover ends on a good release, and the fall-back works after" {
	make_bundle 1.0.0 good INDEX=1
	install_bundle "$BUNDLE"
	make_bundle 1.1.0 good INDEX=1
	install_bundle "$BUNDLE"
	break_release 1.1.0
	run env OTA_AGENT_FAULT_ENTER=ROLLING_BACK ota-agent --root "$ROOT" rollback 3>&-
	assert_status 137
	run agent recover
	assert_status 0
	# Cut before the demotion: still on 1.1.0, and the fall-back works then.
	assert_current 1.1.0
	assert_last_good 1.1.0
	run agent rollback
	assert_status 0
	assert_current 1.0.0
	assert_last_good 1.0.0
	assert_invariants
}

@test "killed in pruning, an old release moved away but not deleted (PRUNE): recover sweeps it, the new release promoted" {
	local v
	for v in 1.0.0 2.0.0 3.0.0; do
		make_bundle "$v" good
		install_bundle "$BUNDLE"
	done
	make_bundle 4.0.0 good
	run agent_fault PRUNE install "$BUNDLE"
	assert_status 137
	run agent recover
	assert_status 0
	assert_invariants
	assert_current 4.0.0
	assert_last_good 4.0.0
	assert_link .previous-good 3.0.0
	[ ! -e "$APP/releases/1.0.0" ]
}

# Wait (at most 5 s) until no agent child orphaned by a kill is still
# restarting the service: a power cut would have ended it too.
wait_orphans() {
	local i pid busy
	for i in $(seq 50); do
		busy=""
		for pid in $(survivors); do
			grep -qa 'service\.sh.restart' "/proc/$pid/cmdline" 2>/dev/null && busy=1
		done
		[ -z "$busy" ] && return 0
		sleep 0.1
	done
}

@test "kill -9 at 25 moments of an install (200 files, 3 MB): recover always leaves a proven, complete release" {
	local i n=25 d t0 t1 full pid st cur killed=0 promoted=0 hit=" "
	install_bundle "$B/app-1.0.0-good.bundle"
	cp -a "$ROOT" "$T/snapshot"
	t0=$(now)
	install_bundle "$B/big.bundle"
	t1=$(now)
	full=$(python3 -c "print($t1 - $t0)")
	# Back to the device as it was with 1.0.0 installed (a copy taken then):
	# 2.0.0 cannot be installed over itself.
	restore() {
		OTA_APP_DIR="$APP" "$SERVICE" stop >/dev/null 2>&1 3>&-
		rm -rf "$ROOT"
		cp -a "$T/snapshot" "$ROOT"
	}
	restore
	for i in $(seq 0 $((n - 1))); do
		# From 0 to a little past a whole install, denser early on, where
		# verifying, staging and switching are short.
		d=$(python3 -c "print(round(1.25 * $full * ($i / ($n - 1)) ** 2, 3))")
		# A kill inside LeakSanitizer's check at exit leaves a report of
		# its own failure (make check-sanitize): no leak check for these.
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
			ota-agent --root "$ROOT" install "$B/big.bundle" >"$T/kill.out" 2>&1 3>&- &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2>/dev/null || true
		st=0
		wait "$pid" || st=$?
		[ "$st" -eq 137 ] || [ "$st" -eq 0 ] ||
			{ echo "kill after ${d}s: install exited $st: $(cat "$T/kill.out")" >&2; false; }
		run agent status --json
		assert_status 0
		[ "$st" -ne 137 ] || [ "$(jget 'j["state"]')" = IDLE ] || {
			killed=$((killed + 1))
			hit="$hit$(jget 'j["state"]') "
		}
		wait_orphans
		run agent recover
		[ "$status" -eq 0 ] || { echo "kill after ${d}s: recover exited $status: $output" >&2; false; }
		assert_invariants || { echo "kill after ${d}s" >&2; false; }
		cur=$(link_version current)
		case $cur in
		1.0.0 | 2.0.0) ;;
		*) echo "kill after ${d}s: current is $cur" >&2; false ;;
		esac
		assert_last_good "$cur" || { echo "kill after ${d}s: current $cur is not proven" >&2; false; }
		if [ "$cur" = 2.0.0 ]; then
			promoted=$((promoted + 1))
			restore
		fi
	done
	echo "# full install ${full}s; $killed of $n kills landed mid-run (in" \
		$(printf '%s\n' $hit | sort | uniq -c | tr '\n' ' ')"); $promoted ended on 2.0.0" >&3
	# The kills must have landed inside the run, not only before or after.
	[ "$killed" -ge $((n / 3)) ]
	[ "$(printf '%s\n' $hit | sort -u | wc -l)" -ge 2 ]
}
