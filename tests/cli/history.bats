#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent history and status on a device whose history the real agent
# wrote (tests/helpers/history.bash): the records and their fields, the
# --since and --version filters, --verify on an untouched history and on
# each way of tampering with it (edit, swap, removal, cut tail, rewritten
# chain), the power cuts it tolerates, rotation, and status's view of a
# run in progress.
load ../helpers/common
load ../helpers/agent
load ../helpers/history
bats_require_minimum_version 1.5.0


# Run history --verify: exit 21, one line on stderr matching $1.
assert_tampered() {
	run --separate-stderr agent history --verify
	assert_status 21
	assert_error_line "history does not verify: .*$1"
}

# sha256 of line $1 (1-based) of the history, newline included.
line_sha() {
	python3 -c 'import hashlib, sys
print(hashlib.sha256(open(sys.argv[1], "rb").read().splitlines(True)[int(sys.argv[2]) - 1]).hexdigest())' "$HIST" "$1"
}

@test "history (text): one line per record with time, seq, from and to, version, result" {
	run --separate-stderr agent history
	assert_status 0
	[ "${#lines[@]}" -eq 20 ]
	[[ "${lines[0]}" =~ ^20[0-9-]+T[0-9:]+Z\ +1\ +IDLE\ +-\>\ VERIFYING\ +-\ +ok\ +bundle ]]
	[[ "${lines[16]}" =~ \ 17\ +HEALTH_CHECK\ +-\>\ ROLLING_BACK\ +3\.0\.0\ +failed\ +health\ check ]]
	[[ "${lines[17]}" =~ ROLLING_BACK\ +-\>\ IDLE\ +3\.0\.0\ +rolled_back\ +rolled\ back\ to\ 2\.0\.0 ]]
	[[ "${lines[19]}" =~ VERIFYING\ +-\>\ IDLE\ +1\.5\.0\ +refused\ .*not\ newer ]]
}

@test "history --json: each record has every field; bundle hash, signers and exit as the schema says" {
	run --separate-stderr agent history --json
	assert_status 0
	local want kid
	want=$(ota-bundle manifest "$B/app-3.0.0-unhealthy.bundle" | sha256sum | cut -d' ' -f1)
	kid=$(ota-keytool id "$T/k.pub")
	python3 - "$output" "$want" "$kid" "$XSS_NAME.bundle" <<-'EOF'
		import json, sys
		j, want, kid, xss = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
		keys = ["bundle", "exit", "from", "manifest_sha256", "prev", "reason", "result", "seq",
		        "signers", "time", "to", "version"]
		assert len(j) == 20 and all(sorted(r) == keys for r in j), j
		assert [r["seq"] for r in j] == list(range(1, 21))
		r = j[13]  # 3.0.0 VERIFYING -> STAGING: verified
		assert (r["manifest_sha256"], r["signers"], r["bundle"]) == \
		    (want, [kid], "app-3.0.0-unhealthy.bundle"), r
		assert (j[16]["result"], j[16]["exit"]) == ("failed", 15), j[16]
		assert (j[19]["result"], j[19]["exit"], j[19]["bundle"]) == ("refused", 14, xss), j[19]
		# Before verification nothing about the bundle is known, or trusted.
		assert (j[12]["manifest_sha256"], j[12]["signers"], j[12]["version"]) == ("", [], ""), j[12]
	EOF
}

