#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Keys at rest: where passphrases come from (--passphrase-file,
# --passphrase-env, the terminal), "wrong passphrase" said plainly by every
# tool that takes a private key, `ota-keytool passwd`, and both directions
# with `openssl` (our keys in `openssl pkey`, openssl's keys in our tools).
load ../helpers/common
bats_require_minimum_version 1.5.0

# tty PROMPT ANSWER [PROMPT ANSWER...] -- CMD...: run CMD on a
# pseudo-terminal, typing each ANSWER at its PROMPT; prints what the
# terminal showed and exits with CMD's status.
tty() {
	python3 - "$@" <<-'EOF'
		import os, pty, signal, sys
		signal.alarm(30)
		args = sys.argv[1:]
		cut = args.index("--")
		pairs, cmd = args[:cut], args[cut + 1:]
		pid, fd = pty.fork()
		if pid == 0:
		    os.execvp(cmd[0], cmd)
		seen = b""
		def read_until(want):
		    global seen
		    while want not in seen:
		        try:
		            d = os.read(fd, 1024)
		        except OSError:
		            d = b""
		        if not d:
		            sys.exit("no %r on the terminal: %r" % (want, seen))
		        seen += d
		    seen = seen.replace(want, b"<" + want.strip() + b">", 1)
		for i in range(0, len(pairs), 2):
		    read_until(pairs[i].encode())
		    os.write(fd, pairs[i + 1].encode() + b"\n")
		while True:
		    try:
		        d = os.read(fd, 1024)
		    except OSError:
		        break
		    if not d:
		        break
		    seen += d
		_, st = os.waitpid(pid, 0)
		sys.stdout.write(seen.decode(errors="replace"))
		sys.exit(os.waitstatus_to_exitcode(st))
	EOF
}

# An encrypted key k.key (passphrase in pw, a wrong one in wrong), a bundle
# and its manifest, and an unsigned trust file naming k.
setup_signing() {
	printf 'right horse\n' >pw
	printf 'wrong horse\n' >wrong
	ota-keytool generate --passphrase-file pw --out k >/dev/null
	make_tree tree
	ota-bundle create --tree tree --version 1.0.0 --target edge --out app.bundle >/dev/null
	ota-bundle manifest app.bundle >m.json
	ota-keytool trust create --sequence 1 --threshold 1 --target '*' --out t.trust k.pub >/dev/null
}

@test "every tool that takes a private key says \"wrong passphrase\" (11), from a file or the environment, and writes nothing" {
	setup_signing
	cp app.bundle app.orig
	cp t.trust t.orig
	cp k.key k.orig
	local -a tools=(
		"ota-keytool id PASS k.key"
		"ota-keytool pub --key k.key PASS --out new.pub"
		"ota-keytool passwd --key k.key PASS --no-passphrase"
		"ota-keytool escrow split --key k.key PASS --shares 2 --threshold 2 --out-dir sh"
		"ota-keytool trust sign --key k.key PASS t.trust"
		"ota-sign --key k.key PASS app.bundle"
		"ota-sign --key k.key PASS --manifest m.json --out m.sig"
	)
	local t pass tool
	local -a sources
	for t in "${tools[@]}"; do
		# the environment too for one command of each tool: the code is shared
		sources=("--passphrase-file wrong")
		case $t in
		"ota-keytool id"* | "ota-sign --key k.key PASS app.bundle")
			sources+=("--passphrase-env WRONG") ;;
		esac
		for pass in "${sources[@]}"; do
			# shellcheck disable=SC2086
			WRONG='wrong horse' run --separate-stderr ${t/PASS/$pass}
			tool=${t%% *}
			if [ "$status" -ne 11 ] || [ "$stderr" != "$tool: k.key: wrong passphrase" ]; then
				echo "${t/PASS/$pass}: exit $status, stderr: $stderr" >&2
				return 1
			fi
		done
	done
	cmp app.bundle app.orig
	cmp t.trust t.orig
	cmp k.key k.orig
	assert_absent new.pub
	assert_absent sh
	assert_absent m.sig
}

@test "every tool that takes a private key works with --passphrase-env" {
	setup_signing
	export PW='right horse'
	id=$(pub_id k.pub)
	[ "$(ota-keytool id --passphrase-env PW k.key)" = "$id" ]
	ota-keytool pub --key k.key --passphrase-env PW --out again.pub
	cmp k.pub again.pub
	ota-sign --key k.key --passphrase-env PW app.bundle >/dev/null
	ota-verify --keys k.pub --device-class edge app.bundle >/dev/null
	ota-sign --key k.key --passphrase-env PW --manifest m.json --out m.sig >/dev/null
	ota-keytool escrow split --key k.key --passphrase-env PW --shares 2 --threshold 2 --out-dir sh >/dev/null
	ota-keytool trust sign --key k.key --passphrase-env PW t.trust >/dev/null
	ota-keytool trust verify --keys k.pub t.trust >/dev/null
	NEW='third horse' ota-keytool passwd --key k.key --passphrase-env PW --new-passphrase-env NEW >/dev/null
	openssl pkey -in k.key -passin 'pass:third horse' -noout
	NEWPW='gen pass' ota-keytool generate --passphrase-env NEWPW --out g >/dev/null
	openssl pkey -in g.key -passin 'pass:gen pass' -noout
}

