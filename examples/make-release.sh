#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make-release.sh - build a release tree of the example gateway, the input of
# `ota-bundle create`:
#   make-release.sh VERSION MODE OUTDIR [GATEWAY_BIN]
# MODE is good, unhealthy, crash or selftest-fail (a good gateway whose
# bin/selftest fails).  OUTDIR must not exist.  GATEWAY_BIN defaults to the
# one `make` builds, build/examples/gateway.
set -eu
me=make-release.sh
die() { echo "$me: $*" >&2; exit 1; }
[ $# -eq 3 ] || [ $# -eq 4 ] ||
	{ echo "usage: $me VERSION good|unhealthy|crash|selftest-fail OUTDIR [GATEWAY_BIN]" >&2; exit 2; }
version=$1 mode=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
gateway=${4:-$here/../build/examples/gateway}
case $version in
'' | *[!A-Za-z0-9.+-]*) die "$version: not a version (letters, digits, '.', '+', '-')" ;;
esac
extra=
case $mode in
good | unhealthy | crash) ;;
selftest-fail) mode=good extra=selftest=fail ;;
*) die "$mode: not a mode (good, unhealthy, crash, selftest-fail)" ;;
esac
{ [ -e "$out" ] || [ -L "$out" ]; } && die "$out: exists, refusing to overwrite it"
[ -f "$gateway" ] && [ -x "$gateway" ] || die "$gateway: no gateway binary (run make)"

mkdir -p "$(dirname "$out")"
mkdir "$out"
# From here on a failure leaves nothing half-built behind.
trap 'rm -rf "$out"' EXIT
# var/log stays empty: a release is read-only on the device (README,
# "Releases are immutable"); the gateway writes only under OTA_RUN_DIR.
mkdir "$out/bin" "$out/etc" "$out/share" "$out/share/doc" "$out/var" "$out/var/log"
cp "$gateway" "$out/bin/gateway"
cp "$here/app/run.sh" "$out/bin/run.sh"
cp "$here/app/selftest" "$out/bin/selftest"
ln -s run.sh "$out/bin/start" # releases carry symlinks too
ln -s bin/run.sh "$out/run.sh" # what app.service starts: /opt/app/current/run.sh
{
	echo "mode=$mode"
	echo "version=$version"
	[ -z "$extra" ] || echo "$extra"
} >"$out/etc/gateway.conf"
echo "$version" >"$out/share/VERSION"
echo "Example edge gateway $version, the service the OTA agent updates." >"$out/share/doc/README"
# Modes independent of the umask, so the same input makes the same bundle.
find "$out" -type d -exec chmod 0755 {} +
find "$out" -type f -exec chmod 0644 {} +
chmod 0755 "$out/bin/gateway" "$out/bin/run.sh" "$out/bin/selftest"
trap - EXIT
echo "$out: release $version ($2)"
