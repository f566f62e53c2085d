# SPDX-License-Identifier: Apache-2.0
# bash completion for the ota tools: ota-keytool, ota-bundle, ota-sign,
# ota-verify, ota-agent.  `make install` puts this file under each tool's
# name in $(PREFIX)/share/bash-completion/completions/, where
# bash-completion loads it on first use.  Commands and options follow
# each tool's command table; tests/cli/completion.bats checks them
# against `TOOL --list-commands` and every command's --help.

# _ota_words TOOL CMD SUB: the commands (CMD "") or the options of one.
_ota_words() {
	local pass="--passphrase-file --passphrase-env"
	case "$1 $2 $3" in
	"ota-keytool  ") echo "generate id pub passwd escrow trust token receipts --help --version" ;;
	"ota-keytool receipts ") echo "verify collect" ;;
	"ota-keytool receipts verify" | "ota-keytool receipts collect")
		echo "--devices --state --json --csv" ;;
	"ota-keytool generate "*) echo "--out --force $pass --no-passphrase" ;;
	"ota-keytool id "*) echo "$pass" ;;
	"ota-keytool pub "*) echo "--key --out --force $pass" ;;
	"ota-keytool passwd "*)
		echo "--key $pass --new-passphrase-file --new-passphrase-env --no-passphrase" ;;
	"ota-keytool escrow ") echo "split combine" ;;
	"ota-keytool escrow split") echo "--key $pass --shares --threshold --out-dir --force" ;;
	"ota-keytool escrow combine") echo "--out $pass --no-passphrase --force" ;;
	"ota-keytool trust ") echo "create timestamp sign show verify" ;;
	"ota-keytool trust create")
		echo "--sequence --threshold --target --out --force --release --release-threshold" \
			"--timestamp-key --timestamp-threshold --created --expires --min-rollback-index" \
			"--previous --revoke" ;;
	"ota-keytool trust timestamp") echo "--trust --expires --created --out --force" ;;
	"ota-keytool trust sign") echo "--key $pass" ;;
	"ota-keytool trust show") echo "" ;;
	"ota-keytool trust verify") echo "--keys --threshold --trust --device-class" ;;
	"ota-keytool token ") echo "import generate" ;;
	"ota-keytool token import") echo "--key $pass --uri --pin-file --pin-env --out --force" ;;
	"ota-keytool token generate") echo "--uri --pin-file --pin-env --out --force" ;;
	"ota-bundle  ") echo "create manifest index --help --version" ;;
	"ota-bundle create "*)
		echo "--tree --version --target --out --rollback-index --compress --force" \
			"--sign-key $pass --base --expires --signature-slots --quiet" ;;
	"ota-bundle manifest "*) echo "--out --force" ;;
	"ota-bundle index "*) echo "" ;;
	"ota-sign  ")
		echo "attach --key $pass --manifest --out --force --quiet --help --version" ;;
	"ota-sign attach "*) echo "--quiet" ;;
	"ota-verify  ")
		echo "--keys --trust --device-class --threshold --extract --base --json --quiet" \
			"--manifest --signature --tree --help --version" ;;
	"ota-agent  ")
		echo "init install import identity poll watch recover rollback releases fsck status trust keys" \
			"history dashboard report --root --config --help --version" ;;
	"ota-agent init "*) echo "--root --device-class --keys --app-dir --state-dir" ;;
	"ota-agent install "*) echo "--quiet" ;;
	"ota-agent import "*) echo "--mount-options" ;;
	"ota-agent poll "*) echo "--once --interval" ;;
	"ota-agent recover "*) echo "--boot" ;;
	"ota-agent rollback "*) echo "--to" ;;
	"ota-agent releases "* | "ota-agent status "* | "ota-agent keys "*) echo "--json" ;;
	"ota-agent history "*) echo "--json --since --version --verify --expect" ;;
	"ota-agent dashboard "*) echo "--listen --allow-remote --host" ;;
	"ota-agent report "*) echo "--html --force" ;;
	*) echo "" ;;
	esac
}

# What an option's value is: dir, file, none (free text), a word list, or
# "" for an option that takes none.
_ota_value() {
	case "$1" in
	--force | --quiet | --json | --once | --boot | --no-passphrase | --allow-remote | \
		--verify | --help | --csv | --mount-options) echo "" ;;
	--tree | --extract | --base | --out-dir | --root | --app-dir | --state-dir) echo dir ;;
	--version | --target | --device-class | --threshold | --shares | --sequence | \
		--rollback-index | --interval | --to | --since | --expect | --listen | --host | \
		--passphrase-env | --new-passphrase-env | --release-threshold | --timestamp-threshold | \
		--created | --expires | --min-rollback-index | --revoke | --signature-slots | --uri | \
		--pin-env) echo none ;;
	--compress) echo "none gzip xz zstd" ;;
	--*) echo file ;;
	esac
}

_ota() {
	local tool=${1##*/} cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmd="" sub="" i w takes
	# The command and subcommand: the first words that are neither options
	# nor an option's value and that the tool knows as commands.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ "$w" == -* ]]; then
			[ -n "$(_ota_value "$w")" ] && [[ "$w" != *=* ]] && ((i++))
		elif [ -z "$cmd" ]; then
			[[ " $(_ota_words "$tool" "" "") " == *" $w "* ]] && cmd=$w
		elif [ -z "$sub" ]; then
			[[ " $(_ota_words "$tool" "$cmd" "") " == *" $w "* ]] && sub=$w
		fi
	done
	if [[ "$prev" == --* ]] && [ "$COMP_CWORD" -gt 1 ]; then
		takes=$(_ota_value "$prev")
		case "$takes" in
		"") ;;
		dir) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
		file) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
		none) COMPREPLY=(); return 0 ;;
		*) mapfile -t COMPREPLY < <(compgen -W "$takes" -- "$cur"); return 0 ;;
		esac
	fi
	mapfile -t COMPREPLY < <(compgen -W "$(_ota_words "$tool" "$cmd" "$sub") --help" -- "$cur")
	# Operands (bundles, keys, trust files, directories) where no option is typed.
	if [[ "$cur" != -* ]]; then
		mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
	fi
	return 0
}

complete -F _ota -o filenames ota-keytool ota-bundle ota-sign ota-verify ota-agent
