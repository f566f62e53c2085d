#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-bundle create in one pass (lib/bundle_create.h): an uncompressed
# bundle is written with its manifest and signatures reserved and filled in
# at the end; it must be byte for byte what the two-pass path (compressed
# streams, deltas) and ota-sign give for the same tree.  Also
# create --sign-key, CI's one step, and the fast in-place ota-sign.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	helpers_setup
	make_key k
	make_key k2
	make_tree tree
	# Names that need pax headers (long, non-ASCII) and a bigger file.
	mkdir -p "tree/d$(printf 'e%.0s' $(seq 1 120))/caf$(printf '\xc3\xa9')"
	head -c 3000000 /dev/urandom >"tree/d$(printf 'e%.0s' $(seq 1 120))/caf$(printf '\xc3\xa9')/blob"
	: >tree/empty
}

create() {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --quiet "$@" >/dev/null
}

@test "one pass writes the same bytes as the two-pass path (the tar inside --compress gzip)" {
	create --out one.bundle
	create --out two.bundle.gz --compress gzip
	gzip -dc two.bundle.gz >two.bundle
	cmp one.bundle two.bundle
}

@test "create --sign-key gives exactly create, then ota-sign --key" {
	create --out a.bundle --sign-key k.key
	create --out b.bundle
	ota-sign --key k.key b.bundle >/dev/null
	cmp a.bundle b.bundle
	run ota-verify --keys k.pub --device-class edge-gw-v2 a.bundle
	assert_status 0
}

# The key file (k or k2) with the smaller, then the larger key id.
keys_by_id() {
	if [[ "$(ota-keytool id k.pub)" < "$(ota-keytool id k2.pub)" ]]; then
		echo k k2
	else
		echo k2 k
	fi
}

@test "create with two --sign-key, in either order, gives two in-place signatures in key id order" {
	local low high
	read -r low high < <(keys_by_id)
	create --out a.bundle --sign-key k2.key --sign-key k.key
	create --out b.bundle --sign-key k.key --sign-key k2.key
	create --out c.bundle
	ota-sign --key "$low.key" c.bundle >/dev/null
	ota-sign --key "$high.key" c.bundle >/dev/null
	cmp a.bundle c.bundle
	cmp b.bundle c.bundle
	run ota-verify --keys k.pub --device-class edge-gw-v2 --threshold 1 a.bundle
	assert_status 0
	# signed the other way round: other bytes (the order they signed in)
	create --out d.bundle
	ota-sign --key "$high.key" d.bundle >/dev/null
	ota-sign --key "$low.key" d.bundle >/dev/null
	! cmp -s a.bundle d.bundle
	mkdir keys && cp k.pub k2.pub keys/
	run ota-verify --keys keys --device-class edge-gw-v2 --threshold 2 d.bundle
	assert_status 0
}

@test "create --sign-key with a compressed stream signs as ota-sign does" {
	create --out a.bundle --compress zstd --sign-key k.key
	create --out b.bundle --compress zstd
	ota-sign --key k.key b.bundle >/dev/null
	cmp a.bundle b.bundle
}

@test "create --sign-key with the same key twice is a usage error (2), nothing written" {
	run create --out a.bundle --sign-key k.key --sign-key k.key
	assert_status 2
	assert_absent a.bundle
}

@test "create --sign-key with a wrong passphrase is a key error (11), nothing written" {
	ota-keytool generate --out enc --passphrase-file <(printf 'right\n') >/dev/null
	printf 'wrong\n' >pass
	run create --out a.bundle --sign-key enc.key --passphrase-file pass
	assert_status 11
	assert_absent a.bundle
	printf 'right\n' >pass
	run create --out a.bundle --sign-key enc.key --passphrase-file pass
	assert_status 0
}

@test "signing in place copies the payload as it is: same bytes as detached sign + attach" {
	create --out a.bundle
	cp a.bundle b.bundle
	ota-sign --key k.key a.bundle >/dev/null
	ota-bundle manifest --out m.json b.bundle
	ota-sign --key k.key --manifest m.json --out m.sig >/dev/null
	ota-sign attach b.bundle m.sig >/dev/null
	cmp a.bundle b.bundle
	# and a second signature added in place to a signed bundle
	ota-sign --key k2.key a.bundle >/dev/null
	run ota-verify --keys k2.pub --device-class edge-gw-v2 --extract out a.bundle
	assert_status 0
	cmp tree/bin/app out/bin/app
}

# flip_payload FILE: one bit of the payload file "hello\n" changed.
flip_payload() {
	python3 - "$1" <<-'EOF'
		import sys
		p = sys.argv[1]
		data = bytearray(open(p, "rb").read())
		data[data.index(b"hello\n")] ^= 1
		open(p, "wb").write(bytes(data))
	EOF
}

@test "signing by rewriting still refuses a bundle whose payload is damaged (7), untouched" {
	create --out a.bundle --signature-slots 0
	flip_payload a.bundle
	cp a.bundle before
	run ota-sign --key k.key a.bundle
	assert_status 7
	cmp a.bundle before
	[ "$(ls -A | grep -c tmp)" -eq 0 ]
}

@test "signing into a slot reads no payload: a damaged one is signed, and refused by ota-verify (7)" {
	create --out a.bundle
	flip_payload a.bundle
	run ota-sign --key k.key a.bundle
	assert_status 0
	run ota-verify --keys k.pub --device-class edge-gw-v2 a.bundle
	assert_status 7
}
