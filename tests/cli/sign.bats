#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-sign: in place (into a free signature slot of the head, or by a
# temp file + rename; the original untouched on failure), detached (the
# air-gapped box) and attach.  Key files and ids themselves
# are keytool.bats's.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() { bundle_setup; }

# pubinfo FILE.pub id|b64: the key id or the base64 raw key, computed with
# cryptography rather than by the tools under test.
pubinfo() {
	python3 -c '
import base64, hashlib, sys
from cryptography.hazmat.primitives import serialization as s
raw = s.load_pem_public_key(open(sys.argv[1], "rb").read()).public_bytes(
    s.Encoding.Raw, s.PublicFormat.Raw)
print(hashlib.sha256(raw).hexdigest() if sys.argv[2] == "id" else base64.b64encode(raw).decode())
' "$@"
}

# sigcheck PUB MSG SIGTEXT: exit 0 if SIGTEXT (base64) is PUB's signature of MSG's bytes.
sigcheck() {
	python3 -c '
import base64, sys
from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_public_key(open(sys.argv[1], "rb").read())
k.verify(base64.b64decode(sys.argv[3], validate=True), open(sys.argv[2], "rb").read())
' "$@"
}

@test "ota-sign --help exits 0 and describes attach" {
	run ota-sign --help
	assert_status 0
	assert_output_matches 'attach'
}

@test "ota-sign --version exits 0 and prints a version number" {
	run ota-sign --version
	assert_status 0
	assert_output_matches '[0-9]+\.[0-9]+'
}

@test "sign in place adds signatures/<keyid>.sig between manifest and payload, one slot fewer" {
	run --separate-stderr ota-sign --key k.key app.bundle
	assert_status 0
	[ -z "$stderr" ]
	run CRAFT list app.bundle
	[ "${lines[0]}" = manifest.json ]
	[ "${lines[1]}" = "signatures/$(pubinfo k.pub id).sig" ]
	[ "${lines[2]}" = signatures/.slots ]
	[ "${lines[3]}" = payload/bin ]
	[ "${#lines[@]}" -eq 10 ]
	[ "$(CRAFT show app.bundle signatures/.slots | wc -c)" -eq $((7 * 1024)) ]
}

@test "sign in place keeps the manifest bytes and leaves no temp file" {
	ota-bundle manifest app.bundle >before.json
	run ota-sign --key k.key app.bundle
	assert_status 0
	ota-bundle manifest app.bundle | cmp - before.json
	assert_dir_holds app.bundle before.json k.key k.pub tree
}

@test "the signature entry is 88 base64 characters and a newline, valid over the manifest" {
	ota-sign --key k.key app.bundle
	ota-bundle manifest app.bundle >m.json
	CRAFT show app.bundle "signatures/$(pubinfo k.pub id).sig" >sig
	[ "$(wc -c <sig)" -eq 89 ]
	[ "$(wc -l <sig)" -eq 1 ]
	run sigcheck k.pub m.json "$(cat sig)"
	assert_status 0
}

@test "signing in place with two keys keeps the order they signed in; both count" {
	make_key k2
	local id1 id2 first second
	id1=$(pubinfo k.pub id)
	id2=$(pubinfo k2.pub id)
	# the larger key id first: in place, they are not sorted
	if [[ "$id1" > "$id2" ]]; then first=k second=k2; else first=k2 second=k; fi
	ota-sign --key "$first.key" app.bundle
	run ota-sign --key "$second.key" app.bundle
	assert_status 0
	run CRAFT list app.bundle
	[ "${lines[1]}" = "signatures/$(pubinfo "$first.pub" id).sig" ]
	[ "${lines[2]}" = "signatures/$(pubinfo "$second.pub" id).sig" ]
	[ "${lines[3]}" = signatures/.slots ]
	[ "${lines[4]}" = payload/bin ]
	mkdir keys && cp k.pub k2.pub keys/
	run ota-verify --keys keys --threshold 2 --device-class edge-gw-v2 app.bundle
	assert_status 0
}

