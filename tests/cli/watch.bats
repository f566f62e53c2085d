#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent watch (and poll without --once), the daemons: a real datagram
# socket in the test (tests/tools/notify_listen.py) stands in for
# systemd's NOTIFY_SOCKET and must receive READY=1, STATUS=, WATCHDOG=1
# pings (also while an install runs, none for another WATCHDOG_PID, none
# once the main thread hangs) and STOPPING=1; SIGTERM and SIGINT end the
# daemon with exit 0, also in the middle of a download.
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	mkdir -p "$T/www"
}


# watch_config [EXTRA lines of the watch mapping]: watch every second, quick retries.
watch_config() {
	write_config "$@" EXTRA="$(printf 'watch:\n  interval: 1\n  retries: 1\n  retry_delay: 0.2\n%s' "${WATCH_EXTRA:-}")"
}

# start_daemon ARGS...: ota-agent ARGS in the background, with the
# environment given in $DAEMON_ENV ("NAME=value ..."); $DPID is its pid.
start_daemon() {
	# shellcheck disable=SC2086
	env ${DAEMON_ENV:-} ota-agent --root "$ROOT" "$@" >"$T/daemon.out" 2>"$T/daemon.err" 3>&- &
	DPID=$!
	BG_PIDS="$BG_PIDS $DPID"
}

# stop_daemon SIGNAL: send it, then the daemon's exit status is $status.
stop_daemon() {
	kill -"$1" "$DPID"
	status=0
	wait "$DPID" || status=$?
}

# The first line number of "$1" in the notify log, 0 if none.
notify_line() {
	cut -d' ' -f2- "$T/notify.log" | grep -nxF -m1 -- "$1" | cut -d: -f1 || echo 0
}

@test "watch: READY=1, WATCHDOG=1 pings, STATUS while downloading; SIGTERM mid-download gives STOPPING=1, exit 0 and a clean spool" {
	make_bundle 1.0.0 good >/dev/null
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --slow app-1.0.0-good.bundle
	WATCH_EXTRA="  http: $URL" watch_config
	listen_notify notify.sock
	DAEMON_ENV="WATCHDOG_USEC=300000" start_daemon watch
	wait_notify READY=1
	wait_notify "STATUS=downloading ${URL}app-1.0.0-good.bundle"
	wait_notify WATCHDOG=1 100 3
	stop_daemon TERM
	assert_status 0
	# Sent before the daemon exited; the listener may log it a moment later.
	wait_notify STOPPING=1 50
	[ "$(notify_count STOPPING=1)" -eq 1 ]
	[ "$(notify_line READY=1)" -lt "$(notify_line STOPPING=1)" ]
	assert_spool_empty
	assert_absent "$APP/current"
}

@test "poll (looping) on an abstract @ socket: READY=1, installs, SIGINT gives STOPPING=1 and exit 0; no pings for another WATCHDOG_PID" {
	make_bundle 1.0.0 good >/dev/null
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	watch_config
	listen_notify @notify
	DAEMON_ENV="WATCHDOG_USEC=200000 WATCHDOG_PID=1" start_daemon poll "$URL" --interval 1
	wait_notify READY=1
	wait_notify "STATUS=installed 1.0.0 from $URL"
	assert_current 1.0.0
	stop_daemon INT
	assert_status 0
	wait_notify STOPPING=1
	[ "$(notify_count WATCHDOG=1)" -eq 0 ]
	grep -q "installed and promoted 1.0.0" "$T/daemon.out"
}

add_marker() { printf 'FLIP-THIS-PAYLOAD-BYTE\n' >"$1/share/marker"; }

