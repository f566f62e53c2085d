#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# check-package.sh OUT_DIR: the Debian packages (`make check-package`).
# Builds them from a copy of this tree (dpkg-buildpackage -us -uc -b writes
# beside the source, so the copy is OUT_DIR/src/ota), runs lintian on the
# .changes and both .debs (no error allowed), then installs them into a
# minimal Debian 12 made with debootstrap (cached in OUT_DIR/rootfs, about
# a minute the first time; a copy per run) and runs the installed tools
# there: a key, a signed bundle, ota-verify, ota-agent on the installed
# config, the conffile, nothing enabled, a purge.  Root (debootstrap,
# chroot).  Ends "check-package: N passed, N failed".
set -u
me=check-package
[ $# -eq 1 ] || { echo "usage: $me OUT_DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$me: needs root (debootstrap, chroot)" >&2; exit 1; }
repo=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1" && out=$(cd "$1" && pwd) || exit 1
passed=0
failed=0
check() { # name command...: one line, ok or not
	name=$1
	shift
	if "$@" >"$out/step.log" 2>&1; then
		passed=$((passed + 1)); echo "ok - $name"
	else
		failed=$((failed + 1)); echo "not ok - $name"; sed 's/^/    /' "$out/step.log" | tail -n 40
	fi
}
finish() {
	echo "$me: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
	exit $?
}

# The tree as git sees it (tracked and new files, not what .gitignore
# leaves out: no build directories).
rm -rf "$out/src" && mkdir -p "$out/src/ota" || exit 1
(cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) |
	tar -xf - -C "$out/src/ota" || exit 1
start=$(date +%s)
check "dpkg-buildpackage -us -uc -b builds ota-tools and ota-agent" \
	sh -c 'cd "$1/src/ota" && dpkg-buildpackage -us -uc -b' sh "$out"
echo "#   $(($(date +%s) - start)) s"
tools_deb=$(ls "$out"/src/ota-tools_*.deb 2>/dev/null | head -n 1)
agent_deb=$(ls "$out"/src/ota-agent_*.deb 2>/dev/null | head -n 1)
changes=$(ls "$out"/src/ota_*.changes 2>/dev/null | head -n 1)
[ -n "$tools_deb" ] && [ -n "$agent_deb" ] && [ -n "$changes" ] || finish

# Lintian: errors fail; warnings are shown (README says which and why).
check "lintian finds no error in the .changes and the .debs" \
	lintian --fail-on error --tag-display-limit 0 "$changes"
sed 's/^/#   /' "$out/step.log"
check "ota-agent holds the device tools, units, udev rule and config; ota-tools the build side" sh -c '
	a=$(dpkg-deb -c "$1" | awk "{print \$6}"); t=$(dpkg-deb -c "$2" | awk "{print \$6}")
	for f in ./usr/bin/ota-agent ./usr/bin/ota-verify ./etc/ota/agent.yaml \
		./lib/systemd/system/ota-agent.service ./lib/udev/rules.d/90-ota-usb.rules \
		./usr/share/doc/ota-agent/schema/exit-codes.md ./usr/share/doc/ota-agent/copyright; do
		echo "$a" | grep -qx "$f" || { echo "ota-agent lacks $f"; exit 1; }
	done
	for f in ./usr/bin/ota-keytool ./usr/bin/ota-bundle ./usr/bin/ota-sign; do
		echo "$t" | grep -qx "$f" || { echo "ota-tools lacks $f"; exit 1; }
	done
	! echo "$t" | grep -q "ota-verify\|ota-agent"' sh "$agent_deb" "$tools_deb"

# A minimal Debian 12 with the libraries the packages depend on.
rootfs=$out/rootfs
stamp=$(sha256sum "$0" | cut -d' ' -f1)
if [ "$(cat "$out/rootfs.ok" 2>/dev/null)" != "$stamp" ]; then
	mirror=${OTA_DEBIAN_MIRROR:-$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)}
	[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
	rm -rf "$rootfs" "$out/rootfs.ok"
	start=$(date +%s)
	check "debootstrap a minimal Debian 12 from $mirror" debootstrap --variant=minbase \
		--include=libssl3,libarchive13,libjansson4,libyaml-0-2,libcurl4,libmicrohttpd12 \
		bookworm "$rootfs" "$mirror"
	echo "#   $(($(date +%s) - start)) s"
	[ -x "$rootfs/usr/bin/dpkg" ] || finish
	echo "$stamp" >"$out/rootfs.ok"
fi
root=$out/chroot
rm -rf "$root" && cp -a "$rootfs" "$root" || exit 1
cp "$tools_deb" "$agent_deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

check "dpkg -i installs both packages into the clean system" \
	in_root sh -c 'dpkg -i /tmp/ota-tools_*.deb /tmp/ota-agent_*.deb'
check "the installed tools run: --version, --help naming the installed exit-code table" in_root sh -c '
	for t in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		$t --version | grep -q "^$t " || exit 1
	done
	ota-verify --help | tr "\n" " " | grep -q "/usr/share/doc/ota-agent/schema/exit-codes.md" &&
	test -f /usr/share/doc/ota-agent/schema/exit-codes.md'
check "installed ota-tools sign a bundle that the installed ota-verify accepts and extracts" \
	in_root sh -c '
	set -e; cd /tmp; mkdir -p tree/bin; echo hello >tree/bin/app
	ota-keytool generate --no-passphrase --out fleet >/dev/null
	ota-bundle create --tree tree --version 1.0.0 --target edge-gw-v2 --sign-key fleet.key \
		--out app.bundle >/dev/null
	ota-verify --keys fleet.pub --device-class edge-gw-v2 --extract out app.bundle
	cmp tree/bin/app out/bin/app'
check "ota-agent reads the installed /etc/ota/agent.yaml (status)" \
	in_root sh -c 'ota-agent status | grep -q "^device class: *edge-gw-v2"'
check "ota-agent status --root works on a device in a directory" in_root sh -c '
	mkdir -p /tmp/dev/etc/ota && cp /etc/ota/agent.yaml /tmp/dev/etc/ota/ &&
	ota-agent --root /tmp/dev status --json | grep -q "\"device_class\":\"edge-gw-v2\""'
check "/etc/ota/agent.yaml is a conffile" in_root sh -c '
	dpkg-query -W -f="\${Conffiles}\n" ota-agent | grep -q "^ */etc/ota/agent.yaml "'
check "nothing is enabled or started: no unit linked into a .wants directory" in_root sh -c '
	! ls /etc/systemd/system/*.wants/ 2>/dev/null | grep -q "ota-\|app"'
check "dpkg --purge removes both, config included" in_root sh -c '
	dpkg --purge ota-agent ota-tools && ! test -e /usr/bin/ota-agent && ! test -e /etc/ota/agent.yaml'
rm -rf "$root"
finish
