#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-keytool escrow split|combine: a key cut into share files and rebuilt
# from any M of them, through the command line.  Every refusal leaves no
# key file; tests/tools/shares.py (written from schema/shares.md alone) is
# the independent reader and writer of the share format.  The exhaustive
# check of every subset of every split up to 9 shares is the unit test
# tests/unit/test_shamir.c.
load ../helpers/common
bats_require_minimum_version 1.5.0

SHARES() { python3 "$TESTS_DIR/tools/shares.py" "$@"; }

# The raw private key bytes of a PEM key, as openssl reads them.
raw_key() { openssl pkey -in "$1" -outform DER | tail -c 32 | od -An -tx1 | tr -d ' \n'; }

# split K N M: split $T/K.key into $T/sh, the share paths in ${SH[@]}
# (SH[1] is share 1).
split() {
	local out
	out=$(ota-keytool escrow split --key "$1.key" --shares "$2" --threshold "$3" --out-dir sh) ||
		return 1
	SH=("")
	local i
	for i in $(seq "$2"); do SH+=("sh/$(ota-keytool id "$1.pub" | cut -c1-16)-$i-of-$2.share"); done
	[ "$(printf '%s\n' "$out" | head -n "$2")" = "$(printf '%s\n' "${SH[@]:1}")" ]
}

@test "split 3-of-5 writes five 0600 share files and says which key and split on stdout" {
	make_key k
	run --separate-stderr ota-keytool escrow split --key k.key --shares 5 --threshold 3 --out-dir sh
	assert_status 0
	[ -z "$stderr" ]
	id=$(ota-keytool id k.pub)
	[ "${#lines[@]}" -eq 6 ]
	[[ "${lines[5]}" =~ ^split\ [0-9a-f]{16}:\ any\ 3\ of\ these\ 5\ shares\ rebuild\ key\ $id$ ]]
	for i in 1 2 3 4 5; do
		f="sh/${id:0:16}-$i-of-5.share"
		[ "${lines[$((i - 1))]}" = "$f" ]
		[ "$(stat -c %a "$f")" = 600 ]
		grep -q "^# ota escrow share $i of 5: any 3 of the 5 shares rebuild the key$" "$f"
		grep -q "^# key id   $id$" "$f"
		[ "$(grep -cE '^[1-8]: [0-9A-Z]{4} [0-9A-Z]{4} [0-9A-Z]{4} [0-9A-Z]{4}  [0-9A-Z]{2}$' "$f")" -eq 8 ]
	done
	[ "$(ls sh | wc -l)" -eq 5 ]
}

