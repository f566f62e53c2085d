#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The attack table of tests/README.md names real tests: each test it names
# exists exactly once in its file, every test of attacks.bats and of
# unit/test_extract_race.c and every "attack" test of delta.bats is in it,
# and a row's exit status agrees with the class its test's name states
# (tests/tools/check_attack_table.py).
load ../helpers/common
bats_require_minimum_version 1.5.0

check() {
	run python3 "$TESTS_DIR/tools/check_attack_table.py" --tests "$TESTS_DIR" "$@"
}

# A copy of the README with sed expression $1 applied, at $T/README.md.
readme_with() {
	sed "$1" "$TESTS_DIR/README.md" >README.md
	if cmp -s README.md "$TESTS_DIR/README.md"; then
		echo "the edit $1 changed nothing" >&2
		return 1
	fi
}

@test "the attack table in tests/README.md names every attack test, and only tests that exist" {
	check
	assert_status 0
	[ -z "$output" ]
}

@test "the checker refuses a table naming a test that does not exist" {
	readme_with 's/A `flipped payload byte`/A `flipped payload bite`/'
	check --readme README.md
	assert_status 1
	assert_output_matches '0 tests named "flipped payload bite"'
}

@test "the checker refuses a table that leaves an attack test out" {
	readme_with '/`one bit of the trusted signature flipped`/d'
	check --readme README.md
	assert_status 1
	assert_output_matches '"one bit of the trusted signature flipped: bad signature \(5\)" is not in'
}

@test "the checker refuses a row whose exit status differs from its test's" {
	readme_with 's/\(A `bundle with no signature` | \)6/\17/'
	check --readme README.md
	assert_status 1
	assert_output_matches '"bundle with no signature" says 6, the table 7'
}

@test "the checker refuses a table that leaves a delta attack test out" {
	readme_with '/`attack: a delta missing a file it does not omit (10)`/d'
	check --readme README.md
	assert_status 1
	assert_output_matches '^check_attack_table: cli/delta.bats: "attack: a delta missing a file it does not omit \(10\)" is not in the attack table$'
}

@test "the checker reads file letters with a digit: a misspelt U3 test is refused" {
	readme_with 's/U3 `test_trust_state_damaged_fails_closed`/U3 `test_trust_state_damaged_fails_open`/'
	check --readme README.md
	assert_status 1
	assert_output_matches '^check_attack_table: unit/test_trust.c: 0 tests named "test_trust_state_damaged_fails_open"$'
}

@test "the checker reads a class from exit N in a name, never from an HTTP status such as (404)" {
	readme_with 's/\(P `no server listening`, `index.json missing (404)` | \)18/\117/'
	check --readme README.md
	assert_status 1
	assert_output_matches '"no server listening" says 18, the table 17'
	assert_output_matches '"index.json missing \(404\)" says 18, the table 17'
}
