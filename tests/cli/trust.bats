#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Trust on the device: thresholds of distinct trusted keys (ota-verify and
# ota-agent), and key rotation by signed trust files (ota-keytool trust,
# ota-agent trust and keys): accepted when the threshold in force and the
# file's own threshold signed it, refused otherwise, never replayed, kept
# whole across a crash.  The device is agent.bash's; its factory keys are
# a, b, c with threshold 2.
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	local k
	for k in a b c d e; do make_key "$k"; done
	rm "$ROOT/etc/ota/keys/k.pub"
	cp a.pub b.pub c.pub "$ROOT/etc/ota/keys/"
	write_config EXTRA="threshold: 2"
}


# A small bundle for edge-gw-v2 at $T/$1.bundle signed by the keys named
# after it (no service needed: for ota-verify and refused installs).
signed_bundle() {
	local name=$1 k
	shift
	[ -d tree ] || make_tree tree
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out "$name.bundle" >/dev/null
	for k in "$@"; do ota-sign --key "$k.key" "$name.bundle" >/dev/null; done
}

# trust_file NAME SEQ THRESHOLD "KEYS" SIGNERS...: $T/NAME.trust naming
# KEYS (e.g. "a b d"), signed by SIGNERS.
trust_file() {
	local name=$1
	shift
	make_trust_file "$name.trust" "$@"
}

# The trust set in force as "SEQ THRESHOLD keyid,keyid,..." (sorted).
in_force() {
	agent keys --json | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["sequence"], j["threshold"], ",".join(sorted(j["keys"])))'
}

ids() { # the sorted key ids of the keys named
	local k
	for k in "$@"; do ota-keytool id "$k.pub"; done | sort | paste -sd, -
}

@test "ota-verify --threshold 2: one trusted signature is 6 saying how many, two distinct are 0" {
	mkdir keys && cp a.pub b.pub c.pub keys/
	signed_bundle one a
	run --separate-stderr ota-verify --keys keys --threshold 2 --device-class edge-gw-v2 one.bundle
	assert_status 6
	[ "$stderr" = "ota-verify: one.bundle: untrusted: 1 of 1 signatures by a trusted key, 2 needed" ]
	signed_bundle two a b
	run ota-verify --keys keys --threshold 2 --device-class edge-gw-v2 two.bundle
	assert_status 0
	run ota-verify --keys keys --threshold 3 --device-class edge-gw-v2 two.bundle
	assert_status 6
}

@test "a signature by an unknown key is ignored, not fatal; it does not count either" {
	mkdir keys && cp a.pub b.pub keys/
	signed_bundle ax a e
	run ota-verify --keys keys --device-class edge-gw-v2 ax.bundle
	assert_status 0
	run --separate-stderr ota-verify --keys keys --threshold 2 --device-class edge-gw-v2 ax.bundle
	assert_status 6
	[ "$stderr" = "ota-verify: ax.bundle: untrusted: 1 of 2 signatures by a trusted key, 2 needed" ]
}

# The format files a signature under the signer's key id; a copy of a's
# signature under another name is under a key nobody trusts (ignored), and
# the same key id twice is refused as malformed.
@test "the same key's signature under a second file name counts once (6); the same name twice is malformed (4)" {
	mkdir keys && cp a.pub b.pub keys/
	signed_bundle aa a
	python3 - aa.bundle "$(ota-keytool id a.pub)" <<-'EOF'
		import io, sys, tarfile
		path, ida = sys.argv[1], sys.argv[2]
		src = tarfile.open(path)
		members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
		sig = next(d for m, d in members if m.name == "signatures/%s.sig" % ida)
		def write(out, extra_name):
		    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as dst:
		        for m, d in members:
		            dst.addfile(m, io.BytesIO(d) if d is not None else None)
		            if m.name == "signatures/%s.sig" % ida:
		                ti = tarfile.TarInfo(extra_name)
		                ti.size = len(sig)
		                dst.addfile(ti, io.BytesIO(sig))
		write("twice.bundle", "signatures/%s.sig" % ("f" * 64))
		write("dup.bundle", "signatures/%s.sig" % ida)
	EOF
	run ota-verify --keys keys --device-class edge-gw-v2 twice.bundle
	assert_status 0
	run --separate-stderr ota-verify --keys keys --threshold 2 --device-class edge-gw-v2 twice.bundle
	assert_status 6
	[ "$stderr" = "ota-verify: twice.bundle: untrusted: 1 of 2 signatures by a trusted key, 2 needed" ]
	run --separate-stderr ota-verify --keys keys --device-class edge-gw-v2 dup.bundle
	assert_status 4
	[[ "$stderr" == *"signatures duplicated or out of order"* ]]
}

