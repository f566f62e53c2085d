#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-keytool: generate, id and pub.  Each test checks the exit status, the
# one-line message naming the file, and what is (or is not) left on disk.
# `openssl` is the independent reference for key files and key ids.
load ../helpers/common
bats_require_minimum_version 1.5.0

mode_of() { stat -c %a "$1"; }

# on_tty PASS1 PASS2 ARGS...: run ota-keytool ARGS on a pseudo-terminal and
# type PASS1 and PASS2 at its two prompts; prints what the terminal showed.
on_tty() {
	python3 -c '
import os, pty, signal, sys
signal.alarm(20)
pid, fd = pty.fork()
if pid == 0:
    os.execvp("ota-keytool", ["ota-keytool"] + sys.argv[3:])
seen = b""
def read_until(want):
    global seen
    while want not in seen:
        try:
            d = os.read(fd, 1024)
        except OSError:
            d = b""
        if not d:
            sys.exit("no %r on the terminal: %r" % (want, seen))
        seen += d
for prompt, answer in ((b"New passphrase: ", sys.argv[1]), (b"Repeat passphrase: ", sys.argv[2])):
    read_until(prompt)
    os.write(fd, answer.encode() + b"\n")
while True:
    try:
        d = os.read(fd, 1024)
    except OSError:
        break
    if not d:
        break
    seen += d
_, st = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
' "$@"
}

@test "generate --no-passphrase writes a 0600 .key, a 0644 .pub and prints the key id" {
	run --separate-stderr ota-keytool generate --no-passphrase --out k
	assert_status 0
	[ -z "$stderr" ]
	[ "$output" = "$(pub_id k.pub)" ]
	[ "$(mode_of k.key)" = 600 ]
	[ "$(mode_of k.pub)" = 644 ]
	grep -q 'BEGIN PRIVATE KEY' k.key
	openssl pkey -in k.key -noout
	assert_dir_holds k.key k.pub
}

@test "generate --passphrase-file writes a PBKDF2-SHA256 600000 key openssl decrypts" {
	printf 'pw-123\n' >pw
	run ota-keytool generate --passphrase-file pw --out k
	assert_status 0
	grep -q 'BEGIN ENCRYPTED PRIVATE KEY' k.key
	openssl pkey -in k.key -passin file:pw -noout
	run openssl pkey -in k.key -passin pass:wrong -noout
	[ "$status" -ne 0 ]
	openssl asn1parse -in k.key | grep -q ':hmacWithSHA256'
	openssl asn1parse -in k.key | grep -Eq 'INTEGER +:0927C0 *$'
	openssl asn1parse -in k.key | grep -q ':aes-256-cbc'
}

@test "generate on a terminal asks twice without echo" {
	run on_tty 'tty-pass-42' 'tty-pass-42' generate --out k
	assert_status 0
	assert_output_matches "$(pub_id k.pub)"
	if printf '%s\n' "$output" | grep -q 'tty-pass-42'; then
		echo "passphrase was echoed: $output" >&2
		return 1
	fi
	openssl pkey -in k.key -passin pass:tty-pass-42 -noout
}

@test "generate on a terminal refuses two different passphrases (exit 2), writing nothing" {
	run on_tty 'one' 'two' generate --out k
	assert_status 2
	assert_output_matches 'ota-keytool: passphrases do not match'
	assert_absent k.key
	assert_absent k.pub
}

@test "generate with neither passphrase option and stdin not a terminal is a usage error" {
	run --separate-stderr ota-keytool generate --out k </dev/null
	assert_status 2
	[[ "${stderr_lines[0]}" == "ota-keytool: generate: stdin is not a terminal: "* ]]
	assert_absent k.key
	assert_absent k.pub
}

@test "generate refuses to overwrite either file (exit 12) and leaves them untouched" {
	make_key k
	cp k.key key.orig
	cp k.pub pub.orig
	run --separate-stderr ota-keytool generate --no-passphrase --out k
	assert_status 12
	assert_one_line_error '^ota-keytool: k\.key: exists \(use --force to replace it\)$'
	cmp k.key key.orig
	cmp k.pub pub.orig
	rm k.key
	run --separate-stderr ota-keytool generate --no-passphrase --out k
	assert_status 12
	assert_one_line_error '^ota-keytool: k\.pub: exists \(use --force to replace it\)$'
	assert_absent k.key
	assert_dir_holds k.pub key.orig pub.orig
}

@test "generate --force replaces an existing pair" {
	make_key k
	old=$(pub_id k.pub)
	run ota-keytool generate --no-passphrase --force --out k
	assert_status 0
	[ "$output" != "$old" ]
	[ "$output" = "$(pub_id k.pub)" ]
	assert_dir_holds k.key k.pub
}

@test "generate refuses a .pub that is a directory before writing anything, even with --force (exit 12)" {
	mkdir k.pub
	run --separate-stderr ota-keytool generate --no-passphrase --force --out k
	assert_status 12
	assert_one_line_error '^ota-keytool: k\.pub: is a directory, not a file to write \(--force replaces files only\)$'
	assert_absent k.key
	assert_dir_holds k.pub
}