@test "no secret reaches stdout or stderr: neither the seed nor a share line" {
	make_key k
	run ota-keytool escrow split --key k.key --shares 3 --threshold 2 --out-dir sh
	assert_status 0
	seed=$(raw_key k.key)
	! printf '%s' "$output" | tr -d '\n' | grep -qi "$seed"
	for f in sh/*.share; do
		while read -r line; do
			! printf '%s\n' "$output" | grep -qF -- "${line#*: }"
		done < <(grep '^[1-8]: ' "$f")
	done
	run ota-keytool escrow combine --no-passphrase --out back.key sh/*-1-of-3.share sh/*-3-of-3.share
	assert_status 0
	[ "$output" = "$(ota-keytool id k.pub)" ]
}

@test "M-of-N through the CLI (1-of-1, 1-of-3, 2-of-2, 2-of-3, 3-of-5, 9-of-9): any M shares rebuild the same key" {
	make_key k
	want=$(raw_key k.key)
	for mn in 1:1 1:3 2:2 2:3 3:5 9:9; do
		m=${mn%:*} n=${mn#*:}
		rm -rf sh back*.key
		split k "$n" "$m"
		# the first M, the last M, and every other one from the top
		ota-keytool escrow combine --no-passphrase --out back1.key "${SH[@]:1:$m}" >/dev/null
		ota-keytool escrow combine --no-passphrase --out back2.key "${SH[@]: -$m}" >/dev/null
		[ "$(raw_key back1.key)" = "$want" ] || { echo "$m-of-$n: first $m" >&2; return 1; }
		[ "$(raw_key back2.key)" = "$want" ] || { echo "$m-of-$n: last $m" >&2; return 1; }
	done
}

@test "5-of-9: every one of the 126 choices of 5 shares rebuilds the key, and all 9 do too" {
	make_key k
	want=$(ota-keytool id k.pub)
	split k 9 5
	n=0
	for a in 1 2 3 4 5; do for b in $(seq $((a + 1)) 6); do for c in $(seq $((b + 1)) 7); do
	for d in $(seq $((c + 1)) 8); do for e in $(seq $((d + 1)) 9); do
		got=$(ota-keytool escrow combine --no-passphrase --force --out back.key \
			"${SH[$e]}" "${SH[$a]}" "${SH[$d]}" "${SH[$b]}" "${SH[$c]}") ||
			{ echo "shares $a $b $c $d $e refused" >&2; return 1; }
		[ "$got" = "$want" ] || return 1
		n=$((n + 1))
	done; done; done; done; done
	[ "$n" -eq 126 ]
	run ota-keytool escrow combine --no-passphrase --force --out back.key "${SH[@]:1}"
	assert_status 0
	[ "$(raw_key back.key)" = "$(raw_key k.key)" ]
}

@test "the rebuilt key signs exactly as the original (Ed25519 is deterministic)" {
	make_key k
	split k 3 2
	ota-keytool escrow combine --no-passphrase --out back.key "${SH[2]}" "${SH[3]}" >/dev/null
	make_tree tree
	ota-bundle create --tree tree --version 1.0.0 --target edge --out a.bundle >/dev/null
	ota-bundle manifest a.bundle >m.json
	ota-sign --key k.key --manifest m.json --out k.sig >/dev/null
	ota-sign --key back.key --manifest m.json --out back.sig >/dev/null
	cmp k.sig back.sig
}

@test "combine encrypts the rebuilt key with --passphrase-file or --passphrase-env (600000 rounds)" {
	make_key k
	split k 3 2
	printf 'escrow pass\n' >pw
	ota-keytool escrow combine --passphrase-file pw --out e1.key "${SH[1]}" "${SH[2]}" >/dev/null
	openssl pkey -in e1.key -passin file:pw -noout
	openssl asn1parse -in e1.key | grep -Eq 'INTEGER +:0927C0 *$'
	[ "$(stat -c %a e1.key)" = 600 ]
	PW='env pass' ota-keytool escrow combine --passphrase-env PW --out e2.key "${SH[1]}" "${SH[3]}" >/dev/null
	openssl pkey -in e2.key -passin 'pass:env pass' -noout
	run --separate-stderr ota-keytool escrow combine --out e3.key "${SH[1]}" "${SH[3]}" </dev/null
	assert_status 2
	[[ "$stderr" == *"stdin is not a terminal"* ]]
	assert_absent e3.key
}

@test "split of an encrypted key needs its passphrase: a wrong one is exit 11 and writes no share" {
	printf 'pw-1\n' >pw
	printf 'pw-2\n' >wrong
	ota-keytool generate --passphrase-file pw --out k >/dev/null
	run --separate-stderr ota-keytool escrow split --key k.key --passphrase-file wrong --shares 3 --threshold 2 --out-dir sh
	assert_status 11
	assert_one_line_error '^ota-keytool: k\.key: wrong passphrase$'
	assert_absent sh
	run ota-keytool escrow split --key k.key --passphrase-file pw --shares 3 --threshold 2 --out-dir sh
	assert_status 0
	[ "$(ls sh | wc -l)" -eq 3 ]
}

@test "fewer shares than the threshold: exit 19, no key file" {
	make_key k
	split k 5 3
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key "${SH[1]}" "${SH[4]}"
	assert_status 19
	assert_one_line_error "^ota-keytool: 2 of the 3 shares needed to rebuild key [0-9a-f]{16} \(split 3 of 5\): nothing written$"
	assert_absent back.key
}

@test "the same share twice, or a copy of it, counts once: exit 19, no key file" {
	make_key k
	split k 3 2
	cp "${SH[1]}" copy.share
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key "${SH[1]}" copy.share
	assert_status 19
	assert_one_line_error "^ota-keytool: copy\.share: share 1 again \(as sh/.*-1-of-3\.share\): each share counts once$"
	assert_absent back.key
}

@test "shares of two splits of the same key, or of two keys, never combine: exit 19, no key file" {
	make_key k
	make_key other
	split k 3 2
	ota-keytool escrow split --key k.key --shares 3 --threshold 2 --out-dir again >/dev/null
	ota-keytool escrow split --key other.key --shares 3 --threshold 2 --out-dir o >/dev/null
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key "${SH[1]}" again/*-2-of-3.share
	assert_status 19
	assert_one_line_error "^ota-keytool: again/.*-2-of-3\.share: share of another split .*shares of two splits never combine$"
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key "${SH[1]}" o/*-2-of-3.share
	assert_status 19
	assert_absent back.key
}

@test "one character changed: exit 4 naming the share file and the line" {
	make_key k
	split k 3 2
	# line 5 of the share is line 11 of the file (after 6 comment lines)
	python3 - "${SH[2]}" <<-'EOF'
		import sys
		p = sys.argv[1]
		lines = open(p).read().split("\n")
		l = lines[10]
		c = l[8]
		lines[10] = l[:8] + ("A" if c != "A" else "B") + l[9:]
		open(p, "w").write("\n".join(lines))
	EOF
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key "${SH[1]}" "${SH[2]}"
	assert_status 4
	assert_one_line_error "^ota-keytool: ${SH[2]}:11: share line 5 does not match its check characters \(a typo on this line\?\)$"
	assert_absent back.key
}

@test "a missing line, two lines swapped, a character outside the alphabet: exit 4 at that line" {
	make_key k
	split k 3 2
	sed '9d' "${SH[1]}" >missing.share
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key missing.share "${SH[2]}"
	assert_status 4
	assert_one_line_error '^ota-keytool: missing\.share:9: share line 4 where line 3 was expected \(a line missing, or lines swapped\?\)$'
	awk 'NR == 9 { held = $0; next } { print } NR == 10 { print held }' "${SH[1]}" >swapped.share
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key swapped.share "${SH[2]}"
	assert_status 4
	assert_one_line_error '^ota-keytool: swapped\.share:9: share line 4 where line 3 was expected'
	sed '12s/^6: ./6: U/' "${SH[1]}" >badchar.share
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key badchar.share "${SH[2]}"
	assert_status 4
	assert_one_line_error "^ota-keytool: badchar\.share:12: 'U' is not a share character"
	sed '$d' "${SH[1]}" >short.share
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key short.share "${SH[2]}"
	assert_status 4
	assert_one_line_error '^ota-keytool: short\.share: share line 8 missing$'
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out back.key k.key "${SH[2]}"
	assert_status 4
	assert_one_line_error '^ota-keytool: k\.key:1: not a share line'
	assert_absent back.key
}

@test "a share typed back from paper: lower case, no spaces, O for 0 and l for 1, no comments" {
	make_key k
	split k 3 2
	grep '^[1-8]: ' "${SH[3]}" | while IFS=: read -r no data; do
		printf '%s:%s\n' "$no" "$(printf '%s' "$data" | tr 'A-Z01' 'a-zol' | tr -d ' ')"
	done >typed.share
	grep -q '[ol]' typed.share
	run ota-keytool escrow combine --no-passphrase --out back.key "${SH[1]}" typed.share
	assert_status 0
	[ "$(raw_key back.key)" = "$(raw_key k.key)" ]
}

@test "split refuses to overwrite share files (exit 12) and writes none of them" {
	make_key k
	split k 3 2
	cp -a sh before
	run --separate-stderr ota-keytool escrow split --key k.key --shares 3 --threshold 2 --out-dir sh
	assert_status 12
	assert_one_line_error '^ota-keytool: sh/[0-9a-f]{16}-1-of-3\.share: exists \(use --force to replace it\)$'
	diff -r before sh
	rm "${SH[1]}"
	run --separate-stderr ota-keytool escrow split --key k.key --shares 3 --threshold 2 --out-dir sh
	assert_status 12
	assert_absent "${SH[1]}"
	[ "$(ls -A sh | wc -l)" -eq 2 ]
}

@test "combine refuses an existing --out (exit 12) before reading any share" {
	make_key k
	make_key other
	split k 3 2
	cp other.key keep.key
	run --separate-stderr ota-keytool escrow combine --no-passphrase --out other.key "${SH[1]}" "${SH[2]}"
	assert_status 12
	cmp other.key keep.key
	run ota-keytool escrow combine --no-passphrase --force --out other.key "${SH[1]}" "${SH[2]}"
	assert_status 0
	[ "$(raw_key other.key)" = "$(raw_key k.key)" ]
}

@test "escrow usage errors exit 2 and write nothing" {
	make_key k
	local -a cases=(
		'escrow'
		'escrow frobnicate'
		'escrow split --key k.key --shares 3 --out-dir sh'
		'escrow split --key k.key --shares 3 --threshold 4 --out-dir sh'
		'escrow split --key k.key --shares 256 --threshold 2 --out-dir sh'
		'escrow split --key k.key --shares 0 --threshold 0 --out-dir sh'
		'escrow split --key k.key --shares 3 --threshold -1 --out-dir sh'
		'escrow split --key k.key --shares 3x --threshold 2 --out-dir sh'
		'escrow combine --no-passphrase --out x.key'
		'escrow combine --no-passphrase a.share'
		'escrow combine --no-passphrase --passphrase-file pw --out x.key a.share'
	)
	local args
	for args in "${cases[@]}"; do
		# shellcheck disable=SC2086
		run --separate-stderr ota-keytool $args
		if [ "$status" -ne 2 ] || [[ "${stderr_lines[0]}" != "ota-keytool: "* ]]; then
			echo "ota-keytool $args: exit $status, stderr: $stderr" >&2
			return 1
		fi
	done
	assert_absent sh
	assert_absent x.key
}

@test "interop: shares made by ota-keytool rebuild with shares.py, written from schema/shares.md alone" {
	make_key k
	split k 5 3
	run SHARES combine --out py.key "${SH[5]}" "${SH[1]}" "${SH[3]}"
	assert_status 0
	[ "$output" = "$(ota-keytool id k.pub)" ]
	[ "$(raw_key py.key)" = "$(raw_key k.key)" ]
}

@test "interop: shares made by shares.py rebuild with ota-keytool" {
	openssl genpkey -algorithm ed25519 -out o.key
	SHARES split --key o.key --shares 4 --threshold 3 --out-dir py >/dev/null
	run ota-keytool escrow combine --no-passphrase --out back.key py/*-2-of-4.share py/*-3-of-4.share py/*-4-of-4.share
	assert_status 0
	[ "$(raw_key back.key)" = "$(raw_key o.key)" ]
}
