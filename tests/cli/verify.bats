#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-verify: bundles (keys file or directory, compression, --extract,
# --json) and the design's form (--manifest --signature --tree).  Hostile
# bundles are in attacks.bats.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	bundle_setup
	ota-sign --key k.key app.bundle >/dev/null
}

verify() { ota-verify --keys k.pub --device-class edge-gw-v2 "$@"; }

# The manifest and detached signature of app.bundle's tree, for the design's form.
detached() {
	ota-bundle manifest app.bundle >m.json
	ota-sign --key k.key --manifest m.json --out m.sig
}

# Print every entry under $1 as "path type mode size-or-target sha256".
walk() {
	python3 - "$1" <<-'EOF'
		import hashlib, os, stat, sys
		root = sys.argv[1]
		for top, dirs, files in sorted(os.walk(root)):
		    for n in sorted(dirs + files):
		        p = os.path.join(top, n)
		        st = os.lstat(p)
		        rel = os.path.relpath(p, root)
		        if stat.S_ISLNK(st.st_mode):
		            print(repr(rel), "symlink", repr(os.readlink(p)))
		        elif stat.S_ISDIR(st.st_mode):
		            print(repr(rel), "dir", oct(stat.S_IMODE(st.st_mode)))
		        else:
		            print(repr(rel), "file", oct(stat.S_IMODE(st.st_mode)), st.st_size,
		                  hashlib.sha256(open(p, "rb").read()).hexdigest())
	EOF
}

@test "ota-verify --help exits 0 and describes --extract" {
	run ota-verify --help
	assert_status 0
	assert_output_matches '--extract'
}

@test "ota-verify --version exits 0 and prints a version number" {
	run ota-verify --version
	assert_status 0
	assert_output_matches '[0-9]+\.[0-9]+'
}

@test "a signed bundle verifies (0), prints nothing on stderr, writes nothing" {
	run --separate-stderr verify app.bundle
	assert_status 0
	[ -z "$stderr" ]
	assert_dir_holds app.bundle k.key k.pub tree
}

@test "--keys DIR trusts every .pub in it" {
	mkdir keys
	make_key other
	cp other.pub keys/a.pub
	cp k.pub keys/b.pub
	run --separate-stderr ota-verify --keys keys --device-class edge-gw-v2 --json app.bundle
	assert_status 0
	[ "$(jget 'j["signed_by"]')" = "['$(ota-keytool id k.pub)']" ]
}

@test "--keys DIR with a damaged .pub fails closed: key error (11)" {
	mkdir keys
	cp k.pub keys/good.pub
	printf 'garbage\n' >keys/bad.pub
	run ota-verify --keys keys --device-class edge-gw-v2 app.bundle
	assert_status 11
	assert_output_matches '^ota-verify: .*bad\.pub'
}

@test "--keys DIR with a FIFO named *.pub fails closed at once, never waiting for a writer (3)" {
	mkdir keys
	cp k.pub keys/good.pub
	mkfifo keys/evil.pub
	run --separate-stderr timeout 20 ota-verify --keys keys --device-class edge-gw-v2 app.bundle
	assert_status 3
	[ "$stderr" = "ota-verify: keys/evil.pub: not a regular file" ]
}

@test "--keys FILE holding a second PEM block after the key: refused, not ignored (11)" {
	make_key other
	cat k.pub other.pub >two.pub
	run --separate-stderr ota-verify --keys two.pub --device-class edge-gw-v2 app.bundle
	assert_status 11
	[ "$stderr" = "ota-verify: two.pub: more than one PEM block: a key file holds one public key" ]
	{ cat k.pub; printf 'trailing text\n-----BEGIN PRIVATE KEY-----\n'; } >trail.pub
	run --separate-stderr ota-verify --keys trail.pub --device-class edge-gw-v2 app.bundle
	assert_status 11
}

@test "a second, untrusted signature does not stop a trusted one" {
	make_key stranger
	ota-sign --key stranger.key app.bundle
	run --separate-stderr verify --json app.bundle
	assert_status 0
	[ "$(jget 'j["signed_by"]')" = "['$(ota-keytool id k.pub)']" ]
}

