#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The messages a person reads, tried as a new user would: each mistake
# gets one exact line naming what is wrong and what is expected, and its
# exit status (schema/exit-codes.md).  A device under $T/root for the
# agent's (helpers/agent.bash).
load ../helpers/common
load ../helpers/agent
bats_require_minimum_version 1.5.0

setup() {
	agent_suite_setup
	mkdir -p tree/etc
	printf 'hello\n' >tree/etc/greeting
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --sign-key k.key \
		--out app.bundle >/dev/null
}

@test "ota-verify --keys fleet.key (a private key): names it, says --keys wants public keys (11), never asks for a passphrase on the terminal" {
	printf 'pw\n' >pw
	ota-keytool generate --passphrase-file pw --out fleet >/dev/null
	run --separate-stderr ota-verify --keys fleet.key --device-class edge-gw-v2 app.bundle
	assert_status 11
	[ "$stderr" = "ota-verify: fleet.key: a private key: --keys (and a config's keys:) wants public keys, the .pub file" ]
	# On a real controlling terminal, no prompt and no wait.
	python3 - "$OTA_BIN/ota-verify" <<-'EOF'
		import os, select, sys, time
		pid, fd = os.forkpty()
		if pid == 0:
		    os.execv(sys.argv[1], [sys.argv[1], "--keys", "fleet.key", "--device-class",
		                           "edge-gw-v2", "app.bundle"])
		seen, end = b"", time.monotonic() + 10
		while time.monotonic() < end:
		    r, _, _ = select.select([fd], [], [], 0.2)
		    if r:
		        try:
		            chunk = os.read(fd, 4096)
		        except OSError:
		            break
		        if not chunk:
		            break
		        seen += chunk
		done, status = os.waitpid(pid, os.WNOHANG)
		while not done and time.monotonic() < end:
		    time.sleep(0.05)
		    done, status = os.waitpid(pid, os.WNOHANG)
		if not done:
		    os.kill(pid, 9)
		    os.waitpid(pid, 0)
		assert done, "ota-verify still waiting after 10 s: %r" % seen
		assert b"pass phrase" not in seen.lower(), seen
		assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 11, (status, seen)
	EOF
}

@test "a directory where a bundle is expected: 'is a directory' (3) from ota-verify, ota-bundle manifest, ota-agent install and in the history" {
	mkdir d.bundle
	run --separate-stderr ota-verify --keys k.pub --device-class edge-gw-v2 d.bundle
	assert_status 3
	[ "$stderr" = "ota-verify: d.bundle: is a directory" ]
	run --separate-stderr ota-bundle manifest d.bundle
	assert_status 3
	[ "$stderr" = "ota-bundle: d.bundle: is a directory" ]
	run --separate-stderr agent install "$T/d.bundle"
	assert_status 3
	[ "$stderr" = "ota-agent: $T/d.bundle: is a directory" ]
	run agent history
	assert_output_matches "$T/d\\.bundle: is a directory"
}

@test "ota-sign attach with its two arguments swapped says so (2), the bundle untouched" {
	ota-bundle manifest app.bundle >m.json
	ota-sign --key k.key --manifest m.json --out m.sig >/dev/null
	cp app.bundle before.bundle
	run --separate-stderr ota-sign attach m.sig app.bundle
	assert_status 2
	[ "$stderr" = "ota-sign: attach: m.sig is the signature and app.bundle the bundle: the bundle comes first (attach FILE.bundle M.sig)" ]
	cmp app.bundle before.bundle
}

@test "generate --out DIR/ or --out DIR is refused (2), nothing written, no hidden .key" {
	mkdir box
	run --separate-stderr ota-keytool generate --no-passphrase --out box/
	assert_status 2
	[ "$stderr" = "ota-keytool: generate: --out box/ names a directory: give a prefix, as --out box/fleet for box/fleet.key and .pub" ]
	run --separate-stderr ota-keytool generate --no-passphrase --out box
	assert_status 2
	[ "$stderr" = "ota-keytool: generate: --out box names a directory: give a prefix, as --out box/fleet for box/fleet.key and .pub" ]
	[ -z "$(ls -A box)" ]
}

