#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The attack table again on slotted bundles: every bundle tests/tools/craft.py
# makes for attacks.bats gets the reserved entry signatures/.slots (8 free
# slots, as ota-bundle writes it) after its head's signatures
# (OTA_CRAFT_SLOTS), and attacks.bats runs whole: each attack must be
# refused exactly as on a bundle without slots.
load ../helpers/common
bats_require_minimum_version 1.5.0

@test "control: with OTA_CRAFT_SLOTS=8 the crafted honest bundle has the reserved slots and verifies" {
	make_key k
	make_tree tree
	OTA_CRAFT_SLOTS=8 CRAFT valid --tree tree --key k.key --out v.bundle
	run CRAFT list v.bundle
	[ "${lines[2]}" = signatures/.slots ]
	[ "$(CRAFT show v.bundle signatures/.slots | wc -c)" -eq 8192 ]
	run ota-verify --keys k.pub --device-class edge-gw-v2 v.bundle
	assert_status 0
}

@test "every attack of attacks.bats is refused as before when the crafted bundles carry signature slots" {
	run env OTA_CRAFT_SLOTS=8 bats --tap "$TESTS_DIR/cli/attacks.bats"
	if [ "$status" -ne 0 ]; then
		printf '%s\n' "$output" | grep -A6 '^not ok' >&2
		return 1
	fi
	# the whole suite ran, none skipped
	[ "$(printf '%s\n' "$output" | grep -c '^ok ')" -eq "$(grep -c '^@test' "$TESTS_DIR/cli/attacks.bats")" ]
	! printf '%s\n' "$output" | grep -q '# skip'
}