@test "signing a bundle without slots with two keys: rewritten, saying so, sorted by key id whatever the order" {
	make_key k2
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 0 \
		--out app.bundle --force
	local id1 id2 first second
	id1=$(pubinfo k.pub id)
	id2=$(pubinfo k2.pub id)
	if [[ "$id1" > "$id2" ]]; then first=k second=k2; else first=k2 second=k; fi
	ota-sign --key "$first.key" app.bundle
	run --separate-stderr ota-sign --key "$second.key" app.bundle
	assert_status 0
	[ "$stderr" = "ota-sign: app.bundle: rewritten whole, not signed in place: it has no signature slots" ]
	run CRAFT list app.bundle
	[ "${lines[1]}" = "signatures/$(printf '%s\n' "$id1" "$id2" | LC_ALL=C sort | head -n1).sig" ]
	[ "${lines[2]}" = "signatures/$(printf '%s\n' "$id1" "$id2" | LC_ALL=C sort | tail -n1).sig" ]
	[ "${lines[3]}" = payload/bin ]
}

@test "an encrypted key signs with --passphrase-file" {
	openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:sesame -out enc.key 2>/dev/null
	printf 'sesame\n' >pass
	run ota-sign --key enc.key --passphrase-file pass app.bundle
	assert_status 0
	run CRAFT list app.bundle
	assert_output_matches '^signatures/[0-9a-f]{64}\.sig$'
}

@test "a wrong passphrase is a key error (11) and leaves the bundle untouched" {
	openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:sesame -out enc.key 2>/dev/null
	printf 'wrong\n' >pass
	cp app.bundle orig.bundle
	run ota-sign --key enc.key --passphrase-file pass app.bundle
	assert_status 11
	assert_output_matches '^ota-sign: .*passphrase'
	cmp app.bundle orig.bundle
	assert_dir_holds app.bundle enc.key k.key k.pub orig.bundle pass tree
}

@test "a key file that is not a key is a key error (11) and leaves the bundle untouched" {
	printf 'not a key\n' >bad.key
	cp app.bundle orig.bundle
	run ota-sign --key bad.key app.bundle
	assert_status 11
	assert_output_matches '^ota-sign: .*bad\.key'
	cmp app.bundle orig.bundle
	assert_dir_holds app.bundle bad.key k.key k.pub orig.bundle tree
}

@test "signing random bytes is malformed (4) and leaves the file untouched" {
	CRAFT random --out junk.bundle
	cp junk.bundle orig.bundle
	run ota-sign --key k.key junk.bundle
	assert_status 4
	assert_output_matches '^ota-sign: junk\.bundle: '
	cmp junk.bundle orig.bundle
	assert_dir_holds app.bundle junk.bundle k.key k.pub orig.bundle tree
}

@test "signing a bundle that does not exist is an I/O error (3), nothing created" {
	run ota-sign --key k.key nowhere.bundle
	assert_status 3
	assert_output_matches '^ota-sign: nowhere\.bundle: '
	assert_dir_holds app.bundle k.key k.pub tree
}

@test "ota-sign without --key is a usage error (2), the bundle untouched" {
	cp app.bundle orig.bundle
	run ota-sign app.bundle
	assert_status 2
	assert_output_matches '^ota-sign: .*key'
	cmp app.bundle orig.bundle
}

@test "detached signature: line 1 the base64 signature of the manifest, line 2 the public key" {
	ota-bundle manifest app.bundle >m.json
	run ota-sign --key k.key --manifest m.json --out m.sig
	assert_status 0
	[ "$(wc -l <m.sig)" -eq 2 ]
	[ "$(sed -n 1p m.sig | tr -d '\n' | wc -c)" -eq 88 ]
	[ "$(sed -n 2p m.sig)" = "public-key: $(pubinfo k.pub b64)" ]
	run sigcheck k.pub m.json "$(sed -n 1p m.sig)"
	assert_status 0
}