@test "a gzip bundle verifies" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --compress gzip --out z.bundle
	ota-sign --key k.key z.bundle
	run --separate-stderr verify z.bundle
	assert_status 0
	[ -z "$stderr" ]
}

@test "an xz bundle verifies" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --compress xz --out z.bundle
	ota-sign --key k.key z.bundle
	run --separate-stderr verify z.bundle
	assert_status 0
	[ -z "$stderr" ]
}

@test "a zstd bundle verifies" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --compress zstd --out z.bundle
	ota-sign --key k.key z.bundle
	run --separate-stderr verify z.bundle
	assert_status 0
	[ -z "$stderr" ]
}

@test "--extract writes the tree: files, modes, symlink and empty dir equal the source" {
	chmod 700 tree/var/empty
	chmod 600 tree/etc/greeting
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out modes.bundle
	ota-sign --key k.key modes.bundle
	run verify --extract out modes.bundle
	assert_status 0
	[ "$(walk out)" = "$(walk tree)" ]
}

@test "--extract refuses a directory that already exists (12) and leaves it empty" {
	mkdir out
	run verify --extract out app.bundle
	assert_status 12
	assert_output_matches '^ota-verify: .*out.*exist'
	[ -z "$(ls -A out)" ]
	assert_dir_holds app.bundle k.key k.pub out tree
}

@test "--json on success: ok, version, target, files, bytes, signed_by" {
	run --separate-stderr verify --json app.bundle
	assert_status 0
	[ "$(jget '[j["ok"], j["version"], j["target"], j["files"], j["bytes"], j["signed_by"]]')" = \
		"[True, '1.0.0', 'edge-gw-v2', 2, 25, ['$(ota-keytool id k.pub)']]" ]
}

@test "--json on failure: ok false with the exit code, class and message" {
	CRAFT flip-byte --tree tree --key k.key --out bad.bundle
	run --separate-stderr verify --json bad.bundle
	assert_status 7
	[ "$(jget '[j["ok"], j["exit"]]')" = "[False, 7]" ]
	[ -n "$(jget 'j["error"]')" ]
	[[ "$(jget 'j["message"]')" == *etc/greeting* ]]
}

@test "a bundle that does not exist is an I/O error (3)" {
	run verify --extract out nowhere.bundle
	assert_status 3
	assert_output_matches '^ota-verify: nowhere\.bundle: '
	assert_dir_holds app.bundle k.key k.pub tree
}

@test "ota-verify without --keys is a usage error (2)" {
	run ota-verify --device-class edge-gw-v2 app.bundle
	assert_status 2
	assert_output_matches '^ota-verify: .*keys'
}

@test "ota-verify without --device-class is a usage error (2)" {
	run ota-verify --keys k.pub app.bundle
	assert_status 2
	assert_output_matches '^ota-verify: .*device-class'
}

# -- the design's form: manifest, detached signature, tree ----------------------

@test "--manifest --signature --tree accepts the signed tree (0)" {
	detached
	run --separate-stderr verify --manifest m.json --signature m.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
}

@test "--signature accepts line 1 alone, with its newline" {
	detached
	sed -n 1p m.sig >line.sig
	run --separate-stderr verify --manifest m.json --signature line.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
}

@test "--signature accepts line 1 alone, without a final newline" {
	detached
	sed -n 1p m.sig | tr -d '\n' >line.sig
	run --separate-stderr verify --manifest m.json --signature line.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
}

@test "--signature that is not base64 is malformed (4)" {
	detached
	printf 'not a signature\n' >junk.sig
	run verify --manifest m.json --signature junk.sig --tree tree
	assert_status 4
	assert_output_matches '^ota-verify: .*junk\.sig'
}

@test "--tree with a changed file: hash mismatch (7)" {
	detached
	printf 'HELLO\n' >tree/etc/greeting
	run verify --manifest m.json --signature m.sig --tree tree
	assert_status 7
	assert_output_matches '^ota-verify: .*etc/greeting'
}

