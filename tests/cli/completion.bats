#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The bash completion (completion/ota.bash), run as bash runs it: every
# command `TOOL --list-commands` names is offered, and every option a
# command's --help shows is offered after that command, so neither a new
# command nor a new option can be left out of it.
load ../helpers/common
bats_require_minimum_version 1.5.0

COMPLETION="$TESTS_DIR/../completion/ota.bash"

# offered TOOL WORD...: what completing the last WORD offers, one a line.
offered() {
	local tool=$1
	shift
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ota "$1"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$COMPLETION" "$tool" "$@"
}

@test "every command of every tool is offered after the tool, and each subcommand after its command" {
	for tool in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		got="$(offered "$tool" "$tool" "")"
		while read -r cmd sub; do
			if [ -z "$sub" ]; then
				printf '%s\n' "$got" | grep -qx -- "$cmd" ||
					{ echo "$tool: command $cmd not offered" >&2; return 1; }
			else
				offered "$tool" "$tool" "$cmd" "" | grep -qx -- "$sub" ||
					{ echo "$tool $cmd: $sub not offered" >&2; return 1; }
			fi
		done < <("$tool" --list-commands)
	done
}

@test "every option a command's --help shows is offered after that command" {
	n=0
	for tool in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		# The tool's own help names every command's options.
		everything="$(offered "$tool" "$tool" "")"
		while read -r cmd sub; do
			everything="$everything$(printf '\n%s' "$(offered "$tool" "$tool" $cmd $sub --)")"
		done < <("$tool" --list-commands)
		while read -r cmd sub; do
			# A command's subcommands share its help: the options of all of them.
			all="$(offered "$tool" "$tool" $cmd $sub --; offered "$tool" "$tool" "")"
			for s in $(offered "$tool" "$tool" "$cmd" "" | grep -v -- '^-'); do
				all="$all$(printf '\n%s' "$(offered "$tool" "$tool" "$cmd" "$s" --)")"
			done
			[ -n "$cmd" ] || all="$everything"
			for opt in $("$tool" $cmd $sub --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
				printf '%s\n' "$all" | grep -qx -- "$opt" ||
					{ echo "$tool $cmd $sub: $opt in --help, not offered" >&2; return 1; }
				n=$((n + 1))
			done
		done < <("$tool" --list-commands; echo)
	done
	[ "$n" -ge 100 ]
}

@test "completion offers what an option's value is: directories, the compressions, files" {
	mkdir adir && touch afile
	[ "$(offered ota-bundle ota-bundle create --tree a)" = adir ]
	[ "$(offered ota-bundle ota-bundle create --compress z)" = zstd ]
	offered ota-verify ota-verify --keys a | grep -qx afile
	# The command is found past the global options and their values.
	offered ota-agent ota-agent --root adir history --v | grep -qx -- --verify
	# A tool run by its path completes as by its name.
	[ "$(offered ./build/bin/ota-bundle ./build/bin/ota-bundle cr)" = create ]
}

@test "the check can fail: an option missing from the completion is found" {
	sed 's/--allow-remote //' "$COMPLETION" >c.bash
	run bash -c 'source ./c.bash; COMP_WORDS=(ota-agent dashboard --); COMP_CWORD=2
		_ota ota-agent; printf "%s\n" "${COMPREPLY[@]}" | grep -qx -- --allow-remote'
	assert_status 1
}
