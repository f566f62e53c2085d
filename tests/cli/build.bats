#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Building like an embedded component: plain `make` needs only a compiler,
# pkg-config and the libraries (no test tools, never apt-get), names a
# missing pkg-config module, `make install` strips the tools and installs
# the schema documents, DEVICE_ONLY=1 builds the device tools without
# libmicrohttpd.  Each build goes into the test's own directory (B=).
load ../helpers/common
bats_require_minimum_version 1.5.0

OTA_REPO=$(cd "$TESTS_DIR/.." && pwd)
# The builds here are the test's own: none inherits the make running the
# suites (make exports its command line: under make check-sanitize its
# SANITIZE=1 would pick the build directory and flags of every make below).
unset MAKEFLAGS MFLAGS MAKELEVEL SANITIZE B CROSS DEVICE_ONLY HTTP

# $T/path: only what a build needs (a compiler, binutils, pkg-config, make,
# a shell and coreutils), and an apt-get and a dpkg that note being called.
build_path() {
	local c
	mkdir -p "$T/path"
	for c in make sh cc gcc as ld ar pkg-config pkgconf mkdir touch rm cat find sed \
		basename dirname sort uniq tr cut install strip readelf; do
		ln -s "$(command -v "$c")" "$T/path/$c"
	done
	for c in apt-get dpkg; do
		printf '#!/bin/sh\necho "%s $*" >>"%s/called"\nexit 1\n' "$c" "$T" >"$T/path/$c"
		chmod +x "$T/path/$c"
	done
}

@test "make builds with no test tools on PATH and never runs apt-get or ensure-deps" {
	build_path
	! PATH=$T/path command -v bats
	! PATH=$T/path command -v chromium
	run env PATH="$T/path" make -C "$OTA_REPO" --no-print-directory -j2 B="$T/b" \
		"$T/b/bin/ota-verify"
	assert_status 0
	[ -x "$T/b/bin/ota-verify" ]
	"$T/b/bin/ota-verify" --help | grep -q '^usage: ota-verify'
	assert_absent "$T/called"
	[[ "$output" != *ensure-deps* ]]
	assert_absent "$T/b/.deps-ok"
}

@test "a missing library is one line naming its pkg-config module, and nothing is built" {
	# A pkg-config that knows every module but libarchive.
	printf '#!/bin/sh\nfor a; do [ "$a" = libarchive ] && exit 1; done\nexec pkg-config "$@"\n' \
		>"$T/pkg-config"
	chmod +x "$T/pkg-config"
	run make -C "$OTA_REPO" --no-print-directory B="$T/b" PKG_CONFIG="$T/pkg-config"
	[ "$status" -ne 0 ]
	[[ "$output" == *"make: $T/pkg-config finds no libarchive: install their -dev packages"* ]]
	assert_absent "$T/b/obj"
	assert_absent "$T/b/bin"
}

# The install tests keep the build's PREFIX (/usr/local): another would
# change DOCDIR and relink the tools under test while other suites run them.
@test "make install strips the tools, installs the schema documents and a config polling nothing" {
	make -C "$OTA_REPO" --no-print-directory -s install B="$(dirname "$OTA_BIN")" \
		PREFIX=/usr/local DESTDIR="$T/dest" >"$T/log" 2>&1 || { cat "$T/log"; false; }
	local t
	for t in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		# The build keeps its symbols; the installed copy has none.
		readelf -S "$OTA_BIN/$t" | grep -q '\.symtab'
		! readelf -S "$T/dest/usr/local/bin/$t" | grep -q '\.symtab'
		"$T/dest/usr/local/bin/$t" --version | grep -q "^$t "
	done
	for t in "$OTA_REPO"/schema/*; do
		cmp "$t" "$T/dest/usr/local/share/doc/ota/schema/$(basename "$t")"
	done
	# The installed config names no server of somebody else's LAN.
	! grep -E '^[[:space:]]*http:' "$T/dest/etc/ota/agent.yaml"
	run "$T/dest/usr/local/bin/ota-agent" --root "$T/dest" status
	assert_status 0
}

@test "INSTALL_STRIP= keeps the symbols (for dh_strip's debug packages)" {
	make -C "$OTA_REPO" --no-print-directory -s install B="$(dirname "$OTA_BIN")" \
		PREFIX=/usr/local DESTDIR="$T/dest" INSTALL_STRIP= >"$T/log" 2>&1 || { cat "$T/log"; false; }
	readelf -S "$T/dest/usr/local/bin/ota-agent" | grep -q '\.symtab'
}

@test "the help texts name the installed exit-status table" {
	local t
	for t in ota-keytool ota-bundle ota-sign ota-verify ota-agent; do
		"$OTA_BIN/$t" --help | tr '\n' ' ' | grep -q 'schema/exit-codes.md, installed as /.*/share/doc/ota/schema/exit-codes.md'
	done
}

