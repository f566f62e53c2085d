#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Attack table: one row per hostile input, its expected exit class, and
# "nothing written".  Every bundle row runs ota-verify --extract into the
# empty directory x/ and asserts x/ is still empty afterwards: no extract
# directory, no temp sibling.  Hostile bundles come from tests/tools/craft.py
# (tarfile + cryptography, signing the raw manifest bytes it ships), the
# rest from the tools themselves.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	helpers_setup
	make_key k
	make_tree tree
	mkdir x
}

# craft KIND [ARGS...]: $T/KIND.bundle, the tree attacked as KIND, signed by k.
craft() {
	local kind=$1
	shift
	python3 "$TESTS_DIR/tools/craft.py" "$kind" --tree tree --key k.key \
		--out "$kind.bundle" "$@"
}

# An honest bundle of the tree signed by key $2 (default k), at $1.
signed_bundle() {
	ota-bundle create --tree tree --version 1.0.0 --target "${3:-edge-gw-v2}" \
		--out "$1" >/dev/null
	ota-sign --key "${2:-k}.key" "$1" >/dev/null
}

# Assert directory $1 exists and is empty (hidden and *.tmp* names included).
assert_empty_dir() {
	local left
	left=$(ls -A "$1") || return 1
	if [ -n "$left" ]; then
		echo "expected $1 to be empty, found: $left" >&2
		return 1
	fi
}

# rejects STATUS REGEX BUNDLE [VERIFY-ARGS...]: ota-verify --extract x/out
# exits STATUS with one line "ota-verify: BUNDLE: reason" whose reason
# matches REGEX, and leaves x/ empty.
rejects() {
	local want=$1 re=$2 bundle=$3
	shift 3
	run ota-verify --keys k.pub --device-class edge-gw-v2 "$@" --extract x/out "$bundle"
	assert_status "$want"
	if [ "${#lines[@]}" -ne 1 ]; then
		echo "expected one line, got: $output" >&2
		return 1
	fi
	assert_output_matches "^ota-verify: (.*/)?$bundle: .*($re)"
	assert_empty_dir x
}

@test "control: the crafted honest bundle verifies and extracts" {
	craft valid
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract x/out valid.bundle
	assert_status 0
	[ "$(cat x/out/etc/greeting)" = hello ]
}

# -- authenticity: arbitrary software ---------------------------------------

@test "manifest and payload changed after signing: bad signature (5)" {
	craft manifest-changed
	rejects 5 'signature' manifest-changed.bundle
}

@test "rollback_index raised after signing: bad signature (5)" {
	craft rollback-changed
	rejects 5 'signature' rollback-changed.bundle
}

@test "signature filed under a trusted key id but made by another key: bad signature (5)" {
	make_key evil
	python3 "$TESTS_DIR/tools/craft.py" keyid-spoof --tree tree --key evil.key \
		--claim k.pub --out spoof.bundle
	rejects 5 'signature' spoof.bundle
}

@test "bundle signed by an untrusted key: untrusted (6)" {
	make_key evil
	signed_bundle evil.bundle evil
	rejects 6 'trust|signature' evil.bundle
}

@test "bundle with no signature: untrusted (6)" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out unsigned.bundle
	rejects 6 'trust|signature' unsigned.bundle
}

@test "small-order public key in --keys: key error (11)" {
	signed_bundle app.bundle
	python3 "$TESTS_DIR/tools/craft.py" weak-pub --out weak.pub
	run ota-verify --keys weak.pub --device-class edge-gw-v2 --extract x/out app.bundle
	assert_status 11
	assert_output_matches '^ota-verify: .*weak\.pub.*(weak|small.order)'
	assert_empty_dir x
}

# -- integrity ----------------------------------------------------------------

@test "flipped payload byte: hash mismatch (7)" {
	craft flip-byte
	rejects 7 'etc/greeting' flip-byte.bundle
}

@test "endless data: payload file longer than its manifest size: hash mismatch (7)" {
	craft oversize
	rejects 7 'etc/greeting' oversize.bundle
}

@test "mix-and-match: release A's signed manifest over release B's payload: hash mismatch (7)" {
	signed_bundle a.bundle
	printf 'goodbye\n' >tree/etc/greeting
	signed_bundle b.bundle
	python3 "$TESTS_DIR/tools/craft.py" splice --manifest-from a.bundle \
		--payload-from b.bundle --out mix.bundle
	rejects 7 'etc/greeting' mix.bundle
}

