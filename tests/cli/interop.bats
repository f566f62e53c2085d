#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Interop with the design's Python reference (tests/tools/reference.py) and
# with openssl, in both directions, over a tree whose names hold what
# canonical JSON must escape: accents, emoji, a code point above the
# surrogates (U+FF21, which sorts before emoji by code point but after them
# in UTF-16), double quotes, backslashes, tabs, newlines, \x01 and DEL.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	helpers_setup
	make_key k
	make_exotic_tree tree
}

# app.bundle (unsigned) of the tree by ota-bundle, and its manifest m.json.
our_bundle() {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out app.bundle
	ota-bundle manifest app.bundle >m.json
}

REF() { python3 "$TESTS_DIR/tools/reference.py" "$@"; }

make_exotic_tree() {
	local d=$1 e=$'\xc3\xa9' smile=$'\xf0\x9f\x98\x80' fullA=$'\xef\xbc\xa1'
	make_tree "$d"
	mkdir "$d/dir $e" "$d/empty $smile"
	printf 'caf\n' >"$d/caf$e"
	printf 'smile\n' >"$d/dir $e/$smile"
	printf 'wide\n' >"$d/dir $e/$fullA"
	printf 'quote\n' >"$d/say \"hi\""
	printf 'back\n' >"$d/back\\slash"
	printf 'tab\n' >"$d/tab"$'\t'"bed"
	printf 'newline\n' >"$d/new"$'\n'"line"
	printf 'ctl\n' >"$d/ctl"$'\x01'
	printf 'del\n' >"$d/del"$'\x7f'
	chmod 640 "$d/ctl"$'\x01'
	ln -s "dir $e/$smile" "$d/link $e"
}

# The raw public key of $1 in base64, by cryptography.
pub_b64() {
	python3 -c '
import base64, sys
from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_public_key(open(sys.argv[1], "rb").read())
print(base64.b64encode(k.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)).decode())' "$1"
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

@test "ota-verify accepts and extracts a bundle of the tree built by Python's tarfile" {
	python3 "$TESTS_DIR/tools/craft.py" valid --tree tree --key k.key --out py.bundle
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract out py.bundle
	assert_status 0
	[ "$(walk out)" = "$(walk tree)" ]
}

@test "ota-verify --manifest --signature --tree accepts the reference's own manifest and signature" {
	REF manifest --tree tree --version 1.0.0 --target edge-gw-v2 >ref.json
	REF sign --key k.key --manifest ref.json >ref.sig
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest ref.json --signature ref.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
}

@test "ota-bundle manifest is byte-identical to the reference build_full_manifest + json.dumps" {
	our_bundle
	run REF manifest --tree tree --version 1.0.0 --target edge-gw-v2
	assert_status 0
	REF manifest --tree tree --version 1.0.0 --target edge-gw-v2 >ref.json
	cmp m.json ref.json
	grep -q 'del\\u007f' m.json
}

@test "reference verify accepts our signature over the tree ota-verify --extract wrote" {
	our_bundle
	ota-sign --key k.key app.bundle
	ota-sign --key k.key --manifest m.json --out m.sig
	ota-verify --keys k.pub --device-class edge-gw-v2 --extract out app.bundle
	run REF verify --pub k.pub --manifest m.json --signature m.sig --tree out --device-class edge-gw-v2
	assert_status 0
	assert_output_matches 'verified'
	[ -f out/"new"$'\n'"line" ]
}

@test "a manifest with expires: the reference verifies it, and its bytes are json.dumps' canonical form" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --expires 4102444800 \
		--out app.bundle
	ota-bundle manifest app.bundle >m.json
	python3 -c 'import json, sys; b = open(sys.argv[1], "rb").read()
m = json.loads(b)
assert m["expires"] == 4102444800
assert json.dumps(m, sort_keys=True, separators=(",", ":")).encode() == b' m.json
	ota-sign --key k.key app.bundle
	ota-sign --key k.key --manifest m.json --out m.sig
	ota-verify --keys k.pub --device-class edge-gw-v2 --extract out app.bundle
	run REF verify --pub k.pub --manifest m.json --signature m.sig --tree out --device-class edge-gw-v2
	assert_status 0
	assert_output_matches 'verified'
}

@test "control: reference verify refuses that tree once a file in it changed" {
	our_bundle
	ota-sign --key k.key app.bundle
	ota-sign --key k.key --manifest m.json --out m.sig
	ota-verify --keys k.pub --device-class edge-gw-v2 --extract out app.bundle
	printf 'changed\n' >out/"del"$'\x7f'
	run REF verify --pub k.pub --manifest m.json --signature m.sig --tree out --device-class edge-gw-v2
	assert_status 1
	assert_output_matches 'failed'
}

@test "--extract reproduces every exotic name, mode, symlink and empty dir" {
	our_bundle
	ota-sign --key k.key app.bundle
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract out app.bundle
	assert_status 0
	[ "$(walk out)" = "$(walk tree)" ]
}