@test "id prints the same key id for a .pub and its .key" {
	make_key k
	run ota-keytool id k.pub
	assert_status 0
	[ "$output" = "$(pub_id k.pub)" ]
	run ota-keytool id k.key
	assert_status 0
	[ "$output" = "$(pub_id k.pub)" ]
}

@test "id reads an openssl genpkey key" {
	openssl genpkey -algorithm ed25519 -out o.key
	openssl pkey -in o.key -pubout -out o.pub
	run ota-keytool id o.key
	assert_status 0
	[ "$output" = "$(pub_id o.pub)" ]
}

@test "id of an encrypted key uses --passphrase-file, and needs it (exit 11)" {
	printf 'pw-123\n' >pw
	ota-keytool generate --passphrase-file pw --out k >/dev/null
	run ota-keytool id --passphrase-file pw k.key
	assert_status 0
	[ "$output" = "$(pub_id k.pub)" ]
	run --separate-stderr ota-keytool id k.key </dev/null
	assert_status 11
	assert_one_line_error '^ota-keytool: k\.key: key is encrypted: passphrase required \(--passphrase-file F or --passphrase-env NAME, or a terminal\)$'
}

@test "a wrong passphrase fails with exit 11 naming the key" {
	printf 'pw-123\n' >pw
	printf 'pw-124\n' >wrong
	ota-keytool generate --passphrase-file pw --out k >/dev/null
	run --separate-stderr ota-keytool id --passphrase-file wrong k.key
	assert_status 11
	assert_one_line_error '^ota-keytool: k\.key: wrong passphrase$'
	run --separate-stderr ota-keytool pub --key k.key --passphrase-file wrong --out new.pub
	assert_status 11
	assert_one_line_error '^ota-keytool: k\.key: wrong passphrase$'
	assert_absent new.pub
}

@test "id refuses RSA and EC keys (exit 11) and a missing file (exit 3)" {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.key 2>/dev/null
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
	openssl pkey -in ec.key -pubout -out ec.pub
	for f in rsa.key ec.key ec.pub; do
		run --separate-stderr ota-keytool id "$f"
		assert_status 11
		assert_one_line_error "^ota-keytool: $f: not an Ed25519 key"
	done
	run --separate-stderr ota-keytool id missing.pub
	assert_status 3
	assert_one_line_error '^ota-keytool: missing\.pub: '
}

@test "pub writes the same .pub as generate did, mode 0644" {
	make_key k
	run ota-keytool pub --key k.key --out again.pub
	assert_status 0
	cmp k.pub again.pub
	[ "$(mode_of again.pub)" = 644 ]
}

@test "pub decrypts an encrypted key with --passphrase-file" {
	printf 'pw-123\n' >pw
	ota-keytool generate --passphrase-file pw --out k >/dev/null
	run ota-keytool pub --key k.key --passphrase-file pw --out again.pub
	assert_status 0
	cmp k.pub again.pub
}

@test "pub refuses an existing output (exit 12) unless --force" {
	make_key k
	make_key other
	run --separate-stderr ota-keytool pub --key k.key --out other.pub
	assert_status 12
	assert_one_line_error '^ota-keytool: other\.pub: exists \(use --force to replace it\)$'
	[ "$(pub_id other.pub)" != "$(pub_id k.pub)" ]
	run ota-keytool pub --key k.key --out other.pub --force
	assert_status 0
	cmp k.pub other.pub
}

@test "--help lists every command and --version prints the version" {
	run ota-keytool --help
	assert_status 0
	assert_output_matches '^usage: ota-keytool generate '
	assert_output_matches 'ota-keytool id '
	assert_output_matches 'ota-keytool pub '
	run ota-keytool generate --help
	assert_status 0
	assert_output_matches '^usage: ota-keytool generate --out PREFIX'
	run ota-keytool --version
	assert_status 0
	[ "$output" = "ota-keytool (ota tools) 0.1.0" ]
}

@test "usage errors exit 2 with a message and write nothing" {
	make_key k
	printf 'pw\n' >pw
	local -a cases=(
		''
		'frobnicate'
		'generate --no-passphrase'
		'generate --no-passphrase --out'
		'generate --no-passphrase --bogus --out x'
		'generate --no-passphrase --passphrase-file pw --out x'
		'generate --no-passphrase --out x extra'
		'id'
		'id k.pub k.key'
		'id --bogus k.pub'
		'pub --out x.pub'
		'pub --key k.key'
		'pub --key k.key --out x.pub extra'
	)
	local args
	for args in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr ota-keytool $args
		if [ "$status" -ne 2 ] || [[ "${stderr_lines[0]}" != "ota-keytool: "* ]]; then
			echo "ota-keytool $args: exit $status, stderr: $stderr" >&2
			return 1
		fi
	done
	assert_dir_holds k.key k.pub pw
}
