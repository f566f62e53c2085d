# SPDX-License-Identifier: Apache-2.0
# One non-recursive Makefile for libota, the tools and the tests.
#   make            build every tool into build/bin/: needs only a C compiler,
#                   pkg-config and the -dev packages of PKGS (never apt-get)
#   make deps       install what `make check` and `make demo` need (Debian, root)
#   make demo       generate -> bundle -> sign -> verify -> extract on examples/
#   make check      all test suites; ends with "N passed, N failed"
#   make check-system  the system suite on a booted Debian VM (QEMU, root; tests/system/)
#   make install    tools (stripped), schema documents, systemd units, udev rule,
#                   example config (PREFIX, DESTDIR, the GNU dirs below)
#   make bench      the benchmark of bench/ (not part of check)
#   SANITIZE=1      build with AddressSanitizer and UBSan (into build-sanitize/)
#   make check-sanitize  that build, then every suite; any sanitizer report fails it
#   make fuzz       build the libFuzzer targets (clang) into build-fuzz/ and run each
#                   for FUZZ_SECONDS; fails on any crash, leak or timeout (fuzz/README.md)
#   make lint       cppcheck and clang-tidy (.clang-tidy) over the whole tree
#   CROSS=aarch64-linux-gnu-  cross build with $(CROSS)gcc against Debian's multiarch
#                   -dev packages, into build-aarch64/ (build-arm/ for arm-linux-gnueabihf-)
#   make check-cross  that build for aarch64, then a smoke suite of its binaries under
#                   qemu-aarch64-static (scripts/ensure-deps.sh cross installs what it needs)
#   DEVICE_ONLY=1   the device tools only (ota-verify, ota-agent), without libmicrohttpd
#                   (no dashboard), into build-device/
#   HTTP=0          without libcurl (no poll, watch.http or health.http_url), into
#                   build[-device]-nohttp/: with DEVICE_ONLY=1 the smallest footprint
#   make check-package  the Debian packages (debian/), lintian, installed in a chroot
#
# The build honours CC, CPPFLAGS, CFLAGS, LDFLAGS, PKG_CONFIG, CROSS, DESTDIR,
# PREFIX and the GNU directory variables.

# The device tools need no HTTP server: DEVICE_ONLY leaves libmicrohttpd out.
# HTTP=0 leaves out libcurl (and the two dozen libraries Debian's brings).
# p11-kit-1 is only its pkcs11.h header (PKCS#11 signing keys: lib/pkcs11*.c
# dlopen the module), so --as-needed records no library for it.
PKGS     := libcrypto libarchive jansson yaml-0.1 p11-kit-1
ifneq ($(HTTP),0)
PKGS     += libcurl
endif
ifneq ($(DEVICE_ONLY),1)
PKGS     += libmicrohttpd
endif

# A cross build gets its own build directory (objects of two architectures
# never mix) and its compiler and strip from the toolchain prefix; the
# libraries' .pc files are Debian's multiarch ones for that triplet.
CROSS    ?=
ifneq ($(CROSS),)
TRIPLET  := $(patsubst %-,%,$(CROSS))
B        ?= build-$(firstword $(subst -, ,$(TRIPLET)))
ifeq ($(origin CC),default)
CC       := $(CROSS)gcc
endif
# (make 4.3's $(shell) sees no exported variable: the setting is a prefix.)
ifeq ($(origin PKG_CONFIG),undefined)
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig pkg-config
endif
endif
ifeq ($(SANITIZE),1)
B        := build-sanitize
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifeq ($(DEVICE_ONLY),1)
B        := $(or $(B),build)-device
endif
ifeq ($(HTTP),0)
B        := $(or $(B),build)-nohttp
endif
B        ?= build