# -- wrong target -------------------------------------------------------------

@test "validly signed bundle for another device class: wrong target (8)" {
	signed_bundle other.bundle k other-class
	rejects 8 'target|device.class' other.bundle
}

# -- exact file set -----------------------------------------------------------

@test "extraneous payload file not in the manifest: file set mismatch (10)" {
	craft extra-entry
	rejects 10 'etc/extra' extra-entry.bundle
}

@test "a whole payload/evil entry after a single zero block: file set mismatch (10)" {
	craft entry-after-end
	# the control: Python's tarfile stops at the zero block and never sees it
	run python3 -c 'import sys, tarfile; print("payload/evil" in tarfile.open(sys.argv[1]).getnames())' entry-after-end.bundle
	[ "$output" = False ]
	rejects 10 'data after the end of the archive' entry-after-end.bundle
	gzip -k entry-after-end.bundle
	rejects 10 'data after the end of the archive' entry-after-end.bundle.gz
}

@test "bytes that are not a tar header after the end-of-archive marker: file set mismatch (10)" {
	craft garbage-after-end
	rejects 10 'data after the end of the archive' garbage-after-end.bundle
}

@test "zeros after the end-of-archive marker, a writer's record padding, are accepted (0); over 1 MiB of them refused (10)" {
	craft zeros-after-end
	run ota-verify --keys k.pub --device-class edge-gw-v2 zeros-after-end.bundle
	assert_status 0
	head -c $((2 * 1024 * 1024)) /dev/zero >>zeros-after-end.bundle
	rejects 10 'data after the end of the archive' zeros-after-end.bundle
}

@test "a bare payload/ directory entry right after a directory: unsafe path (9), an empty path, not a duplicate" {
	craft bare-payload-dir
	rejects 9 'unsafe path "": empty' bare-payload-dir.bundle
	! printf '%s' "$output" | grep -q duplicate
}

@test "a signature entry without its final newline (a second encoding of the same signature): malformed (4)" {
	craft sig-no-newline
	rejects 4 'not a signature \(88 base64 characters and a newline\)' sig-no-newline.bundle
}

@test "listed file missing from the payload: file set mismatch (10)" {
	craft missing-file
	rejects 10 'etc/greeting' missing-file.bundle
}

@test "same payload path twice: file set mismatch (10)" {
	craft duplicate-entry
	rejects 10 'etc/greeting' duplicate-entry.bundle
}

# -- the reserved signature slots: padding only -------------------------------

@test "a byte that is not zero in the reserved signature slots: malformed (4)" {
	craft slots-nonzero
	rejects 4 'signatures/\.slots: not zero padding at byte 5000' slots-nonzero.bundle
}

@test "text in the first slot past a pending signature's place: malformed (4)" {
	craft slots-pending-junk
	rejects 4 'signatures/\.slots: its first slot holds neither zeros nor a signature being added' \
		slots-pending-junk.bundle
}

@test "reserved slots not a whole number of 1024-byte slots, or room for 65 signatures: malformed (4)" {
	craft slots-odd-size
	rejects 4 'bad signatures/\.slots entry' slots-odd-size.bundle
	craft slots-too-many
	rejects 4 'bad signatures/\.slots entry: .*64 signatures' slots-too-many.bundle
}

@test "two reserved slot entries: malformed (4)" {
	craft slots-twice
	rejects 4 'signatures/\.slots twice' slots-twice.bundle
}

@test "a signature after the reserved slots: malformed (4)" {
	craft slots-sig-after
	rejects 4 'a signature after signatures/\.slots' slots-sig-after.bundle
}

@test "one signature twice in a slotted head, where order is free: malformed (4)" {
	craft slots-duplicate-sig
	rejects 4 'signatures duplicated' slots-duplicate-sig.bundle
}

@test "a trusted signature left pending in the first slot by an interrupted ota-sign is not counted (6)" {
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out p.bundle >/dev/null
	run env OTA_AGENT_FAULT_AFTER=SIGN_SLOT_WRITTEN ota-sign --key k.key p.bundle
	[ "$status" -eq 137 ]
	# control: the slot holds the signature's text
	ota-bundle manifest --out m.json p.bundle
	ota-sign --key k.key --manifest m.json --out m.sig >/dev/null
	[ "$(head -n1 m.sig | wc -c)" -eq 89 ]
	grep -qaF "$(head -n1 m.sig)" p.bundle
	rm m.json m.sig
	rejects 6 'not signed' p.bundle
}