@test "--tree with an extra file: file set mismatch (10)" {
	detached
	printf 'x\n' >tree/etc/extra
	run verify --manifest m.json --signature m.sig --tree tree
	assert_status 10
	assert_output_matches '^ota-verify: .*etc/extra'
}

@test "--tree with a file missing: file set mismatch (10)" {
	detached
	rm tree/etc/greeting
	run verify --manifest m.json --signature m.sig --tree tree
	assert_status 10
	assert_output_matches '^ota-verify: .*etc/greeting'
}

@test "--tree with a symlink pointing elsewhere: hash mismatch (7)" {
	detached
	ln -sfn ../etc/greeting tree/bin/app-link
	run verify --manifest m.json --signature m.sig --tree tree
	assert_status 7
	assert_output_matches '^ota-verify: .*bin/app-link'
}

@test "--tree with a manifest changed after signing: bad signature (5)" {
	detached
	sed 's/"version":"1.0.0"/"version":"9.0.0"/' m.json >changed.json
	run verify --manifest changed.json --signature m.sig --tree tree
	assert_status 5
	assert_output_matches '^ota-verify: .*signature'
}

@test "--tree with a signed but pretty-printed manifest: malformed (4)" {
	detached
	python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])), sort_keys=True, indent=1))' \
		m.json >pretty.json
	python3 -c '
import base64, sys
from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_private_key(open("k.key", "rb").read(), None)
print(base64.b64encode(k.sign(open("pretty.json", "rb").read())).decode())' >pretty.sig
	run verify --manifest pretty.json --signature pretty.sig --tree tree
	assert_status 4
	assert_output_matches '^ota-verify: .*canonical'
}

@test "--tree with a manifest for another device class: wrong target (8)" {
	detached
	run ota-verify --keys k.pub --device-class other-class --manifest m.json --signature m.sig --tree tree
	assert_status 8
	assert_output_matches '^ota-verify: .*(target|device.class)'
}

@test "--tree signed by an untrusted key: untrusted (6)" {
	make_key stranger
	ota-bundle manifest app.bundle >m.json
	ota-sign --key stranger.key --manifest m.json --out m.sig
	run verify --manifest m.json --signature m.sig --tree tree
	assert_status 6
	assert_output_matches '^ota-verify: .*(trust|signature)'
}

# -- versions: Semantic Versioning 2.0.0 only --------------------------------------

@test "a signed bundle whose version is v2: version not semantic (20), nothing extracted" {
	CRAFT valid --tree tree --key k.key --version v2 --target edge-gw-v2 --out v2.bundle
	mkdir x
	run --separate-stderr verify --extract x/out v2.bundle
	assert_status 20
	assert_one_line_error '^ota-verify: v2\.bundle: .*version: "v2" is not a semantic version'
	[ -z "$(ls -A x)" ]
}

@test "signed bundles named 2.0.0~rc1, beta and 1.0.0_old are refused (20)" {
	local v
	for v in 2.0.0~rc1 beta 1.0.0_old; do
		CRAFT valid --tree tree --key k.key --version "$v" --target edge-gw-v2 --out b.bundle
		run --separate-stderr verify b.bundle
		[ "$status" -eq 20 ] || { echo "$v: exit $status" >&2; return 1; }
		assert_one_line_error "version: \"$v\" is not a semantic version"
		rm b.bundle
	done
}

@test "--manifest --signature --tree with a signed manifest whose version is v1.0.0: version not semantic (20)" {
	python3 "$TESTS_DIR/tools/reference.py" manifest --tree tree --version v1.0.0 --target edge-gw-v2 >v.json
	python3 "$TESTS_DIR/tools/reference.py" sign --key k.key --manifest v.json >v.sig
	run --separate-stderr verify --manifest v.json --signature v.sig --tree tree
	assert_status 20
	assert_one_line_error '^ota-verify: .*version: "v1\.0\.0" is not a semantic version'
}