@test "one rule for every output: a directory never (12, even with --force), a file only with --force (create, manifest --out, report --html)" {
	mkdir out.bundle out.json out.html
	run --separate-stderr ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --out out.bundle --force
	assert_status 12
	[ "$stderr" = "ota-bundle: out.bundle: is a directory, not a file to write (--force replaces files only)" ]
	run --separate-stderr ota-bundle manifest --out out.json --force app.bundle
	assert_status 12
	[ "$stderr" = "ota-bundle: out.json: is a directory, not a file to write (--force replaces files only)" ]
	run --separate-stderr agent report --html "$T/out.html" --force
	assert_status 12
	[ "$stderr" = "ota-agent: $T/out.html: is a directory, not a file to write (--force replaces files only)" ]
	[ -z "$(find out.bundle out.json out.html -mindepth 1)" ]
	printf 'keep\n' >m.json
	run --separate-stderr ota-bundle manifest --out m.json app.bundle
	assert_status 12
	[ "$stderr" = "ota-bundle: m.json: exists (use --force to replace it)" ]
	[ "$(cat m.json)" = keep ]
	run ota-bundle manifest --out m.json --force app.bundle
	assert_status 0
	cmp m.json <(ota-bundle manifest app.bundle)
}

@test "an unknown option names itself on one line (2): install --bogus, import --bogus, ota-verify --bogus, a value missing" {
	run --separate-stderr agent install --bogus app.bundle
	assert_status 2
	[ "$stderr" = "ota-agent: install: unknown option '--bogus'" ]
	run --separate-stderr agent import --bogus
	assert_status 2
	[ "$stderr" = "ota-agent: import: unknown option '--bogus'" ]
	run --separate-stderr ota-verify --bogus app.bundle
	assert_status 2
	[ "$stderr" = "ota-verify: unknown option '--bogus'" ]
	run --separate-stderr ota-bundle create --tree
	assert_status 2
	[ "$stderr" = "ota-bundle: create: option '--tree' needs a value" ]
}

@test "a missing required flag is named alone (2): create without --target, ota-verify without --device-class" {
	run --separate-stderr ota-bundle create --tree tree --version 1.0.0 --out x.bundle
	assert_status 2
	[ "$stderr" = "ota-bundle: create: --target T is required" ]
	run --separate-stderr ota-verify --keys k.pub app.bundle
	assert_status 2
	[ "$stderr" = "ota-verify: --device-class T is required" ]
	assert_absent x.bundle
}

@test "ota-agent trust fleet.pub (a public key): a trust file is expected, and what one looks like (4)" {
	run --separate-stderr agent trust "$T/k.pub"
	assert_status 4
	[ "$stderr" = "ota-agent: $T/k.pub: a PEM public key, not a trust file: a trust file is a line of JSON ({\"format\":1,...,\"kind\":\"trust\",...}) and its signature lines, made by ota-keytool trust create and sign" ]
}

@test "import: this device's bundles all not newer beside a junk file is exit 0, the junk named; the exit status rule (schema/exit-codes.md)" {
	install_ok 1.0.0 good
	mkdir -p "$T/usb"
	cp "$BUNDLE" "$T/usb/"
	head -c 4096 /dev/urandom >"$T/usb/junk.bundle"
	run --separate-stderr agent import "$T/usb"
	assert_status 0
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "${stderr_lines[0]}" == "ota-agent: $T/usb/junk.bundle: "* ]]
	[ "$output" = "$T/usb: no bundle newer than 1.0.0 for edge-gw-v2 (2 looked at: 1 not newer, 0 for another device class, 1 refused)" ]
	grep -q 'none was' "$TESTS_DIR/../schema/exit-codes.md"
}

@test "an empty history says so in a line (0)" {
	run --separate-stderr agent history
	assert_status 0
	[ "$output" = "no history yet: nothing was installed, rolled back or refused on this device" ]
	[ -z "$stderr" ]
}