PKG_CONFIG ?= pkg-config
OPT      ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
# 64-bit off_t on 32-bit targets too (armhf): bundles and trees over 2 GiB,
# and the prototypes (copy_file_range) the code is written against.
LFS      := -D_FILE_OFFSET_BITS=64
# Asked once, when first used, not once per compile.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $$(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null))$(PKG_LIBS)
ALL_CFLAGS  = $(WARN) $(OPT) $(HARDEN) $(LFS) $(SANFLAGS) -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
              $(DEFS) $(CPPFLAGS) $(CFLAGS)
# --as-needed: each tool records only the libraries it uses (ota-verify no
# libmicrohttpd), which is what a device image has to carry.
ALL_LDFLAGS = $(SANFLAGS) -Wl,--as-needed $(LDFLAGS)

# What `make` needs is a compiler and PKGS; it checks they are there and
# names what is not, but installs nothing.  The test and browser packages
# (bats, chromium, cmocka, ...) are `make deps`: the README's two commands,
# `make demo` and `make check`, ask for it first, so a fresh Debian machine
# is still set up by them (as root).
PKGS_OK  := $(B)/.pkgs-ok
DEPS_OK  := $(B)/.deps-ok
SETUP_GOALS := deps demo check check-sanitize
# The HTTP client (libcurl), or in an HTTP=0 build the stand-ins that say
# it was not built (http_none.c).
HTTP_SRC := lib/fetch.c lib/fetch_stream.c lib/http_client.c lib/http_probe.c
ifeq ($(HTTP),0)
LIB_SRC  := $(filter-out $(HTTP_SRC),$(wildcard lib/*.c))
else
LIB_SRC  := $(filter-out lib/http_none.c,$(wildcard lib/*.c))
endif
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIBOTA   := $(B)/libota.a
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)

# tool name -> source directory; the device tools are what a device needs.
DEVICE_TOOLS := ota-verify:verifier ota-agent:agent
BUILD_TOOLS  := ota-keytool:keytool ota-bundle:bundler ota-sign:signer
# The agent's sources: the dashboard (libmicrohttpd) or, without it, a
# command that says it was not built (cmd_dashboard_none.c).
DASH_SRC     := agent/cmd_dashboard.c agent/dashboard_guard.c
ifeq ($(DEVICE_ONLY),1)
TOOLS        := $(DEVICE_TOOLS)
agent_SRC    := $(filter-out $(DASH_SRC),$(wildcard agent/*.c))
else
TOOLS        := $(BUILD_TOOLS) $(DEVICE_TOOLS)
agent_SRC    := $(filter-out agent/cmd_dashboard_none.c,$(wildcard agent/*.c))
endif
BINS     := $(foreach t,$(TOOLS),$(B)/bin/$(firstword $(subst :, ,$(t))))

# The example service that `make demo` and the agent tests install.
EXAMPLES := $(if $(filter 1,$(DEVICE_ONLY)),,$(patsubst examples/app/%.c,$(B)/examples/%,$(wildcard examples/app/*.c)))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# Fuzz targets (fuzz/fuzz_<name>.c).  Each is also linked with
# fuzz/replay.c into the unit-test binary test_fuzz_<name>, which replays
# its checked-in corpus in `make check` (any compiler, no libFuzzer).
FUZZ_ALL     := canon manifest bundle config index share trust
FUZZ_TARGETS := $(foreach t,$(FUZZ_ALL),$(if $(wildcard fuzz/fuzz_$(t).c),$(t)))
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(B)/tests/test_fuzz_%)

.PHONY: all deps demo check check-sanitize unit clean format lint check-cross check-package
.PHONY: fuzz fuzz-build
.SECONDARY:
all: $(BINS) $(EXAMPLES)

# The one version string of the project (--version, the man pages).
VERSION  := $(shell cat VERSION)
$(B)/obj/cli/cli.o: VERSION
$(B)/obj/cli/cli.o: ALL_CFLAGS += -DOTA_VERSION='"$(VERSION)"'

$(B)/examples/%: examples/app/%.c | $(PKGS_OK)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(OPT) $(HARDEN) $(SANFLAGS) -D_GNU_SOURCE $(CPPFLAGS) $(CFLAGS) \
		$(LDFLAGS) -o $@ $<

# The stamps are order-only prerequisites: a new stamp rebuilds nothing.
# When a goal of the README's set-up is asked for, its install comes first.
deps: $(DEPS_OK)
$(DEPS_OK): scripts/ensure-deps.sh
	@scripts/ensure-deps.sh
	@mkdir -p $(@D) && touch $@

PKGS_HINT = install their -dev packages$(if $(CROSS), for $(TRIPLET) \
            (scripts/ensure-deps.sh cross),) or set PKG_CONFIG_PATH; on Debian, as root: make deps
$(PKGS_OK): | $(if $(filter $(SETUP_GOALS),$(MAKECMDGOALS)),$(DEPS_OK))
	@missing=; for m in $(PKGS); do \
		$(PKG_CONFIG) --exists "$$m" 2>/dev/null || missing="$$missing $$m"; done; \
	if [ -n "$$missing" ]; then \
		echo "make: $(PKG_CONFIG) finds no$$missing: $(PKGS_HINT)" >&2; exit 1; fi
	@mkdir -p $(@D) && touch $@

$(B)/obj/%.o: %.c | $(PKGS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBOTA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

define tool_rule
$(B)/bin/$(1): $$(patsubst %.c,$(B)/obj/%.o,$$(or $$($(2)_SRC),$$(wildcard $(2)/*.c))) \
		$(CLI_OBJ) $(LIBOTA)
	@mkdir -p $$(@D)
	$$(CC) $(ALL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(firstword $(subst :, ,$(t))),$(lastword $(subst :, ,$(t))))))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIBOTA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) \
		$(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

unit: $(UNIT_BIN)

$(FUZZ_TARGETS:%=$(B)/obj/fuzz/replay-%.o): $(B)/obj/fuzz/replay-%.o: fuzz/replay.c | $(PKGS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_NAME='"$*"' -DFUZZ_CORPUS='"$(CURDIR)/fuzz/corpus/$*"' \
		-MMD -MP -c -o $@ $<

$(FUZZ_REPLAY): $(B)/tests/test_fuzz_%: $(B)/obj/fuzz/fuzz_%.o $(B)/obj/fuzz/common.o \
		$(B)/obj/fuzz/replay-%.o $(LIBOTA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

unit: $(FUZZ_REPLAY)
check: $(FUZZ_REPLAY)

# check-sanitize proves its sanitizers report before trusting their silence.
$(B)/tests/sanitizer-canary: tests/tools/sanitizer_canary.c | $(PKGS_OK)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g $(SANFLAGS) -o $@ $<
ifeq ($(SANITIZE),1)
check: $(B)/tests/sanitizer-canary
endif

demo: $(DEPS_OK) all
	@examples/demo.sh $(B)/bin

check: $(DEPS_OK) all $(UNIT_BIN)
	@OTA_BIN=$(CURDIR)/$(B)/bin OTA_UNIT=$(CURDIR)/$(B)/tests \
		OTA_EXAMPLE_BIN=$(CURDIR)/$(B)/examples OTA_SANITIZE=$(SANITIZE) tests/run.sh

check-sanitize:
	@$(MAKE) --no-print-directory SANITIZE=1 check

# The system suite: a Debian 12 image (debootstrap, cached in
# $(B)/system/rootfs) booted under QEMU with the units and udev rule of
# `make install`; skips itself unless root with QEMU usable.
.PHONY: check-system
check-system: all
	@python3 tests/system/run.py $(SYSTEM_ARGS)

# Ours against tar, sha256sum, openssl and RAUC on a 400 MB tree: minutes,
# not part of check.  The report also lands in $(B)/bench.md.
.PHONY: bench
bench: all
	@bench/deps.sh
	@OTA_BIN=$(CURDIR)/$(B)/bin bench/run.sh | tee $(B)/bench.md

format:
	clang-format -i lib/*.[ch] cli/*.[ch] keytool/*.c bundler/*.c signer/*.c verifier/*.c agent/*.c tests/unit/*.c

# cppcheck reads no system headers: jansson's is included for its
# iteration macros, and cmocka's fail_msg is declared what it is (it never
# returns) so that the tests' guards are understood.  clang-tidy's checks
# and the reason for each one left out are in .clang-tidy.
LINT_DIRS := lib cli keytool bundler signer verifier agent fuzz examples/app
LINT_SRC   = $(wildcard $(addsuffix /*.c,$(LINT_DIRS)))
LINT_TIDY ?= clang-tidy-14

$(B)/.lint-deps-ok: scripts/ensure-deps.sh
	@scripts/ensure-deps.sh lint
	@mkdir -p $(@D) && touch $@

lint: all $(B)/.lint-deps-ok
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		-D_GNU_SOURCE -DFUZZ_NAME='"x"' -DFUZZ_CORPUS='"x"' '-Dfail_msg(...)=abort()' \
		--include=/usr/include/jansson.h -I. $(LINT_DIRS) tests/unit tests/tools
	@echo "clang-tidy: $(words $(LINT_SRC)) files"
	@$(LINT_TIDY) --quiet $(LINT_SRC) -- -std=c11 -D_GNU_SOURCE -I. $(PKG_CFLAGS) \
		-DFUZZ_NAME='"x"' -DFUZZ_CORPUS='"x"' 2>/dev/null

# libFuzzer: the library's sources compiled again with clang and coverage
# instrumentation, ASan and UBSan; only `make fuzz` needs clang.
FUZZ_B       := build-fuzz
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_TIMEOUT ?= 10
FUZZ_RSS_MB  ?= 2048
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(filter-out -Werror,$(WARN)) -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
                -D_GNU_SOURCE -I. $(PKG_CFLAGS)
FUZZ_LIB     := $(FUZZ_B)/libota.a
FUZZ_BINS    := $(FUZZ_TARGETS:%=$(FUZZ_B)/fuzz_%)

$(FUZZ_B)/.deps-ok: scripts/ensure-deps.sh
	@scripts/ensure-deps.sh fuzz
	@mkdir -p $(@D) && touch $@

$(FUZZ_B)/obj/%.o: %.c $(FUZZ_B)/.deps-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_LIB): $(LIB_SRC:%.c=$(FUZZ_B)/obj/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_B)/fuzz_%: $(FUZZ_B)/obj/fuzz/fuzz_%.o $(FUZZ_B)/obj/fuzz/common.o $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@fuzz/run.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TIMEOUT) $(FUZZ_RSS_MB) $(FUZZ_TARGETS)

clean:
	rm -rf build build-sanitize build-fuzz build-device build-aarch64 build-arm build-*-device

# make install PREFIX=/usr/local DESTDIR=/tmp/image: the tools (stripped:
# INSTALL_STRIP= keeps the symbols, as dh_strip wants; STRIP= another
# strip, the cross one by default), the schema documents, the systemd units
# (their ExecStart= pointing at BINDIR), the udev rule and the example
# config, which never replaces a config already there.  The GNU names
# (prefix, bindir, sysconfdir, docdir) are taken too.
prefix     ?= /usr/local
PREFIX     ?= $(prefix)
exec_prefix ?= $(PREFIX)
bindir     ?= $(exec_prefix)/bin
BINDIR     ?= $(bindir)
UNITDIR    ?= $(PREFIX)/lib/systemd/system
UDEVDIR    ?= $(PREFIX)/lib/udev/rules.d
sysconfdir ?= /etc
SYSCONFDIR ?= $(sysconfdir)
docdir     ?= $(PREFIX)/share/doc/ota
DOCDIR     ?= $(docdir)
INSTALL    ?= install
STRIP      ?= $(CROSS)strip
INSTALL_STRIP ?= -s --strip-program=$(STRIP)
.PHONY: install
install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVDIR) \
		$(DESTDIR)$(DOCDIR)/schema $(DESTDIR)$(SYSCONFDIR)/ota/keys
	$(INSTALL) $(INSTALL_STRIP) -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0644 schema/*.md schema/*.json $(DESTDIR)$(DOCDIR)/schema/
	$(INSTALL) -m 0644 systemd/*.service $(DESTDIR)$(UNITDIR)/
	for f in systemd/*.service.in; do \
		sed 's|@BINDIR@|$(BINDIR)|g' "$$f" >"$(DESTDIR)$(UNITDIR)/$$(basename "$$f" .in)" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename "$$f" .in)" || exit 1; \
	done
	$(INSTALL) -m 0644 udev/90-ota-usb.rules $(DESTDIR)$(UDEVDIR)/
	$(INSTALL) -m 0644 examples/agent.yaml $(DESTDIR)$(DOCDIR)/agent.yaml.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/ota/agent.yaml ] || \
		$(INSTALL) -m 0644 examples/agent.yaml $(DESTDIR)$(SYSCONFDIR)/ota/agent.yaml

# The help texts name where the schema documents are installed: a build
# for another DOCDIR compiles the mains again (the stamp holds the path).
DEFS        = -DOTA_DOCDIR='"$(DOCDIR)"'
DOCDIR_STAMP := $(B)/.docdir
ifneq ($(shell cat $(DOCDIR_STAMP) 2>/dev/null),$(DOCDIR))
.PHONY: $(DOCDIR_STAMP)
endif
$(DOCDIR_STAMP): | $(PKGS_OK)
	@echo '$(DOCDIR)' >$@
$(patsubst %.c,$(B)/obj/%.o,$(wildcard */main.c)): $(DOCDIR_STAMP)

