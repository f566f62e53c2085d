# SPDX-License-Identifier: Apache-2.0
# delivery.bash - what the delivery suites (import.bats, poll.bats,
# watch.bats) add to agent.bash: a loopback HTTP server (httpd.py) in
# the test, a medium directory with a checksum listing, a datagram
# listener standing in for systemd's notification socket, and a look into
# the spool.  Load after agent.bash: `load ../helpers/delivery`.

HTTPD="$TESTS_DIR/tools/httpd.py"
NOTIFY_LISTENER="$TESTS_DIR/tools/notify_listen.py"

# wait_for FILE [TENTHS]: until FILE exists and is not empty (default 10 s).
wait_for() {
	local i
	for i in $(seq "${2:-100}"); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "$1 did not appear" >&2
	return 1
}

# serve DIR [httpd.py options]: a server on a free loopback port serving
# DIR, logging to $T/http.log; $URL is its base URL (with a final '/').
serve() {
	local dir=$1 pid
	shift
	rm -f "$T/http.port" "$T/http.log"
	python3 "$HTTPD" "$dir" --port-file "$T/http.port" --log "$T/http.log" "$@" \
		</dev/null >"$T/http.out" 2>&1 3>&- &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_for "$T/http.port" || return 1
	URL="http://127.0.0.1:$(cat "$T/http.port")/"
}

# The requests the server saw for /$1, one "GET /x range=..." line each.
requests_for() {
	grep -F " /$1 " "$T/http.log" 2>/dev/null || true
}

# A checksum listing of everything under $1: names, types, modes, sizes,
# mtimes and contents.  Equal before and after = the medium was not written.
medium_listing() {
	(cd "$1" && find . -printf '%p %y %m %s %T@\n' | sort &&
		find . -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# The spools hold no file: each cleared after its pass (what stays is a
# source's directory and its lock file, spool/<source>.lock).
assert_spool_empty() {
	local left
	left=$(find "$STATE/spool" -mindepth 1 ! -type d ! -path "$STATE/spool/*.lock" \
		2>/dev/null || true)
	if [ -n "$left" ]; then
		echo "left in the spool: $left" >&2
		return 1
	fi
}

# listen_notify NAME: a datagram socket standing in for systemd's at
# $T/NAME (or, for NAME "@...", the abstract name with this test's dir in
# it), every message appended to $T/notify.log with a timestamp; exports
# NOTIFY_SOCKET for what is started after it.
listen_notify() {
	local addr=$1 pid
	case $addr in
	@*) addr="@ota-test-$$-$(basename "$T")-${addr#@}" ;;
	*) addr="$T/$addr" ;;
	esac
	rm -f "$T/notify.log" "$T/notify.ready"
	python3 "$NOTIFY_LISTENER" "$addr" "$T/notify.log" "$T/notify.ready" \
		</dev/null >/dev/null 2>"$T/notify.err" 3>&- &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_for "$T/notify.ready" || return 1
	export NOTIFY_SOCKET="$addr"
}

# How many messages "$1" (exact, e.g. WATCHDOG=1) the listener got.
notify_count() {
	local n
	n=$(cut -d' ' -f2- "$T/notify.log" 2>/dev/null | grep -cxF -- "$1")
	echo "${n:-0}"
}

# Wait (up to $2 tenths, default 100) until the listener got "$1" at least
# $3 times (default 1).
wait_notify() {
	local i
	for i in $(seq "${2:-100}"); do
		[ "$(notify_count "$1")" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	echo "never got $1 (x${3:-1}); the listener got:" >&2
	cat "$T/notify.log" >&2
	return 1
}
