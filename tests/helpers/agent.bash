# SPDX-License-Identifier: Apache-2.0
# agent.bash - a whole device in the test's temp dir for the ota-agent
# suites: its root, config and trusted key,
# signed releases of the example service, the example service itself on a
# port of its own, and the assertions every agent test shares.  Load after
# common.bash: `load ../helpers/common` then `load ../helpers/agent`.
#
#   $ROOT      the device root (--root); $APP and $STATE are its app and
#              state dirs (/opt/app, /var/lib/ota under it)
#   $T/k.key   the release key, trusted by the device ($ROOT/etc/ota/keys)
#
# The service is examples/app/service.sh, run by the agent with OTA_RUN_DIR,
# OTA_APP_PORT and OTA_EXAMPLES from here; agent_teardown stops it and fails
# the test if any process the test started outlives it.

OTA_REPO=$(cd "$TESTS_DIR/.." && pwd)
export OTA_EXAMPLES="$OTA_REPO/examples"
export OTA_EXAMPLE_BIN="${OTA_EXAMPLE_BIN:-$OTA_REPO/build/examples}"
SERVICE="$OTA_EXAMPLES/app/service.sh"
CHECK_RELEASE="$TESTS_DIR/tools/check_release.py"
BG_PIDS=""

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# agent_setup: after helpers_setup: a device at $T/root with nothing
# installed, trusting k.
agent_setup() {
	ROOT=$T/root
	APP=$ROOT/opt/app
	STATE=$ROOT/var/lib/ota
	# A device's root has /opt and /var/lib; the agent makes its own dirs in them.
	mkdir -p "$ROOT/etc/ota/keys" "$ROOT/opt" "$ROOT/var/lib"
	[ -f "$T/k.key" ] || make_key k
	cp "$T/k.pub" "$ROOT/etc/ota/keys/k.pub"
	OTA_APP_PORT=$(free_port)
	export OTA_APP_PORT OTA_RUN_DIR="$T/run"
	write_config
}

# agent_teardown: kill what the test left in the background, stop the
# service, then fail if a process started by this test is still alive
# (they all carry OTA_RUN_DIR=$T/run in their environment).
agent_teardown() {
	local pid left i
	for pid in $BG_PIDS; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	BG_PIDS=""
	[ -x "$SERVICE" ] && OTA_APP_DIR="$APP" "$SERVICE" stop >/dev/null 2>&1 3>&-
	for i in $(seq 30); do
		left=$(survivors)
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	for pid in $left; do
		echo "still running after service.sh stop: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
		kill -9 "$pid" 2>/dev/null
	done
	return 1
}

# The pids of live processes whose environment holds this test's OTA_RUN_DIR.
survivors() {
	python3 - "OTA_RUN_DIR=$T/run" <<-'EOF'
		import os, sys
		want = sys.argv[1].encode()
		for pid in os.listdir("/proc"):
		    if not pid.isdigit() or int(pid) in (os.getpid(), os.getppid()):
		        continue
		    try:
		        with open("/proc/%s/environ" % pid, "rb") as f:
		            if want in f.read().split(b"\0"):
		                print(pid)
		    except OSError:
		        pass
	EOF
}