# -- unsafe paths and entry types ---------------------------------------------

@test "tar entry payload/../evil: unsafe path (9)" {
	craft tar-dotdot
	rejects 9 '\.\./evil' tar-dotdot.bundle
	assert_absent evil
}

@test "tar entry payload//tmp/evil (absolute): unsafe path (9)" {
	craft tar-absolute
	rejects 9 '/tmp/evil' tar-absolute.bundle
}

@test "tar entry with a non-UTF-8 name: unsafe path (9)" {
	craft tar-non-utf8
	rejects 9 '[Uu][Tt][Ff]-?8' tar-non-utf8.bundle
}

@test "validly signed manifest listing ../evil: unsafe path (9)" {
	craft manifest-dotdot
	rejects 9 '\.\./evil' manifest-dotdot.bundle
	assert_absent evil
}

@test "validly signed manifest listing /tmp/evil: unsafe path (9)" {
	craft manifest-absolute
	rejects 9 '/tmp/evil' manifest-absolute.bundle
}

# A non-UTF-8 name can only reach JSON as a lone surrogate escape (what
# Python's surrogateescape makes of it), and a lone surrogate is not a
# Unicode string: the manifest is malformed JSON before it is a bad path.
@test "validly signed manifest listing a non-UTF-8 name (\\udcff): malformed (4)" {
	craft manifest-non-utf8
	rejects 4 '[Uu]nicode' manifest-non-utf8.bundle
}

@test "undeclared symlink where the manifest has a file: unsafe path (9)" {
	craft symlink-for-file
	rejects 9 'etc/greeting' symlink-for-file.bundle
}

@test "hard-link entry where the manifest has a file: unsafe path (9)" {
	craft hardlink-for-file
	rejects 9 'etc/greeting' hardlink-for-file.bundle
}

@test "character device entry where the manifest has a file: unsafe path (9)" {
	craft chardev-for-file
	rejects 9 'etc/greeting' chardev-for-file.bundle
}

@test "fifo entry where the manifest has a file: unsafe path (9)" {
	craft fifo-for-file
	rejects 9 'etc/greeting' fifo-for-file.bundle
}

@test "declared, signed symlink climbing out (../../etc/passwd): unsafe path (9)" {
	craft symlink-escape-up
	rejects 9 'bin/escape' symlink-escape-up.bundle
}

@test "declared, signed symlink with an absolute target (/etc/passwd): unsafe path (9)" {
	craft symlink-escape-absolute
	rejects 9 'bin/escape' symlink-escape-absolute.bundle
}

# -- malformed: the canonical checks, not the signature, must catch these ------

@test "signed manifest, valid JSON, pretty-printed: malformed (4)" {
	craft noncanonical-indent
	rejects 4 'canonical' noncanonical-indent.bundle
}

@test "signed manifest, valid JSON, keys unsorted: malformed (4)" {
	craft noncanonical-order
	rejects 4 'canonical' noncanonical-order.bundle
}

@test "signed manifest, valid JSON, a needless \\u escape: malformed (4)" {
	craft noncanonical-escape
	rejects 4 'canonical' noncanonical-escape.bundle
}

@test "signed manifest with a final newline: malformed (4)" {
	craft noncanonical-newline
	rejects 4 'canonical|trailing' noncanonical-newline.bundle
}

@test "signed manifest with \"target\" twice: malformed (4)" {
	craft duplicate-key
	rejects 4 'duplicate' duplicate-key.bundle
}

@test "signed manifest with a file hash listed twice: malformed (4)" {
	craft duplicate-key-nested
	rejects 4 'duplicate' duplicate-key-nested.bundle
}

@test "signature entry after the payload: malformed (4)" {
	craft sig-after-payload
	rejects 4 'signatures/|signature' sig-after-payload.bundle
}

@test "payload before manifest.json: malformed (4)" {
	craft manifest-not-first
	rejects 4 'manifest' manifest-not-first.bundle
}

@test "entry outside payload/: malformed (4)" {
	craft outside-payload
	rejects 4 'evil' outside-payload.bundle
}