@test "the agent with threshold 2: one signature is refused (6) with nothing staged, two are promoted" {
	make_bundle 1.0.0 good KEY=a NAME=one
	run --separate-stderr agent install "$BUNDLE"
	assert_status 6
	assert_error_line 'untrusted: 1 of 1 signatures by a trusted key, 2 needed'
	assert_nothing_staged 1.0.0
	ota-sign --key c.key "$BUNDLE" >/dev/null
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
	assert_invariants
}

@test "agent keys: the factory set until a trust file is accepted" {
	run agent keys
	assert_status 0
	[ "${lines[0]}" = "trust sequence 0 (the factory keys): $ROOT/etc/ota/keys" ]
	[ "${lines[1]}" = "threshold 2 of 3 keys" ]
	[ "$(in_force)" = "0 2 $(ids a b c)" ]
}

@test "rotation: retire c, add d; accepted when a and b sign; c stops counting at once, d counts" {
	trust_file t1 1 2 "a b d" a b
	run --separate-stderr agent trust t1.trust
	assert_status 0
	[ "$output" = "t1.trust: trust sequence 1 in force: 2 of 3 keys must sign; added $(ota-keytool id d.pub | cut -c1-16) retired $(ota-keytool id c.pub | cut -c1-16)" ]
	[ "$(in_force)" = "1 2 $(ids a b d)" ]
	cmp t1.trust "$STATE/trust.ota"
	[[ "$(trust_history)" == "trust sequence 1 in force (was 0): 2 of 3 keys; added "*" retired "* ]]
	# c was trusted a moment ago; now its signature is someone else's
	make_bundle 1.0.0 good KEY=a NAME=ac
	ota-sign --key c.key "$BUNDLE" >/dev/null
	run --separate-stderr agent install "$BUNDLE"
	assert_status 6
	assert_error_line '1 of 2 signatures by a trusted key, 2 needed'
	assert_nothing_staged 1.0.0
	ota-sign --key d.key "$BUNDLE" >/dev/null
	run agent install "$BUNDLE"
	assert_status 0
	assert_current 1.0.0
	run ota-verify --trust "$STATE/trust.ota" --device-class edge-gw-v2 "$BUNDLE"
	assert_status 0
}

@test "rotation signed by too few of the root keys in force: 6, nothing changes, the refusal is in the history" {
	trust_file t1 1 2 "a b d" a d
	run --separate-stderr agent trust t1.trust
	assert_status 6
	assert_error_line 't1.trust: untrusted: signed by 1 of the root keys in force, 2 needed'
	assert_absent "$STATE/trust.ota"
	[ "$(in_force)" = "0 2 $(ids a b c)" ]
	[[ "$(trust_history)" == "trust update refused: t1.trust: untrusted: signed by 1 of the root keys in force, 2 needed" ]]
}

@test "a new set that cannot sign is never installed: 6 unless its own threshold signed too" {
	trust_file t1 1 2 "a d e" a b
	run --separate-stderr agent trust t1.trust
	assert_status 6
	assert_error_line 'signed by 1 of the root keys it names, 2 needed \(a new trust set must prove it can sign\)'
	assert_absent "$STATE/trust.ota"
	ota-keytool trust sign --key d.key t1.trust >/dev/null
	run agent trust t1.trust
	assert_status 0
	[ "$(in_force)" = "1 2 $(ids a d e)" ]
}

