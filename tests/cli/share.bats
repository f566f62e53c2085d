#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Releases share unchanged files (issue 16): a release is read-only once
# staged, and a file whose bytes a release on disk already has is hashed
# there, then taken by clone or hard link instead of written, for full and
# delta bundles alike.  A damaged base file is never linked (a full
# bundle's own bytes are written instead; a delta is refused), pruning,
# rollback and recover keep every release whole, and `ota-agent fsck`
# re-hashes the releases against their kept manifests.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	# 2 MiB of the same bytes in every release: the bulk that is shared.
	python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(16).randbytes(2097152))' \
		>"$T/blob"
}

# Where the file system clones (btrfs, XFS), a shared file is a clone of
# its own (another inode), not a hard link: the tests that count inodes
# and links skip there.
needs_links() {
	if cp --reflink=always "$T/blob" "$T/blob.clone" 2>/dev/null; then
		skip "this file system makes reflinks: shared files are clones, not links"
	fi
}

# A make_bundle HOOK: the shared 2 MiB blob in the release.
same_blob() { cp "$T/blob" "$1/share/blob"; }
# The same bytes, another mode: one inode cannot carry both.
same_blob_0600() { same_blob "$1" && chmod 0600 "$1/share/blob"; }

# The inode of a file of a release.
inode() { stat -c %i "$APP/releases/$1"; }

# Kilobytes that release $2 adds on disk to release $1 (du counts a
# hard-linked inode once, where it first meets it).
added_kb() {
	du -sk "$APP/releases/$1" "$APP/releases/$2" | awk -v d="$APP/releases/$2" '$2 == d { print $1 }'
}

# Release $1 holds exactly the tree it was made of ($T/tree-app-$1-good).
assert_whole() {
	diff -r "$T/tree-app-$1-good" "$APP/releases/$1" || {
		echo "releases/$1 differs from its tree" >&2
		return 1
	}
}

@test "a second release shares every unchanged file with the first: one inode, two links" {
	needs_links
	install_ok 1.0.0 good HOOK=same_blob
	install_ok 2.0.0 good HOOK=same_blob
	for f in share/blob bin/gateway bin/run.sh bin/selftest; do
		[ "$(inode "1.0.0/$f")" = "$(inode "2.0.0/$f")" ] || { echo "$f not shared" >&2; false; }
		[ "$(stat -c %h "$APP/releases/2.0.0/$f")" = 2 ]
	done
	# What changed (the version is written in these) has files of its own.
	for f in share/VERSION etc/gateway.conf; do
		[ "$(inode "1.0.0/$f")" != "$(inode "2.0.0/$f")" ]
		[ "$(stat -c %h "$APP/releases/2.0.0/$f")" = 1 ]
	done
	assert_whole 1.0.0
	assert_whole 2.0.0
	assert_invariants
	# The gateway and the blob (over 2 MiB) cost nothing the second time.
	[ "$(added_kb 1.0.0 2.0.0)" -lt 200 ] || { echo "2.0.0 adds $(added_kb 1.0.0 2.0.0) KiB" >&2; false; }
	run agent fsck
	assert_status 0
	assert_output_matches '^2 releases, [0-9]+ files: whole$'
}

@test "releases are read-only: no write bit on any file or directory, and the app runs from one" {
	install_ok 1.0.0 good HOOK=same_blob
	assert_serving 1.0.0
	[ -z "$(find "$APP/releases/1.0.0" ! -type l -perm /222)" ] ||
		{ find "$APP/releases/1.0.0" ! -type l -perm /222 -ls >&2; false; }
	[ "$(stat -c %a "$APP/releases/1.0.0")" = 555 ]
	[ "$(stat -c %a "$APP/releases/1.0.0/bin/gateway")" = 555 ]
	[ "$(stat -c %a "$APP/releases/1.0.0/share/blob")" = 444 ]
}

@test "a file of another mode is not shared (one inode has one mode): copied, whole" {
	needs_links
	install_ok 1.0.0 good HOOK=same_blob
	install_ok 2.0.0 good HOOK=same_blob_0600
	[ "$(inode 1.0.0/share/blob)" != "$(inode 2.0.0/share/blob)" ]
	[ "$(stat -c %a "$APP/releases/2.0.0/share/blob")" = 400 ]
	cmp "$T/blob" "$APP/releases/2.0.0/share/blob"
	[ "$(inode 1.0.0/bin/gateway)" = "$(inode 2.0.0/bin/gateway)" ]
}