# write_config [NAME=VALUE...]: the device's agent.yaml; NAME one of
# KEEP_RELEASES, HEALTH_TIMEOUT, HEALTH_INTERVAL, HEALTH_STABLE, EXTRA (a
# line appended at the end).  Health failures cost HEALTH_TIMEOUT seconds.
write_config() {
	local KEEP_RELEASES=3 HEALTH_TIMEOUT=2.5 HEALTH_INTERVAL=0.2 HEALTH_STABLE=0.4 EXTRA=""
	[ $# -eq 0 ] || local "$@"
	cat >"$ROOT/etc/ota/agent.yaml" <<-EOF
		device_class: edge-gw-v2
		app_dir: /opt/app
		state_dir: /var/lib/ota
		keys: /etc/ota/keys
		keep_releases: $KEEP_RELEASES
		service:
		  restart: "\$OTA_EXAMPLES/app/service.sh restart"
		  restart_count: "\$OTA_EXAMPLES/app/service.sh restarts"
		health:
		  timeout: $HEALTH_TIMEOUT
		  interval: $HEALTH_INTERVAL
		  stable: $HEALTH_STABLE
		  tcp_port: $OTA_APP_PORT
		  http_url: http://127.0.0.1:$OTA_APP_PORT/health
		  command: "\$OTA_APP_DIR/current/bin/selftest"
	EOF
	[ -z "$EXTRA" ] || printf '%s\n' "$EXTRA" >>"$ROOT/etc/ota/agent.yaml"
}

# make_bundle VERSION [MODE [NAME=VALUE...]]: a release of the example
# service built by examples/make-release.sh (MODE good, unhealthy, crash or
# selftest-fail), bundled and signed, at $BUNDLE = $DIR/$NAME.bundle.
#   INDEX   rollback index (default: the major version)
#   TARGET  device class (default edge-gw-v2)
#   KEY     signing key $DIR/KEY.key (default k)
#   HOOK    a function called with the release tree before bundling
#   NAME    file name (default app-VERSION-MODE); DIR (default $T)
make_bundle() {
	local v=$1 mode=${2:-good}
	shift 2 || shift $#
	local INDEX=${v%%.*} TARGET=edge-gw-v2 KEY=k HOOK="" NAME="app-$v-$mode" DIR="$T"
	[ $# -eq 0 ] || local "$@"
	local tree="$DIR/tree-$NAME"
	BUNDLE="$DIR/$NAME.bundle"
	rm -rf "$tree" "$BUNDLE"
	"$OTA_EXAMPLES/make-release.sh" "$v" "$mode" "$tree" "$OTA_EXAMPLE_BIN/gateway" >/dev/null ||
		{ echo "make-release.sh $v $mode failed" >&2; return 1; }
	[ -z "$HOOK" ] || "$HOOK" "$tree" || return 1
	ota-bundle create --tree "$tree" --version "$v" --target "$TARGET" \
		--rollback-index "$INDEX" --out "$BUNDLE" >/dev/null || return 1
	ota-sign --key "$DIR/$KEY.key" "$BUNDLE" >/dev/null
}

# The agent on this device.  fd 3 (bats' own) is closed so that the service
# it starts cannot hold the test open.
agent() {
	ota-agent --root "$ROOT" "$@" 3>&-
}

# install_ok VERSION [MODE [NAME=VALUE...]]: build and install a release
# that must be promoted.
install_ok() {
	make_bundle "$@" || return 1
	run agent install "$BUNDLE"
	if [ "$status" -ne 0 ]; then
		echo "installing $1 failed with $status: $output" >&2
		return 1
	fi
}

# The version the link $1 (current, .last-good) resolves to: the name of
# the releases/ directory it lands on, however the link is spelled.
link_version() {
	local p
	p=$(readlink -e "$APP/$1") || return 1
	[ "$(dirname "$p")" = "$(readlink -e "$APP/releases")" ] || return 1
	basename "$p"
}

assert_link() { # LINK VERSION
	local have
	have=$(link_version "$1") || have="(not a release)"
	if [ "$have" != "$2" ]; then
		echo "expected $1 -> releases/$2, found $have" >&2
		return 1
	fi
}
assert_current() { assert_link current "$1"; }
assert_last_good() { assert_link .last-good "$1"; }

# The device invariants (check_release.py) hold.
assert_invariants() {
	local out
	if ! out=$(python3 "$CHECK_RELEASE" "$ROOT" 2>&1); then
		echo "device invariants broken:" >&2
		printf '%s\n' "$out" >&2
		return 1
	fi
}

# A refused VERSION left nothing: no release dir, no manifest, no temp entry.
assert_nothing_staged() {
	assert_absent "$APP/releases/$1" || return 1
	assert_absent "$STATE/manifests/$1.json" || return 1
	local e
	for e in "$APP"/.* "$APP"/* "$APP"/releases/.* "$APP"/releases/*; do
		case ${e##*/} in
		*.tmp* | .staging*)
			echo "temporary entry left: $e" >&2
			return 1
			;;
		esac
	done
}

