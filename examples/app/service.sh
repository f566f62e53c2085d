#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# service.sh - a tiny supervisor standing in for systemd in the tests and the
# demo.  It runs $OTA_APP_DIR/current/bin/run.sh, starts it again 0.2 s after
# each failure and counts those restarts (systemd's NRestarts), giving up
# after 20 of them (StartLimitBurst).
#   service.sh restart | stop | status | restarts
# Environment:
#   OTA_APP_DIR   the app directory holding the `current` link
#   OTA_RUN_DIR   pid file, app.log and the restart counter (created if missing)
#   OTA_APP_PORT  passed on to the app
# Instances with different OTA_RUN_DIR (and ports) run side by side.
set -u
me=service.sh
burst=20
die() { echo "$me: $*" >&2; exit 1; }
[ -n "${OTA_RUN_DIR:-}" ] || die "OTA_RUN_DIR is not set"
pidfile=$OTA_RUN_DIR/supervisor.pid
counter=$OTA_RUN_DIR/restarts

# Is process $1 alive?  A zombie is not: orphans are reparented to an init
# that may never reap them.
alive() {
	{ read -r line <"/proc/$1/stat"; } 2>/dev/null || return 1
	set -- ${line##*") "}
	[ "$1" != Z ] && [ "$1" != X ]
}

# Has process group $1 a live member?
group_alive() {
	for f in /proc/[0-9]*/stat; do
		{ read -r line <"$f"; } 2>/dev/null || continue
		set -- "$1" ${line##*") "} # pgid, state, ppid, pgrp
		[ "$4" = "$1" ] && [ "$2" != Z ] && [ "$2" != X ] && return 0
	done
	return 1
}

# The supervisor's pid, which is also its session and process group.
supervisor() {
	{ read -r pid <"$pidfile"; } 2>/dev/null || return 1
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	echo "$pid"
}

stop() {
	pid=$(supervisor) || return 0
	kill -TERM "-$pid" 2>/dev/null
	i=0
	while group_alive "$pid"; do
		i=$((i + 1))
		[ "$i" -eq 100 ] && kill -KILL "-$pid" 2>/dev/null
		[ "$i" -ge 200 ] && die "process group $pid survives SIGKILL"
		sleep 0.05
	done
	rm -f "$pidfile"
}

start() {
	[ -n "${OTA_APP_DIR:-}" ] || die "OTA_APP_DIR is not set"
	mkdir -p "$OTA_RUN_DIR" || die "$OTA_RUN_DIR: cannot create it"
	# A restart asked for is not a crash: the count starts over, as systemd's.
	echo 0 >"$counter.tmp" && mv -f "$counter.tmp" "$counter" || die "$counter: cannot write"
	# Only the log: a test harness must not wait on an fd (bats: 3) it holds.
	setsid sh "$0" _supervise </dev/null >>"$OTA_RUN_DIR/app.log" 2>&1 \
		3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
	i=0
	until [ -s "$pidfile" ]; do
		i=$((i + 1))
		[ "$i" -ge 250 ] && die "the supervisor did not start, see $OTA_RUN_DIR/app.log"
		sleep 0.02
	done
}

# The supervisor itself, in its own session (setsid) so that stop can end
# it and everything it started with one signal to its process group.
supervise() {
	echo $$ >"$pidfile.tmp" && mv -f "$pidfile.tmp" "$pidfile" || exit 1
	n=0
	while :; do
		st=0
		"$OTA_APP_DIR/current/bin/run.sh" || st=$?
		echo "$me: $OTA_APP_DIR/current/bin/run.sh exited $st"
		[ "$st" -eq 0 ] && break
		if [ "$n" -ge "$burst" ]; then
			echo "$me: restarted $n times, giving up"
			break
		fi
		n=$((n + 1))
		echo "$n" >"$counter.tmp" && mv -f "$counter.tmp" "$counter"
		sleep 0.2
	done
	[ "$(supervisor)" = $$ ] && rm -f "$pidfile"
	exit 0
}

case ${1:-} in
restart) stop && start ;;
stop) stop ;;
status) pid=$(supervisor) && alive "$pid" ;;
restarts) cat "$counter" 2>/dev/null || echo 0 ;;
_supervise) supervise ;;
*) echo "usage: $me restart|stop|status|restarts" >&2; exit 2 ;;
esac
