#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --help, -h and --version for every tool and every (sub)command, the
# commands read from each tool's own table (`TOOL --list-commands`), so a
# command added later is covered without touching this file.  Help needs
# no config file, no key and no root: each runs with HOME and the working
# directory empty and no /etc/ota/agent.yaml under --root.
load ../helpers/common
bats_require_minimum_version 1.5.0

TOOLS="ota-keytool ota-bundle ota-sign ota-verify ota-agent"

# The tool's commands, then the tool itself (""), one a line.
commands_of() {
	"$1" --list-commands || return 1
	echo ""
}

# check_ok: the last `run --separate-stderr` exited 0, printed on stdout
# only, and its stdout matches $1.
check_ok() {
	if [ "$status" -ne 0 ] || [ -n "$stderr" ] || ! printf '%s\n' "$output" | grep -Eq -- "$1"; then
		echo "$2: exit $status, stdout: $output, stderr: $stderr" >&2
		return 1
	fi
}

@test "every tool lists its commands (the tables the rest of this suite reads)" {
	run ota-agent --list-commands
	assert_status 0
	for c in init install import poll watch recover rollback status history dashboard; do
		printf '%s\n' "$output" | grep -qx "$c"
	done
	run ota-keytool --list-commands
	printf '%s\n' "$output" | grep -qx "trust sign"
	printf '%s\n' "$output" | grep -qx "escrow combine"
	run ota-bundle --list-commands
	[ "$output" = "$(printf 'create\nmanifest\nindex')" ]
	run ota-sign --list-commands
	[ "$output" = attach ]
	run ota-verify --list-commands
	assert_status 0
	[ -z "$output" ]
}

@test "--help and -h: every tool and every command, on stdout, exit 0, no config needed" {
	export HOME="$T"
	n=0
	for tool in $TOOLS; do
		while IFS= read -r cmd; do
			# shellcheck disable=SC2086 # cmd is one or two words
			for h in --help -h; do
				if [ "$tool" = ota-agent ]; then
					run --separate-stderr "$tool" --root "$T/nodevice" $cmd $h
				else
					run --separate-stderr "$tool" $cmd $h
				fi
				check_ok "^usage: $tool ${cmd%% *}" "$tool $cmd $h"
				n=$((n + 1))
			done
		done < <(commands_of "$tool")
	done
	# Help wins wherever it stands, before any option is judged.
	run --separate-stderr ota-bundle create --tree nowhere --help
	check_ok '^usage: ota-bundle create' "create --tree nowhere --help"
	run --separate-stderr ota-agent -h
	check_ok '^usage: ota-agent' "ota-agent -h"
	# 5 tools, 32 commands and sub-commands today: at least this many.
	[ "$n" -ge 60 ]
	assert_absent "$T/nodevice"
}

@test "--version: every tool and every command prints the one version of VERSION, exit 0" {
	want="$(cat "$TESTS_DIR/../VERSION")"
	for tool in $TOOLS; do
		while IFS= read -r cmd; do
			# shellcheck disable=SC2086
			run --separate-stderr "$tool" $cmd --version
			check_ok "^$tool \\(ota tools\\) $want\$" "$tool $cmd --version"
		done < <(commands_of "$tool")
	done
}

@test "--version after options is the option's: ota-bundle create --version V is the release's" {
	make_tree tree
	run --separate-stderr ota-bundle create --tree tree --target t --out a.bundle --version 1.0.0
	assert_status 0
	[ -s a.bundle ]
	run --separate-stderr ota-bundle create --tree tree --target t --out b.bundle --version
	assert_status 2
	assert_absent b.bundle
}

@test "an unknown command or option is still a usage error (2), on stderr" {
	for tool in ota-keytool ota-bundle ota-agent; do
		run --separate-stderr "$tool" no-such-command
		assert_status 2
		[ -z "$output" ]
	done
	run --separate-stderr ota-bundle create --no-such-option
	assert_status 2
	assert_one_line_error "unknown option '--no-such-option'"
}
