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

count() { # suite-name tap-file exit-status
	p=$(grep -c '^ok ' "$2")
	f=$(grep -c '^not ok ' "$2")
	if [ "$3" -ne 0 ] && [ "$f" -eq 0 ]; then
		# A suite that died without reporting a failure is a failure.
		echo "$1: exited $3 without a failing test line" >&2
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	printf '%-32s %4d passed, %d failed\n' "$1" "$p" "$f"
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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
