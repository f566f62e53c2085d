#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-bundle index and ota-agent poll against a real HTTP server on
# loopback (tests/tools/httpd.py) in the test: the newest bundle for the
# class, a connection dropped mid-file (resumed with Range), a server that
# ignores Range, an index that lies about a hash or a size, an endless
# download, a stalled one, the size cap, the space check, retries, and
# trust coming from the signature only.  A device under $T/root with the real example service.
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	mkdir -p "$T/www"
	poll_config
}

# poll_config [LINES]: the device's config with quick retries (a failure
# costs a second, not minutes), LINES (e.g. "  max_bundle_mb: 1") added to
# watch:, and no stable window (the health checks are agent.bats's).
# RETRIES (2 unless set) and STALL_TIMEOUT (seconds, 5 unless set) are
# watch.retries and watch.stall_timeout.
poll_config() {
	write_config HEALTH_STABLE=0 EXTRA="$(printf 'watch:\n  retries: %s\n  retry_delay: 0.2\n  connect_timeout: 2\n  stall_timeout: %s\n%s' "${RETRIES:-2}" "${STALL_TIMEOUT:-5}" "${1:-}")"
}



# publish VERSION [MODE [make_bundle NAME=VALUE...]]: a signed bundle in $T/www.
publish() {
	local v=$1 mode=${2:-good}
	shift 2 || shift $#
	make_bundle "$v" "$mode" "$@" >/dev/null || return 1
	mv "$BUNDLE" "$T/www/"
}

# Rewrite field $2 of the index entry for file $1 to the JSON value $3.
index_set() {
	python3 - "$T/www/index.json" "$1" "$2" "$3" <<-'EOF'
		import json, sys
		path, name, key, value = sys.argv[1:5]
		idx = json.load(open(path))
		for b in idx["bundles"]:
		    if b["file"] == name:
		        b[key] = json.loads(value)
		open(path, "w").write(json.dumps(idx))
	EOF
}

@test "ota-bundle index: one entry per bundle with file, target, version, size and the file's SHA-256, sorted; a non-bundle named and left out" {
	publish 2.0.0
	publish 1.0.0
	publish 1.5.0 good TARGET=other-board
	head -c 1000 /dev/urandom >"$T/www/junk.bundle"
	echo notes >"$T/www/README"
	run --separate-stderr ota-bundle index "$T/www"
	assert_status 0
	assert_output_matches "index.json: 3 bundles"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == *"junk.bundle"* ]]
	python3 - "$T/www" <<-'EOF'
		import hashlib, json, os, sys
		d = sys.argv[1]
		raw = open(os.path.join(d, "index.json"), "rb").read()
		idx = json.loads(raw)
		assert raw == json.dumps(idx, sort_keys=True, separators=(",", ":")).encode(), "not canonical"
		assert idx["format"] == 1
		files = [b["file"] for b in idx["bundles"]]
		assert files == ["app-1.0.0-good.bundle", "app-1.5.0-good.bundle", "app-2.0.0-good.bundle"], files
		for b in idx["bundles"]:
		    data = open(os.path.join(d, b["file"]), "rb").read()
		    assert b["size"] == len(data) and b["sha256"] == hashlib.sha256(data).hexdigest(), b
		    assert set(b) == {"file", "sha256", "size", "target", "version"}, b
		want = {"app-1.0.0-good.bundle": ("1.0.0", "edge-gw-v2"),
		        "app-1.5.0-good.bundle": ("1.5.0", "other-board"),
		        "app-2.0.0-good.bundle": ("2.0.0", "edge-gw-v2")}
		for b in idx["bundles"]:
		    assert (b["version"], b["target"]) == want[b["file"]], b
	EOF
}

@test "ota-bundle index names a FIFO named *.bundle and leaves it out at once; a name with escape sequences is escaped" {
	publish 1.0.0
	mkfifo "$T/www/fifo.bundle"
	head -c 100 /dev/urandom >"$T/www/$(printf 'x\033[2J\nota-bundle: FAKE.bundle')"
	run --separate-stderr timeout 20 ota-bundle index "$T/www"
	assert_status 0
	assert_output_matches "index.json: 1 bundle$"
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "ota-bundle: $T/www/fifo.bundle: not a regular file" ]
	[[ "${stderr_lines[1]}" == "ota-bundle: $T/www/x\\x1b[2J\\x0aota-bundle: FAKE.bundle: "* ]]
}

