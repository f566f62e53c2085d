#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run each libFuzzer target for a while; fail on any crash, leak, timeout
# or out-of-memory, naming the target and the reproducer.  `make fuzz` is
# the way in:
#   fuzz/run.sh BUILD_DIR SECONDS TIMEOUT RSS_MB TARGET...
# Each target starts from its checked-in seeds (fuzz/corpus/<target>, read
# only) plus what earlier runs found (BUILD_DIR/corpus/<target>, where new
# inputs go), with fuzz/dict/<target>.dict when there is one.  Crashes go
# to BUILD_DIR/artifacts/<target>/, the log to BUILD_DIR/<target>.log.
set -u
[ $# -ge 5 ] || { echo "usage: $0 BUILD_DIR SECONDS TIMEOUT RSS_MB TARGET..." >&2; exit 2; }
b=$1 secs=$2 timeout=$3 rss=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
failed=""

# Leaks fail the run (LeakSanitizer at every input that did not free what
# it allocated, and at exit); UBSan stops at the first report.
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:${ASAN_OPTIONS:-}"
UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:${UBSAN_OPTIONS:-}"
export ASAN_OPTIONS UBSAN_OPTIONS

for t in "$@"; do
	corpus=$b/corpus/$t
	art=$b/artifacts/$t
	log=$b/$t.log
	mkdir -p "$corpus" "$art"
	set -- -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb="$rss" \
		-detect_leaks=1 -print_final_stats=1 -artifact_prefix="$art/"
	[ -f "$here/dict/$t.dict" ] && set -- "$@" -dict="$here/dict/$t.dict"
	before=$(ls "$art" | wc -l)
	"$b/fuzz_$t" "$@" "$corpus" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1)
	if [ "$rc" -eq 0 ] && [ "$(ls "$art" | wc -l)" -eq "$before" ]; then
		printf 'fuzz: %-9s ok: %s runs in %s s, %s\n' "$t" "${runs:-?}" "$secs" "${cov:-cov: ?}"
		continue
	fi
	repro=$(ls -t "$art" | head -1)
	kind=$(printf '%s' "$repro" | sed 's/-.*//')
	printf 'fuzz: %-9s FAILED (%s, exit %d); log: %s\n' "$t" "${kind:-no artifact}" "$rc" "$log"
	[ -n "$repro" ] && printf 'fuzz: %-9s reproducer: %s/%s\n' "$t" "$art" "$repro" &&
		printf 'fuzz: %-9s reproduce:  %s/fuzz_%s %s/%s\n' "$t" "$b" "$t" "$art" "$repro"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz: |.*runtime error)' "$log" | head -5 | sed 's/^/    /'
	failed="$failed $t"
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
