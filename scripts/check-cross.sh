#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check-cross.sh HOST_BIN CROSS_BIN [arm64|armhf]: the smoke suite of a cross build
# (`make check-cross`).  The host's tools make a key and signed bundles; the
# cross-built ota-verify and ota-agent, run under qemu-user
# (qemu-aarch64-static or qemu-arm-static; the target's loader and
# libraries are Debian's multiarch packages, libc6:arm64 and the rest, so no
# -L prefix is needed: with one, qemu 7.2 hangs in the agent's fork of
# /bin/sh for the service and health commands), verify one, extract it, install it into a
# --root sandbox, and refuse a tampered one.  Ends "check-cross: N passed,
# N failed"; exits 1 on any failure.
set -u
me=check-cross
[ $# -eq 2 ] || [ $# -eq 3 ] || { echo "usage: $me HOST_BIN CROSS_BIN [arm64|armhf]" >&2; exit 2; }
host=$(cd "$1" && pwd) || exit 2
cross=$(cd "$2" && pwd) || exit 2
case ${3:-arm64} in
arm64) QEMU=qemu-aarch64-static machine=183 ;; # EM_AARCH64
armhf) QEMU=qemu-arm-static machine=40 ;;      # EM_ARM
*) echo "$me: unknown architecture '$3' (arm64 or armhf)" >&2; exit 2 ;;
esac
command -v "$QEMU" >/dev/null || { echo "$me: no $QEMU (scripts/ensure-deps.sh cross)" >&2; exit 1; }
t=$(mktemp -d "${TMPDIR:-/tmp}/ota-cross.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
passed=0
failed=0

# The binaries must really be the target's, or the suite proves nothing.
if [ "$(od -An -j18 -N2 -tu2 "$cross/ota-agent" | tr -d ' ')" != "$machine" ]; then
	echo "$me: $cross/ota-agent is not a ${3:-arm64} ELF" >&2
	exit 1
fi

ok() { # name status-wanted command...
	name=$1 want=$2
	shift 2
	"$@" >"$t/log" 2>&1
	st=$?
	case " $want " in
	*" $st "*) passed=$((passed + 1)); echo "ok - $name" ;;
	*)
		failed=$((failed + 1))
		echo "not ok - $name (exit $st, wanted $want)"
		sed 's/^/    /' "$t/log"
		;;
	esac
}
on_target() { "$QEMU" "$cross/$@"; }

# The build side, on the host: a key, a release tree, a signed bundle and
# a copy with one payload byte changed.
SOURCE_DATE_EPOCH=1700000000
export SOURCE_DATE_EPOCH
mkdir -p "$t/tree/bin" "$t/root/etc/ota/keys" "$t/root/opt/app/releases"
printf '#!/bin/sh\necho hello from 1.0.0\n' >"$t/tree/bin/app"
chmod 0755 "$t/tree/bin/app"
head -c 65536 /dev/urandom >"$t/tree/data.bin"
"$host/ota-keytool" generate --no-passphrase --out "$t/k" >/dev/null &&
	"$host/ota-bundle" create --tree "$t/tree" --version 1.0.0 --target edge-gw-v2 \
		--sign-key "$t/k.key" --out "$t/app-1.0.0.bundle" >/dev/null &&
	"$host/ota-bundle" create --tree "$t/tree" --version 2.0.0 --target edge-gw-v2 \
		--sign-key "$t/k.key" --out "$t/app-2.0.0.bundle" >/dev/null ||
	{ echo "$me: the host tools could not make the bundles" >&2; exit 1; }
# The last 1 KiB of the payload holds data.bin's random bytes (gzip and
# tar padding come after); flip one a few bytes before the end of the data.
python3 - "$t/app-2.0.0.bundle" <<'PY' || exit 1
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.rfind(b"data.bin")
assert i > 0
b[i + 2048] ^= 0x01
open(p, "wb").write(bytes(b))
PY
cp "$t/k.pub" "$t/root/etc/ota/keys/"
cat >"$t/root/etc/ota/agent.yaml" <<YAML
device_class: edge-gw-v2
app_dir: /opt/app
state_dir: /var/lib/ota
keys: /etc/ota/keys
service:
  restart: "true"
health:
  timeout: 5
  interval: 0.2
  command: "\$OTA_APP_DIR/current/bin/app"
YAML

echo "# $QEMU $cross/*  (the loader and libraries of Debian's ${3:-arm64} packages)"
ok "ota-verify --version runs on the target" 0 on_target ota-verify --version
ok "ota-verify accepts the host's signed bundle" 0 \
	on_target ota-verify --keys "$t/k.pub" --device-class edge-gw-v2 "$t/app-1.0.0.bundle"
ok "ota-verify --extract writes the exact tree" 0 sh -c '
	"$1" "$2/ota-verify" --keys "$3/k.pub" --device-class edge-gw-v2 \
		--extract "$3/out" "$3/app-1.0.0.bundle" && diff -r "$3/tree" "$3/out"' \
	sh "$QEMU" "$cross" "$t"
ok "ota-verify refuses the tampered bundle (hash mismatch or bad signature)" "7 5" \
	on_target ota-verify --keys "$t/k.pub" --device-class edge-gw-v2 "$t/app-2.0.0.bundle"
ok "ota-verify refuses a wrong device class" 8 \
	on_target ota-verify --keys "$t/k.pub" --device-class other "$t/app-1.0.0.bundle"
ok "ota-agent install promotes the bundle in a --root sandbox" 0 \
	on_target ota-agent --root "$t/root" install --quiet "$t/app-1.0.0.bundle"
ok "ota-agent status names 1.0.0 current" 0 sh -c '
	"$1" "$2/ota-agent" --root "$3/root" status --json | grep -q "\"current\":\"1.0.0\""' \
	sh "$QEMU" "$cross" "$t"
ok "ota-agent install refuses the tampered bundle" "7 5" \
	on_target ota-agent --root "$t/root" install --quiet "$t/app-2.0.0.bundle"
ok "1.0.0 is still current, nothing of 2.0.0 on disk, the history verifies" 0 sh -c '
	[ "$(readlink "$3/root/opt/app/current")" = releases/1.0.0 ] &&
	[ "$(ls "$3/root/opt/app/releases")" = 1.0.0 ] &&
	"$1" "$2/ota-agent" --root "$3/root" history --verify' sh "$QEMU" "$cross" "$t"

echo "$me: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