@test "history: each record's prev is the SHA-256 of the line before it, byte for byte" {
	python3 - "$HIST" <<-'EOF'
		import hashlib, json, sys
		lines = open(sys.argv[1], "rb").read().splitlines(True)
		prev = "0" * 64
		for i, line in enumerate(lines):
		    r = json.loads(line)
		    assert r["seq"] == i + 1 and r["prev"] == prev, (i, r["prev"], prev)
		    assert line == (json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n").encode()
		    prev = hashlib.sha256(line).hexdigest()
		head = json.load(open(sys.argv[1].replace("history.jsonl", "history.head")))
		assert head == {"first_seq": 1, "format": 1, "seq": 20, "sha256": prev}, head
	EOF
}

@test "history --version 3.0.0: the whole rolled-back attempt, its first record included" {
	run --separate-stderr agent history --json --version 3.0.0
	assert_status 0
	[ "$(jget '[r["seq"] for r in j]')" = "[13, 14, 15, 16, 17, 18]" ]
	run agent history --version 9.9.9
	assert_status 0
	[ -z "$output" ]
}

@test "history --since: records at or after T, in ISO 8601 UTC or epoch seconds" {
	local t epoch
	t=$(agent history --json | python3 -c 'import json, sys; print(json.load(sys.stdin)[18]["time"])')
	epoch=$(date -u -d "$t" +%s)
	run --separate-stderr agent history --json --since "$t"
	assert_status 0
	[ "$(jget 'len(j) >= 2 and j[-1]["seq"] == 20 and all(r["time"] >= "'"$t"'" for r in j)')" = True ]
	run agent history --json --since "$epoch"
	assert_status 0
	[ "$(jget 'j[-1]["seq"]')" = 20 ]
	run agent history --since 2999-01-01
	assert_status 0
	[ -z "$output" ]
}

# Restamp the 20 records with the times given (one per record, in order)
# and rechain them (prev, history.head), as a device whose clock jumped
# would have written them: the chain verifies, only the times are odd.
restamp() {
	python3 - "$HIST" "$STATE/history.head" "$@" <<-'EOF'
		import hashlib, json, sys
		hist, head, times = sys.argv[1], sys.argv[2], sys.argv[3:]
		recs = [json.loads(l) for l in open(hist, "rb").read().splitlines()]
		assert len(recs) == len(times)
		prev, out = "0" * 64, b""
		for r, t in zip(recs, times):
		    r["time"], r["prev"] = t, prev
		    line = json.dumps(r, sort_keys=True, separators=(",", ":")).encode() + b"\n"
		    prev = hashlib.sha256(line).hexdigest()
		    out += line
		open(hist, "wb").write(out)
		open(head, "w").write('{"first_seq":1,"format":1,"seq":%d,"sha256":"%s"}\n' % (len(recs), prev))
	EOF
}

# The seqs `history --json --since $1` shows, space-separated.
since_seqs() {
	agent history --json --since "$1" | python3 -c 'import json, sys; print(" ".join(str(r["seq"]) for r in json.load(sys.stdin)))'
}

@test "history --since never hides a record for a clock jump: back to 1970 (a boot without a battery), then forward" {
	local t=() i
	for i in $(seq 1 8); do t+=("2026-03-01T10:00:0${i}Z"); done       # seq 1-8
	for i in $(seq 1 4); do t+=("1970-01-01T00:00:0${i}Z"); done       # seq 9-12: the clock reset
	for i in $(seq 1 4); do t+=("2026-03-05T10:00:0${i}Z"); done       # seq 13-16: NTP set it
	for i in $(seq 1 4); do t+=("2040-01-01T00:00:0${i}Z"); done       # seq 17-20: a step forward
	restamp "${t[@]}"
	run agent history --verify
	assert_status 0
	# The history shows the clock as it was.
	run agent history
	[[ "${lines[8]}" == 1970-01-01T00:00:01Z* ]]
	[[ "${lines[16]}" == 2040-01-01T00:00:01Z* ]]
	# Records 9-12 (1970) come after 2026-03-01 in the order written: shown.
	[ "$(since_seqs 2026-03-02)" = "$(seq -s ' ' 9 20)" ]
	[ "$(since_seqs 2026-03-05T10:00:03Z)" = "$(seq -s ' ' 15 20)" ]
	[ "$(since_seqs 2030-01-01)" = "$(seq -s ' ' 17 20)" ]
	[ "$(since_seqs 1970-01-01)" = "$(seq -s ' ' 1 20)" ]
}

@test "history --since after the last sound time: the records a stepped-back clock stamped stay shown" {
	local t=() i
	for i in $(seq 1 16); do t+=("2026-03-01T10:00:$(printf %02d "$i")Z"); done
	for i in $(seq 1 4); do t+=("1970-01-01T00:00:0${i}Z"); done      # seq 17-20
	restamp "${t[@]}"
	[ "$(since_seqs 2026-06-01)" = "17 18 19 20" ]
	[ "$(since_seqs 2026-03-01T10:00:16Z)" = "$(seq -s ' ' 16 20)" ]
}

@test "history --since with a bad time (2024-13-01, yesterday): exit 2, one line naming --since" {
	local bad
	for bad in 2024-13-01 yesterday 2024-02-30T10:00:00Z; do
		run --separate-stderr agent history --since "$bad"
		assert_status 2
		[[ "${stderr_lines[0]}" == "ota-agent: history: --since: bad time \"$bad\""* ]] ||
			{ echo "$stderr" >&2; false; }
	done
}

@test "history --verify with --since is a usage error (2); --expect without --verify too" {
	run agent history --verify --since 2024-01-01
	assert_status 2
	run agent history --expect "1:$(printf '0%.0s' $(seq 64))"
	assert_status 2
}

@test "history --verify on the untouched history: exit 0, the range and the head" {
	run --separate-stderr agent history --verify
	assert_status 0
	[ "$output" = "history verified: seq 1-20 (20 records), head sha256 $(line_sha 20)" ]
}

@test "history --verify --json: ok, first and last seq, head" {
	run --separate-stderr agent history --verify --json
	assert_status 0
	[ "$(jget 'j["ok"], j["first_seq"], j["last_seq"], j["problem"]')" = "(True, 1, 20, None)" ]
	[ "$(jget 'j["head_sha256"]')" = "$(line_sha 20)" ]
}

@test "--verify detects an edited record (a reason rewritten): exit 21, names line and seq" {
	history_edit 'L[:16] + [L[16].replace(b"health check failed", b"health check passed")] + L[17:]'
	assert_tampered 'history.jsonl:18: seq 18 does not chain to seq 17'
}

@test "--verify detects two records swapped: exit 21" {
	history_edit 'L[:4] + [L[5], L[4]] + L[6:]'
	assert_tampered 'history.jsonl:5: seq 6 after seq 4'
}

@test "--verify detects a record removed from the middle: exit 21" {
	history_edit 'L[:9] + L[10:]'
	assert_tampered 'history.jsonl:10: seq 11 after seq 9: record 10 missing'
}

@test "--verify detects the tail cut off (the last 3 records): exit 21" {
	history_edit 'L[:-3]'
	assert_tampered 'ends at seq 17, but history.head names seq 20'
}

@test "--verify detects history.head removed, then the log emptied: exit 21 each" {
	rm "$STATE/history.head"
	assert_tampered 'history.head is missing'
	: >"$HIST"
	cp -a "$BATS_FILE_TMPDIR/device/var/lib/ota/history.head" "$STATE/"
	assert_tampered 'no records, but history.head names seq 20'
}

@test "--verify --json on a tampered history: ok false with the problem, exit 21" {
	history_edit 'L[:4] + L[5:]'
	run --separate-stderr agent history --verify --json
	assert_status 21
	[ "$(jget 'j["ok"]')" = False ]
	[[ "$(jget 'j["problem"]')" == *"record 5 missing"* ]]
}

@test "a consistent rewrite (every hash and the head redone) passes --verify but not --expect of a head noted before" {
	local noted="20:$(line_sha 20)"
	run agent history --verify --expect "$noted"
	assert_status 0
	assert_output_matches '^seq 20 is the expected record'
	python3 - "$HIST" <<-'EOF'
		import hashlib, json, sys
		path = sys.argv[1]
		recs = [json.loads(l) for l in open(path, "rb")]
		recs[16]["reason"] = "health check passed"
		prev, out = "0" * 64, b""
		for r in recs:
		    r["prev"] = prev
		    line = (json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n").encode()
		    out += line
		    prev = hashlib.sha256(line).hexdigest()
		open(path, "wb").write(out)
		head = {"first_seq": 1, "format": 1, "seq": len(recs), "sha256": prev}
		open(path.replace("history.jsonl", "history.head"), "w").write(
		    json.dumps(head, sort_keys=True, separators=(",", ":")) + "\n")
	EOF
	run agent history --verify
	assert_status 0
	run --separate-stderr agent history --verify --expect "$noted"
	assert_status 21
	assert_error_line 'seq 20 hashes to [0-9a-f]{64}, not the expected [0-9a-f]{64}: the history was rewritten'
}

@test "--verify tolerates the last record one past the head (power cut before the head moved)" {
	printf '{"first_seq":1,"format":1,"seq":19,"sha256":"%s"}\n' "$(line_sha 19)" >"$STATE/history.head"
	run --separate-stderr agent history --verify
	assert_status 0
	assert_output_matches 'one past history.head'
	# The next append moves the head past both.
	head -c 100 /dev/urandom >"$T/junk.bundle"
	run agent install "$T/junk.bundle"
	assert_status 4
	run agent history --verify
	assert_status 0
	[ "$output" = "history verified: seq 1-22 (22 records), head sha256 $(line_sha 22)" ]
}

@test "--verify tolerates a torn last line (an append cut by power loss); the next append cuts it off" {
	printf '{"bundle":"app-9.0.0.bundle","exit":0,"fr' >>"$HIST"
	run --separate-stderr agent history --verify
	assert_status 0
	assert_output_matches 'unfinished last line'
	head -c 100 /dev/urandom >"$T/junk.bundle"
	run agent install "$T/junk.bundle"
	assert_status 4
	run agent history --verify
	assert_status 0
	[ "${lines[0]}" = "history verified: seq 1-22 (22 records), head sha256 $(line_sha 22)" ]
}

@test "power cut between state.json and the history: recover records the missing transition" {
	history_device_service
	# state.json says HEALTH_CHECK of 4.0.0, the history's last record IDLE.
	printf '{"from":"2.0.0","state":"HEALTH_CHECK","version":"4.0.0"}\n' >"$STATE/state.json"
	run agent recover
	assert_status 0
	run agent history --json --since 1970-01-01
	[ "$(jget '[(r["from"], r["to"], r["result"]) for r in j[20:]]')" = \
		"[('IDLE', 'HEALTH_CHECK', 'recovered'), ('HEALTH_CHECK', 'ROLLING_BACK', 'recovered'), ('ROLLING_BACK', 'IDLE', 'rolled_back')]" ]
	run agent history --verify
	assert_status 0
}

@test "rotation (history.max_kb 16, keep 3): 40 more attempts leave 2 rotated segments; verify proves from a later seq" {
	history_device_service EXTRA="$(printf 'history:\n  max_kb: 16\n  keep: 3')"
	head -c 100 /dev/urandom >"$T/$(printf 'x%.0s' $(seq 200)).bundle"
	local i
	for i in $(seq 40); do
		agent install "$T"/xxxx*.bundle 2>/dev/null && false
	done
	ls "$STATE"/history.*.jsonl >"$T/segs"
	[ "$(wc -l <"$T/segs")" -eq 2 ] || { cat "$T/segs" >&2; false; }
	[ "$(stat -c %s "$HIST")" -le 16384 ]
	run --separate-stderr agent history --verify
	assert_status 0
	assert_output_matches '^history verified: seq [1-9][0-9]+-100 '
	assert_output_matches 'rotated out; the chain is proven from there'
	rm "$(head -n 1 "$T/segs")"
	assert_tampered 'records removed other than by rotation'
}

@test "history.max_kb out of range: exit 16 naming its line" {
	history_device_service EXTRA="$(printf 'history:\n  max_kb: 1')"
	run --separate-stderr agent history
	assert_status 16
	assert_error_line 'agent.yaml:[0-9]+: history.max_kb: expected an integer 16..16384, got "1"'
}

@test "status --json: current, last good, releases, free space, an idle run and the chain" {
	run --separate-stderr agent status --json
	assert_status 0
	python3 - "$output" <<-'EOF'
		import json, sys
		j = json.loads(sys.argv[1])
		assert (j["current"], j["last_good"], j["releases"]) == \
		    ("2.0.0", "2.0.0", ["1.0.0", "2.0.0"]), j  # the rolled-back 3.0.0 is removed
		assert (j["run"]["state"], j["run"]["active"]) == ("IDLE", False), j["run"]
		assert (j["history"]["ok"], j["history"]["last_seq"]) == (True, 20), j["history"]
		assert j["free_bytes"] > 0
	EOF
	run agent status
	assert_output_matches '^history: +20 records, chain verified from seq 1 to 20$'
	assert_output_matches '^free space: +[0-9.]+ [KMGT]iB \([0-9]+ bytes\)$'
}

@test "status during an install: in progress with the agent's pid; after kill -9: interrupted, what recover will do" {
	history_device_service HEALTH_TIMEOUT=8 HEALTH_STABLE=0.2
	make_bundle 4.0.0 unhealthy
	ota-agent --root "$ROOT" install "$BUNDLE" >"$T/inst.out" 2>&1 3>&- &
	local pid=$! i
	BG_PIDS=$pid
	for i in $(seq 100); do
		run agent status --json
		[ "$(jget 'j["run"]["state"]')" = HEALTH_CHECK ] && break
		sleep 0.1
	done
	[ "$(jget 'j["run"]["state"], j["run"]["version"], j["run"]["from"]')" = "('HEALTH_CHECK', '4.0.0', '2.0.0')" ]
	[ "$(jget 'j["run"]["active"], j["run"]["pid"]')" = "(True, $pid)" ]
	run agent status
	assert_output_matches "^run: +HEALTH_CHECK of 4\.0\.0 \(from 2\.0\.0\), in progress \(pid $pid\)"
	kill -9 "$pid"
	wait "$pid" || true
	BG_PIDS=""
	run agent status --json
	[ "$(jget 'j["run"]["active"], j["run"]["recovery"]')" = "(False, 'roll back to the last good release')" ]
	run agent status
	assert_output_matches '^run: +HEALTH_CHECK of 4\.0\.0 .*interrupted: `ota-agent recover` will roll back'
}