@test "watch over USB and HTTP: pings flow during an install; a release that failed is not retried every interval, and said once" {
	mkdir -p "$ROOT/media/usb"
	make_bundle 1.0.0 good >/dev/null
	mv "$BUNDLE" "$ROOT/media/usb/"
	# 2.0.0 from the laptop fails while staging: one payload bit flipped.
	make_bundle 2.0.0 good HOOK=add_marker >/dev/null
	python3 -c 'import sys; p = sys.argv[1]; d = bytearray(open(p, "rb").read())
d[d.index(b"FLIP-THIS-PAYLOAD-BYTE")] ^= 1; open(p, "wb").write(bytes(d))' "$BUNDLE"
	mv "$BUNDLE" "$T/www/"
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	WATCH_EXTRA="$(printf '  usb: /media/usb\n  http: %s' "$URL")" watch_config HEALTH_STABLE=1
	listen_notify notify.sock
	DAEMON_ENV="WATCHDOG_USEC=200000" start_daemon watch
	wait_notify "STATUS=installed 1.0.0 from $ROOT/media/usb" 150
	# The install held the main thread for the 1 s stable window: the
	# watchdog thread pinged all along (every 0.1 s).
	local from to
	from=$(notify_line "STATUS=installing $ROOT/media/usb/app-1.0.0-good.bundle")
	to=$(notify_line "STATUS=installed 1.0.0 from $ROOT/media/usb")
	[ "$from" -gt 0 ]
	[ "$(sed -n "${from},${to}p" "$T/notify.log" | grep -c ' WATCHDOG=1$')" -ge 5 ]
	# What the daemon runs (the service) does not get its socket or watchdog.
	! tr '\0' '\n' <"/proc/$(cat "$T/run/supervisor.pid")/environ" | grep -E '^(NOTIFY_SOCKET|WATCHDOG_)'
	# 2.0.0 from HTTP is refused, then left alone for two more passes.
	wait_notify "STATUS=idle: nothing new at $URL" 150 2
	stop_daemon TERM
	assert_status 0
	assert_current 1.0.0
	[ "$(history_pairs | grep -c '^VERIFYING>STAGING 2.0.0$')" -eq 1 ]
	[ "$(grep -c 'app-2.0.0-good.bundle: hash mismatch: share/marker' "$T/daemon.err")" -eq 1 ]
	[ "$(grep -c 'failed to install before' "$T/daemon.err")" -eq 1 ]
}

@test "a bundle on the medium named with a newline and READY=1/STOPPING=1: STATUS carries the name escaped, never a field of its own" {
	mkdir -p "$ROOT/media/usb"
	make_bundle 1.0.0 good >/dev/null
	local evil
	evil="$ROOT/media/usb/$(printf 'a\nSTOPPING=1\nSTATUS=FAKE.bundle')"
	mv "$BUNDLE" "$evil"
	WATCH_EXTRA="$(printf '  usb: /media/usb')" watch_config
	listen_notify notify.sock
	start_daemon watch
	wait_notify "STATUS=installed 1.0.0 from $ROOT/media/usb" 150
	[ "$(notify_count 'STATUS=FAKE.bundle')" -eq 0 ]
	[ "$(notify_count "STATUS=installing $ROOT/media/usb/a\\x0aSTOPPING=1\\x0aSTATUS=FAKE.bundle")" -eq 1 ]
	stop_daemon TERM
	assert_status 0
	[ "$(grep -c 'STOPPING=1$' "$T/notify.log")" -eq 1 ]
}

@test "a hung main thread is caught: the watchdog pings stop once its lease runs out" {
	WATCH_EXTRA="  usb: /media/usb" watch_config
	listen_notify notify.sock
	DAEMON_ENV="WATCHDOG_USEC=200000 OTA_AGENT_FAULT_HANG=1" start_daemon watch
	wait_notify READY=1
	wait_notify WATCHDOG=1 100 3
	# Hung after its first 1 s sleep, with 1 s of slack: silent within 10 s.
	local i before after=-1
	for i in $(seq 20); do
		before=$after
		sleep 0.5
		after=$(notify_count WATCHDOG=1)
		[ "$before" = "$after" ] && break
	done
	[ "$before" = "$after" ]
	sleep 0.6
	[ "$(notify_count WATCHDOG=1)" = "$after" ]
	kill -9 "$DPID"
	wait "$DPID" 2>/dev/null || true
}

@test "the example gateway, started as app.service starts it (current/run.sh), feeds its watchdog" {
	"$OTA_EXAMPLES/make-release.sh" 1.0.0 good "$APP/releases/1.0.0" "$OTA_EXAMPLE_BIN/gateway" >/dev/null
	ln -s releases/1.0.0 "$APP/current"
	listen_notify notify.sock
	env WATCHDOG_USEC=200000 "$APP/current/run.sh" >"$T/gateway.out" 2>&1 3>&- &
	BG_PIDS="$BG_PIDS $!"
	wait_notify WATCHDOG=1 100 3
	assert_serving 1.0.0
}

@test "watch with neither watch.usb nor watch.http: exit 16; with arguments: exit 2" {
	run agent watch
	assert_status 16
	assert_output_matches "neither watch.usb nor watch.http"
	run agent watch now
	assert_status 2
}

@test "a NOTIFY_SOCKET that is neither a path nor an @ name: exit 2 naming it" {
	WATCH_EXTRA="  usb: /media/usb" watch_config
	NOTIFY_SOCKET=relative/sock run agent watch
	assert_status 2
	assert_output_matches "NOTIFY_SOCKET=relative/sock"
}
