#!/usr/bin/env bats
# The attack table of tests/README.md names real tests: each test it names
# exists exactly once in its file, every test of attacks.bats and of
# unit/test_extract_race.c is in it, and a row's exit status agrees with
# the class its test's name states (tests/tools/check_attack_table.py).
load helpers
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