@test "ota-verify --manifest --signature --tree accepts a reference signature (with newline)" {
	our_bundle
	REF sign --key k.key --manifest m.json >m.sig
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest m.json --signature m.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
	[ "$(wc -l <m.sig)" -eq 1 ]
}

@test "ota-verify --manifest --signature --tree accepts a reference signature (no final newline)" {
	our_bundle
	printf '%s' "$(REF sign --key k.key --manifest m.json)" >m.sig
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest m.json --signature m.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
	[ "$(wc -l <m.sig)" -eq 0 ]
}

@test "a reference signature with its public-key line attaches to the same bytes as ota-sign" {
	our_bundle
	cp app.bundle inplace.bundle
	ota-sign --key k.key inplace.bundle
	{ REF sign --key k.key --manifest m.json; printf 'public-key: %s\n' "$(pub_b64 k.pub)"; } >m.sig
	run ota-sign attach app.bundle m.sig
	assert_status 0
	cmp app.bundle inplace.bundle
}

@test "openssl pkeyutl accepts our detached signature over manifest.json" {
	our_bundle
	ota-sign --key k.key --manifest m.json --out m.sig
	CRAFT raw-sig --sig m.sig --out raw.sig
	run openssl pkeyutl -verify -pubin -inkey k.pub -rawin -in m.json -sigfile raw.sig
	assert_status 0
	assert_output_matches 'Signature Verified Successfully'
}

@test "ota-verify accepts a signature made by openssl pkeyutl" {
	our_bundle
	openssl pkeyutl -sign -inkey k.key -rawin -in m.json -out raw.sig
	base64 -w0 raw.sig >m.sig
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest m.json --signature m.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
}