@test "a delta shares the files it leaves out with its base" {
	needs_links
	install_ok 1.0.0 good HOOK=same_blob
	make_bundle 2.0.0 good HOOK=same_blob
	ota-bundle create --tree "$T/tree-app-2.0.0-good" --version 2.0.0 --target edge-gw-v2 \
		--rollback-index 2 --out "$T/delta.bundle" --base "$T/app-1.0.0-good.bundle" \
		--sign-key "$T/k.key" >/dev/null
	run agent install "$T/delta.bundle"
	assert_status 0
	assert_current 2.0.0
	[ "$(inode 1.0.0/share/blob)" = "$(inode 2.0.0/share/blob)" ]
	[ "$(inode 1.0.0/bin/gateway)" = "$(inode 2.0.0/bin/gateway)" ]
	assert_whole 2.0.0
	assert_invariants
}

@test "attack: a base file altered in place (same size) is not linked by a full bundle: its own bytes are written" {
	needs_links
	install_ok 1.0.0 good HOOK=same_blob
	chmod u+w "$APP/releases/1.0.0/share/blob"
	printf 'X' | dd of="$APP/releases/1.0.0/share/blob" bs=1 seek=1000 conv=notrunc status=none
	install_ok 2.0.0 good HOOK=same_blob
	[ "$(inode 1.0.0/share/blob)" != "$(inode 2.0.0/share/blob)" ]
	cmp "$T/blob" "$APP/releases/2.0.0/share/blob"
	[ "$(inode 1.0.0/bin/gateway)" = "$(inode 2.0.0/bin/gateway)" ]
	assert_whole 2.0.0
	# fsck names the damaged file of 1.0.0, and nothing of 2.0.0.
	run --separate-stderr agent fsck
	assert_status 7
	[ "$output" = "1.0.0: share/blob: hash mismatch" ]
	assert_error_line 'fsck: 1 damaged in 1 of 2 releases'
}

@test "attack: a delta's base file altered in place (same size) is refused (7), nothing left, current untouched" {
	install_ok 1.0.0 good HOOK=same_blob
	make_bundle 2.0.0 good HOOK=same_blob
	ota-bundle create --tree "$T/tree-app-2.0.0-good" --version 2.0.0 --target edge-gw-v2 \
		--rollback-index 2 --out "$T/delta.bundle" --base "$T/app-1.0.0-good.bundle" \
		--sign-key "$T/k.key" >/dev/null
	chmod u+w "$APP/releases/1.0.0/share/blob"
	printf 'X' | dd of="$APP/releases/1.0.0/share/blob" bs=1 seek=1000 conv=notrunc status=none
	run --separate-stderr agent install "$T/delta.bundle"
	assert_status 7
	assert_error_line 'base file damaged: .*releases/1\.0\.0/share/blob'
	assert_nothing_staged 2.0.0
	assert_current 1.0.0
	[ "$(stat -c %h "$APP/releases/1.0.0/bin/gateway")" = 1 ]
}

@test "pruning the release the files came from leaves the newer ones whole" {
	needs_links
	write_config KEEP_RELEASES=2
	install_ok 1.0.0 good HOOK=same_blob
	install_ok 2.0.0 good HOOK=same_blob
	install_ok 3.0.0 good HOOK=same_blob
	# Pruned: 1.0.0 (neither current, last good nor previous good).
	assert_absent "$APP/releases/1.0.0"
	[ "$(inode 2.0.0/share/blob)" = "$(inode 3.0.0/share/blob)" ]
	[ "$(stat -c %h "$APP/releases/3.0.0/share/blob")" = 2 ]
	assert_whole 2.0.0
	assert_whole 3.0.0
	assert_invariants
	run agent fsck
	assert_status 0
	assert_output_matches '^2 releases, '
}

