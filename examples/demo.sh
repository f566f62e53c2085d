#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make demo, end to end on the example service (examples/app/):
# key generation -> bundle (CI) -> detached signature (air-gapped box)
# -> attach -> verify and extract (device), what a tampered copy gets;
# then the device agent installs 1.0.0, 2.0.0 and a broken 3.0.0, and
# polls 4.0.0 from a web server on loopback standing in for a laptop;
# a stick carrying a key rotation and 5.0.0 signed by the new key is
# imported in one go and its signed receipt collected on the laptop.
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
cd "$demo"
"$examples/make-release.sh" 1.0.0 good ci/tree "$bin/../examples/gateway"

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
ls -l device/releases/1.0.0/bin

step "Device: the design's own form (manifest + signature + unpacked tree)"
run ota-verify --keys device/keys --device-class edge-gw-v2 --manifest ci/manifest.json \
	--signature signing-box/manifest.sig --tree device/releases/1.0.0

step "Attacker: one flipped payload byte, and the wrong device class"
cp device/app-1.0.0.bundle device/tampered.bundle
off=$(grep -abo 'mode=good' device/tampered.bundle | head -n 1 | cut -d: -f1)
printf 'G' | dd of=device/tampered.bundle bs=1 seek=$((off + 5)) conv=notrunc 2>/dev/null
st=0
ota-verify --keys device/keys --device-class edge-gw-v2 --extract device/releases/evil \
	device/tampered.bundle || st=$?
echo "exit $st (7 = hash mismatch); device/releases/evil exists: $(test -e device/releases/evil && echo yes || echo no)"
st=0
ota-verify --keys device/keys --device-class other-board device/app-1.0.0.bundle || st=$?
echo "exit $st (8 = wrong target)"

step "Device agent: a whole device in a sandbox root, the example service under a supervisor"
root=$demo/device-root
mkdir -p "$root/etc/ota/keys"
cp signing-box/fleet.pub "$root/etc/ota/keys/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export OTA_RUN_DIR="$demo/run" OTA_APP_PORT="$port" OTA_EXAMPLES="$examples"
trap 'OTA_APP_DIR="$root/opt/app" "$examples/app/service.sh" stop' EXIT
cat >"$root/etc/ota/agent.yaml" <<YAML
device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys
keep_releases: 3
service:
  restart: "\$OTA_EXAMPLES/app/service.sh restart"
  restart_count: "\$OTA_EXAMPLES/app/service.sh restarts"
health:
  timeout: 5
  interval: 0.2
  stable: 1
  tcp_port: $port
  http_url: http://127.0.0.1:$port/health
  command: "\$OTA_APP_DIR/current/bin/selftest"