@test "signature file that is not 88 base64 characters: malformed (4)" {
	craft bad-sig-encoding
	rejects 4 'signatures/|signature|base64' bad-sig-encoding.bundle
}

@test "bundle truncated in the middle of its last file: malformed (4)" {
	signed_bundle app.bundle
	python3 "$TESTS_DIR/tools/craft.py" truncate --in app.bundle --out cut.bundle
	rejects 4 '[Tt]runcat' cut.bundle
}

@test "empty bundle file: malformed (4)" {
	: >empty.bundle
	rejects 4 'empty|not a bundle|format' empty.bundle
}

@test "random bytes as a bundle: malformed (4)" {
	python3 "$TESTS_DIR/tools/craft.py" random --out random.bundle
	rejects 4 'not a bundle|[Uu]nrecognized|format|tar' random.bundle
}

# -- the bundler refuses what the verifier would refuse -------------------------

@test "bundler refuses a tree with a fifo: unsafe path (9), no bundle written" {
	mkfifo tree/etc/pipe
	run ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out app.bundle
	assert_status 9
	assert_output_matches '^ota-bundle: .*etc/pipe'
	assert_dir_holds k.key k.pub tree x
}

@test "bundler refuses a symlink climbing above the tree: unsafe path (9), no bundle written" {
	ln -s ../../../etc/passwd tree/etc/escape
	run ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out app.bundle
	assert_status 9
	assert_output_matches '^ota-bundle: .*etc/escape'
	assert_dir_holds k.key k.pub tree x
}

@test "bundler refuses a symlink with an absolute target: unsafe path (9), no bundle written" {
	ln -s /etc/passwd tree/etc/escape
	run ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out app.bundle
	assert_status 9
	assert_output_matches '^ota-bundle: .*etc/escape'
	assert_dir_holds k.key k.pub tree x
}

# -- endless data and limits: nothing is read, allocated or written past them --

# limits KIND: $T/KIND.bundle from craft_limits.py, the tree attacked as KIND.
limits() {
	python3 "$TESTS_DIR/tools/craft_limits.py" "$1" --tree tree --key k.key --out "$1.bundle"
}

@test "gzip bomb: a payload file of 1 GiB of zeros in 1 MB, header saying so: hash mismatch (7)" {
	limits bomb-gzip
	rejects 7 'etc/greeting \(size 1073741824, manifest says 6\)' bomb-gzip.bundle
}

@test "xz bomb: the same 1 GiB payload file in concatenated xz streams: hash mismatch (7)" {
	limits bomb-xz
	rejects 7 'etc/greeting \(size 1073741824, manifest says 6\)' bomb-xz.bundle
}

@test "zstd bomb: the same 1 GiB payload file in run-length blocks: hash mismatch (7)" {
	limits bomb-zstd
	rejects 7 'etc/greeting \(size 1073741824, manifest says 6\)' bomb-zstd.bundle
}

@test "a valid tar whose manifest.json declares 1 TiB: malformed (4)" {
	limits manifest-huge-size
	rejects 4 'manifest.json larger than 16777216 bytes' manifest-huge-size.bundle
}

@test "a signed, canonical manifest of 10^6 entries (37 MB): malformed (4)" {
	limits manifest-million-entries
	rejects 4 'manifest.json larger than 16777216 bytes' manifest-million-entries.bundle
}

@test "a signed, canonical manifest of 200001 entries in 7.5 MB: malformed (4)" {
	limits manifest-too-many-entries
	rejects 4 'entries: not an object or too many' manifest-too-many-entries.bundle
}

@test "a signed manifest with a directory chain 2100 deep: unsafe path (9)" {
	limits deep-path
	rejects 9 'a/a/a/.*longer than 4096 bytes' deep-path.bundle
}

@test "a 2 MiB pax extended header on a payload entry: malformed (4)" {
	limits pax-huge-header
	rejects 4 'bad tar header: Special header too large' pax-huge-header.bundle
}

@test "a pax path record of 5000 bytes: unsafe path (9)" {
	limits pax-long-path
	rejects 9 'etc/xxxx.*longer than 4096 bytes' pax-long-path.bundle
}

@test "65 signature entries, the trusted one among them: malformed (4)" {
	limits many-signatures
	rejects 4 'more than 64 signatures' many-signatures.bundle
}

# -- format confusion: only a tar, only gzip, xz or zstd around it ------------