@test "DEVICE_ONLY=1 builds only the device tools, without libmicrohttpd, and its dashboard says so" {
	run make -C "$OTA_REPO" --no-print-directory -j2 DEVICE_ONLY=1 B="$T/b"
	assert_status 0
	(cd "$T/b/bin" && assert_dir_holds ota-agent ota-verify)
	! readelf -d "$T/b/bin/ota-agent" | grep -q libmicrohttpd
	! readelf -d "$T/b/bin/ota-verify" | grep -q 'libmicrohttpd\|libcurl'
	mkdir -p "$T/root/etc/ota"
	cp "$OTA_REPO/examples/agent.yaml" "$T/root/etc/ota/agent.yaml"
	run "$T/b/bin/ota-agent" --root "$T/root" dashboard
	assert_status 2
	assert_output_matches '^ota-agent: dashboard: not built \(a DEVICE_ONLY=1 build, without libmicrohttpd\); report --html FILE writes the same page$'
	run "$T/b/bin/ota-agent" --root "$T/root" status
	assert_status 0
}

@test "DEVICE_ONLY=1 HTTP=0 links no libcurl; poll says it was not built (18), verify and status still work" {
	run make -C "$OTA_REPO" --no-print-directory -j2 DEVICE_ONLY=1 HTTP=0 B="$T/b"
	assert_status 0
	! readelf -d "$T/b/bin/ota-agent" | grep -q 'libcurl\|libmicrohttpd'
	mkdir -p "$T/root/etc/ota"
	cp "$OTA_REPO/examples/agent.yaml" "$T/root/etc/ota/agent.yaml"
	run "$T/b/bin/ota-agent" --root "$T/root" poll http://127.0.0.1:9/ --once
	assert_status 18
	assert_output_matches 'http://127.0.0.1:9/index.json: not built: an HTTP=0 build has no HTTP client \(libcurl\)$'
	run "$T/b/bin/ota-agent" --root "$T/root" status
	assert_status 0
	make_key k
	make_tree "$T/tree"
	ota-bundle create --tree "$T/tree" --version 1.0.0 --target edge-gw-v2 --sign-key "$T/k.key" \
		--out "$T/app.bundle" >/dev/null
	run "$T/b/bin/ota-verify" --keys "$T/k.pub" --device-class edge-gw-v2 "$T/app.bundle"
	assert_status 0
}

@test "the build takes CC, CPPFLAGS, CFLAGS and LDFLAGS as given, and CROSS picks the cross compiler and build directory" {
	run make -C "$OTA_REPO" --no-print-directory -n B="$T/b" CC=my-cc CPPFLAGS=-DMY_CPP \
		CFLAGS=-DMY_C LDFLAGS=-Wl,-zmy-ld "$T/b/bin/ota-verify"
	assert_status 0
	assert_output_matches "^my-cc .* -DMY_CPP -DMY_C .*-c -o $T/b/obj/verifier/main.o verifier/main.c$"
	assert_output_matches "^my-cc .*-Wl,-zmy-ld -o $T/b/bin/ota-verify "
	run make -C "$OTA_REPO" --no-print-directory -n -B CROSS=aarch64-linux-gnu- build-aarch64/bin/ota-verify
	assert_status 0
	assert_output_matches "^aarch64-linux-gnu-gcc .* -c -o build-aarch64/obj/verifier/main.o verifier/main.c$"
}
