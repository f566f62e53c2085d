#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent import DIR: a directory stands in for a mounted USB stick.
# The matching bundle installed straight off it (or, with watch.direct: 0,
# from the spool copy: direct.bats has the rest of that), foreign and bad ones
# named and skipped, a corrupted one refused with current untouched, the
# medium never written, nothing newer a clear exit 0.  A device under
# $T/root with the real example service.
load ../helpers/common
load ../helpers/agent
load ../helpers/delivery
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	MEDIUM=$T/usb
	mkdir -p "$MEDIUM"
	import_config
}

# import_config [NAME=VALUE...]: write_config without the stable window
# (the health checks are agent.bats's), the arguments added.
import_config() {
	write_config HEALTH_STABLE=0 "$@"
}


add_marker() { printf 'FLIP-THIS-PAYLOAD-BYTE\n' >"$1/share/marker"; }

# Flip one bit of the marker's bytes in the bundle $1 (payload only).
flip_marker() {
	python3 - "$1" <<-'EOF'
		import sys
		data = bytearray(open(sys.argv[1], "rb").read())
		data[data.index(b"FLIP-THIS-PAYLOAD-BYTE")] ^= 1
		open(sys.argv[1], "wb").write(bytes(data))
	EOF
}

# on_medium VERSION [MODE [make_bundle NAME=VALUE...]]: a signed bundle on the stick.
on_medium() {
	local v=$1 mode=${2:-good}
	shift 2 || shift $#
	make_bundle "$v" "$mode" "$@" >/dev/null || return 1
	mv "$BUNDLE" "$MEDIUM/"
	BUNDLE=$MEDIUM/${BUNDLE##*/}
}

# The reason of the IDLE>VERIFYING record of the last install: the file read.
last_install_source() {
	agent history --json | python3 -c '
import json, sys
print([r for r in json.load(sys.stdin) if r["to"] == "VERIFYING"][-1]["reason"])'
}

@test "ota-agent --help names import, poll and watch and exit status 18; ota-bundle --help names index" {
	run ota-agent --help
	assert_status 0
	assert_output_matches "^  import \[DIR\]"
	assert_output_matches "^  poll \[URL\] \[--once\] \[--interval S\]"
	assert_output_matches "^  watch "
	assert_output_matches "18 fetch failed"
	run ota-bundle --help
	assert_status 0
	assert_output_matches "ota-bundle index DIR"
}

@test "the newest matching bundle is installed straight off the medium; bundles for other classes are named on stderr and skipped; the medium is not written" {
	on_medium 0.9.0
	on_medium 1.0.0
	on_medium 0.10.0
	on_medium 3.0.0 good TARGET=other-board
	on_medium 4.0.0 good TARGET=edge-gw-v3
	# Not bundles, so not a word about them: macOS's ._ files, other names.
	head -c 4096 /dev/urandom >"$MEDIUM/._app-1.0.0-good.bundle"
	echo hi >"$MEDIUM/README.txt"
	medium_listing "$MEDIUM" >"$T/before"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	assert_output_matches "^$MEDIUM: installed and promoted 1.0.0$"
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "ota-agent: $MEDIUM/app-3.0.0-good.bundle: wrong target: bundle is for \"other-board\""* ]]
	[[ "${stderr_lines[1]}" == "ota-agent: $MEDIUM/app-4.0.0-good.bundle: wrong target"* ]]
	assert_current 1.0.0
	assert_serving 1.0.0
	assert_invariants
	# Only the newest is installed: no detour through the older ones.
	[ "$(ls "$APP/releases")" = "1.0.0" ]
	medium_listing "$MEDIUM" | diff "$T/before" -
	# Read off the medium itself, not a copy.
	[ "$(last_install_source)" = "bundle $MEDIUM/app-1.0.0-good.bundle" ]
	assert_spool_empty
}

@test "with the spool (watch.direct 0), the newest bundle is copied into the spool and installed from that copy, which is cleared afterwards" {
	import_config EXTRA="$(printf 'watch:\n  direct: 0')"
	on_medium 1.0.0
	medium_listing "$MEDIUM" >"$T/before"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	assert_output_matches "^$MEDIUM: installed and promoted 1.0.0$"
	assert_current 1.0.0
	medium_listing "$MEDIUM" | diff "$T/before" -
	[ "$(last_install_source)" = "bundle $STATE/spool/usb/app-1.0.0-good.bundle (from $MEDIUM/app-1.0.0-good.bundle)" ]
	assert_spool_empty
}

@test "a corrupted bundle (one payload bit flipped): refused with exit 7, current untouched, nothing staged, medium not written" {
	install_ok 1.0.0
	on_medium 2.0.0 good HOOK=add_marker
	flip_marker "$BUNDLE"
	medium_listing "$MEDIUM" >"$T/before"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 7
	assert_error_line "$MEDIUM/app-2.0.0-good.bundle: hash mismatch: share/marker"
	assert_current 1.0.0
	assert_serving 1.0.0
	assert_nothing_staged 2.0.0
	assert_invariants
	assert_spool_empty
	medium_listing "$MEDIUM" | diff "$T/before" -
}

@test "a corrupted newest bundle beside a good older one: the corrupted one named, the good one installed, exit 0" {
	install_ok 1.0.0
	on_medium 3.0.0 good HOOK=add_marker
	flip_marker "$BUNDLE"
	on_medium 2.0.0
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	assert_error_line "app-3.0.0-good.bundle: hash mismatch"
	assert_current 2.0.0
	assert_nothing_staged 3.0.0
	assert_invariants
}

