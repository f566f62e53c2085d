#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# examples/ci/: the GitHub Actions workflow and the GitLab job, run here
# as they run there.  tests/tools/ci_steps.py turns each file's variables
# and steps into a script (secrets and expressions given as the CI gives
# them); it runs in a checkout-like directory (examples/, build/ and the
# fleet's public key) under `env -i`, with the ota tools on PATH as the
# workflow's set-up step puts them.  What comes out must verify as a
# device verifies it.
load ../helpers/common
bats_require_minimum_version 1.5.0

REPO="$(cd "$TESTS_DIR/.." && pwd)"
GH="$REPO/examples/ci/github-workflow.yml"
GL="$REPO/examples/ci/gitlab-ci.yml"

setup() {
	helpers_setup
	python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed"
	# The signing box's key, encrypted, and the fleet's public key.
	mkdir box ws ws/keys runner
	printf 'correct horse\n' >box/pass
	ota-keytool generate --out box/fleet --passphrase-file box/pass >/dev/null
	cp box/fleet.pub ws/keys/fleet.pub
	ln -s "$REPO/examples" ws/examples
	mkdir ws/build && ln -s "$(dirname "$OTA_BIN")/examples" ws/build/examples
}

# in_ci SCRIPT-LINES...: run what ci_steps.py printed, in ws/, with only
# what a runner has in its environment.
in_ci() {
	(cd ws && env -i PATH="$OTA_BIN:/usr/bin:/bin" HOME="$T" RUNNER_TEMP="$T/runner" \
		bash -c "$1")
}

github() { # SIGN STEP-NAME... ; the secrets from box/
	local sign=$1
	shift
	python3 "$TESTS_DIR/tools/ci_steps.py" github "$GH" bundle "$@" \
		--expr 'github.ref_name=1.2.3' --expr "vars.OTA_SIGN || 'key'=$sign" \
		--expr "secrets.OTA_SIGN_KEY_PEM=${KEY_PEM-$(cat box/fleet.key)}" \
		--expr "secrets.OTA_SIGN_PASSPHRASE=${PASSPHRASE-correct horse}" \
		--expr "inputs.signature=${SIGNATURE:-}"
}

verified() {
	ota-verify --keys box/fleet.pub --device-class edge-gw-v2 "ws/dist/app-1.2.3.bundle"
}

@test "GitHub: a tag builds, bundles and signs with the key from the secret; the bundle verifies" {
	run --separate-stderr in_ci "$(github key 'Build the release tree' 'Bundle and sign')"
	assert_status 0
	assert_output_matches 'app-1.2.3.bundle: signed, verified'
	verified
	(cd ws/dist && sha256sum -c app-1.2.3.bundle.sha256)
	# The key was on disk only while signing: nothing left of it.
	[ -z "$(ls -A runner)" ]
	! grep -rq 'PRIVATE KEY' ws/dist
}

@test "GitHub, detached: the unsigned bundle and its manifest; the signing box signs; attach; it verifies" {
	run --separate-stderr in_ci "$(github detached 'Build the release tree' 'Bundle and sign')"
	assert_status 0
	[ -f ws/dist/app-1.2.3.manifest.json ]
	run ota-verify --keys box/fleet.pub --device-class edge-gw-v2 ws/dist/app-1.2.3.bundle
	assert_status 6
	# The signing box (no CI there), then the manual run with its signature.
	ota-sign --key box/fleet.key --passphrase-file box/pass \
		--manifest ws/dist/app-1.2.3.manifest.json --out box/app.sig
	SIGNATURE="$(tr '\n' ' ' <box/app.sig | sed 's/ $//')"
	run --separate-stderr in_ci "$(github detached "Attach the signing box's signature")"
	assert_status 0
	assert_output_matches 'signed \(detached\), verified'
	verified
}

@test "GitLab: the bundle job signs with the CI/CD variable; detached, the attach job puts the signature in" {
	gitlab() {
		python3 "$TESTS_DIR/tools/ci_steps.py" gitlab "$GL" "$@" --env CI_COMMIT_TAG=1.2.3 \
			--env "OTA_SIGN_KEY_PEM=$(cat box/fleet.key)" --env 'OTA_SIGN_PASSPHRASE=correct horse'
	}
	run --separate-stderr in_ci "$(gitlab bundle)"
	assert_status 0
	verified
	rm -rf ws/dist ws/out
	run --separate-stderr in_ci "$(gitlab bundle --env OTA_SIGN=detached)"
	assert_status 0
	ota-sign --key box/fleet.key --passphrase-file box/pass \
		--manifest ws/dist/app-1.2.3.manifest.json --out box/app.sig
	run --separate-stderr in_ci "$(gitlab attach --env OTA_SIGN=detached \
		--env "OTA_SIGNATURE_TEXT=$(cat box/app.sig)")"
	assert_status 0
	verified
}

@test "no secret, a wrong passphrase: the job fails with the tool's status and leaves no bundle" {
	# A secret GitHub does not have expands to "".
	run --separate-stderr in_ci "$(KEY_PEM='' github key 'Build the release tree' 'Bundle and sign')"
	assert_status 2
	assert_one_line_error 'OTA_SIGN_KEY_PEM is not set'
	assert_absent ws/dist/app-1.2.3.bundle
	rm -rf ws/out
	run --separate-stderr in_ci "$(PASSPHRASE=wrong github key 'Build the release tree' 'Bundle and sign')"
	assert_status 11
	printf '%s\n' "$stderr" | grep -q 'wrong passphrase'
	assert_absent ws/dist/app-1.2.3.bundle
	[ -z "$(ls -A runner)" ]
}

@test "the same commit gives the same bundle: two runs, byte-identical" {
	in_ci "export SOURCE_DATE_EPOCH=1700000000; $(github key 'Build the release tree' 'Bundle and sign')" >/dev/null
	mv ws/dist ws/dist1 && rm -rf ws/out
	in_ci "export SOURCE_DATE_EPOCH=1700000000; $(github key 'Build the release tree' 'Bundle and sign')" >/dev/null
	cmp ws/dist1/app-1.2.3.bundle ws/dist/app-1.2.3.bundle
}
