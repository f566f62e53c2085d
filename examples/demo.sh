#!/bin/sh
# make demo: the signed bundle pipeline end to end on examples/app-1.0.0:
# key generation -> bundle (CI) -> detached signature (air-gapped box)
# -> attach -> verify and extract (device), plus what a tampered copy gets.
set -eu
bin=$(cd "${1:-build/bin}" && pwd)
examples=$(cd "$(dirname "$0")" && pwd)
demo=$(dirname "$bin")/demo
PATH="$bin:$PATH"
export SOURCE_DATE_EPOCH=1700000000

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

rm -rf "$demo"
mkdir -p "$demo/ci" "$demo/signing-box" "$demo/device/keys" "$demo/device/releases"
cp -a "$examples/app-1.0.0" "$demo/ci/tree"
mkdir -p "$demo/ci/tree/var/log" # an empty directory travels too
cd "$demo"

step "Release engineer: generate the fleet signing key (encrypted PKCS#8, PBKDF2 600k + AES-256)"
printf 'correct horse battery staple\n' >signing-box/passphrase
run ota-keytool generate --out signing-box/fleet --passphrase-file signing-box/passphrase
cp signing-box/fleet.pub device/keys/

step "CI: bundle the release tree (unsigned; reproducible from SOURCE_DATE_EPOCH)"
run ota-bundle create --tree ci/tree --version 1.0.0 --target edge-gw-v2 \
	--rollback-index 1 --out ci/app-1.0.0.bundle
run ota-bundle manifest --out ci/manifest.json ci/app-1.0.0.bundle
echo "manifest: $(wc -c <ci/manifest.json) bytes; bundle: $(wc -c <ci/app-1.0.0.bundle) bytes"

step "Signing box (air-gapped): sees only the manifest, never the payload"
cp ci/manifest.json signing-box/
run ota-sign --key signing-box/fleet.key --passphrase-file signing-box/passphrase \
	--manifest signing-box/manifest.json --out signing-box/manifest.sig

step "CI: attach the detached signature to the bundle"
run ota-sign attach ci/app-1.0.0.bundle signing-box/manifest.sig
cp ci/app-1.0.0.bundle device/

step "Device: verify, then extract the verified tree (all or nothing)"
run ota-verify --keys device/keys --device-class edge-gw-v2 device/app-1.0.0.bundle
run ota-verify --keys device/keys --device-class edge-gw-v2 \
	--extract device/releases/1.0.0 device/app-1.0.0.bundle
diff -r ci/tree device/releases/1.0.0 && echo "extracted tree is identical to the release tree"
run device/releases/1.0.0/bin/start

step "Device: the design's own form (manifest + signature + unpacked tree)"
run ota-verify --keys device/keys --device-class edge-gw-v2 --manifest ci/manifest.json \
	--signature signing-box/manifest.sig --tree device/releases/1.0.0

step "Attacker: one flipped payload byte, and the wrong device class"
cp device/app-1.0.0.bundle device/tampered.bundle
off=$(grep -abo 'port=8080' device/tampered.bundle | head -n 1 | cut -d: -f1)
printf '9' | dd of=device/tampered.bundle bs=1 seek=$((off + 5)) conv=notrunc 2>/dev/null
st=0
ota-verify --keys device/keys --device-class edge-gw-v2 --extract device/releases/evil \
	device/tampered.bundle || st=$?
echo "exit $st (7 = hash mismatch); device/releases/evil exists: $(test -e device/releases/evil && echo yes || echo no)"
st=0
ota-verify --keys device/keys --device-class other-board device/app-1.0.0.bundle || st=$?
echo "exit $st (8 = wrong target)"

printf '\nDEMO OK: generated, bundled, signed on the air-gapped box, attached, verified and extracted app 1.0.0; tampering refused.\n'
