#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# build-bundle.sh - the one CI step that turns a release tree into a signed
# update bundle; the GitHub Actions workflow and the GitLab job beside it
# both run it, and tests/cli/ci.bats runs it as they do.
#
#   build-bundle.sh          bundle OTA_TREE, then sign it (OTA_SIGN=key)
#                            or leave its manifest for the signing box
#                            (OTA_SIGN=detached)
#   build-bundle.sh attach   put the signing box's OTA_SIGNATURE into the
#                            bundle made before, and check it
#
# Environment (the CI's variables and secrets):
#   OTA_TREE            the release tree to bundle (required)
#   OTA_VERSION         its semantic version (required)
#   OTA_TARGET          the device class (required)
#   OTA_ROLLBACK_INDEX  the rollback index (default 0)
#   OTA_OUT             where the bundle goes (default dist)
#   OTA_SIGN            key (default) or detached
#   OTA_SIGN_KEY_PEM    OTA_SIGN=key: the private key itself (a CI secret);
#                       written to a 0600 file under a private temporary
#                       directory for the signing and removed after it
#   OTA_SIGN_PASSPHRASE its passphrase, if it has one (a CI secret; read by
#                       the tools from the environment, never on a command line)
#   OTA_PUBKEY          the fleet's public key file: the bundle is verified
#                       with it as a device would before the job succeeds
#   OTA_SIGNATURE       attach: the detached signature from the signing box
#   OTA_BIN             directory of the ota tools (default: on PATH)
#   SOURCE_DATE_EPOCH   default: the last commit's time, when in a git tree
#                       (the same commit gives a byte-identical bundle)
#
# Exit status: that of the ota tool that failed (schema/exit-codes.md), or
# 2 for a missing variable; nothing is left in OTA_OUT but whole files.
set -eu
me=build-bundle.sh
die() { echo "$me: $*" >&2; exit "${2:-2}"; }
need() { eval "[ -n \"\${$1:-}\" ]" || die "$1 is not set${2:+: $2}"; }

[ -z "${OTA_BIN:-}" ] || PATH="$OTA_BIN:$PATH"
out=${OTA_OUT:-dist}
need OTA_VERSION
need OTA_TARGET
bundle="$out/app-$OTA_VERSION.bundle"
manifest="$out/app-$OTA_VERSION.manifest.json"
pass=
[ -z "${OTA_SIGN_PASSPHRASE:-}" ] || pass="--passphrase-env OTA_SIGN_PASSPHRASE"

verify() {
	[ -n "${OTA_PUBKEY:-}" ] || return 0
	ota-verify --keys "$OTA_PUBKEY" --device-class "$OTA_TARGET" --quiet "$bundle"
}

checksums() {
	(cd "$out" && sha256sum "$(basename "$bundle")" >"$(basename "$bundle").sha256")
}

if [ "${1:-}" = attach ]; then
	need OTA_SIGNATURE "the signature the signing box made of $manifest"
	ota-sign attach --quiet "$bundle" "$OTA_SIGNATURE"
	verify
	checksums
	echo "$me: $bundle: signed (detached), verified"
	exit 0
fi
[ $# -eq 0 ] || die "usage: $me [attach]"
need OTA_TREE
[ -d "$OTA_TREE" ] || die "OTA_TREE=$OTA_TREE: not a directory"
case ${OTA_SIGN:-key} in
key) need OTA_SIGN_KEY_PEM "the signing key (a CI secret), or OTA_SIGN=detached" ;;
detached) ;;
*) die "OTA_SIGN=${OTA_SIGN}: key or detached" ;;
esac
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git rev-parse --git-dir >/dev/null 2>&1; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)
	export SOURCE_DATE_EPOCH
fi
mkdir -p "$out"

if [ "${OTA_SIGN:-key}" = key ]; then
	# The key exists on disk only for the signing, in a directory no one
	# else can read, and is removed however the script ends.
	keydir=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/ota-key.XXXXXX")
	trap 'rm -rf "$keydir"' EXIT INT TERM
	(umask 077 && printf '%s\n' "$OTA_SIGN_KEY_PEM" >"$keydir/sign.key")
	# shellcheck disable=SC2086 # $pass is two words or none
	ota-bundle create --quiet --tree "$OTA_TREE" --version "$OTA_VERSION" \
		--target "$OTA_TARGET" --rollback-index "${OTA_ROLLBACK_INDEX:-0}" \
		--sign-key "$keydir/sign.key" $pass --out "$bundle"
	rm -rf "$keydir"
	verify
	checksums
	echo "$me: $bundle: signed, verified"
else
	ota-bundle create --quiet --tree "$OTA_TREE" --version "$OTA_VERSION" \
		--target "$OTA_TARGET" --rollback-index "${OTA_ROLLBACK_INDEX:-0}" --out "$bundle"
	ota-bundle manifest --out "$manifest" "$bundle"
	echo "$me: $bundle: unsigned; carry $manifest to the signing box:"
	echo "  ota-sign --key fleet.key --manifest $(basename "$manifest") --out app-$OTA_VERSION.sig"
	echo "then run: OTA_SIGNATURE=app-$OTA_VERSION.sig $me attach"
fi