# The last `run --separate-stderr` printed exactly one line on stderr,
# "ota-agent: ..." matching the extended regex $1.
assert_error_line() {
	if [ "${#stderr_lines[@]}" -ne 1 ] ||
		! printf '%s\n' "$stderr" | grep -Eq -- "^ota-agent: .*$1"; then
		echo "expected one line 'ota-agent: ...$1' on stderr, got: $stderr" >&2
		return 1
	fi
}

# The history as "FROM>TO VERSION" lines, oldest first (from `history --json`);
# VERSION "-" when the record has none (IDLE>VERIFYING: the version is not
# known before the manifest's signature is verified).
history_pairs() {
	agent history --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    print("%s>%s %s" % (r["from"], r["to"], r["version"] or "-"))'
}

# The last $1 history lines joined by spaces: "IDLE>VERIFYING 2.0.0 ...".
history_tail() {
	history_pairs | tail -n "$1" | tr '\n' ' ' | sed 's/ $//'
}

# The states of the last $1 transitions: "IDLE>VERIFYING VERIFYING>IDLE".
history_states() {
	history_pairs | tail -n "$1" | cut -d' ' -f1 | tr '\n' ' ' | sed 's/ $//'
}

# The transitions of one good install of $1, as history_tail prints them.
promoted_sequence() {
	local v=$1
	echo "IDLE>VERIFYING $v VERIFYING>STAGING $v STAGING>SWITCHING $v" \
		"SWITCHING>HEALTH_CHECK $v HEALTH_CHECK>PROMOTED $v PROMOTED>IDLE $v"
}

# The whole history is exactly the transitions given ("FROM>TO VERSION"
# words, as history_tail prints them), but for the version of IDLE>VERIFYING,
# which may be "-".
assert_history() {
	local have want=$* alt
	have=$(history_tail 1000)
	alt=$(printf '%s' "$want" | sed -E 's/IDLE>VERIFYING [^ ]+/IDLE>VERIFYING -/g')
	if [ "$have" != "$want" ] && [ "$have" != "$alt" ]; then
		printf 'history:\n  %s\nexpected:\n  %s\n' "$have" "$want" >&2
		return 1
	fi
}

# GET http://127.0.0.1:$OTA_APP_PORT$1: the body on stdout, non-zero unless 2xx.
http_get() {
	python3 - "http://127.0.0.1:$OTA_APP_PORT$1" <<-'EOF'
		import sys, urllib.request
		direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
		try:
		    with direct.open(sys.argv[1], timeout=2) as r:
		        sys.stdout.write(r.read().decode("utf-8", "replace"))
		except Exception as e:
		    sys.stderr.write("%s: %s\n" % (sys.argv[1], e))
		    sys.exit(1)
	EOF
}

# The service answers /health and its /version is $1, within 5 s (a
# rollback restarts the service without waiting for it).
assert_serving() {
	local i body=""
	for i in $(seq 50); do
		if http_get /health >/dev/null 2>&1 && body=$(http_get /version 2>&1) &&
			[ "$body" = "$1" ]; then
			return 0
		fi
		sleep 0.1
	done
	echo "the service does not answer /health with version $1 (last /version: $body)" >&2
	return 1
}

# Seconds since the epoch, with decimals.
now() { date +%s.%N; }

# Poll `status --json` (no lock taken) until the run in progress is in
# one of the states given, for at most 10 s.
wait_for_state() {
	local i
	for i in $(seq 100); do
		run agent status --json
		[ "$status" -eq 0 ] && [[ " $* " == *" $(jget 'j["state"]') "* ]] && return 0
		sleep 0.1
	done
	echo "the run never reached $*: $output" >&2
	return 1
}

