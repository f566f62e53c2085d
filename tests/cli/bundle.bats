#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-bundle: create (layout, manifest fields, options, determinism, refusals)
# and manifest.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	helpers_setup
	make_tree tree
}

create() { # [--out FILE] [more options]: the tree as version 1.0.0 for edge-gw-v2
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 "$@"
}

# Evaluate the Python expression $2 with m = the JSON object in file $1.
mget() {
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}

@test "ota-bundle --help exits 0 and describes create" {
	run ota-bundle --help
	assert_status 0
	assert_output_matches 'create'
	assert_dir_holds tree
}

@test "ota-bundle --version exits 0 and prints a version number" {
	run ota-bundle --version
	assert_status 0
	assert_output_matches '[0-9]+\.[0-9]+'
	assert_dir_holds tree
}

@test "create writes manifest.json, no signature, 8 free signature slots, then payload/ in path order" {
	run create --out app.bundle
	assert_status 0
	run CRAFT list app.bundle
	assert_status 0
	[ "$output" = "manifest.json
signatures/.slots
payload/bin
payload/bin/app
payload/bin/app-link
payload/etc
payload/etc/greeting
payload/var
payload/var/empty" ]
}

@test "create records format 1, version, target, rollback index 0 and created = SOURCE_DATE_EPOCH" {
	create --out app.bundle
	ota-bundle manifest app.bundle >m.json
	run mget m.json '[m["format"], m["version"], m["target"], m["rollback_index"], m["created"]]'
	assert_status 0
	[ "$output" = "[1, '1.0.0', 'edge-gw-v2', 0, 1700000000]" ]
}

@test "create --rollback-index 7 records rollback_index 7" {
	run create --rollback-index 7 --out app.bundle
	assert_status 0
	ota-bundle manifest app.bundle >m.json
	run mget m.json 'm["rollback_index"]'
	[ "$output" = 7 ]
}

@test "manifest files maps exactly the regular files to their SHA-256" {
	create --out app.bundle
	ota-bundle manifest app.bundle >m.json
	run mget m.json 'sorted(m["files"].items())'
	assert_status 0
	[ "$output" = "[('bin/app', '$(sha256sum <tree/bin/app | cut -c1-64)'), ('etc/greeting', '$(sha256sum <tree/etc/greeting | cut -c1-64)')]" ]
}

@test "manifest entries: every dir (the empty one too), file modes and sizes, the symlink target" {
	create --out app.bundle
	ota-bundle manifest app.bundle >m.json
	run python3 - m.json tree <<-'EOF'
		import json, os, stat, sys
		m = json.load(open(sys.argv[1]))
		want = {}
		for top, dirs, files in os.walk(sys.argv[2]):
		    for n in dirs + files:
		        p = os.path.join(top, n)
		        rel = os.path.relpath(p, sys.argv[2])
		        st = os.lstat(p)
		        mode = stat.S_IMODE(st.st_mode)
		        if stat.S_ISLNK(st.st_mode):
		            want[rel] = {"type": "symlink", "target": os.readlink(p)}
		        elif stat.S_ISDIR(st.st_mode):
		            want[rel] = {"type": "dir", "mode": mode}
		        else:
		            want[rel] = {"type": "file", "mode": mode, "size": st.st_size}
		if m["entries"] != want:
		    sys.exit("entries differ: %r != %r" % (m["entries"], want))
		print("entries match", len(want))
	EOF
	assert_status 0
	assert_output_matches 'entries match 7'
}

@test "ota-bundle manifest prints exactly the manifest.json bytes inside the bundle" {
	create --out app.bundle
	run ota-bundle manifest app.bundle
	assert_status 0
	ota-bundle manifest app.bundle >printed.json
	CRAFT show app.bundle manifest.json >inside.json
	cmp printed.json inside.json
	[ "$(tail -c1 printed.json)" = "}" ]
}

@test "two creates of the same tree are byte-identical, even after touching the tree" {
	create --out one.bundle
	touch -d '2001-02-03 04:05:06' tree/etc/greeting tree/bin tree/var/empty
	run create --out two.bundle
	assert_status 0
	cmp one.bundle two.bundle
}

@test "two creates with --compress gzip are byte-identical" {
	create --compress gzip --out one.bundle
	sleep 1 # a timestamp in the gzip header would now differ
	run create --compress gzip --out two.bundle
	assert_status 0
	cmp one.bundle two.bundle
}

@test "--compress none writes the same bytes as the default" {
	create --out default.bundle
	run create --compress none --out none.bundle
	assert_status 0
	cmp default.bundle none.bundle
}

@test "--compress gzip writes a gzip stream" {
	run create --compress gzip --out app.bundle
	assert_status 0
	[ "$(od -An -tx1 -N2 app.bundle | tr -d ' ')" = 1f8b ]
}

@test "--compress xz writes an xz stream" {
	run create --compress xz --out app.bundle
	assert_status 0
	[ "$(od -An -tx1 -N6 app.bundle | tr -d ' ')" = fd377a585a00 ]
}

@test "--compress zstd writes a zstd stream" {
	run create --compress zstd --out app.bundle
	assert_status 0
	[ "$(od -An -tx1 -N4 app.bundle | tr -d ' ')" = 28b52ffd ]
}

@test "ota-bundle manifest reads a compressed bundle" {
	create --out plain.bundle
	create --compress xz --out xz.bundle
	run ota-bundle manifest xz.bundle
	assert_status 0
	[ "$output" = "$(ota-bundle manifest plain.bundle)" ]
}

@test "--compress with an unknown name is a usage error (2), nothing written" {
	run create --compress lzma --out app.bundle
	assert_status 2
	assert_output_matches '^ota-bundle: .*lzma'
	assert_dir_holds tree
}

@test "create without --tree is a usage error (2), nothing written" {
	run ota-bundle create --version 1.0.0 --target edge-gw-v2 --out app.bundle
	assert_status 2
	assert_output_matches '^ota-bundle: .*tree'
	assert_dir_holds tree
}

@test "create of a tree that does not exist is an I/O error (3), nothing written" {
	run ota-bundle create --tree nowhere --version 1.0.0 --target edge-gw-v2 --out app.bundle
	assert_status 3
	assert_output_matches '^ota-bundle: .*nowhere'
	assert_dir_holds tree
}

@test "create refuses to overwrite an existing --out (12) and leaves it untouched" {
	printf 'keep me\n' >app.bundle
	run create --out app.bundle
	assert_status 12
	assert_output_matches '^ota-bundle: app\.bundle: .*exist'
	[ "$(cat app.bundle)" = "keep me" ]
	assert_dir_holds tree app.bundle
}

@test "create --force overwrites an existing --out with the bundle" {
	printf 'keep me\n' >app.bundle
	create --out ref.bundle
	run create --force --out app.bundle
	assert_status 0
	cmp ref.bundle app.bundle
	assert_dir_holds tree app.bundle ref.bundle
}

@test "hard-linked files are stored as two separate regular files" {
	ln tree/etc/greeting tree/etc/hardlink
	run create --out app.bundle
	assert_status 0
	run python3 -c '
import sys, tarfile
t = tarfile.open(sys.argv[1])
for n in ("payload/etc/greeting", "payload/etc/hardlink"):
    m = t.getmember(n)
    print(n, m.isreg() and not m.islnk(), t.extractfile(m).read())' app.bundle
	[ "$output" = "payload/etc/greeting True b'hello\\n'
payload/etc/hardlink True b'hello\\n'" ]
}

@test "a symlink with .. that stays inside the tree is bundled as a symlink" {
	ln -s ../etc/greeting tree/bin/greeting-link
	run create --out app.bundle
	assert_status 0
	ota-bundle manifest app.bundle >m.json
	run mget m.json 'm["entries"]["bin/greeting-link"]'
	[ "$output" = "{'target': '../etc/greeting', 'type': 'symlink'}" ]
}

@test "create refuses a tree with a socket: unsafe path (9), nothing written" {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' tree/etc/sock
	run create --out app.bundle
	assert_status 9
	assert_output_matches '^ota-bundle: .*etc/sock'
	assert_dir_holds tree
}

@test "create refuses a tree with a non-UTF-8 file name: unsafe path (9), nothing written" {
	printf 'x' >"tree/etc/$(printf 'bad\377')"
	run create --out app.bundle
	assert_status 9
	assert_output_matches '^ota-bundle: .*([Uu][Tt][Ff]-?8|etc/bad)'
	assert_dir_holds tree
}

@test "create refuses a version containing .tmp- (the device's temporary-name mark): usage (2), nothing written" {
	run ota-bundle create --tree tree --version 1.0.0-a.tmp-x --target t --out a.bundle
	assert_status 2
	assert_output_matches "--version: '1.0.0-a.tmp-x': .*without '.tmp-'"
	assert_absent a.bundle
}

@test "create --version v1.4.2 (git describe): version not semantic (20), the form shown, 1.4.2 suggested, nothing written" {
	run --separate-stderr ota-bundle create --tree tree --version v1.4.2 --target t --out a.bundle
	assert_status 20
	assert_one_line_error "^ota-bundle: --version: 'v1\.4\.2' is not a semantic version: use MAJOR\.MINOR\.PATCH\[-PRERELEASE\]\[\+BUILD\].*did you mean 1\.4\.2\?"
	assert_absent a.bundle
}

@test "create refuses every non-semantic version the issue names (20), nothing written" {
	local v
	for v in v2 v1.0.0 beta 2.0.0~rc1 1.0.0rc1 1.0.0_old 01.0.0 1.0 1.0.0- 1.0.0+ 1.0.0-01; do
		run --separate-stderr ota-bundle create --tree tree --version "$v" --target t --out a.bundle
		[ "$status" -eq 20 ] || { echo "$v: exit $status" >&2; return 1; }
		assert_one_line_error "is not a semantic version"
		assert_absent a.bundle
	done
}

@test "create accepts prerelease and build metadata: 2.0.0-rc.1+ci.7 is recorded as given" {
	ota-bundle create --tree tree --version 2.0.0-rc.1+ci.7 --target t --out a.bundle
	run ota-bundle manifest a.bundle
	assert_status 0
	[ "$(jget 'j["version"]')" = "2.0.0-rc.1+ci.7" ]
}

@test "create carries every Unicode normalization form of a name byte for byte; ota-verify accepts what create signs" {
	make_key k
	rm -rf tree && mkdir tree
	# é as NFC and NFD; ﬁ (NFKC "fi") and Å (U+212B, NFC U+00C5), each a distinct name
	python3 - <<'PY'
import unicodedata
s = "caf\u00e9 \ufb01 \u212b"
for form in ("NFC", "NFD", "NFKC", "NFKD"):
    open("tree/" + form + "-" + unicodedata.normalize(form, s), "w").write(form)
open("tree/raw-" + s, "w").write("raw")
PY
	run create --sign-key k.key --out app.bundle
	assert_status 0
	run python3 -c 'import os, sys, tarfile
tar = sorted(n for n in tarfile.open("app.bundle").getnames() if n.startswith("payload/"))
disk = sorted("payload/" + n for n in os.listdir("tree"))
print(tar == disk and all(a.encode("utf-8", "surrogateescape") == b.encode() for a, b in zip(tar, disk)))'
	[ "$output" = True ]
	run ota-verify --keys k.pub --device-class edge-gw-v2 --extract out app.bundle
	assert_status 0
	[ "$(ls out | LC_ALL=C sort)" = "$(ls tree | LC_ALL=C sort)" ]
}

@test "create refuses invalid UTF-8 in a name: a lone continuation byte, an overlong slash, a surrogate (9), nothing written" {
	for bad in '\200' '\300\257' '\355\240\200'; do
		rm -rf tree && mkdir tree
		printf 'x' >"tree/$(printf "a${bad}b")"
		run create --out app.bundle
		assert_status 9
		assert_output_matches '^ota-bundle: .*UTF-8'
		assert_absent app.bundle
	done
}