@test "an empty medium, then nothing newer on it: exit 0 with a clear line, nothing installed, no error" {
	run agent import "$MEDIUM"
	assert_status 0
	assert_output_matches "^$MEDIUM: no bundle newer than nothing for edge-gw-v2 \(0 looked at"
	assert_absent "$APP/current"
	install_ok 2.0.0
	on_medium 1.0.0
	on_medium 2.0.0
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[ -z "$stderr" ]
	assert_output_matches "^$MEDIUM: no bundle newer than 2.0.0 for edge-gw-v2 \(2 looked at: 2 not newer, 0 for another device class, 0 refused\)$"
	assert_current 2.0.0
	assert_history "$(promoted_sequence 2.0.0)"
}

@test "random bytes, a bundle by an untrusted key, a symlink: each named on stderr; exit the first one's code; nothing installed" {
	make_key rogue
	head -c 4096 /dev/urandom >"$MEDIUM/a-junk.bundle"
	on_medium 1.0.0 good KEY=rogue NAME=b-rogue
	ln -s /etc/passwd "$MEDIUM/c-link.bundle"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 4
	[ "${#stderr_lines[@]}" -eq 3 ]
	[[ "${stderr_lines[0]}" == "ota-agent: $MEDIUM/a-junk.bundle: "* ]]
	[[ "${stderr_lines[1]}" == "ota-agent: $MEDIUM/b-rogue.bundle: untrusted"* ]]
	[ "${stderr_lines[2]}" = "ota-agent: $MEDIUM/c-link.bundle: a symbolic link, not followed" ]
	assert_output_matches "3 refused"
	assert_absent "$APP/current"
	assert_nothing_staged 1.0.0
}

@test "a file named with escape sequences and newlines: escaped on stderr, in the journal line and in the history, never a forged line" {
	head -c 100 /dev/urandom >"$MEDIUM/$(printf 'a\033]0;PWNED\a\033[2J\nota-agent: FAKE: installed and promoted 9.9.9\nb.bundle')"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 4
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == "ota-agent: $MEDIUM/a\\x1b]0;PWNED\\x07\\x1b[2J\\x0aota-agent: FAKE: installed and promoted 9.9.9\\x0ab.bundle: "* ]]
	! printf '%s' "$stderr$output" | grep -q "$(printf '\033')"
	! printf '%s\n' "$stderr" | grep -q '^ota-agent: FAKE'
	assert_absent "$APP/current"
}

@test "a symlinked spool directory is never followed: the link is cleared, nothing copied where it points" {
	on_medium 1.0.0
	mkdir -p "$STATE" "$T/elsewhere"
	ln -s "$T/elsewhere" "$STATE/spool"
	run --separate-stderr agent import "$MEDIUM"
	assert_status 0
	[ -z "$(ls -A "$T/elsewhere")" ]
	[ ! -L "$STATE/spool" ]
	assert_current 1.0.0
}

@test "a bundle over watch.max_bundle_mb is not copied: exit 18, named on stderr" {
	import_config EXTRA="$(printf 'watch:\n  max_bundle_mb: 1')"
	on_medium 1.0.0 good HOOK=add_2mb_file
	run --separate-stderr agent import "$MEDIUM"
	assert_status 18
	assert_error_line "app-1.0.0-good.bundle: [0-9]+ bytes is over watch.max_bundle_mb \(1 MiB\)"
	assert_absent "$APP/current"
	assert_spool_empty
}

@test "a higher version with a lower rollback index on the medium: named, exit 14, nothing copied" {
	install_ok 2.0.0
	on_medium 3.0.0 good INDEX=1
	run --separate-stderr agent import "$MEDIUM"
	assert_status 14
	assert_error_line "app-3.0.0-good.bundle: rollback index 1 is lower than 2"
	assert_current 2.0.0
	assert_nothing_staged 3.0.0
}

@test "an unhealthy bundle from the medium is rolled back: exit 15, back on the last good release" {
	install_ok 1.0.0
	import_config HEALTH_TIMEOUT=1
	on_medium 2.0.0 unhealthy
	run --separate-stderr agent import "$MEDIUM"
	assert_status 15
	assert_error_line "$MEDIUM/app-2.0.0-unhealthy.bundle: rolled back to 1.0.0"
	assert_current 1.0.0
	assert_serving 1.0.0
	assert_invariants
	assert_spool_empty
}

@test "import without DIR scans watch.usb; with neither, a usage error; a missing DIR is exit 3" {
	run agent import
	assert_status 2
	assert_output_matches "no directory given and no watch.usb"
	run agent import "$T/nowhere"
	assert_status 3
	assert_output_matches "nowhere"
	on_medium 1.0.0
	# watch.usb is under --root, as every path of the config.
	mkdir -p "$ROOT/media"
	mv "$MEDIUM" "$ROOT/media/usb"
	import_config EXTRA="$(printf 'watch:\n  usb: /media/usb')"
	run agent import
	assert_status 0
	assert_current 1.0.0
}

@test "import while another run holds the lock: exit 13, nothing copied" {
	on_medium 1.0.0
	mkdir -p "$STATE"
	exec 9>"$STATE/lock"
	flock -n 9
	run --separate-stderr agent import "$MEDIUM"
	exec 9>&-
	assert_status 13
	assert_error_line "another ota-agent run holds the lock"
	assert_absent "$APP/current"
	assert_spool_empty
}