@test "retired keys sign no rotation: after c is retired, c and d are one signature of the root keys in force (6)" {
	trust_file t1 1 2 "a b d" a b
	agent trust t1.trust >/dev/null
	trust_file t2 2 1 "c d" c d
	run --separate-stderr agent trust t2.trust
	assert_status 6
	assert_error_line 'signed by 1 of the root keys in force, 2 needed'
	[ "$(in_force)" = "1 2 $(ids a b d)" ]
}

@test "replay: an older or equal sequence is refused (14); the same file again is a no-op (0)" {
	trust_file t1 1 2 "a b d" a b
	trust_file t2 2 2 "a b e" a b e
	agent trust t1.trust >/dev/null
	agent trust t2.trust >/dev/null
	run --separate-stderr agent trust t1.trust
	assert_status 14
	assert_error_line 't1.trust: trust sequence 1 is not newer than 2, the one in force \(an old trust file replayed\?\)'
	trust_file other2 2 1 "a b" a b
	run --separate-stderr agent trust other2.trust
	assert_status 14
	run agent trust t2.trust
	assert_status 0
	[ "$output" = "t2.trust: trust sequence 2 is already in force" ]
	[ "$(in_force)" = "2 2 $(ids a b e)" ]
	cmp t2.trust "$STATE/trust.ota"
}

@test "a changed threshold holds: lowered to 1, one signature of the new set is enough" {
	trust_file t1 1 1 "a d" a b d
	agent trust t1.trust >/dev/null
	[ "$(in_force)" = "1 1 $(ids a d)" ]
	signed_bundle byd d
	run ota-verify --trust "$STATE/trust.ota" --device-class edge-gw-v2 byd.bundle
	assert_status 0
	signed_bundle byb b
	run ota-verify --trust "$STATE/trust.ota" --device-class edge-gw-v2 byb.bundle
	assert_status 6
}

@test "a trust file for another device class (8), changed after signing (5), or damaged (4): refused, nothing changes" {
	TARGET=other-board trust_file t1 1 2 "a b" a b
	run --separate-stderr agent trust t1.trust
	assert_status 8
	assert_error_line 'wrong target: trust file for "other-board", this device is "edge-gw-v2"'
	trust_file t2 1 2 "a b" a b
	sed -i '1s/"threshold":2/"threshold":1/' t2.trust
	run --separate-stderr agent trust t2.trust
	assert_status 5
	assert_error_line 't2.trust: bad signature'
	trust_file t3 1 2 "a b" a b
	sed -i '2s/^signature /signatur  /' t3.trust
	run --separate-stderr agent trust t3.trust
	assert_status 4
	assert_error_line 't3.trust:2: expected "signature <key id> <base64 signature>"'
	TARGET=edge-gw-v2 trust_file t4 1 2 "a b" a b
	run agent trust t4.trust
	assert_status 0
}

@test "crash after the new trust file is written, before its rename: the old set, mended by recover" {
	trust_file t1 1 2 "a b d" a b
	OTA_AGENT_FAULT_AFTER=TRUST_WRITTEN run agent trust t1.trust
	assert_status 137
	assert_absent "$STATE/trust.ota"
	ls "$STATE"/trust.ota.tmp-* >/dev/null
	[ "$(in_force)" = "0 2 $(ids a b c)" ]
	run agent recover
	assert_status 0
	! ls "$STATE"/trust.ota.tmp-* 2>/dev/null
	run agent trust t1.trust
	assert_status 0
	[ "$(in_force)" = "1 2 $(ids a b d)" ]
}

@test "crash right after the rename: the new set is in force" {
	trust_file t1 1 2 "a b d" a b
	OTA_AGENT_FAULT_AFTER=TRUST_SAVED run agent trust t1.trust
	assert_status 137
	[ "$(in_force)" = "1 2 $(ids a b d)" ]
	run agent trust t1.trust
	assert_status 0
	assert_output_matches 'already in force'
}