YAML
sed -n '1,40p' "$root/etc/ota/agent.yaml"
for rel in 1.0.0:good:1 2.0.0:good:2 3.0.0:unhealthy:3; do
	v=${rel%%:*}; rest=${rel#*:}; mode=${rest%%:*}; idx=${rest#*:}
	"$examples/make-release.sh" "$v" "$mode" "ci/tree-$v" "$bin/../examples/gateway" >/dev/null
	ota-bundle create --tree "ci/tree-$v" --version "$v" --target edge-gw-v2 \
		--rollback-index "$idx" --out "ci/agent-$v.bundle" >/dev/null
	ota-sign --key signing-box/fleet.key --passphrase-file signing-box/passphrase \
		"ci/agent-$v.bundle" >/dev/null
	step "Device agent: install $v ($mode)"
	st=0
	run ota-agent --root "$root" install "ci/agent-$v.bundle" || st=$?
	echo "exit $st; the service now answers: $(python3 -c 'import sys, urllib.request as u
try: print(u.urlopen(sys.argv[1], timeout=2).read().decode().strip())
except Exception as e: print("down:", e)' "http://127.0.0.1:$port/version")"
done
[ "$st" -eq 15 ] || { echo "DEMO FAILED: the broken 3.0.0 was not rolled back" >&2; exit 1; }

step "Technician's laptop on the LAN: 4.0.0 in a directory, any static web server; the device polls it"
mkdir -p laptop
"$examples/make-release.sh" 4.0.0 good ci/tree-4.0.0 "$bin/../examples/gateway" >/dev/null
ota-bundle create --tree ci/tree-4.0.0 --version 4.0.0 --target edge-gw-v2 \
	--rollback-index 4 --out laptop/app-4.0.0.bundle >/dev/null
ota-sign --key signing-box/fleet.key --passphrase-file signing-box/passphrase \
	laptop/app-4.0.0.bundle >/dev/null
run ota-bundle index laptop
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory laptop "$hport" >/dev/null 2>&1 &
httpd=$!
trap 'kill "$httpd" 2>/dev/null; OTA_APP_DIR="$root/opt/app" "$examples/app/service.sh" stop' EXIT
python3 -c 'import socket, sys, time
for i in range(100):
    try: socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close(); break
    except OSError: time.sleep(0.05)' "$hport"
run ota-agent --root "$root" poll "http://127.0.0.1:$hport/" --once

step "Device agent: status and the audit history"
run ota-agent --root "$root" status
run ota-agent --root "$root" history
run ota-agent --root "$root" history --verify
run ota-agent --root "$root" report --html "$demo/device-report.html"

step "Key custody: the fleet key cut into 3 escrow shares, any 2 of which rebuild it"
run ota-keytool escrow split --key signing-box/fleet.key --passphrase-file signing-box/passphrase \
	--shares 3 --threshold 2 --out-dir escrow
sed -n '1,14p' escrow/*-1-of-3.share
run ota-keytool escrow combine --passphrase-file signing-box/passphrase --out escrow/rebuilt.key \
	escrow/*-1-of-3.share escrow/*-3-of-3.share

step "Key rotation without a truck roll: one stick carries a trust file retiring the fleet key and 5.0.0 signed by the new key"
printf 'new fleet key passphrase\n' >signing-box/passphrase2
run ota-keytool generate --out signing-box/fleet2 --passphrase-file signing-box/passphrase2
run ota-keytool trust create --sequence 1 --threshold 1 --target edge-gw-v2 \
	--out signing-box/fleet-1.trust signing-box/fleet2.pub
# signed by the key in force and by the new one (it must prove it can sign)
run ota-keytool trust sign --key signing-box/fleet.key --passphrase-file signing-box/passphrase \
	signing-box/fleet-1.trust
run ota-keytool trust sign --key signing-box/fleet2.key --passphrase-file signing-box/passphrase2 \
	signing-box/fleet-1.trust
mkdir -p stick
cp signing-box/fleet-1.trust stick/
"$examples/make-release.sh" 5.0.0 good ci/tree-5.0.0 "$bin/../examples/gateway" >/dev/null
ota-bundle create --tree ci/tree-5.0.0 --version 5.0.0 --target edge-gw-v2 \
	--rollback-index 5 --sign-key signing-box/fleet2.key --passphrase-file signing-box/passphrase2 \
	--out stick/app-5.0.0.bundle >/dev/null
ls stick

step "Device: its identity (a key made on the device), and receipts switched on (watch.receipts: true)"
echo gw-demo-1 >"$root/etc/hostname"
python3 -c 'import uuid; print(uuid.uuid4().hex)' >"$root/etc/machine-id"
echo "\$ ota-agent --root $root identity >laptop-devices.txt   # the line for the fleet's device list"
ota-agent --root "$root" identity >laptop-devices.txt
cat laptop-devices.txt
run ota-agent --root "$root" status | head -n 2
printf 'watch:\n  receipts: true\n' >>"$root/etc/ota/agent.yaml"
run ota-agent --root "$root" import --mount-options

step "Device: the stick plugged in: the rotation applied first, then 5.0.0 (signed by the new key only) installed, a signed receipt left on the stick"
run ota-agent --root "$root" import stick
run ota-agent --root "$root" keys
[ "$(readlink "$root/opt/app/current")" = releases/5.0.0 ] ||
	{ echo "DEMO FAILED: 5.0.0 was not installed in the same import as the rotation" >&2; exit 1; }
ls stick/receipts

step "Laptop: the stick back; the receipt checked against the fleet's device list and collected"
run ota-keytool receipts collect stick --devices laptop-devices.txt --state laptop/receipts-collected.json
receipt=$(ls stick/receipts/*.json)
cp "$receipt" old-receipt.json
echo "(plugged in again: nothing newer, receipt 2)"
ota-agent --root "$root" import stick >/dev/null
run ota-keytool receipts collect stick --devices laptop-devices.txt --state laptop/receipts-collected.json --csv
echo "(an attacker puts receipt 1 back on the stick, to hide what happened since)"
cp old-receipt.json "$receipt"
st=0
ota-keytool receipts collect stick --devices laptop-devices.txt \
	--state laptop/receipts-collected.json >/dev/null || st=$?
echo "exit $st (24 = receipt refused: replayed)"
[ "$st" -eq 24 ] || { echo "DEMO FAILED: a replayed receipt was not refused" >&2; exit 1; }

st=0
ota-agent --root "$root" install ci/agent-2.0.0.bundle || st=$?
echo "exit $st (6 = untrusted: the retired key no longer counts)"
[ "$st" -eq 6 ] || { echo "DEMO FAILED: a bundle of the retired key was not refused" >&2; exit 1; }

printf '\nDEMO OK: bundled, signed on the air-gapped box, verified and extracted; tampering refused; the agent promoted 1.0.0 and 2.0.0, rolled the broken 3.0.0 back to 2.0.0, installed 4.0.0 polled over HTTP; the fleet key escrowed 2-of-3; one stick carried its rotation and 5.0.0 signed by the new key, installed in one import, its signed receipt collected on the laptop and a replayed one refused; the retired key refused.\n'
