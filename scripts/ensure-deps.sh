#!/bin/sh
# Check the build and test dependencies; install the missing Debian packages
# when we are root, otherwise name them and stop.
#   ensure-deps.sh        what `make` and `make check` need
#   ensure-deps.sh fuzz   that, and clang with its libFuzzer runtime (`make fuzz`)
#   ensure-deps.sh lint   that, and cppcheck and clang-tidy (`make lint`)
#   ensure-deps.sh system that, and what `make check-system` needs: debootstrap,
#                         QEMU, the host's file system tools and ssh
set -u

missing=""
need_pkg() { # pkg-config-name debian-package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command debian-package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}

need_cmd pkg-config pkg-config
need_cmd cc gcc
need_pkg libcrypto libssl-dev
need_pkg libarchive libarchive-dev
need_pkg jansson libjansson-dev
need_pkg yaml-0.1 libyaml-dev
need_pkg libcurl libcurl4-openssl-dev
need_pkg cmocka libcmocka-dev
need_pkg libmicrohttpd libmicrohttpd-dev
need_cmd bats bats
need_cmd openssl openssl
need_cmd python3 python3
need_cmd chromium chromium
need_cmd curl curl
# PKCS#11 signing: the header at build time; a SoftHSM2 token and OpenSC's
# pkcs11-tool for tests/cli/pkcs11.bats
need_pkg p11-kit-1 libp11-kit-dev
need_cmd softhsm2-util softhsm2
need_cmd pkcs11-tool opensc

# Can clang link a libFuzzer target?  The runtime is a package of its own.
need_fuzzer() { # debian-package
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return !d + (int)n; }' |
		clang-14 -fsanitize=fuzzer -x c -o /dev/null - >/dev/null 2>&1 || missing="$missing $1"
}
case "${1:-}" in
fuzz)
	need_cmd clang-14 clang-14
	need_fuzzer libclang-rt-14-dev
	;;
lint)
	need_cmd cppcheck cppcheck
	need_cmd clang-tidy-14 clang-tidy-14
	;;
system)
	need_cmd debootstrap debootstrap
	need_cmd qemu-system-x86_64 qemu-system-x86
	need_cmd qemu-img qemu-utils
	need_cmd mkfs.ext4 e2fsprogs
	need_cmd mkfs.vfat dosfstools
	need_cmd mcopy mtools
	need_cmd ssh openssh-client
	need_cmd dmsetup dmsetup
	;;
esac

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "ensure-deps: missing Debian packages:$missing" >&2
	echo "ensure-deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "ensure-deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
	echo "ensure-deps: apt-get install failed for:$missing" >&2
	exit 1
}