# paused_agent POINT OUT ARGS...: ota-agent ARGS in the background, its
# output in OUT, stopped (SIGSTOP) at fault point POINT (lib/fault.h), so
# a test acts at exactly that step; $PID is the agent.  Fails if it does
# not stop there within 10 s.
paused_agent() {
	local point=$1 out=$2 i
	shift 2
	OTA_AGENT_FAULT_AFTER=$point OTA_AGENT_FAULT_SIGNAL=STOP \
		ota-agent --root "$ROOT" "$@" >"$out" 2>&1 3>&- &
	PID=$!
	BG_PIDS="$BG_PIDS $PID"
	for i in $(seq 200); do
		[ "$(cut -d' ' -f3 "/proc/$PID/stat" 2>/dev/null)" = T ] && return 0
		sleep 0.05
	done
	echo "the agent never stopped at $point: $(cat "$out")" >&2
	return 1
}

# resume_paused PID STATUS OUT: let the agent paused_agent stopped go on,
# wait for it, and fail unless it exited STATUS (its output OUT shown).
resume_paused() {
	local st=0
	kill -CONT "$1"
	wait "$1" || st=$?
	[ "$st" -eq "$2" ] || { echo "the agent exited $st, not $2: $(cat "$3")" >&2; return 1; }
}

# A make_bundle HOOK: 2 MiB more in the release.
add_2mb_file() { head -c 2097152 /dev/urandom >"$1/share/blob"; }

# break_release VERSION: the release on the device fails its self-test from
# now on (what a release that worked for weeks and then breaks looks
# like); mend_release VERSION puts its own self-test back.  Releases are
# read-only and share unchanged files (one inode in several releases), so
# the file is replaced, never written in place: the other releases keep
# theirs.
break_release() {
	chmod u+w "$APP/releases/$1/bin"
	cp -p "$APP/releases/$1/bin/selftest" "$T/selftest-$1"
	rm -f "$APP/releases/$1/bin/selftest"
	printf '#!/bin/sh\necho broken >&2\nexit 1\n' >"$APP/releases/$1/bin/selftest"
	chmod 555 "$APP/releases/$1/bin/selftest"
}
mend_release() {
	rm -f "$APP/releases/$1/bin/selftest"
	cp -p "$T/selftest-$1" "$APP/releases/$1/bin/selftest"
}

# tamper RELEASE-PATH [TEXT]: append TEXT to a file of a release, as damage
# on disk does: in place, so every release sharing that file sees it
# (made writable first: releases are read-only, and tests run unprivileged
# too).
tamper() {
	chmod u+w "$1"
	printf '%s' "${2:-# tampered}" >>"$1"
}

# The setup and teardown of an agent suite: a fresh device per test.
agent_suite_setup() {
	helpers_setup
	agent_setup
}
setup() { agent_suite_setup; }
teardown() { agent_teardown; }

# make_trust_file PATH SEQ THRESHOLD "KEYS" SIGNERS...: a trust file at
# PATH naming KEYS (e.g. "a b d": a.pub b.pub d.pub) for target $TARGET
# (default '*'), signed by SIGNERS (their .key files).
make_trust_file() {
	local path=$1 seq=$2 m=$3 keys=$4 k
	shift 4
	local -a pubs=()
	for k in $keys; do pubs+=("$k.pub"); done
	ota-keytool trust create --sequence "$seq" --threshold "$m" --target "${TARGET:-*}" \
		--out "$path" "${pubs[@]}" >/dev/null
	for k in "$@"; do ota-keytool trust sign --key "$k.key" "$path" >/dev/null; done
}

# The reasons of the history records that applying trust files wrote.
trust_history() {
	agent history --json | python3 -c '
import json, sys
for r in json.load(sys.stdin):
    if r["reason"].startswith("trust"):
        print(r["reason"])'
}
