#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Signing in place into the reserved signature slots (schema/bundle.md,
# "Signature slots"): only the head is written, a kill at any step or a
# crash at any byte of the slot write leaves the old or the new bundle,
# both valid; full slots and bundles without slots are rewritten, saying
# so.  The attacks on the reserved entry are attacks.bats's.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	bundle_setup
	make_key k2
	mkdir keys && cp k.pub k2.pub keys/
}

# verify BUNDLE [ARGS...]: ota-verify with both keys.
verify() {
	local b=$1
	shift
	run ota-verify --keys keys --device-class edge-gw-v2 "$@" "$b"
}

@test "create reserves 8 slots by default, --signature-slots N as many, 0 none; tar tf lists each" {
	run tar tf app.bundle
	assert_status 0
	[ "${lines[1]}" = signatures/.slots ]
	[ "$(CRAFT show app.bundle signatures/.slots | wc -c)" -eq 8192 ]
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 3 --out three.bundle >/dev/null
	[ "$(CRAFT show three.bundle signatures/.slots | wc -c)" -eq 3072 ]
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 0 --out none.bundle >/dev/null
	run tar tf none.bundle
	[ "${lines[1]}" = payload/bin/ ]
	run ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 65 --out x.bundle
	assert_status 2
	assert_absent x.bundle
}

@test "signing into a slot changes three 512-byte blocks of the head, nothing else" {
	cp app.bundle before.bundle
	run --separate-stderr ota-sign --key k.key app.bundle
	assert_status 0
	[ -z "$stderr" ]
	python3 - before.bundle app.bundle <<-'EOF'
		import sys
		a, b = (open(p, "rb").read() for p in sys.argv[1:3])
		assert len(a) == len(b), (len(a), len(b))
		diff = [i for i in range(0, len(a), 512) if a[i:i + 512] != b[i:i + 512]]
		head = a.index(b"payload/")  # the first payload header's name
		assert len(diff) == 3 and diff == [diff[0], diff[0] + 512, diff[0] + 1024], diff
		assert diff[-1] + 512 <= head - head % 512, (diff, head)
	EOF
	tar tf app.bundle >/dev/null
	verify app.bundle
	assert_status 0
}

@test "a kill after each write of the slot: old or new, both valid; signing again gives the uninterrupted bytes" {
	ota-sign --key k.key app.bundle >/dev/null
	cp app.bundle start.bundle
	cp app.bundle want.bundle
	ota-sign --key k2.key want.bundle >/dev/null
	for point in SIGN_SLOT_WRITTEN SIGN_COMMITTED; do
		cp start.bundle app.bundle
		run env OTA_AGENT_FAULT_AFTER=$point ota-sign --key k2.key app.bundle
		[ "$status" -eq 137 ]
		verify app.bundle --threshold 1
		assert_status 0
		verify app.bundle --threshold 2
		if [ $point = SIGN_COMMITTED ]; then assert_status 0; else assert_status 6; fi
		ota-sign --key k2.key app.bundle >/dev/null
		cmp app.bundle want.bundle
	done
}

@test "a crash at every byte of the slot write, then before and after the one-block commit: each state verifies, old or new" {
	ota-sign --key k.key app.bundle >/dev/null
	cp app.bundle old.bundle
	ota-sign --key k2.key app.bundle >/dev/null
	# The writes in their order (bundle_slots.h): 1024 bytes into the
	# first slot, then the 512-byte commit at the reserved entry's header.
	python3 - old.bundle app.bundle "$(command -v ota-verify)" <<-'EOF'
		import subprocess, sys
		old, new = (open(p, "rb").read() for p in sys.argv[1:3])
		h = old.index(b"signatures/.slots")
		assert h % 512 == 0 and old[:h] == new[:h] and old[h + 1536:] == new[h + 1536:]
		states = [old[:h + 512] + new[h + 512:h + 512 + k] + old[h + 512 + k:] for k in range(1025)]
		states.append(new)
		counts = {0: 0, 6: 0}
		# Threshold 2: 0 is the new bundle, 6 the old one (its head read and
		# its one signature good), anything else a broken one.  The payload
		# is not written, so the head decides.
		for i, s in enumerate(states):
		    open("state.bundle", "wb").write(s)
		    two = subprocess.run([sys.argv[3], "--keys", "keys", "--threshold", "2",
		                          "--device-class", "edge-gw-v2", "state.bundle"], capture_output=True)
		    assert two.returncode == (0 if s == new else 6), (i, two.returncode, two.stderr)
		    counts[two.returncode] += 1
		    if i in (0, 512, 1024):  # and whole with the old signature alone
		        one = subprocess.run([sys.argv[3], "--keys", "k.pub", "--device-class",
		                              "edge-gw-v2", "state.bundle"], capture_output=True)
		        assert one.returncode == 0, (i, one.stderr)
		assert counts == {0: 1, 6: 1025}, counts
	EOF
}

@test "signing the same key again in place writes nothing" {
	ota-sign --key k.key app.bundle >/dev/null
	cp app.bundle once.bundle
	run --separate-stderr ota-sign --key k.key app.bundle
	assert_status 0
	[ -z "$stderr" ]
	cmp app.bundle once.bundle
}

@test "slots full: the next signature rewrites the bundle, saying so; every signature counts, key id order" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 1 --out one.bundle >/dev/null
	ota-sign --key k2.key one.bundle >/dev/null
	run --separate-stderr ota-sign --key k.key one.bundle
	assert_status 0
	[ "$stderr" = "ota-sign: one.bundle: rewritten whole, not signed in place: its signature slots are full" ]
	verify one.bundle --threshold 2
	assert_status 0
	# rewritten as create --sign-key writes it: the same bytes
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 1 \
		--sign-key k.key --sign-key k2.key --out direct.bundle >/dev/null
	cmp one.bundle direct.bundle
}

@test "a bundle without slots (the layout before them) verifies and is signed by rewriting, saying so" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --signature-slots 0 --out old.bundle >/dev/null
	run --separate-stderr ota-sign --key k.key old.bundle
	assert_status 0
	[ "$stderr" = "ota-sign: old.bundle: rewritten whole, not signed in place: it has no signature slots" ]
	run tar tf old.bundle
	[ "${lines[1]}" = "signatures/$(pub_id k.pub).sig" ]
	[ "${lines[2]}" = payload/bin/ ]
	verify old.bundle
	assert_status 0
}

@test "a compressed bundle keeps its slots but is signed by rewriting, saying so" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --compress gzip --out z.bundle >/dev/null
	run --separate-stderr ota-sign --key k.key z.bundle
	assert_status 0
	[ "$stderr" = "ota-sign: z.bundle: rewritten whole, not signed in place: it is compressed" ]
	run CRAFT list z.bundle
	[ "${lines[2]}" = signatures/.slots ]
	verify z.bundle
	assert_status 0
}

@test "two signers of one bundle at once take turns: both signatures land in slots" {
	ota-sign --key k.key app.bundle >/dev/null &
	ota-sign --key k2.key app.bundle >/dev/null &
	wait %1
	wait %2
	verify app.bundle --threshold 2
	assert_status 0
	[ "$(CRAFT show app.bundle signatures/.slots | wc -c)" -eq $((6 * 1024)) ]
}