@test "--passphrase-env: an unset variable is a usage error (2), an empty one a key error (11)" {
	setup_signing
	unset NO_SUCH_VAR
	run --separate-stderr ota-sign --key k.key --passphrase-env NO_SUCH_VAR app.bundle
	assert_status 2
	assert_one_line_error '^ota-sign: passphrase: environment variable NO_SUCH_VAR is not set$'
	EMPTY= run --separate-stderr ota-keytool generate --passphrase-env EMPTY --out g
	assert_status 11
	assert_one_line_error '^ota-keytool: \$EMPTY: empty passphrase$'
	assert_absent g.key
	run --separate-stderr ota-keytool id --passphrase-file pw --passphrase-env PW k.key
	assert_status 2
	[ "${stderr_lines[0]}" = "ota-keytool: id: --passphrase-file, --passphrase-env and --no-passphrase exclude each other" ]
}

@test "an encrypted key without a passphrase source and no terminal: 11, naming where one comes from" {
	setup_signing
	run --separate-stderr ota-sign --key k.key app.bundle </dev/null
	assert_status 11
	assert_one_line_error '^ota-sign: k\.key: key is encrypted: passphrase required \(--passphrase-file F or --passphrase-env NAME, or a terminal\)$'
}

# Damage to the PKCS#8 envelope is told apart; damage inside the AES-CBC
# ciphertext cannot be (no MAC) and reads as a wrong passphrase.
@test "a damaged encrypted key is called damaged, not a wrong passphrase" {
	setup_signing
	python3 - k.key <<-'EOF'
		import sys
		p = sys.argv[1]
		lines = open(p).read().split("\n")
		lines[1] = "A" * len(lines[1])
		open(p, "w").write("\n".join(lines))
	EOF
	run --separate-stderr ota-keytool id --passphrase-file pw k.key
	assert_status 11
	assert_one_line_error '^ota-keytool: k\.key: damaged encrypted key$'
}

@test "passwd changes the passphrase: the same key, 0600, PBKDF2 600000 with a 16-byte salt, no temp file" {
	setup_signing
	printf 'new horse\n' >new
	id=$(pub_id k.pub)
	run --separate-stderr ota-keytool passwd --key k.key --passphrase-file pw --new-passphrase-file new
	assert_status 0
	[ "$output" = "k.key: passphrase changed (key id $id)" ]
	[ "$(ota-keytool id --passphrase-file new k.key)" = "$id" ]
	run ota-keytool id --passphrase-file pw k.key
	assert_status 11
	[ "$(stat -c %a k.key)" = 600 ]
	openssl pkey -in k.key -passin file:new -noout
	openssl asn1parse -in k.key | grep -Eq 'INTEGER +:0927C0 *$'
	openssl asn1parse -in k.key | grep -q 'd=5  hl=2 l=  16 prim: OCTET STRING'
	openssl asn1parse -in k.key | grep -q ':aes-256-cbc'
	[ -z "$(ls -A | grep -v '^separate-stderr' | grep tmp)" ]
}

@test "passwd to no passphrase and back" {
	setup_signing
	run ota-keytool passwd --key k.key --passphrase-file pw --no-passphrase
	assert_status 0
	assert_output_matches 'now stored without a passphrase'
	grep -q 'BEGIN PRIVATE KEY' k.key
	openssl pkey -in k.key -noout
	[ "$(stat -c %a k.key)" = 600 ]
	run ota-keytool passwd --key k.key --new-passphrase-file pw
	assert_status 0
	grep -q 'BEGIN ENCRYPTED PRIVATE KEY' k.key
	openssl pkey -in k.key -passin file:pw -noout
}

@test "passwd with the wrong old passphrase, or an unreadable new one, leaves the key byte for byte" {
	setup_signing
	cp k.key k.orig
	printf 'new horse\n' >new
	run --separate-stderr ota-keytool passwd --key k.key --passphrase-file wrong --new-passphrase-file new
	assert_status 11
	assert_one_line_error '^ota-keytool: k\.key: wrong passphrase$'
	cmp k.key k.orig
	run --separate-stderr ota-keytool passwd --key k.key --passphrase-file pw --new-passphrase-file missing
	assert_status 3
	assert_one_line_error '^ota-keytool: missing: '
	cmp k.key k.orig
	run --separate-stderr ota-keytool passwd --key k.key --passphrase-file pw </dev/null
	assert_status 2
	[ "${stderr_lines[0]}" = "ota-keytool: passwd: stdin is not a terminal: give --new-passphrase-file F, --new-passphrase-env NAME or --no-passphrase" ]
	cmp k.key k.orig
	[ -z "$(ls -A | grep tmp)" ]
}

