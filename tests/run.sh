#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
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

# Under `make check-sanitize` (OTA_SANITIZE=1), every AddressSanitizer and
# LeakSanitizer report goes to a file in $san, whatever the exit status of
# the process or what its test expected, and each fails the suite it came
# from.  UBSan (gcc's libubsan cannot follow log_path next to libasan)
# aborts the process: status 134, which no test expects.
san=""
if [ "${OTA_SANITIZE:-0}" = 1 ]; then
	san=$logdir/sanitizer
	mkdir -p "$san"
	ASAN_OPTIONS="log_path=$san/asan:detect_leaks=1:abort_on_error=1:${ASAN_OPTIONS:-}"
	UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
	export ASAN_OPTIONS UBSAN_OPTIONS
fi

# Number of sanitizer reports in dir $1 (default $san) since the last call;
# they are shown, then removed.
reports() {
	[ -n "$san" ] || { echo 0; return; }
	n=0
	for r in "${1:-$san}"/*; do
		[ -f "$r" ] || continue
		n=$((n + 1))
		sed -n '1,30p' "$r" | sed 's/^/    /' >&2
		rm -f "$r"
	done
	echo "$n"
}

count() { # suite-name tap-file exit-status [sanitizer-dir]
	# TAP: "# SKIP" marks a skipped test, whether the runner says ok or not ok.
	k=$(grep -Eci '^(not )?ok .*# skip' "$2")
	p=$(grep '^ok ' "$2" | grep -vic '# skip')
	f=$(grep '^not ok ' "$2" | grep -vic '# skip')
	r=$(reports "${4:-}")
	[ "$r" -eq 0 ] || echo "$1: $r sanitizer report(s)" >&2
	f=$((f + r))
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

# The canary: a leak and a heap overflow must each leave a report, and
# undefined behaviour must abort with its message, or the sanitizer set-up
# itself is broken and its silence means nothing.
canary() { # bug
	out=$({ "$OTA_UNIT/sanitizer-canary" "$1"; } 2>&1) # the shell's "Aborted" too
	st=$?
	case $1 in
	undefined) [ "$st" -eq 134 ] && printf '%s' "$out" | grep -q 'runtime error:' ;;
	*) [ -n "$(ls "$san")" ] && rm -f "$san"/* ;;
	esac
}
if [ -n "$san" ]; then
	for bug in leak heap-overflow undefined; do
		if canary "$bug"; then
			passed=$((passed + 1))
		else
			echo "sanitizer canary: $bug was not reported" >&2
			failed=$((failed + 1))
		fi
	done
	printf '%-32s %4d passed, %d failed, %d skipped\n' sanitize/canary "$passed" "$failed" 0
fi

for t in "$OTA_UNIT"/test_*; do
	[ -x "$t" ] || continue
	name=unit/$(basename "$t")
	CMOCKA_MESSAGE_OUTPUT=TAP OTA_TESTDATA="$here/../../shared/testdata" \
		OTA_VECTORS="$here/vectors" "$t" >"$logdir/tap" 2>&1
	count "$name" "$logdir/tap" $?
done

# The command-line suites run OTA_CHECK_JOBS at a time (default 2: most of
# their time is spent waiting on services and health checks, and every test
# has its own temp dir and kernel-chosen ports).  Each writes its own TAP
# file, exit status and sanitizer reports; they are counted in name order.
export OTA_BIN logdir san
ls "$here"/cli/*.bats 2>/dev/null | xargs -r -P "${OTA_CHECK_JOBS:-2}" -n 1 sh -c '
	name=$(basename "$1" .bats)
	if [ -n "$san" ]; then
		mkdir -p "$san/$name"
		ASAN_OPTIONS="log_path=$san/$name/asan:${ASAN_OPTIONS#*:}"
	fi
	start=$(date +%s)
	bats --tap "$1" >"$logdir/$name.tap" 2>&1
	echo $? >"$logdir/$name.rc"
	echo $(($(date +%s) - start)) >"$logdir/$name.secs"
' sh
for t in "$here"/cli/*.bats; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .bats)
	# A lane that died before writing its status counts as a failed suite.
	rc=$(cat "$logdir/$name.rc" 2>/dev/null) || rc=1
	secs=$(cat "$logdir/$name.secs" 2>/dev/null) || secs="?"
	touch "$logdir/$name.tap"
	count "cli/$name ($secs s)" "$logdir/$name.tap" "$rc" "${san:+$san/$name}"
done

# Skipped tests are neither: a skip must be visible, so it is said apart.
[ "$skipped" -eq 0 ] || echo "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