# Cross builds: the device tools for aarch64 under qemu-aarch64-static,
# against bundles made by this machine's tools (scripts/check-cross.sh);
# CROSS_ARCH=armhf: the same for 32-bit ARM under qemu-arm-static.
CROSS_ARCH  ?= arm64
CROSS_CHECK := $(if $(filter armhf,$(CROSS_ARCH)),arm-linux-gnueabihf-,aarch64-linux-gnu-)
CROSS_B     := build-$(if $(filter armhf,$(CROSS_ARCH)),arm,aarch64)
check-cross: all
	@scripts/ensure-deps.sh cross $(CROSS_ARCH)
	@$(MAKE) --no-print-directory CROSS=$(CROSS_CHECK) B=$(CROSS_B) all
	@scripts/check-cross.sh $(B)/bin $(CROSS_B)/bin $(CROSS_ARCH)

# The Debian packages (debian/): dpkg-buildpackage, lintian, then both
# installed into a minimal Debian 12 chroot and run there.
check-package:
	@scripts/ensure-deps.sh package
	@scripts/check-package.sh $(B)/package

# Man pages (man/, roff by hand: no build dependency; @VERSION@ filled in)
# and the bash completion, one file installed under each tool's name.
MANDIR     ?= $(PREFIX)/share/man
COMPDIR    ?= $(PREFIX)/share/bash-completion/completions
MAN_PAGES  := $(wildcard man/*.[1-8])
.PHONY: install-doc
install: install-doc
install-doc:
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; install -d "$(DESTDIR)$(MANDIR)/man$$s" && \
		sed 's|@VERSION@|$(VERSION)|g' "$$p" >"$(DESTDIR)$(MANDIR)/man$$s/$${p##*/}" && \
		chmod 0644 "$(DESTDIR)$(MANDIR)/man$$s/$${p##*/}" || exit 1; \
	done
	install -d $(DESTDIR)$(COMPDIR)
	for t in $(foreach t,$(TOOLS),$(firstword $(subst :, ,$(t)))); do \
		install -m 0644 completion/ota.bash "$(DESTDIR)$(COMPDIR)/$$t" || exit 1; \
	done

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_B)/obj -name '*.d' 2>/dev/null)