@test "kill -9 at 8 moments of a rotation: always the old set or the new one, whole, then recover" {
	trust_file t1 1 2 "a b d" a b
	local d pid seen_old=0 seen_new=0 state
	for d in 0 0.002 0.004 0.007 0.01 0.015 0.025 0.05; do
		rm -f "$STATE/trust.ota"
		# A kill inside LeakSanitizer's check at exit leaves a report of
		# its own failure (make check-sanitize): no leak check for these.
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
			ota-agent --root "$ROOT" trust t1.trust >/dev/null 2>&1 3>&- &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		state=$(in_force)
		case $state in
		"0 2 $(ids a b c)") seen_old=$((seen_old + 1)) ;;
		"1 2 $(ids a b d)") seen_new=$((seen_new + 1)); cmp t1.trust "$STATE/trust.ota" ;;
		*) echo "after kill at $d s: $state" >&2; return 1 ;;
		esac
		agent recover >/dev/null
		! ls "$STATE"/trust.ota.tmp-* 2>/dev/null
	done
	[ $((seen_old + seen_new)) -eq 8 ]
}

@test "a damaged trust state fails closed: installs and rotations refused, never the factory keys again" {
	trust_file t1 1 2 "a b d" a b
	agent trust t1.trust >/dev/null
	sed -i '1s/"sequence":1/"sequence":9/' "$STATE/trust.ota"
	make_bundle 1.0.0 good KEY=a NAME=ab
	ota-sign --key b.key "$BUNDLE" >/dev/null
	run --separate-stderr agent install "$BUNDLE"
	assert_status 5
	assert_error_line 'trust\.ota: damaged trust state, no key trusted: .*bad signature'
	assert_nothing_staged 1.0.0
	run --separate-stderr agent keys
	assert_status 5
	trust_file t2 2 2 "a b" a b
	run --separate-stderr agent trust t2.trust
	assert_status 5
	assert_error_line 'damaged trust state'
}

@test "agent trust while another run holds the lock: 13, nothing changes" {
	trust_file t1 1 2 "a b d" a b
	mkdir -p "$STATE"
	# one process holding the flock (kill -9 in teardown ends it)
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$STATE/lock" "$T/locked" 3>&- &
	BG_PIDS="$BG_PIDS $!"
	for i in $(seq 100); do [ -e "$T/locked" ] && break; sleep 0.05; done
	run --separate-stderr agent trust t1.trust
	assert_status 13
	assert_error_line 'another ota-agent run holds the lock'
	assert_absent "$STATE/trust.ota"
}

@test "ota-keytool trust verify decides as the device does; ota-verify --trust checks the file's own signatures" {
	trust_file t1 1 2 "a b d" a b
	run ota-keytool trust verify --keys "$ROOT/etc/ota/keys" --threshold 2 --device-class edge-gw-v2 t1.trust
	assert_status 0
	run ota-keytool trust verify --keys "$ROOT/etc/ota/keys" --threshold 3 t1.trust
	assert_status 6
	trust_file t2 2 2 "a e" a b e
	run ota-keytool trust verify --trust t1.trust t2.trust
	assert_status 0
	run ota-keytool trust verify --trust t2.trust t1.trust
	assert_status 14
	trust_file lone 1 2 "a b" a
	signed_bundle ab a b
	run --separate-stderr ota-verify --trust lone.trust --device-class edge-gw-v2 ab.bundle
	assert_status 6
	[[ "$stderr" == *"lone.trust: untrusted: signed by 1 of the root keys it names, 2 needed" ]]
	TARGET=other trust_file t3 1 1 "a" a
	run ota-verify --trust t3.trust --device-class edge-gw-v2 ab.bundle
	assert_status 8
	run ota-verify --trust t1.trust --threshold 1 --device-class edge-gw-v2 ab.bundle
	assert_status 2
}
