# One non-recursive Makefile for libota, the tools and the tests.
#   make            build every tool into build/bin/
#   make demo       generate -> bundle -> sign -> verify -> extract on examples/
#   make check      all test suites; ends with "N passed, N failed"
#   make check-system  the system suite on a booted Debian VM (QEMU, root; tests/system/)
#   make install    tools, systemd units, udev rule, example config (PREFIX, DESTDIR)
#   make bench      the benchmark of bench/ (not part of check)
#   SANITIZE=1      build with AddressSanitizer and UBSan (into build-sanitize/)
#   make check-sanitize  that build, then every suite; any sanitizer report fails it
#   make fuzz       build the libFuzzer targets (clang) into build-fuzz/ and run each
#                   for FUZZ_SECONDS; fails on any crash, leak or timeout (fuzz/README.md)
#   make lint       cppcheck and clang-tidy (.clang-tidy) over the whole tree

PKGS     := libcrypto libarchive jansson yaml-0.1 libcurl libmicrohttpd
B        ?= build
ifeq ($(SANITIZE),1)
B        := build-sanitize
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC       ?= cc
OPT      ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
            -Wmissing-prototypes -Wvla
HARDEN   := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
DEPS_OK  := $(B)/.deps-ok
# p11-kit-1: only its pkcs11.h, for the PKCS#11 signing keys (lib/pkcs11*.c
# dlopen the module; nothing links against it).
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) p11-kit-1 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
ALL_CFLAGS  = $(WARN) $(OPT) $(HARDEN) $(SANFLAGS) -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/obj/%.o)
LIBOTA   := $(B)/libota.a
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(CLI_SRC:%.c=$(B)/obj/%.o)

# tool name -> source directory
TOOLS    := ota-keytool:keytool ota-bundle:bundler ota-sign:signer ota-verify:verifier \
            ota-agent:agent
BINS     := $(foreach t,$(TOOLS),$(B)/bin/$(firstword $(subst :, ,$(t))))

# The example service that `make demo` and the agent tests install.
EXAMPLES := $(patsubst examples/app/%.c,$(B)/examples/%,$(wildcard examples/app/*.c))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

# Fuzz targets (fuzz/fuzz_<name>.c).  Each is also linked with
# fuzz/replay.c into the unit-test binary test_fuzz_<name>, which replays
# its checked-in corpus in `make check` (any compiler, no libFuzzer).
FUZZ_ALL     := canon manifest bundle config index share trust
FUZZ_TARGETS := $(foreach t,$(FUZZ_ALL),$(if $(wildcard fuzz/fuzz_$(t).c),$(t)))
FUZZ_REPLAY  := $(FUZZ_TARGETS:%=$(B)/tests/test_fuzz_%)

.PHONY: all deps demo check check-sanitize unit clean format lint
.PHONY: fuzz fuzz-build
.SECONDARY:
all: $(BINS) $(EXAMPLES)

$(B)/examples/%: examples/app/%.c $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(WARN) $(OPT) $(HARDEN) $(SANFLAGS) -D_GNU_SOURCE -o $@ $<

deps: $(DEPS_OK)
$(DEPS_OK): scripts/ensure-deps.sh
	@scripts/ensure-deps.sh
	@mkdir -p $(@D) && touch $@

$(B)/obj/%.o: %.c $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBOTA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

define tool_rule
$(B)/bin/$(1): $$(patsubst %.c,$(B)/obj/%.o,$$(wildcard $(2)/*.c)) $(CLI_OBJ) $(LIBOTA)
	@mkdir -p $$(@D)
	$$(CC) $(ALL_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(firstword $(subst :, ,$(t))),$(lastword $(subst :, ,$(t))))))

$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIBOTA)
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs cmocka 2>/dev/null)

unit: $(UNIT_BIN)

$(FUZZ_TARGETS:%=$(B)/obj/fuzz/replay-%.o): $(B)/obj/fuzz/replay-%.o: fuzz/replay.c $(DEPS_OK)
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
$(B)/tests/sanitizer-canary: tests/tools/sanitizer_canary.c $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(WARN) -O0 -g $(SANFLAGS) -o $@ $<
ifeq ($(SANITIZE),1)
check: $(B)/tests/sanitizer-canary
endif

demo: all
	@examples/demo.sh $(B)/bin

check: all $(UNIT_BIN)
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
	rm -rf build build-sanitize build-fuzz

# make install PREFIX=/usr/local DESTDIR=/tmp/image: the tools, the systemd
# units (their ExecStart= pointing at BINDIR), the udev rule and the example
# config, which never replaces a config already there.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
UNITDIR    ?= $(PREFIX)/lib/systemd/system
UDEVDIR    ?= $(PREFIX)/lib/udev/rules.d
SYSCONFDIR ?= /etc
DOCDIR     ?= $(PREFIX)/share/doc/ota
.PHONY: install
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(UDEVDIR) \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/ota/keys
	install -m 0755 $(BINS) $(DESTDIR)$(BINDIR)/
	install -m 0644 systemd/*.service $(DESTDIR)$(UNITDIR)/
	for f in systemd/*.service.in; do \
		sed 's|@BINDIR@|$(BINDIR)|g' "$$f" >"$(DESTDIR)$(UNITDIR)/$$(basename "$$f" .in)" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$(basename "$$f" .in)" || exit 1; \
	done
	install -m 0644 udev/90-ota-usb.rules $(DESTDIR)$(UDEVDIR)/
	install -m 0644 examples/agent.yaml $(DESTDIR)$(DOCDIR)/agent.yaml.example
	[ -e $(DESTDIR)$(SYSCONFDIR)/ota/agent.yaml ] || \
		install -m 0644 examples/agent.yaml $(DESTDIR)$(SYSCONFDIR)/ota/agent.yaml

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_B)/obj -name '*.d' 2>/dev/null)
