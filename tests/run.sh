#!/bin/sh
# Run every test suite (cmocka unit tests, bats command-line tests) with TAP
# output and end with one line "N passed, N failed" summed over them all.
#   OTA_BIN   directory of the built tools
#   OTA_UNIT  directory of the built unit-test binaries
set -u
here=$(cd "$(dirname "$0")" && pwd)
logdir=$(mktemp -d "${TMPDIR:-/tmp}/ota-check.XXXXXX")
trap 'rm -rf "$logdir"' EXIT
passed=0
failed=0
skipped=0

count() { # suite-name tap-file exit-status
	# TAP: "# SKIP" marks a skipped test, whether the runner says ok or not ok.
	k=$(grep -Eci '^(not )?ok .*# skip' "$2")
	p=$(grep '^ok ' "$2" | grep -vic '# skip')
	f=$(grep '^not ok ' "$2" | grep -vic '# skip')
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A suite that died without reporting a failure is a failure.
		echo "$1: exited $3 without a failing test line" >&2
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + k))
	printf '%-32s %4d passed, %d failed, %d skipped\n' "$1" "$p" "$f" "$k"
	[ "$f" -eq 0 ] || grep -A12 '^not ok ' "$2" | sed 's/^/    /'
}

for t in "$OTA_UNIT"/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	CMOCKA_MESSAGE_OUTPUT=TAP OTA_TESTDATA="$here/../../shared/testdata" \
		OTA_VECTORS="$here/vectors" "$t" >"$logdir/tap" 2>&1
	count "$name" "$logdir/tap" $?
done

for t in "$here"/cli/*.bats; do
	[ -f "$t" ] || continue
	name=cli/$(basename "$t" .bats)
	OTA_BIN="$OTA_BIN" bats --tap "$t" >"$logdir/tap" 2>&1
	count "$name" "$logdir/tap" $?
done

# Skipped tests are neither: a skip must be visible, so it is said apart.
[ "$skipped" -eq 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