@test "ota-bundle index of an empty directory writes an empty list; of a missing one exits 3" {
	run ota-bundle index "$T/www"
	assert_status 0
	[ "$(cat "$T/www/index.json")" = '{"bundles":[],"format":1}' ]
	run ota-bundle index "$T/nowhere"
	assert_status 3
	assert_output_matches "nowhere"
}

@test "poll --once installs the newest bundle for this class; a newer one for another class in the same index is ignored, never fetched" {
	publish 1.0.0
	publish 2.0.0
	publish 3.0.0 good TARGET=other-board
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	run agent poll "$URL" --once
	assert_status 0
	assert_output_matches "installed and promoted 2.0.0"
	assert_current 2.0.0
	assert_serving 2.0.0
	assert_invariants
	assert_spool_empty
	[ -n "$(requests_for app-2.0.0-good.bundle)" ]
	[ -z "$(requests_for app-3.0.0-good.bundle)" ]
	[ -z "$(requests_for app-1.0.0-good.bundle)" ]
}

@test "a connection dropped mid-file: the agent resumes with a Range request and installs" {
	publish 1.0.0
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --drop-first
	run agent poll "$URL" --once
	assert_status 0
	assert_current 1.0.0
	assert_invariants
	assert_spool_empty
	requests_for app-1.0.0-good.bundle >&2
	[ "$(requests_for app-1.0.0-good.bundle | wc -l)" -eq 2 ]
	# The second request asks for the rest: from the byte the first stopped at.
	local half=$(($(stat -c %s "$T/www/app-1.0.0-good.bundle") / 2))
	requests_for app-1.0.0-good.bundle | sed -n 2p | grep -qx "GET /app-1.0.0-good.bundle range=bytes=$half-"
}

@test "a drop on a server that ignores Range: the file starts over and installs" {
	publish 1.0.0
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www" --drop-first --ignore-range
	run agent poll "$URL" --once
	assert_status 0
	assert_current 1.0.0
	assert_invariants
	assert_spool_empty
	requests_for app-1.0.0-good.bundle | sed -n 2p | grep -q 'range=bytes='
}

@test "an index lying about the hash: exit 7 naming the URL and SHA-256, nothing installed, spool clean" {
	install_ok 1.0.0
	publish 2.0.0
	ota-bundle index "$T/www" >/dev/null
	index_set app-2.0.0-good.bundle sha256 "\"$(printf '%064d' 0)\""
	serve "$T/www"
	run --separate-stderr agent poll "$URL" --once
	assert_status 7
	assert_error_line "app-2.0.0-good.bundle: SHA-256 is [0-9a-f]+\.\.\., not the expected 0+"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_spool_empty
}

@test "an index lying about the size (smaller, then larger): exit 7 before the body is kept, nothing installed" {
	publish 2.0.0
	ota-bundle index "$T/www" >/dev/null
	local real
	real=$(stat -c %s "$T/www/app-2.0.0-good.bundle")
	serve "$T/www"
	index_set app-2.0.0-good.bundle size $((real - 512))
	run --separate-stderr agent poll "$URL" --once
	assert_status 7
	assert_error_line "app-2.0.0-good.bundle: $real bytes on the server, not the $((real - 512)) expected"
	index_set app-2.0.0-good.bundle size $((real + 512))
	run --separate-stderr agent poll "$URL" --once
	assert_status 7
	assert_error_line "$real bytes on the server, not the $((real + 512)) expected"
	assert_absent "$APP/current"
	assert_nothing_staged 2.0.0
	assert_spool_empty
}

@test "an endless download (no length, bytes forever): cut at the size the index gives, exit 7, spool clean" {
	printf '{"bundles":[{"file":"endless.bundle","sha256":"%064d","size":300000,"target":"edge-gw-v2","version":"9.0.0"}],"format":1}' 0 >"$T/www/index.json"
	serve "$T/www" --endless endless.bundle
	run --separate-stderr agent poll "$URL" --once
	assert_status 7
	assert_error_line "endless.bundle: more than the 300000 bytes expected"
	assert_spool_empty
	assert_absent "$APP/current"
}

