#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The licence: LICENSE is the Apache License 2.0, and every source file
# git tracks (C, shell, Python, bats, make, units, YAML) says so in an
# SPDX-License-Identifier line among its first four, so that a file
# copied out of the tree keeps its terms (REUSE, Debian's copyright).
load ../helpers/common

@test "LICENSE is the Apache License, Version 2.0" {
	grep -q '^ *Apache License$' "$TESTS_DIR/../LICENSE"
	grep -q '^ *Version 2.0, January 2004$' "$TESTS_DIR/../LICENSE"
}

@test "every tracked source file carries an SPDX-License-Identifier: Apache-2.0 line" {
	command -v git >/dev/null && git -C "$TESTS_DIR/.." rev-parse 2>/dev/null ||
		skip "not a git checkout"
	cd "$TESTS_DIR/.."
	missing=""
	while IFS= read -r f; do
		case "$f" in
		fuzz/corpus/*) continue ;;
		*.c | *.h | *.sh | *.py | *.bats | *.bash | *.yaml | *.yml | *.service | *.service.in | \
			*.rules | Makefile | .ci/run) ;;
		*) continue ;;
		esac
		[ -f "$f" ] || continue
		head -4 "$f" | grep -q 'SPDX-License-Identifier: Apache-2.0' || missing="$missing $f"
	done < <(git ls-files)
	if [ -n "$missing" ]; then
		echo "no SPDX line:$missing" >&2
		return 1
	fi
}
