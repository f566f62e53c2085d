# Shared set-up for the command-line tests: every test runs in its own
# fresh temp dir ($T) with the built tools on PATH.
: "${OTA_BIN:?OTA_BIN must name the directory of the built tools}"
export PATH="$OTA_BIN:$PATH"
TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TESTS_DIR
export SOURCE_DATE_EPOCH=1700000000

setup() {
	T="$BATS_TEST_TMPDIR"
	cd "$T" || return 1
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
