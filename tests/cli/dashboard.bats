#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent dashboard and report on a device whose history the real agent
# wrote with the example service (tests/helpers/history.bash): the HTTP
# endpoints with curl (status codes, content types, security headers, 405,
# the JSON matching the CLI's), loopback only, no lock, a history appended
# while it serves, clean shutdown; `report --html`; and what a person sees
# in headless Chromium, with a screenshot kept as a test artifact.
load ../helpers/common
load ../helpers/agent
load ../helpers/history
bats_require_minimum_version 1.5.0

ARTIFACTS=${OTA_ARTIFACTS:-$OTA_BIN/../test-artifacts}

setup() {
	history_suite_setup
	DASH_PID=""
}

teardown() {
	[ -z "$DASH_PID" ] || { kill -9 "$DASH_PID" 2>/dev/null; wait "$DASH_PID" 2>/dev/null; }
	agent_teardown
}

# Start the dashboard on a port the kernel picks; $URL is its address.
start_dashboard() {
	local i
	: >"$T/dash.out"
	ota-agent --root "$ROOT" dashboard --listen 127.0.0.1:0 "$@" >>"$T/dash.out" 2>&1 3>&- &
	DASH_PID=$!
	for i in $(seq 100); do
		URL=$(sed -n 's|^dashboard: \(http://127\.0\.0\.1:[0-9]*\)/ .*|\1|p' "$T/dash.out")
		[ -n "$URL" ] && return 0
		sleep 0.05
	done
	echo "the dashboard did not start: $(cat "$T/dash.out")" >&2
	return 1
}

# curl without any proxy; -s, and -S so a failure says why.
get() {
	curl --noproxy '*' -sS --max-time 10 "$@"
}