@test "slow retrieval: a download stalled for watch.stall_timeout is cut and resumed, and after the retries exit 18, spool clean" {
	install_ok 1.0.0
	publish 2.0.0
	ota-bundle index "$T/www" >/dev/null
	RETRIES=1 STALL_TIMEOUT=1 poll_config
	serve "$T/www" --stall app-2.0.0-good.bundle
	run --separate-stderr agent poll "$URL" --once
	assert_status 18
	assert_error_line "app-2.0.0-good.bundle: Operation too slow\..* \(2 attempts\)$"
	# Two attempts (watch.retries 1), the second resuming where the first stalled.
	[ "$(requests_for app-2.0.0-good.bundle | wc -l)" -eq 2 ]
	requests_for app-2.0.0-good.bundle | sed -n 1p | grep -q " range=-$"
	requests_for app-2.0.0-good.bundle | sed -n 2p | grep -q " range=bytes=1024-$"
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	assert_spool_empty
}

@test "the size cap: a bundle over watch.max_bundle_mb is refused with exit 18 and never requested" {
	poll_config "  max_bundle_mb: 1"
	publish 1.0.0 good HOOK=add_2mb_file
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	run --separate-stderr agent poll "$URL" --once
	assert_status 18
	assert_error_line "app-1.0.0-good.bundle: [0-9]+ bytes is over watch.max_bundle_mb \(1 MiB\)"
	[ -z "$(requests_for app-1.0.0-good.bundle)" ]
	assert_absent "$APP/current"
}

@test "with the spool (watch.direct 0), free space is checked before the download: an index entry larger than the disk gets exit 17, nothing requested" {
	poll_config "$(printf '  max_bundle_mb: 1048576\n  direct: 0')"
	printf '{"bundles":[{"file":"huge.bundle","sha256":"%064d","size":1099511627775,"target":"edge-gw-v2","version":"9.0.0"}],"format":1}' 0 >"$T/www/index.json"
	serve "$T/www"
	run --separate-stderr agent poll "$URL" --once
	assert_status 17
	assert_error_line "not enough space"
	[ -z "$(requests_for huge.bundle)" ]
}

@test "nothing newer on the server: exit 0 with a line saying so" {
	install_ok 2.0.0
	publish 1.0.0
	publish 2.0.0
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	run agent poll "$URL" --once
	assert_status 0
	assert_output_matches "no bundle newer than 2.0.0 \(2 listed, 2 for edge-gw-v2\)"
	assert_current 2.0.0
}

@test "trust comes from the signature: an honest index entry for a bundle signed by an untrusted key gets exit 6, nothing staged" {
	make_key rogue
	publish 1.0.0 good KEY=rogue
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	run --separate-stderr agent poll "$URL" --once
	assert_status 6
	assert_error_line "untrusted"
	assert_absent "$APP/current"
	assert_nothing_staged 1.0.0
	assert_spool_empty
}

@test "no server listening: bounded retries, then exit 18 naming the URL and the attempts" {
	local port
	port=$(free_port)
	run --separate-stderr agent poll "http://127.0.0.1:$port/" --once
	assert_status 18
	assert_error_line "http://127.0.0.1:$port/index.json: .*\(3 attempts\)"
}

@test "index.json missing (404): exit 18 at once, no retry" {
	serve "$T/www"
	run --separate-stderr agent poll "$URL" --once
	assert_status 18
	assert_error_line "index.json: HTTP status 404$"
	[ "$(requests_for index.json | wc -l)" -eq 1 ]
}

@test "a malformed index (a bundle listed with a path): exit 4 naming the entry" {
	printf '{"bundles":[{"file":"../x.bundle","sha256":"%064d","size":1,"target":"edge-gw-v2","version":"9.0.0"}],"format":1}' 0 >"$T/www/index.json"
	serve "$T/www"
	run --separate-stderr agent poll "$URL" --once
	assert_status 4
	assert_error_line "index.json: bundles\[0\]: file: not a plain file name"
}

@test "poll without a URL polls watch.http of the config; with neither, a usage error" {
	run agent poll --once
	assert_status 2
	assert_output_matches "no URL given and no watch.http"
	publish 1.0.0
	ota-bundle index "$T/www" >/dev/null
	serve "$T/www"
	poll_config "  http: $URL"
	run agent poll --once
	assert_status 0
	assert_current 1.0.0
}

@test "poll refuses a URL that is not http:// and bad options (exit 2)" {
	run agent poll https://example.invalid/ --once
	assert_status 2
	run agent poll "http://127.0.0.1:1/" --interval 0
	assert_status 2
	run agent poll "http://127.0.0.1:1/" --bogus
	assert_status 2
}