@test "a zip archive of the bundle's entries: malformed (4)" {
	limits zip-archive
	rejects 4 'Unrecognized archive format' zip-archive.bundle
}

@test "a bzip2-compressed bundle: malformed (4)" {
	limits bzip2-wrapped
	rejects 4 'Unrecognized archive format' bzip2-wrapped.bundle
}

# -- integrity of the signature and of a compressed stream --------------------

@test "one bit of the trusted signature flipped: bad signature (5)" {
	craft sig-flipped
	rejects 5 'signature does not verify' sig-flipped.bundle
}

@test "a gzip bundle cut short in its last file: malformed (4)" {
	head -c 300000 /dev/urandom >tree/etc/blob
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --compress gzip \
		--out app.bundle >/dev/null
	ota-sign --key k.key app.bundle >/dev/null
	head -c 200000 app.bundle >cut.bundle
	rejects 4 '[Tt]runcated gzip input' cut.bundle
}

# -- key compromise below the threshold ---------------------------------------

# Two trusted keys, k and k2, in keys/; the attacker holds k only.
two_keys() {
	make_key k2
	mkdir keys
	cp k.pub k2.pub keys/
}

@test "threshold 2, one trusted key compromised: its signature alone is untrusted (6)" {
	two_keys
	signed_bundle app.bundle
	rejects 6 'untrusted: 1 of 1 signatures by a trusted key, 2 needed' app.bundle \
		--keys keys --threshold 2
}

@test "threshold 2, the compromised key under two names in --keys: still one key, untrusted (6)" {
	mkdir keys
	cp k.pub keys/a.pub
	cp k.pub keys/b.pub
	signed_bundle app.bundle
	rejects 6 'untrusted: 1 of 1 signatures by a trusted key, 2 needed' app.bundle \
		--keys keys --threshold 2
}

@test "threshold 2, the compromised key's signature filed under both trusted ids: bad signature (5)" {
	two_keys
	python3 "$TESTS_DIR/tools/craft.py" valid --tree tree --key k.key --out one.bundle
	python3 "$TESTS_DIR/tools/craft.py" keyid-spoof --tree tree --key k.key --claim k2.pub \
		--out two.bundle
	python3 - <<-'PY'
		import tarfile
		a, b = tarfile.open("one.bundle"), tarfile.open("two.bundle")
		slots = "signatures/.slots"  # kept once, after them (attacks_slotted.bats)
		sigs = [m for t in (a, b) for m in t.getmembers()
		        if m.name.startswith("signatures/") and m.name != slots]
		sigs.sort(key=lambda m: m.name)
		sigs += [m for m in a.getmembers() if m.name == slots]
		with tarfile.open("both.bundle", "w", format=tarfile.PAX_FORMAT) as out:
		    out.addfile(a.getmember("manifest.json"), a.extractfile("manifest.json"))
		    for m in sigs:
		        out.addfile(m, (a if m in a.getmembers() else b).extractfile(m))
		    for m in a.getmembers():
		        if m.name.startswith("payload/"):
		            out.addfile(m, a.extractfile(m) if m.isreg() else None)
	PY
	rejects 5 'bad signature: key .*signature does not verify' both.bundle --keys keys \
		--threshold 2
}

# -- where --extract writes ------------------------------------------------------

@test "--extract onto a dangling symlink: exists (12), nothing created where it points" {
	signed_bundle app.bundle
	ln -s "$T/elsewhere" x/out
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract x/out app.bundle
	assert_status 12
	assert_output_matches '^ota-verify: x/out: exists'
	assert_absent elsewhere
	[ "$(ls -A x)" = out ]
}

@test "--extract onto a symlink to an empty directory: exists (12), the directory stays empty" {
	signed_bundle app.bundle
	mkdir elsewhere
	ln -s "$T/elsewhere" x/out
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract x/out app.bundle
	assert_status 12
	assert_output_matches '^ota-verify: x/out: exists'
	assert_empty_dir elsewhere
	[ "$(ls -A x)" = out ]
}

@test "--extract under a symlinked parent: the operator's path is followed, the tree lands whole" {
	signed_bundle app.bundle
	mkdir data
	ln -s data opt
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract opt/app app.bundle
	assert_status 0
	[ "$(cat data/app/etc/greeting)" = hello ]
	[ "$(ls -A data)" = app ]
}