@test "passwd killed (kill -9) at 4 moments: the key file is always the old one or the new one, whole" {
	setup_signing
	printf 'new horse\n' >new
	id=$(pub_id k.pub)
	local d pid old=0 new=0
	for d in 0.05 0.2 0.4 0.7; do
		cp k.key k.before
		# A kill inside LeakSanitizer's check at exit leaves a report of
		# its own failure (make check-sanitize): no leak check for these.
		ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
			ota-keytool passwd --key k.key --passphrase-file pw --new-passphrase-file new >/dev/null &
		pid=$!
		sleep "$d"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		if cmp -s k.key k.before; then
			old=$((old + 1))
		else
			[ "$(ota-keytool id --passphrase-file new k.key)" = "$id" ]
			new=$((new + 1))
			# back to the old passphrase for the next round
			ota-keytool passwd --key k.key --passphrase-file new --new-passphrase-file pw >/dev/null
		fi
		[ "$(ota-keytool id --passphrase-file pw k.key)" = "$id" ]
		# a killed run may leave its temporary file: private to the owner
		for f in k.key.tmp-*; do
			[ ! -e "$f" ] || [ "$(stat -c %a "$f")" = 600 ]
		done
		rm -f k.key.tmp-*
	done
	[ $((old + new)) -eq 4 ]
}

@test "passwd on a terminal asks the old passphrase once and the new one twice, without echo" {
	setup_signing
	run tty 'Passphrase: ' 'right horse' 'New passphrase: ' 'tty horse' 'Repeat passphrase: ' 'tty horse' -- \
		ota-keytool passwd --key k.key
	assert_status 0
	[[ "$output" == *"<Passphrase:>"*"<New passphrase:>"*"<Repeat passphrase:>"*"passphrase changed"* ]]
	if [[ "$output" == *horse* ]]; then
		echo "a passphrase was echoed: $output" >&2
		return 1
	fi
	openssl pkey -in k.key -passin 'pass:tty horse' -noout
}

@test "escrow combine on a terminal asks the new passphrase twice, only after the key is proven" {
	ota-keytool generate --no-passphrase --out k >/dev/null
	ota-keytool escrow split --key k.key --shares 2 --threshold 2 --out-dir sh >/dev/null
	run tty 'New passphrase: ' 'escrowed' 'Repeat passphrase: ' 'escrowed' -- \
		ota-keytool escrow combine --out back.key sh/*-1-of-2.share sh/*-2-of-2.share
	assert_status 0
	openssl pkey -in back.key -passin pass:escrowed -noout
	# one share short: refused before any passphrase is asked for
	run tty -- ota-keytool escrow combine --out back2.key sh/*-1-of-2.share
	assert_status 19
	[[ "$output" != *"passphrase:"* ]]
	assert_absent back2.key
}

@test "openssl genpkey keys, plain and -aes-256-cbc encrypted, sign, split and get our strength from passwd" {
	setup_signing
	openssl genpkey -algorithm ed25519 -out o.key
	openssl genpkey -algorithm ed25519 -aes-256-cbc -pass pass:ossl -out oe.key
	openssl pkey -in o.key -pubout -out o.pub
	openssl pkey -in oe.key -passin pass:ossl -pubout -out oe.pub
	printf 'ossl\n' >ossl
	ota-sign --key o.key app.bundle >/dev/null
	ota-sign --key oe.key --passphrase-file ossl app.bundle >/dev/null
	mkdir both && cp o.pub oe.pub both/
	ota-verify --keys both --threshold 2 --device-class edge app.bundle >/dev/null
	run --separate-stderr ota-sign --key oe.key --passphrase-file wrong app.bundle
	assert_status 11
	assert_one_line_error '^ota-sign: oe\.key: wrong passphrase$'
	ota-keytool escrow split --key oe.key --passphrase-file ossl --shares 3 --threshold 2 --out-dir sh >/dev/null
	[ "$(ota-keytool escrow combine --no-passphrase --out back.key sh/*-1-of-3.share sh/*-3-of-3.share)" = "$(pub_id oe.pub)" ]
	# openssl's default is 2048 rounds; passwd re-encrypts at 600000
	! openssl asn1parse -in oe.key | grep -Eq 'INTEGER +:0927C0 *$'
	ota-keytool passwd --key oe.key --passphrase-file ossl --new-passphrase-file ossl >/dev/null
	openssl asn1parse -in oe.key | grep -Eq 'INTEGER +:0927C0 *$'
	openssl pkey -in oe.key -passin pass:ossl -noout
}