@test "a key pair from the reference keygen signs with ota-sign and verifies with ota-verify" {
	our_bundle
	REF keygen --out ref
	ota-sign --key ref.key app.bundle
	run --separate-stderr ota-verify --keys ref.pub --device-class edge-gw-v2 --json app.bundle
	assert_status 0
	[[ "$output" == *"$(python3 -c '
import hashlib, sys
from cryptography.hazmat.primitives import serialization as s
k = s.load_pem_public_key(open(sys.argv[1], "rb").read())
print(hashlib.sha256(k.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)).hexdigest())' ref.pub)"* ]]
}

# -- the design's own manifest: exactly version, target, files -----------------------

# The exotic tree without what the design's form cannot hold (a symlink,
# an empty directory), its manifest by the design's build_manifest and its
# signature by sign_manifest, both unchanged (reference.py).
design_signed() {
	rm -rf tree/var "tree/empty "$'\xf0\x9f\x98\x80' tree/bin/app-link "tree/link "$'\xc3\xa9'
	REF manifest --design --tree tree --version 1.0.0 >d.json
	REF sign --key k.key --manifest d.json >d.sig
}

# d.bundle: d.json and d.sig in a bundle, as schema/bundle.md lays it out.
design_bundle() {
	design_signed
	CRAFT design-bundle --tree tree --manifest d.json --signature d.sig --pub k.pub --out d.bundle
}

@test "the design's build_manifest gives exactly version, target, files (the form tested below)" {
	design_signed
	[ "$(python3 -c 'import json, sys; print(sorted(json.load(open(sys.argv[1]))))' d.json)" = "['files', 'target', 'version']" ]
}

@test "the design's manifest and signature, unchanged: ota-verify --manifest --signature --tree accepts them (0)" {
	design_signed
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest d.json --signature d.sig --tree tree
	assert_status 0
	[ -z "$stderr" ]
}

@test "the design's manifest: the exact file set still holds (an extra file, an empty directory: 10; a changed file: 7)" {
	design_signed
	printf 'x\n' >tree/etc/extra
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest d.json --signature d.sig --tree tree
	assert_status 10
	assert_one_line_error 'etc/extra'
	rm tree/etc/extra
	mkdir tree/etc/new-dir
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest d.json --signature d.sig --tree tree
	assert_status 10
	assert_one_line_error 'etc/new-dir'
	rmdir tree/etc/new-dir
	printf 'HELLO\n' >tree/etc/greeting
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest d.json --signature d.sig --tree tree
	assert_status 7
	assert_one_line_error 'etc/greeting'
}

@test "the design's manifest pretty-printed and signed: still malformed (4), the canonical form holds" {
	design_signed
	python3 - <<-'EOF'
		import json, sys
		sys.path.insert(0, __import__("os").environ["TESTS_DIR"] + "/tools")
		import reference
		m = json.load(open("d.json"))
		open("p.json", "w").write(json.dumps(m, sort_keys=True, indent=1))
		k = reference.load_private("k.key")
		import base64
		open("p.sig", "w").write(base64.b64encode(k.sign(open("p.json", "rb").read())).decode() + "\n")
	EOF
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest p.json --signature p.sig --tree tree
	assert_status 4
	assert_one_line_error 'canonical'
}

@test "the design's manifest with a version that is not semantic (v1.0.0): 20" {
	design_signed
	REF manifest --design --tree tree --version v1.0.0 >v.json
	REF sign --key k.key --manifest v.json >v.sig
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 \
		--manifest v.json --signature v.sig --tree tree
	assert_status 20
	assert_one_line_error 'version: "v1\.0\.0" is not a semantic version'
}

@test "a bundle of the design's manifest verifies and extracts: every file 0644, every implied directory 0755" {
	design_bundle
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 --extract out d.bundle
	assert_status 0
	[ -z "$stderr" ]
	[ "$(find out -type f ! -perm 0644 | wc -l)" -eq 0 ]
	[ "$(find out -type d ! -perm 0755 | wc -l)" -eq 0 ]
	[ "$(find out -type f | wc -l)" = "$(find tree -type f | wc -l)" ]
	diff -r tree out
	# and the design's verify_bundle accepts the extracted tree
	run REF verify --pub k.pub --manifest d.json --signature d.sig --tree out --device-class edge-gw-v2
	assert_status 0
	# ota-bundle manifest gives back exactly the bytes that were signed
	ota-bundle manifest d.bundle | cmp - d.json
}

@test "a bundle of the design's manifest with an extra payload file: 10; with a changed file: 7; nothing extracted" {
	design_bundle
	python3 - <<-'EOF'
		import io, tarfile
		src = tarfile.open("d.bundle")
		for name, change in (("extra.bundle", "add"), ("changed.bundle", "flip")):
		    out = tarfile.open(name, "w", format=tarfile.PAX_FORMAT)
		    for ti in src.getmembers():
		        data = src.extractfile(ti).read() if ti.isreg() else None
		        if change == "flip" and ti.name == "payload/etc/greeting":
		            data = b"HELLO\n"
		        out.addfile(ti, io.BytesIO(data) if data is not None else None)
		    if change == "add":
		        ti = tarfile.TarInfo("payload/zz-extra")
		        ti.size = 2
		        out.addfile(ti, io.BytesIO(b"x\n"))
		    out.close()
	EOF
	mkdir x
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 --extract x/out extra.bundle
	assert_status 10
	assert_one_line_error 'zz-extra'
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 --extract x/out changed.bundle
	assert_status 7
	assert_one_line_error 'etc/greeting'
	[ -z "$(ls -A x)" ]
}

@test "an unsigned bundle of the design's manifest: ota-sign --key in place writes sign_manifest's very signature, and it verifies" {
	design_signed
	CRAFT design-bundle --tree tree --manifest d.json --pub k.pub --out u.bundle
	run ota-verify --keys k.pub --device-class edge-gw-v2 u.bundle
	assert_status 6
	ota-sign --key k.key u.bundle
	[ "$(CRAFT show u.bundle "signatures/$(pub_id k.pub).sig")" = "$(cat d.sig)" ]
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 u.bundle
	assert_status 0
}

@test "the design's signature with its public-key line attaches to an unsigned design bundle (ota-sign attach), which then verifies" {
	design_signed
	CRAFT design-bundle --tree tree --manifest d.json --pub k.pub --out u.bundle
	{ cat d.sig; printf 'public-key: %s\n' "$(pub_b64 k.pub)"; } >d-pub.sig
	ota-sign attach u.bundle d-pub.sig
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 --extract out u.bundle
	assert_status 0
	diff -r tree out
}


@test "a bundle signed into its slots by two keys, read by Python's tarfile alone: the reference verify_bundle accepts each signature over the extracted payload" {
	make_key k2
	our_bundle
	ota-sign --key k2.key app.bundle >/dev/null
	ota-sign --key k.key app.bundle >/dev/null
	python3 - app.bundle "$(pub_id k.pub)" "$(pub_id k2.pub)" <<-'EOF'
		import os, sys, tarfile
		tf = tarfile.open(sys.argv[1], encoding="utf-8", errors="surrogateescape")
		names = tf.getnames()
		assert names[1:4] == [f"signatures/{sys.argv[3]}.sig", f"signatures/{sys.argv[2]}.sig",
		                      "signatures/.slots"], names[:4]
		assert tf.extractfile("signatures/.slots").read() == bytes(6 * 1024)
		open("m.json", "wb").write(tf.extractfile("manifest.json").read())
		for i, who in ((1, "k2"), (2, "k")):
		    open(f"{who}.sig", "wb").write(tf.extractfile(names[i]).read())
		os.mkdir("out")
		for m in tf.getmembers():
		    if m.name.startswith("payload/"):
		        m.name = m.name[len("payload/"):]
		        if m.name:
		            tf.extract(m, "out")
	EOF
	run REF verify --pub k.pub --manifest m.json --signature k.sig --tree out --device-class edge-gw-v2
	assert_status 0
	run REF verify --pub k2.pub --manifest m.json --signature k2.sig --tree out --device-class edge-gw-v2
	assert_status 0
	# control: each key's signature is its own
	run REF verify --pub k.pub --manifest m.json --signature k2.sig --tree out --device-class edge-gw-v2
	assert_status 1
}
