# SPDX-License-Identifier: Apache-2.0
# common.bash - what every command-line suite shares: each test runs in
# its own fresh temp dir ($T) with the built tools on PATH.  Every suite
# loads this first (`load ../helpers/common`), then what it needs of
# agent.bash (a device under --root), delivery.bash (a medium, an HTTP
# server, systemd's notify socket) and history.bash (a device with a
# history).  Each of those defines the setup and teardown its suites share;
# a suite defines its own only to do more, starting with the one it
# replaces (helpers_setup, agent_suite_setup).
: "${OTA_BIN:?OTA_BIN must name the directory of the built tools}"
export PATH="$OTA_BIN:$PATH"
TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TESTS_DIR
export SOURCE_DATE_EPOCH=1700000000

helpers_setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
}

setup() { helpers_setup; }

# The setup of a suite about one bundle: key k, tree/, and app.bundle made
# of it, unsigned.
bundle_setup() {
	helpers_setup
	make_key k
	make_tree tree
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out app.bundle >/dev/null
}

# Assert the last `run` exited with status $1.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected exit $1, got $status; output: $output" >&2
		return 1
	fi
}

# Assert the last `run` printed something matching the extended regex $1.
assert_output_matches() {
	if ! printf '%s\n' "$output" | grep -Eq -- "$1"; then
		echo "output does not match /$1/: $output" >&2
		return 1
	fi
}

# Assert path $1 does not exist (nothing written).
assert_absent() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		echo "expected $1 not to exist" >&2
		return 1
	fi
}

# Assert stderr of the last `run --separate-stderr` is one line matching $1.
assert_one_line_error() {
	if [ "${#stderr_lines[@]}" -ne 1 ] || ! printf '%s\n' "$stderr" | grep -Eq -- "$1"; then
		echo "expected one stderr line matching /$1/, got: $stderr" >&2
		return 1
	fi
}

# Assert the current directory holds exactly the names given (no temp
# files), bats' own file of `run --separate-stderr` aside.
assert_dir_holds() {
	local want have
	want=$(printf '%s\n' "$@" | LC_ALL=C sort)
	have=$(ls -A | grep -v '^separate-stderr-' | LC_ALL=C sort)
	if [ "$have" != "$want" ]; then
		echo "expected exactly: $want; found: $have" >&2
		return 1
	fi
}

# Evaluate the Python expression $1 with j = the JSON in $output.
jget() {
	python3 -c 'import json, sys; j = json.loads(sys.argv[2]); print(eval(sys.argv[1]))' "$1" "$output"
}

# Hostile bundles (tools/craft.py; `CRAFT kinds` lists them).
CRAFT() { python3 "$TESTS_DIR/tools/craft.py" "$@"; }

# The key id of a .pub computed by openssl alone: the last 32 bytes of the
# SubjectPublicKeyInfo DER are the raw key.
pub_id() {
	openssl pkey -pubin -in "$1" -outform DER | tail -c 32 | openssl dgst -sha256 -r | cut -c1-64
}

# A key pair without passphrase at $T/$1.{key,pub}.
make_key() {
	ota-keytool generate --no-passphrase --out "$T/$1" >/dev/null
}

# A small release tree at $1: files, an empty dir, a symlink, an exec bit.
make_tree() {
	mkdir -p "$1/bin" "$1/etc" "$1/var/empty"
	printf 'hello\n' >"$1/etc/greeting"
	printf '#!/bin/sh\necho app\n' >"$1/bin/app"
	chmod 755 "$1/bin/app"
	ln -s app "$1/bin/app-link"
}
