#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A small file system under the releases (a tmpfs the size of a small
# eMMC partition, as root): before staging, old releases the rules let go
# (never current, last good or previous good) are pruned to make room, and
# the history says so; 17 only when that is not enough.  A device under
# $T/root with the real example service.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	agent_suite_setup
}

teardown() {
	agent_teardown
	umount "$ROOT/opt" 2>/dev/null || true
}

# A release carrying $BIG_KB KiB more than the example service.
add_big_file() { head -c "$((BIG_KB * 1024))" /dev/urandom >"$1/big.bin"; }

# The app dir on a tmpfs of $1.
small_disk() {
	mount -t tmpfs -o "size=$1" ota-test "$ROOT/opt"
}

@test "short of space before staging: the oldest release the rules let go is pruned, the history says so" {
	small_disk 9m
	BIG_KB=1536
	install_ok 1.0.0 good HOOK=add_big_file
	install_ok 2.0.0 good HOOK=add_big_file
	install_ok 3.0.0 good HOOK=add_big_file
	install_ok 4.0.0 good HOOK=add_big_file
	assert_current 4.0.0
	assert_link .previous-good 3.0.0
	[ ! -e "$APP/releases/1.0.0" ]
	run agent history
	assert_output_matches 'STAGING +4\.0\.0 +ok +verified; pruned 1\.0\.0 to make room'
	assert_invariants
}

@test "not enough even after pruning: 17 naming what was pruned, current, last good and previous good kept" {
	small_disk 10m
	BIG_KB=1024
	install_ok 1.0.0 good HOOK=add_big_file
	install_ok 2.0.0 good HOOK=add_big_file
	install_ok 3.0.0 good HOOK=add_big_file
	BIG_KB=5120
	make_bundle 4.0.0 good HOOK=add_big_file
	run --separate-stderr agent install "$BUNDLE"
	assert_status 17
	assert_error_line 'not enough space to stage 4\.0\.0: need [0-9]+ bytes, [0-9]+ free after pruning 1\.0\.0$'
	assert_current 3.0.0
	assert_last_good 3.0.0
	assert_link .previous-good 2.0.0
	assert_nothing_staged 4.0.0
	assert_invariants
}

# A make_bundle HOOK: the same 4 MiB in every release ($T/blob4).
same_4mb() { cp "$T/blob4" "$1/share/blob4"; }

@test "releases that share their bulk need room only for what they write: three 4 MiB releases on a 10 MiB disk, nothing pruned" {
	small_disk 10m
	head -c 4194304 /dev/urandom >"$T/blob4"
	install_ok 1.0.0 good HOOK=same_4mb
	# Written again, 2.0.0 would need 4 MiB more than the 6 MiB left
	# (with the 4 MiB margin): 17, as current and last good cannot go.
	install_ok 2.0.0 good HOOK=same_4mb
	install_ok 3.0.0 good HOOK=same_4mb
	assert_current 3.0.0
	[ -d "$APP/releases/1.0.0" ] && [ -d "$APP/releases/2.0.0" ]
	[ "$(stat -c %h "$APP/releases/3.0.0/share/blob4")" = 3 ]
	run agent history
	! printf '%s\n' "$output" | grep -q 'pruned'
	assert_invariants
}
