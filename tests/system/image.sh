#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# image.sh OUT_DIR: the test device's Debian 12 root file system, made once
# per checkout with debootstrap from the machine's own Debian mirror (the
# first URI of its apt sources, or $OTA_DEBIAN_MIRROR) into OUT_DIR/rootfs:
# systemd as PID 1, udev, the kernel and initramfs of linux-image-amd64
# (usb-storage, vfat, dm-log-writes are its modules), openssh-server, the
# project's runtime libraries and dmsetup.  Nothing of the project is in it:
# run.py adds `make install DESTDIR=...` and the per-run files to a copy.
# OUT_DIR/rootfs.ok marks a finished image and holds this script's
# SHA-256: a changed script builds the image again; so does deleting it.
set -eu
me=image.sh
die() { echo "$me: $*" >&2; exit 1; }
[ $# -eq 1 ] || { echo "usage: $me OUT_DIR" >&2; exit 2; }
out=$1
root=$out/rootfs
stamp=$(sha256sum "$0" | cut -d' ' -f1)
[ "$(cat "$out/rootfs.ok" 2>/dev/null)" = "$stamp" ] && exit 0
[ "$(id -u)" -eq 0 ] || die "debootstrap needs root"

mirror=${OTA_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
fi
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]*\)\{0,1\}\([^[:space:]]*\).*/\2/p' \
		/etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)
fi
[ -n "$mirror" ] || die "no Debian mirror in the apt sources; set OTA_DEBIAN_MIRROR"

pkgs=systemd,systemd-sysv,udev,dbus,kmod,procps,iproute2,openssh-server,dmsetup
pkgs=$pkgs,linux-image-amd64,initramfs-tools,e2fsprogs,util-linux,mount
pkgs=$pkgs,libssl3,libarchive13,libjansson4,libyaml-0-2,libcurl4,libmicrohttpd12
rm -rf "$root" "$out/rootfs.ok"
mkdir -p "$out"
echo "$me: debootstrap bookworm from $mirror into $root"
debootstrap --variant=minbase --include="$pkgs" bookworm "$root" "$mirror" \
	>"$out/debootstrap.log" 2>&1 || {
	tail -n 30 "$out/debootstrap.log" >&2
	die "debootstrap failed (log: $out/debootstrap.log)"
}

echo ota-device >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 ota-device\n' >"$root/etc/hosts"
printf '/dev/vda / ext4 defaults,errors=remount-ro 0 1\n' >"$root/etc/fstab"
# The network: DHCP from QEMU's user-mode stack (10.0.2.0/24).
mkdir -p "$root/etc/systemd/network"
printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' \
	>"$root/etc/systemd/network/80-dhcp.network"
chroot "$root" systemctl enable systemd-networkd.service >/dev/null 2>&1
# Boot fast and quiet: nothing periodic that would write or wake up, no
# logins but root's over ssh (no logind, so no D-Bus either).
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer man-db.timer dpkg-db-backup.timer logrotate.timer \
	systemd-networkd-wait-online.service systemd-logind.service dbus.service dbus.socket \
	getty@tty1.service; do
	chroot "$root" systemctl mask "$u" >/dev/null 2>&1 || true
done
# The journal kept on disk: a red run shows what the boot before a cut said.
mkdir -p "$root/var/log/journal"
# A small initramfs (virtio disk, ext4: what mounts the root) boots
# faster under TCG than Debian's "most modules" one; QEMU boots the kernel
# directly (-kernel/-initrd from this /boot).
mkdir -p "$root/etc/initramfs-tools/conf.d"
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$root/etc/initramfs-tools/conf.d/ota-test.conf"
printf 'virtio_pci\nvirtio_blk\next4\n' >>"$root/etc/initramfs-tools/modules"
mount --bind /proc "$root/proc"
chroot "$root" update-initramfs -u -k all >>"$out/debootstrap.log" 2>&1 || {
	umount "$root/proc"
	die "update-initramfs failed (log: $out/debootstrap.log)"
}
umount "$root/proc"
ls "$root"/boot/vmlinuz-* >/dev/null 2>&1 || die "no kernel in $root/boot"
ls "$root"/boot/initrd.img-* >/dev/null 2>&1 || die "no initramfs in $root/boot"
rm -rf "$root/var/cache/apt/archives"/*.deb
echo "$stamp" >"$out/rootfs.ok"
echo "$me: $root ready ($(du -sm "$root" | cut -f1) MB)"
