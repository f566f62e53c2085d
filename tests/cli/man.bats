#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The man pages (man/, roff by hand): each renders with man-db and groff
# without a warning, as `make install` installs it (@VERSION@ replaced);
# each tool has one that names every command of its table and its exit
# statuses; the formats have theirs.
load ../helpers/common
bats_require_minimum_version 1.5.0

MAN_DIR="$TESTS_DIR/../man"

setup() {
	helpers_setup
	command -v man >/dev/null && command -v groff >/dev/null ||
		skip "man-db and groff are not installed (scripts/ensure-deps.sh)"
	VERSION="$(cat "$TESTS_DIR/../VERSION")"
}

# render PAGE: the page as installed, rendered; warnings on stderr.
render() {
	sed "s/@VERSION@/$VERSION/g" "$1" >"$T/$(basename "$1")"
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$T/$(basename "$1")"
}

@test "every page renders without a warning and carries the project's version" {
	n=0
	for page in "$MAN_DIR"/*.[1-8]; do
		run --separate-stderr render "$page"
		assert_status 0
		[ -z "$stderr" ] || { echo "$(basename "$page"): $stderr" >&2; return 1; }
		assert_output_matches "ota $VERSION"
		n=$((n + 1))
	done
	[ "$n" -ge 7 ]
}

@test "each tool's page names every command of its table, its exit statuses and its files" {
	for page in ota-keytool.1 ota-bundle.1 ota-sign.1 ota-verify.1 ota-agent.8; do
		tool="${page%.*}"
		out="$(render "$MAN_DIR/$page" 2>/dev/null)"
		for section in NAME SYNOPSIS 'EXIT STATUS' FILES 'SEE ALSO'; do
			printf '%s\n' "$out" | grep -q "^$section" ||
				{ echo "$page: no $section section" >&2; return 1; }
		done
		while read -r cmd sub; do
			printf '%s\n' "$out" | grep -qw -- "${sub:-$cmd}" ||
				{ echo "$page: command '$cmd $sub' not in the page" >&2; return 1; }
		done < <("$tool" --list-commands)
		printf '%s\n' "$out" | grep -q 'schema/exit-codes.md'
	done
	for page in agent.yaml.5 ota-bundle.5; do
		[ -f "$MAN_DIR/$page" ]
	done
}

@test "agent.yaml(5) names every key of schema/agent-config.md" {
	out="$(render "$MAN_DIR/agent.yaml.5" 2>/dev/null)"
	n=0
	for key in $(grep -oE '^\| `[a-z_.]+`' "$TESTS_DIR/../schema/agent-config.md" | tr -d '|` '); do
		printf '%s\n' "$out" | grep -qE "^ +$key( |$)" || { echo "agent.yaml(5): no $key" >&2; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 30 ]
}

@test "the check can fail: a page with an unknown macro warns" {
	mkdir src
	printf '.TH X 1\n.SH NAME\nx \\- y\n.XX bad\n' >src/bad.1
	run --separate-stderr render src/bad.1
	[ -n "$stderr" ]
}

@test "make install puts every page under MANDIR/manN and the completion under each tool's name" {
	repo="$(cd "$TESTS_DIR/.." && pwd)"
	# PREFIX as the build under test was made (its help names DOCDIR): any
	# other would rebuild the tools other suites are running meanwhile.
	make -C "$repo" --no-print-directory -s install B="$(dirname "$OTA_BIN")" \
		PREFIX=/usr/local DESTDIR="$T/dest" >"$T/install.log" 2>&1 || { cat "$T/install.log" >&2; return 1; }
	for page in "$MAN_DIR"/*.[1-8]; do
		f="$T/dest/usr/local/share/man/man${page##*.}/$(basename "$page")"
		[ -f "$f" ] && ! grep -q '@VERSION@' "$f"
	done
	for tool in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		cmp "$repo/completion/ota.bash" "$T/dest/usr/local/share/bash-completion/completions/$tool"
	done
}