@test "rollback to the release a newer one shares files with, then recover after a kill mid-staging" {
	needs_links
	install_ok 1.0.0 good HOOK=same_blob INDEX=1
	install_ok 2.0.0 good HOOK=same_blob INDEX=1
	run agent rollback --to 1.0.0
	assert_status 0
	assert_current 1.0.0
	assert_serving 1.0.0
	assert_whole 1.0.0
	# 3.0.0 killed half-way through staging, its files partly linked.
	make_bundle 3.0.0 good HOOK=same_blob INDEX=1
	run env OTA_AGENT_FAULT_AFTER=STAGING_HALF "$OTA_BIN/ota-agent" --root "$ROOT" install "$BUNDLE" 3>&-
	assert_status 137
	run agent recover
	assert_status 0
	assert_nothing_staged 3.0.0
	assert_current 1.0.0
	assert_invariants
	assert_whole 1.0.0
	assert_whole 2.0.0
	[ "$(stat -c %h "$APP/releases/1.0.0/share/blob")" = 2 ]
	run agent fsck
	assert_status 0
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 3.0.0
	assert_whole 3.0.0
	[ "$(stat -c %h "$APP/releases/3.0.0/share/blob")" = 3 ]
}

@test "fsck names every damaged entry with its release: a shared file in each release holding it" {
	needs_links
	install_ok 1.0.0 good HOOK=same_blob
	install_ok 2.0.0 good HOOK=same_blob
	tamper "$APP/releases/2.0.0/share/blob"
	chmod u+w "$APP/releases/2.0.0/etc" "$APP/releases/2.0.0/share"
	touch "$APP/releases/2.0.0/etc/planted"
	rm "$APP/releases/2.0.0/share/VERSION"
	run --separate-stderr agent fsck
	assert_status 7
	[ "$output" = "1.0.0: share/blob: size differs from the manifest
2.0.0: etc/planted: not in the manifest
2.0.0: share/VERSION: missing
2.0.0: share/blob: size differs from the manifest" ] || { echo "got: $output" >&2; false; }
	assert_error_line 'fsck: 4 damaged in 2 of 2 releases'
}

@test "fsck: a release whose kept manifest is gone is damage (7); none on disk is clean (0)" {
	run agent fsck
	assert_status 0
	assert_output_matches '^0 releases, 0 files: whole$'
	install_ok 1.0.0 good
	rm "$STATE/manifests/1.0.0.json"
	run --separate-stderr agent fsck
	assert_status 7
	assert_output_matches '^1\.0\.0: .*manifests/1\.0\.0\.json'
}

@test "fsck: a link planted in a release is damage, never followed" {
	install_ok 1.0.0 good
	chmod u+w "$APP/releases/1.0.0/bin" "$APP/releases/1.0.0/bin/gateway"
	mv "$APP/releases/1.0.0/bin/gateway" "$T/gateway"
	ln -s "$T/gateway" "$APP/releases/1.0.0/bin/gateway"
	run --separate-stderr agent fsck
	assert_status 7
	assert_output_matches '^1\.0\.0: '
}

@test "unprivileged (root drops to nobody when run as root): read-only releases installed, shared, pruned and checked" {
	needs_links
	local as=()
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv is not installed"
		as=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
		# bats' temp dirs are root's, 0700: let nobody through to $T.
		local d=$T
		while [ "$d" != / ] && [ "$d" != /tmp ]; do
			chmod o+x "$d"
			d=$(dirname "$d")
		done
	fi
	cat >"$ROOT/etc/ota/agent.yaml" <<-EOF
		device_class: edge-gw-v2
		app_dir: /opt/app
		state_dir: /var/lib/ota
		keys: /etc/ota/keys
		keep_releases: 2
		service:
		  restart: "true"
		health:
		  timeout: 5
	EOF
	for v in 1.0.0 2.0.0 3.0.0; do make_bundle "$v" good HOOK=same_blob INDEX=1; done
	[ "$(id -u)" != 0 ] || chown -R nobody:nogroup "$ROOT" "$T"/*.bundle
	for v in 1.0.0 2.0.0 3.0.0; do
		run "${as[@]}" "$OTA_BIN/ota-agent" --root "$ROOT" install "$T/app-$v-good.bundle"
		assert_status 0
	done
	assert_absent "$APP/releases/1.0.0"
	[ "$(inode 2.0.0/share/blob)" = "$(inode 3.0.0/share/blob)" ]
	[ "$(id -u)" != 0 ] || [ "$(stat -c %U "$APP/releases/3.0.0/share/blob")" = nobody ]
	run "${as[@]}" "$OTA_BIN/ota-agent" --root "$ROOT" fsck
	assert_status 0
	run "${as[@]}" "$OTA_BIN/ota-agent" --root "$ROOT" rollback --to 2.0.0
	assert_status 0
	assert_current 2.0.0
}