@test "detached sign + attach gives the same bytes as signing in place" {
	cp app.bundle inplace.bundle
	ota-sign --key k.key inplace.bundle
	ota-bundle manifest app.bundle >m.json
	ota-sign --key k.key --manifest m.json --out m.sig
	run ota-sign attach app.bundle m.sig
	assert_status 0
	cmp app.bundle inplace.bundle
}

@test "attach a second key's detached signature: same bytes as two in-place signatures" {
	make_key k2
	cp app.bundle inplace.bundle
	ota-sign --key k.key inplace.bundle
	ota-sign --key k2.key inplace.bundle
	ota-bundle manifest app.bundle >m.json
	ota-sign --key k2.key --manifest m.json --out m.sig
	ota-sign --key k.key app.bundle
	run ota-sign attach app.bundle m.sig
	assert_status 0
	cmp app.bundle inplace.bundle
}

@test "attach refuses the signature of another manifest (5), the bundle untouched" {
	ota-bundle create --tree tree --version 2.0.0 --target edge-gw-v2 --out other.bundle
	ota-bundle manifest other.bundle >other.json
	ota-sign --key k.key --manifest other.json --out other.sig
	cp app.bundle orig.bundle
	run ota-sign attach app.bundle other.sig
	assert_status 5
	assert_output_matches '^ota-sign: .*signature'
	cmp app.bundle orig.bundle
	assert_dir_holds app.bundle k.key k.pub orig.bundle other.bundle other.json other.sig tree
}

@test "attach refuses a signature whose public-key line names another key (5), the bundle untouched" {
	make_key k2
	ota-bundle manifest app.bundle >m.json
	ota-sign --key k.key --manifest m.json --out m.sig
	{ sed -n 1p m.sig; printf 'public-key: %s\n' "$(pubinfo k2.pub b64)"; } >lying.sig
	cp app.bundle orig.bundle
	run ota-sign attach app.bundle lying.sig
	assert_status 5
	assert_output_matches '^ota-sign: .*signature'
	cmp app.bundle orig.bundle
}

# sign_on_tty PASS ARGS...: run ota-sign ARGS on a pseudo-terminal, answer
# its passphrase prompt with PASS; print what the terminal showed.
sign_on_tty() {
	python3 -c '
import os, pty, signal, sys
signal.alarm(20)
pid, fd = pty.fork()
if pid == 0:
    os.execvp("ota-sign", ["ota-sign"] + sys.argv[2:])
seen = b""
while b"Passphrase: " not in seen:
    d = os.read(fd, 1024)
    if not d:
        sys.exit("no prompt: %r" % seen)
    seen += d
os.write(fd, sys.argv[1].encode() + b"\n")
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

@test "an encrypted key on a terminal: the passphrase is asked for, not echoed, and signs" {
	printf 's3cret\n' >pass
	ota-keytool generate --out enc --passphrase-file pass >/dev/null
	run sign_on_tty s3cret --key enc.key app.bundle
	assert_status 0
	assert_output_matches 'signed with key'
	if printf '%s\n' "$output" | grep -q s3cret; then
		echo "passphrase echoed: $output" >&2
		return 1
	fi
	run ota-verify --keys enc.pub --device-class edge-gw-v2 app.bundle
	assert_status 0
}

@test "an encrypted key on a terminal with the wrong passphrase: key error (11), bundle untouched" {
	printf 's3cret\n' >pass
	ota-keytool generate --out enc --passphrase-file pass >/dev/null
	cp app.bundle before.bundle
	run sign_on_tty wrong --key enc.key app.bundle
	assert_status 11
	assert_output_matches 'wrong passphrase'
	cmp app.bundle before.bundle
}

@test "an encrypted key without a terminal or --passphrase-file: key error (11), nothing asked" {
	printf 's3cret\n' >pass
	ota-keytool generate --out enc --passphrase-file pass >/dev/null
	run ota-sign --key enc.key app.bundle </dev/null
	assert_status 11
	assert_output_matches 'passphrase required'
}
