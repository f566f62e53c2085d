#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# deps.sh - what `make bench` needs beyond the build: GNU time for peak
# memory, and the peer RAUC (Debian's rauc, which needs squashfs-tools)
# to compare with.  Installs them with apt-get when run as root (after
# apt-get update); otherwise says what to run.  The benchmark runs without
# RAUC if it cannot be had, and says so in its table.  Not part of
# `make check`: the tools themselves need none of this.
set -u
want=""
command -v /usr/bin/time >/dev/null 2>&1 || want="$want time"
command -v rauc >/dev/null 2>&1 || want="$want rauc"
command -v mksquashfs >/dev/null 2>&1 || want="$want squashfs-tools"
command -v openssl >/dev/null 2>&1 || want="$want openssl"
[ -z "$want" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/deps.sh: missing:$want; install with: sudo apt-get install$want" >&2
	exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "bench/deps.sh: missing:$want, and no apt-get to install them" >&2
	exit 0
fi
echo "bench/deps.sh: installing$want" >&2
apt-get update -qq >/dev/null 2>&1 || echo "bench/deps.sh: apt-get update failed" >&2
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $want \
	>/dev/null 2>&1 || echo "bench/deps.sh: apt-get install$want failed" >&2
exit 0
