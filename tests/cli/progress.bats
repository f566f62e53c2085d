#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The progress line of long work (bytes, files, rate, time left) on a
# terminal: ota-bundle create, ota-sign, ota-verify and ota-agent install
# draw it on stderr when stderr is a terminal (a real pseudo-terminal here,
# tests/tools/pty_run.py), and print nothing of it when stderr is not a
# terminal or with --quiet.  OTA_PROGRESS_MS=0 redraws at every count, so
# even a small bundle shows it.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	make_tree tree
	export OTA_PROGRESS_MS=0
}


# on_tty CMD...: run CMD with stderr on a pseudo-terminal; $T/tty gets
# what reached the terminal.
on_tty() {
	run python3 "$TESTS_DIR/tools/pty_run.py" "$T/tty" "$@"
}

# The terminal showed a progress line of the tree's 2 files that ended at
# 100% and was erased (carriage return, erase to the end of the line).
assert_progress() {
	grep -aq "of 2 files" "$T/tty" || { echo "no progress line: $(cat -v "$T/tty")" >&2; return 1; }
	grep -aq '(100%), 2 of 2 files' "$T/tty" || { echo "never at 100%: $(cat -v "$T/tty")" >&2; return 1; }
	[ "$(tail -c 4 "$T/tty" | od -An -c | tr -d ' ')" = '\r033[K' ] ||
		{ echo "line not erased at the end: $(cat -v "$T/tty")" >&2; return 1; }
}

assert_tty_silent() {
	[ ! -s "$T/tty" ] || { echo "the terminal got: $(cat -v "$T/tty")" >&2; return 1; }
}

signed() {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out b.bundle \
		--sign-key k.key --quiet >/dev/null
}

@test "ota-bundle create draws progress on a terminal, and --quiet draws nothing" {
	on_tty ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out a.bundle
	assert_status 0
	assert_progress
	tr '\r' '\n' <"$T/tty" | grep -aq $'^\033\\[Kota-bundle: a.bundle: '
	on_tty ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out q.bundle --quiet
	assert_status 0
	assert_tty_silent
	cmp a.bundle q.bundle
}

@test "ota-bundle create prints nothing on stderr when it is not a terminal" {
	run --separate-stderr ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 \
		--out a.bundle
	assert_status 0
	[ -z "$stderr" ]
}

# take_note LINE: $T/tty ends with LINE (and the terminal's CR LF); cut it.
take_note() {
	python3 - "$T/tty" "$1" <<-'EOF'
		import sys
		p, note = sys.argv[1], sys.argv[2].encode() + b"\r\n"
		data = open(p, "rb").read()
		if not data.endswith(note):
		    sys.exit("the terminal did not end with the note: %r" % data[-200:])
		open(p, "wb").write(data[:-len(note)])
	EOF
}

@test "ota-sign rewriting a bundle draws progress on a terminal, then says why it rewrote; --quiet draws nothing" {
	local note='ota-sign: b.bundle: rewritten whole, not signed in place: it has no signature slots'
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 0 \
		--out b.bundle >/dev/null
	on_tty ota-sign --key k.key b.bundle
	assert_status 0
	take_note "$note"
	assert_progress
	make_key k2
	on_tty ota-sign --quiet --key k2.key b.bundle
	assert_status 0
	take_note "$note"
	assert_tty_silent
	make_key k3
	run --separate-stderr ota-sign --key k3.key b.bundle
	[ "$stderr" = "$note" ]
}

@test "ota-sign into a free slot reads no payload: no progress to draw" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out b.bundle >/dev/null
	on_tty ota-sign --key k.key b.bundle
	assert_status 0
	assert_tty_silent
}

@test "ota-verify draws progress on a terminal; --quiet, --json and no terminal draw nothing" {
	signed
	on_tty ota-verify --keys k.pub --device-class edge-gw-v2 --extract out b.bundle
	assert_status 0
	assert_progress
	on_tty ota-verify --quiet --keys k.pub --device-class edge-gw-v2 b.bundle
	assert_status 0
	assert_tty_silent
	on_tty ota-verify --json --keys k.pub --device-class edge-gw-v2 b.bundle
	assert_status 0
	assert_tty_silent
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 b.bundle
	assert_status 0
	[ -z "$stderr" ]
}

@test "ota-verify erases its progress line before an error" {
	python3 "$TESTS_DIR/tools/craft.py" flip-byte --tree tree --key k.key --out f.bundle
	on_tty ota-verify --keys k.pub --device-class edge-gw-v2 f.bundle
	assert_status 7
	# Drawn, then erased, and the error alone on its line.
	grep -aq 'f.bundle: 0 B of' "$T/tty"
	tr '\r' '\n' <"$T/tty" | grep -aqx $'\033\\[Kota-verify: f.bundle: hash mismatch: etc/greeting'
}

@test "ota-agent install draws progress on a terminal, and install --quiet nothing" {
	make_bundle 1.0.0
	on_tty ota-agent --root "$ROOT" install "$BUNDLE" 3>&-
	assert_status 0
	grep -aq "of [0-9]* files" "$T/tty"
	grep -aq '(100%)' "$T/tty"
	make_bundle 2.0.0
	on_tty ota-agent --root "$ROOT" install --quiet "$BUNDLE" 3>&-
	assert_status 0
	assert_tty_silent
	assert_current 2.0.0
}
