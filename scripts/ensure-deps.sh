#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Check the build and test dependencies; install the missing Debian packages
# when we are root, otherwise name them and stop.  Plain `make` never runs
# this: it needs only a compiler and the libraries (and says which
# pkg-config module is missing); the README's `make check` and `make demo`,
# and `make deps`, run it.
#   ensure-deps.sh        what `make check` and `make demo` need: the build's
#                         libraries, cmocka, bats, openssl, python3, curl, chromium
#   ensure-deps.sh build  only what `make` needs: a compiler, pkg-config, the libraries
#   ensure-deps.sh fuzz   that, and clang with its libFuzzer runtime (`make fuzz`)
#   ensure-deps.sh lint   that, and cppcheck and clang-tidy (`make lint`)
#   ensure-deps.sh system that, and what `make check-system` needs: debootstrap,
#                         QEMU, the host's file system tools and ssh
#   ensure-deps.sh cross [ARCH]  a cross toolchain for ARCH (Debian's name: arm64,
#                         the default, or armhf), the libraries' -dev packages of
#                         that architecture (multiarch: dpkg --add-architecture) and
#                         qemu-user-static (`make check-cross`)
#   ensure-deps.sh package  what `make check-package` needs: dpkg-dev, debhelper,
#                         fakeroot, lintian, debootstrap
set -u

missing=""
need_pkg() { # pkg-config-name debian-package
	pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"
}
need_cmd() { # command debian-package
	command -v "$1" >/dev/null 2>&1 || missing="$missing $2"
}
need_deb() { # debian-package[:arch]: installed, whatever it provides
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $1"
}

mode=${1:-check}
need_cmd pkg-config pkg-config
need_cmd cc gcc
need_pkg libcrypto libssl-dev
need_pkg libarchive libarchive-dev
need_pkg jansson libjansson-dev
need_pkg yaml-0.1 libyaml-dev
need_pkg libcurl libcurl4-openssl-dev
need_pkg libmicrohttpd libmicrohttpd-dev
# PKCS#11 signing keys: only p11-kit's pkcs11.h (the module is dlopen'ed)
need_pkg p11-kit-1 libp11-kit-dev
if [ "$mode" != build ]; then
	need_pkg cmocka libcmocka-dev
	need_cmd bats bats
	need_cmd openssl openssl
	need_cmd python3 python3
	need_cmd chromium chromium
	need_cmd curl curl
	# a SoftHSM2 token and OpenSC's pkcs11-tool for tests/cli/pkcs11.bats
	need_cmd softhsm2-util softhsm2
	need_cmd pkcs11-tool opensc
	need_cmd man man-db # tests/cli/man.bats renders the man pages
	need_cmd groff groff-base
	# tests/cli/ci.bats reads the CI examples (examples/ci/*.yml)
	python3 -c "import yaml" 2>/dev/null || missing="$missing python3-yaml"
fi

# Can clang link a libFuzzer target?  The runtime is a package of its own.
need_fuzzer() { # debian-package
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return !d + (int)n; }' |
		clang-14 -fsanitize=fuzzer -x c -o /dev/null - >/dev/null 2>&1 || missing="$missing $1"
}
arch=""
case "$mode" in
cross)
	arch=${2:-arm64}
	case $arch in
	arm64) triplet=aarch64-linux-gnu ;;
	armhf) triplet=arm-linux-gnueabihf ;;
	*) echo "ensure-deps: cross: unknown architecture '$arch' (arm64 or armhf)" >&2; exit 2 ;;
	esac
	need_cmd $triplet-gcc gcc-$triplet
	need_cmd qemu-aarch64-static qemu-user-static # and qemu-arm-static
	for p in libssl-dev libarchive-dev libjansson-dev libyaml-dev libcurl4-openssl-dev \
		libmicrohttpd-dev libp11-kit-dev; do
		need_deb "$p:$arch"
	done
	;;
package)
	need_cmd dpkg-buildpackage dpkg-dev
	need_cmd dh debhelper
	need_cmd fakeroot fakeroot
	need_cmd lintian lintian
	need_cmd debootstrap debootstrap
	;;
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
# Packages of another architecture come from the same mirror once dpkg
# knows the architecture (Debian's multiarch).
if [ -n "$arch" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
	dpkg --add-architecture "$arch" || exit 1
fi
apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
	echo "ensure-deps: apt-get install failed for:$missing" >&2
	exit 1
}
