#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# A manifest over 1 MiB (issue 16, point 5): the verifier and the agent
# keep it in an unlinked file (TMPDIR for ota-verify, the state dir for
# the agent) and read it mapped, dropping the pages they pass, instead of
# holding it in the heap.  What must hold, here with 10,000 files: the
# same verdicts as from memory, the same bytes kept with the release,
# nothing left behind on success or on refusal, and memory kept when the
# directory cannot take the file.  (How little memory: `make bench`.)
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

# A make_bundle HOOK: 10,000 small files in 100 directories.
many_files() {
	python3 - "$1/share/many" <<-'EOF'
		import os, sys
		for i in range(10000):
		    d = os.path.join(sys.argv[1], "d%03d" % (i // 100))
		    os.makedirs(d, exist_ok=True)
		    with open(os.path.join(d, "file-%05d.txt" % i), "w") as f:
		        f.write("file %d\n" % i)
	EOF
}

# The size of the manifest of bundle $1, in bytes.
manifest_bytes() { ota-bundle manifest "$1" | wc -c; }

# One byte of bundle $1's manifest changed, deep in it: file-05000 ->
# file-05001 in "entries" (the first occurrence), past the first MiB of
# pages, dropped and read again.
change_deep_in_manifest() {
	python3 - "$1" <<-'EOF'
		import sys
		p = sys.argv[1]
		data = bytearray(open(p, "rb").read())
		at = data.index(b'many/d050/file-05000.txt"')
		data[at + 19] = ord("1")
		open(p, "wb").write(data)
	EOF
}

# Nothing but what the test put there is left in directory $1.
assert_empty_dir() {
	[ -z "$(ls -A "$1")" ] || { ls -la "$1" >&2; false; }
}

@test "ota-verify: a 10,000-file bundle (a manifest over 1 MiB) verifies through TMPDIR, which is left empty" {
	make_bundle 1.0.0 good HOOK=many_files
	[ "$(manifest_bytes "$BUNDLE")" -gt 1048576 ]
	mkdir "$T/tmp"
	TMPDIR="$T/tmp" run ota-verify --keys "$T/k.pub" --device-class edge-gw-v2 "$BUNDLE"
	assert_status 0
	assert_output_matches 'OK: version 1.0.0 for edge-gw-v2, 100[0-9]{2} files'
	assert_empty_dir "$T/tmp"
	# It was there, unlinked, while the bundle was read.  (Not under
	# check-sanitize: LeakSanitizer aborts a process it finds traced.)
	if [ "${OTA_SANITIZE:-0}" != 1 ] && command -v strace >/dev/null &&
		strace -o /dev/null true 2>/dev/null; then
		TMPDIR="$T/tmp" strace -f -e trace=openat -o "$T/trace" ota-verify --quiet \
			--keys "$T/k.pub" --device-class edge-gw-v2 "$BUNDLE"
		grep -q "\"$T/tmp\", O_RDWR|O_EXCL|O_CLOEXEC|O_TMPFILE" "$T/trace" ||
			{ grep "$T/tmp" "$T/trace" >&2; false; }
	fi
	# Extracted from the mapped manifest: the tree it was made of.
	TMPDIR="$T/tmp" run ota-verify --keys "$T/k.pub" --device-class edge-gw-v2 \
		--extract "$T/out" "$BUNDLE"
	assert_status 0
	diff -r "$T/tree-app-1.0.0-good" "$T/out"
	assert_empty_dir "$T/tmp"
}

@test "ota-verify: a TMPDIR that cannot take the manifest costs memory, not the verdict" {
	make_bundle 1.0.0 good HOOK=many_files
	: >"$T/not-a-dir"
	TMPDIR="$T/not-a-dir" run ota-verify --keys "$T/k.pub" --device-class edge-gw-v2 "$BUNDLE"
	assert_status 0
	TMPDIR="$T/missing" run ota-verify --keys "$T/k.pub" --device-class edge-gw-v2 "$BUNDLE"
	assert_status 0
	# A spool file cut short part way (here by a 256 KiB file size limit):
	# what was written is read back, and the rest read into memory.
	mkdir "$T/tmp"
	TMPDIR="$T/tmp" run bash -c 'trap "" XFSZ; ulimit -f 256; exec "$@"' - \
		ota-verify --keys "$T/k.pub" --device-class edge-gw-v2 "$BUNDLE"
	assert_status 0
	assert_empty_dir "$T/tmp"
}

@test "attack: one byte deep in a big manifest changed: bad signature (5), nothing left in TMPDIR" {
	make_bundle 1.0.0 good HOOK=many_files
	change_deep_in_manifest "$BUNDLE"
	mkdir "$T/tmp"
	TMPDIR="$T/tmp" run --separate-stderr ota-verify --keys "$T/k.pub" \
		--device-class edge-gw-v2 "$BUNDLE"
	assert_status 5
	assert_one_line_error 'bad signature'
	assert_empty_dir "$T/tmp"
}

@test "the agent installs and upgrades 10,000-file releases: the same manifest bytes kept, files shared, fsck whole, nothing left" {
	install_ok 1.0.0 good HOOK=many_files
	assert_current 1.0.0
	ota-bundle manifest "$BUNDLE" | cmp - "$STATE/manifests/1.0.0.json"
	# The upgrade reads 1.0.0's kept manifest (mapped) to share its files.
	install_ok 2.0.0 good HOOK=many_files
	assert_current 2.0.0
	ota-bundle manifest "$BUNDLE" | cmp - "$STATE/manifests/2.0.0.json"
	# Shared by hard link (where the file system clones: another inode).
	if ! cp --reflink=always "$T/k.pub" "$T/clone" 2>/dev/null; then
		[ "$(stat -c %i "$APP/releases/1.0.0/share/many/d042/file-04242.txt")" = \
			"$(stat -c %i "$APP/releases/2.0.0/share/many/d042/file-04242.txt")" ]
	fi
	run agent fsck
	assert_status 0
	assert_output_matches '^2 releases, [0-9]+ files: whole$'
	assert_invariants
	# Only the agent's own files: no spool file, no temporary.
	[ -z "$(find "$STATE" -name '*.tmp-*' -o -name '.tmp-spool-*')" ]
}

@test "attack: a big manifest changed deep inside, on the agent: refused (5), nothing staged, nothing left" {
	install_ok 1.0.0 good
	make_bundle 2.0.0 good HOOK=many_files
	change_deep_in_manifest "$BUNDLE"
	run agent install "$BUNDLE"
	assert_status 5
	assert_current 1.0.0
	assert_nothing_staged 2.0.0
	[ -z "$(find "$STATE" -name '*.tmp-*' -o -name '.tmp-spool-*')" ]
}
