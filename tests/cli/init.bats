#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# ota-agent init: a device set up in a --root sandbox; the agent's own
# commands then run on what it wrote.  Refusals leave nothing written.
load ../helpers/common
bats_require_minimum_version 1.5.0

setup() {
	helpers_setup
	make_key fleet
	make_key backup
	D="$T/dev"
}

@test "init writes a commented config, the keys and the state directories; the agent runs on them" {
	run --separate-stderr ota-agent init --root "$D" --device-class edge-gw-v2 --keys fleet.pub backup.pub
	assert_status 0
	assert_output_matches '^ota-agent: set up device class edge-gw-v2: .*/etc/ota/agent.yaml, 2 trusted keys'
	assert_output_matches 'systemctl enable --now ota-recover.service ota-agent.service'
	grep -q '^device_class: edge-gw-v2$' "$D/etc/ota/agent.yaml"
	grep -q '^# ' "$D/etc/ota/agent.yaml"
	# No made-up delivery address: watch is commented out.
	! grep -q '^watch:' "$D/etc/ota/agent.yaml"
	[ -d "$D/var/lib/ota" ] && [ -d "$D/opt/app/releases" ]
	cmp <(ota-keytool id fleet.pub) <(ota-keytool id "$D/etc/ota/keys/fleet.pub")
	[ "$(stat -c %a "$D/etc/ota/keys/fleet.pub")" = 644 ]
	run --separate-stderr ota-agent --root "$D" status
	assert_status 0
	assert_output_matches '^device class: +edge-gw-v2'
	run --separate-stderr ota-agent --root "$D" keys
	assert_status 0
	assert_output_matches "$(ota-keytool id fleet.pub)"
	assert_output_matches "$(ota-keytool id backup.pub)"
	# Nothing temporary left beside them.
	[ "$(ls -A "$D/etc/ota")" = "$(printf 'agent.yaml\nkeys')" ]
}

@test "init never overwrites: a second init exits 12 and changes nothing" {
	ota-agent init --root "$D" --device-class edge-gw-v2 --keys fleet.pub >/dev/null
	before="$(cd "$D" && find . -printf '%p %s %T@\n' | sort)"
	run --separate-stderr ota-agent init --root "$D" --device-class other --keys backup.pub
	assert_status 12
	assert_one_line_error 'agent.yaml: exists'
	[ "$(cd "$D" && find . -printf '%p %s %T@\n' | sort)" = "$before" ]
	# A keys directory alone is enough to refuse, and is left as it was.
	rm "$D/etc/ota/agent.yaml"
	run --separate-stderr ota-agent init --root "$D" --device-class edge-gw-v2 --keys backup.pub
	assert_status 12
	assert_one_line_error 'keys: exists'
	assert_absent "$D/etc/ota/agent.yaml"
	assert_absent "$D/etc/ota/keys/backup.pub"
}

@test "init refuses a weak, a non-Ed25519 or a repeated key (11) and writes nothing" {
	python3 "$TESTS_DIR/tools/craft.py" weak-pub --out weak.pub
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
	openssl pkey -in ec.key -pubout -out ec.pub 2>/dev/null
	cp fleet.pub again.pub
	for bad in weak.pub ec.pub again.pub; do
		run --separate-stderr ota-agent init --root "$D" --device-class edge-gw-v2 --keys fleet.pub "$bad"
		assert_status 11
		assert_one_line_error "$bad"
		assert_absent "$D"
	done
}

@test "init: usage errors (2) for a missing class or key, a bad class, a relative path" {
	run --separate-stderr ota-agent init --root "$D" --keys fleet.pub
	assert_status 2
	assert_one_line_error 'init: --device-class T is required'
	run --separate-stderr ota-agent init --root "$D" --device-class edge-gw-v2
	assert_status 2
	assert_one_line_error 'init: --keys PUB'
	run --separate-stderr ota-agent init --root "$D" --device-class 'a b' --keys fleet.pub
	assert_status 2
	assert_one_line_error 'device-class: must be'
	run --separate-stderr ota-agent init --root "$D" --device-class x --keys fleet.pub --app-dir rel
	assert_status 2
	assert_absent "$D"
}

@test "init --app-dir, --state-dir and the global --config place the files" {
	run --separate-stderr ota-agent --config /etc/ota/gw.yaml init --root "$D" --device-class gw \
		--keys fleet.pub --app-dir /srv/app --state-dir /srv/ota
	assert_status 0
	grep -q '^app_dir: /srv/app$' "$D/etc/ota/gw.yaml"
	[ -d "$D/srv/ota/manifests" ] && [ -d "$D/srv/app/releases" ]
	run --separate-stderr ota-agent --root "$D" --config "$D/etc/ota/gw.yaml" status
	assert_status 0
}