# The value of header $2 in the headers file $1.
header() {
	grep -i "^$2:" "$1" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

@test "dashboard --listen: a non-loopback address without --allow-remote, or a bad address: exit 2" {
	run --separate-stderr agent dashboard --listen 0.0.0.0:0
	assert_status 2
	[[ "${stderr_lines[0]}" == *"0.0.0.0:0 is not a loopback address"*"--allow-remote"* ]]
	run agent dashboard --listen '[::]:0'
	assert_status 2
	local bad
	for bad in 127.0.0.1 example.org:80 127.0.0.1:70000 127.0.0.1:x; do
		run --separate-stderr agent dashboard --listen "$bad"
		assert_status 2
		[[ "${stderr_lines[0]}" == *"--listen: expected ADDR:PORT"* ]] || { echo "$stderr" >&2; false; }
	done
}

@test "dashboard on a port already taken: exit 3 with the reason" {
	start_dashboard
	local port=${URL##*:}
	run --separate-stderr agent dashboard --listen "127.0.0.1:$port"
	assert_status 3
	assert_error_line "127\.0\.0\.1:$port: Address already in use"
}

@test "GET /: 200, the page as text/html, a strict CSP and nosniff; HEAD: the same headers, no body" {
	start_dashboard
	get -D "$T/h" -o "$T/page.html" "$URL/"
	grep -q '^HTTP/1.1 200' "$T/h"
	[ "$(header "$T/h" Content-Type)" = "text/html; charset=utf-8" ]
	[[ "$(header "$T/h" Content-Security-Policy)" == "default-src 'none'; style-src 'sha256-"*"'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" ]]
	[ "$(header "$T/h" X-Content-Type-Options)" = nosniff ]
	[ "$(header "$T/h" Cache-Control)" = no-store ]
	grep -q '<title>edge-gw-v2 · 2.0.0 · ota</title>' "$T/page.html"
	# HEAD over a raw socket: everything after the headers would be a body.
	python3 - "${URL##*:}" "$(stat -c %s "$T/page.html")" <<-'EOF'
		import socket, sys
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
		s.sendall(b"HEAD / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
		data = b""
		while True:
		    chunk = s.recv(65536)
		    if not chunk:
		        break
		    data += chunk
		head, _, body = data.partition(b"\r\n\r\n")
		assert head.startswith(b"HTTP/1.0 200") or head.startswith(b"HTTP/1.1 200"), head
		assert b"\r\nContent-Length: " + sys.argv[2].encode() in head, head
		assert b"Content-Security-Policy: default-src 'none'" in head, head
		assert body == b"", body[:80]
	EOF
}

@test "/api/status.json and /api/history.json: 200 application/json, what status --json and history --json print" {
	start_dashboard
	get -D "$T/h" -o "$T/status.json" "$URL/api/status.json"
	[ "$(header "$T/h" Content-Type)" = application/json ]
	get -D "$T/h2" -o "$T/history.json" "$URL/api/history.json"
	[ "$(header "$T/h2" Content-Type)" = application/json ]
	agent history --json | cmp - "$T/history.json"
	# The same object but for the time it was made.
	agent status --json | python3 -c '
import json, sys
cli, http = json.load(sys.stdin), json.load(open(sys.argv[1]))
for k in ("time", "free_bytes"):  # when it was made, and a disk others use
    cli.pop(k), http.pop(k)
assert cli == http, (cli, http)
assert http["history"]["ok"] is True and http["current"] == "2.0.0"' "$T/status.json"
}

@test "the page names the device (hostname, machine id, key id), the agent version, the trust set and the health checks, and links its JSON endpoints" {
	echo gw-7 >"$ROOT/etc/hostname"
	echo 0f0e0d0c0b0a09080706050403020100 >"$ROOT/etc/machine-id"
	local id
	id=$(agent identity | cut -d' ' -f2)
	start_dashboard
	get -o "$T/page.html" "$URL/"
	grep -q '<p class="big">gw-7</p>' "$T/page.html"
	grep -q "<dt>Machine id</dt><dd>0f0e0d0c0b0a09080706050403020100</dd>" "$T/page.html"
	grep -q "<dt>Device key</dt><dd>$id</dd>" "$T/page.html"
	grep -q "<dt>Agent</dt><dd>$(ota-agent --version | grep -o '[0-9][0-9.]*' | head -n 1)</dd>" "$T/page.html"
	grep -q "1 of 1 keys</p><p>sequence 0 (the factory keys)</p><p class=\"mono\">$(ota-keytool id "$ROOT/etc/ota/keys/k.pub")</p>" "$T/page.html"
	grep -q "<p>release: 1 of 1 keys</p>" "$T/page.html"
	grep -q "<dt>TCP</dt><dd>port $OTA_APP_PORT</dd>" "$T/page.html"
	grep -q "<dt>HTTP 2xx</dt><dd>http://127.0.0.1:$OTA_APP_PORT/health</dd>" "$T/page.html"
	grep -q '<a href="/api/status.json">' "$T/page.html"
	grep -q '<a href="/api/history.json">' "$T/page.html"
	[ "$(get "$URL/api/status.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["device"]["id"])')" = "$id" ]
}

@test "?page=N pages the attempts newest first (OTA_DASHBOARD_PER_PAGE a page); past the end an empty page; a page that is not a number from 1: 400" {
	start_dashboard
	get -o "$T/p1.html" "$URL/?page=1"
	get -o "$T/p0.html" "$URL/"
	cmp <(grep -o '#[0-9]*</span>' "$T/p1.html") <(grep -o '#[0-9]*</span>' "$T/p0.html")
	[ "$(grep -o 'class="attempt ' "$T/p1.html" | wc -l)" -eq 4 ]
	get -o "$T/p2.html" "$URL/?page=2"
	grep -q "No attempt on this page" "$T/p2.html"
	local p
	for p in 0 abc -1 1x ""; do
		[ "$(get -o /dev/null -w '%{http_code}' "$URL/?page=$p")" = 400 ] || { echo "page=$p" >&2; false; }
	done
}

@test "POST, PUT, DELETE: 405 with Allow: GET, HEAD; an unknown path: 404" {
	start_dashboard
	local m code
	for m in POST PUT DELETE PATCH; do
		code=$(get -X "$m" -d x=1 -D "$T/h" -o /dev/null -w '%{http_code}' "$URL/")
		[ "$code" = 405 ] || { echo "$m: $code" >&2; false; }
		[ "$(header "$T/h" Allow)" = "GET, HEAD" ]
	done
	[ "$(get -o /dev/null -w '%{http_code}' "$URL/etc/passwd")" = 404 ]
	[ "$(get -o /dev/null -w '%{http_code}' "$URL/api/../../state.json")" = 404 ]
}

@test "a Host header that does not name loopback (DNS rebinding): 403; localhost: 200" {
	start_dashboard
	[ "$(get -H 'Host: attacker.example' -o /dev/null -w '%{http_code}' "$URL/api/status.json")" = 403 ]
	[ "$(get -H "Host: localhost:${URL##*:}" -o /dev/null -w '%{http_code}' "$URL/")" = 200 ]
}

# raw PORT REQUEST: the status code of one raw HTTP request.
raw() {
	python3 - "$1" "$2" <<-'EOF'
		import socket, sys
		s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
		s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
		data = b""
		while b"\r\n" not in data:
		    chunk = s.recv(4096)
		    if not chunk:
		        break
		    data += chunk
		print(data.split(b" ")[1].decode() if data else "closed")
	EOF
}

@test "Host: [localhost], two Host headers, a malformed port, HTTP/1.1 without Host: 400; HTTP/1.0 without Host: 200" {
	start_dashboard
	local p=${URL##*:}
	[ "$(raw "$p" 'GET / HTTP/1.1\r\nHost: [localhost]\r\nConnection: close\r\n\r\n')" = 400 ]
	[ "$(raw "$p" 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n')" = 400 ]
	[ "$(raw "$p" 'GET / HTTP/1.1\r\nHost: localhost:80x\r\nConnection: close\r\n\r\n')" = 400 ]
	[ "$(raw "$p" 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n')" = 400 ]
	[ "$(raw "$p" 'GET / HTTP/1.0\r\n\r\n')" = 200 ]
	[ "$(raw "$p" 'GET / HTTP/1.1\r\nHost: [::1]:80\r\nConnection: close\r\n\r\n')" = 200 ]
	[ "$(raw "$p" 'GET / HTTP/1.1\r\nHost: 127.0.0.1.attacker.example\r\nConnection: close\r\n\r\n')" = 403 ]
}

@test "--allow-remote keeps the Host check: loopback, the listen address and each --host NAME answer 200; another name (DNS rebinding) 403" {
	start_dashboard --allow-remote --host device.example --host gw-7.local
	[ "$(get -H 'Host: device.example' -o /dev/null -w '%{http_code}' "$URL/api/history.json")" = 200 ]
	[ "$(get -H "Host: GW-7.local:${URL##*:}" -o /dev/null -w '%{http_code}' "$URL/")" = 200 ]
	[ "$(get -o /dev/null -w '%{http_code}' "$URL/")" = 200 ]
	[ "$(get -H 'Host: attacker.example' -o /dev/null -w '%{http_code}' "$URL/api/history.json")" = 403 ]
	run --separate-stderr agent dashboard --listen 127.0.0.1:0 --host 'a b'
	assert_status 2
	[ "${stderr_lines[0]}" = "ota-agent: dashboard: --host: expected a host name (letters, digits, '.', '-'), got 'a b'" ]
}

@test "32 connections trickling headers from 8 loopback addresses: a new client is still served at once, and each trickler is cut at its header deadline" {
	start_dashboard
	python3 - "${URL##*:}" <<-'EOF'
		import socket, sys, time, urllib.request
		port = int(sys.argv[1])
		slow = []
		for i in range(32):
		    s = socket.socket()
		    s.bind(("127.0.0.%d" % (2 + i % 8), 0))
		    s.connect(("127.0.0.1", port))
		    s.sendall(b"GET / HTTP/1.1\r\n")
		    slow.append(s)
		direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
		start = time.monotonic()
		for _ in range(12):  # 6 s of trickling, a request every half second
		    for s in slow:
		        try:
		            s.sendall(b"X")
		        except OSError:
		            pass
		    t = time.monotonic()
		    with direct.open("http://127.0.0.1:%d/api/status.json" % port, timeout=3) as r:
		        assert r.status == 200
		    assert time.monotonic() - t < 2, "a new client waited"
		    time.sleep(0.5)
		# past the 5 s header deadline every trickler has been cut
		cut = 0
		for s in slow:
		    s.settimeout(2)
		    try:
		        s.sendall(b"X")
		        cut += s.recv(1) == b""
		    except OSError:
		        cut += 1
		assert cut == 32, cut
	EOF
}

@test "the dashboard takes no lock: installs run while it serves, and it shows their records" {
	start_dashboard
	head -c 100 /dev/urandom >"$T/junk.bundle"
	run agent install "$T/junk.bundle"
	assert_status 4
	get -o "$T/history.json" "$URL/api/history.json"
	[ "$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$T/history.json")" -eq 22 ]
	get "$URL/" | grep -q 'junk\.bundle'
}

@test "history appended while the dashboard serves: every answer verifies" {
	start_dashboard
	head -c 100 /dev/urandom >"$T/junk.bundle"
	(for i in $(seq 10); do ota-agent --root "$ROOT" install "$T/junk.bundle" >/dev/null 2>&1 3>&- || true; done) &
	local writer=$! n=0
	BG_PIDS=$writer
	while kill -0 "$writer" 2>/dev/null; do
		get -o "$T/s.json" "$URL/api/status.json"
		python3 -c 'import json, sys; h = json.load(open(sys.argv[1]))["history"]; assert h["ok"], h' "$T/s.json"
		n=$((n + 1))
	done
	wait "$writer"
	BG_PIDS=""
	[ "$n" -gt 0 ]
	get -o "$T/s.json" "$URL/api/status.json"
	[ "$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["history"]["last_seq"])' "$T/s.json")" = 40 ]
}

@test "at most 32 connections at once; it serves again once they close" {
	start_dashboard
	python3 - "${URL##*:}" "$DASH_PID" <<-'EOF'
		import os, socket, sys, time, urllib.request
		port, pid = int(sys.argv[1]), sys.argv[2]
		idle = []
		for _ in range(40):
		    s = socket.socket()
		    s.connect(("127.0.0.1", port))
		    idle.append(s)
		time.sleep(0.5)
		socks = sum(1 for fd in os.listdir("/proc/%s/fd" % pid)
		            if os.readlink("/proc/%s/fd/%s" % (pid, fd)).startswith("socket:"))
		assert socks <= 32 + 1, socks  # the connections and the listening socket
		for s in idle:
		    s.close()
		time.sleep(0.3)
		direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
		with direct.open("http://127.0.0.1:%d/api/status.json" % port, timeout=10) as r:
		    assert r.status == 200
	EOF
}

@test "SIGTERM and SIGINT stop it cleanly: exit 0, the port closed" {
	local sig
	for sig in TERM INT; do
		start_dashboard
		get -o /dev/null "$URL/"
		kill -"$sig" "$DASH_PID"
		local st=0
		wait "$DASH_PID" || st=$?
		DASH_PID=""
		[ "$st" -eq 0 ] || { echo "SIG$sig: exit $st" >&2; false; }
		grep -q "^dashboard: stopped (SIG$sig)" "$T/dash.out"
		run get -o /dev/null "$URL/"
		[ "$status" -ne 0 ]
	done
}

@test "report --html FILE: the page in one file; refuses an existing file (12) unless --force" {
	run --separate-stderr agent report --html "$T/report.html"
	assert_status 0
	[ "$output" = "$T/report.html: written ($(stat -c %s "$T/report.html") bytes)" ]
	grep -q 'http-equiv="Content-Security-Policy"' "$T/report.html"
	grep -q '✘ FAILED: ROLLED BACK' "$T/report.html"
	! grep -Eq '<(script|link|img)' "$T/report.html"
	cp "$T/report.html" "$T/before.html"
	run --separate-stderr agent report --html "$T/report.html"
	assert_status 12
	assert_error_line 'report\.html: exists \(use --force to replace it\)'
	cmp "$T/report.html" "$T/before.html"
	run agent report --html "$T/report.html" --force
	assert_status 0
	ls -a "$T" | grep -q 'tmp-' && false
	run agent report
	assert_status 2
}

@test "in headless Chromium a person sees the releases, every attempt with its path, the failures marked, the hostile name as text" {
	command -v chromium >/dev/null || skip "chromium is not installed (scripts/ensure-deps.sh installs it)"
	start_dashboard
	mkdir -p "$ARTIFACTS"
	local flow='"IDLE", "VERIFYING", "STAGING", "SWITCHING", "HEALTH_CHECK"' xss
	xss=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1]))' "$XSS_NAME.bundle")
	cat >"$T/expect.json" <<-EOF
		{"window": "1280,1300",
		 "text": ["OTA device edge-gw-v2", "✔ History chain verified", "seq 1–20, 20 records",
		          "Releases on disk", "2.0.0currentlast good", "3.0.0",
		          "Install attempts, newest first (4, 2 failed)"],
		 "cards": {"Current release": "2.0.0", "Last good release": "2.0.0",
		           "Run in progress": "Idle", "Free space": "iB"},
		 "attempts": [
		  {"version": "1.5.0", "label": "✘ REFUSED", "failure": true, "failed_in": "VERIFYING",
		   "path": ["IDLE", "VERIFYING", "IDLE"],
		   "shows": [$xss, "is not newer than the installed 2.0.0", "exit 14"]},
		  {"version": "3.0.0", "label": "✘ FAILED: ROLLED BACK", "failure": true,
		   "failed_in": "HEALTH_CHECK", "path": [$flow, "ROLLING_BACK", "IDLE"],
		   "shows": ["app-3.0.0-unhealthy.bundle", "Why: health check failed", "exit 15"]},
		  {"version": "2.0.0", "label": "✔ PROMOTED", "failure": false,
		   "path": [$flow, "PROMOTED", "IDLE"], "shows": ["health check passed"]},
		  {"version": "1.0.0", "label": "✔ PROMOTED", "failure": false,
		   "path": [$flow, "PROMOTED", "IDLE"], "shows": ["app-1.0.0-good.bundle"]}]}
	EOF
	run python3 "$TESTS_DIR/tools/browser_check.py" "$URL/" "$T/dashboard.png" "$T/expect.json"
	[ "$status" -eq 0 ] || { echo "$output" >&2; false; }
	cp "$T/dashboard.png" "$ARTIFACTS/dashboard.png"
}
