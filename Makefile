# One non-recursive Makefile for libota, the tools and the tests.
#   make            build every tool into build/bin/
#   make demo       generate -> bundle -> sign -> verify -> extract on examples/
#   make check      all test suites; ends with "N passed, N failed"
#   make bench      the benchmark of bench/ (not part of check)
#   SANITIZE=1      build with AddressSanitizer and UBSan (into build-sanitize/)

PKGS     := libcrypto libarchive jansson yaml-0.1 libcurl
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
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
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

.PHONY: all deps demo check check-sanitize unit clean format lint
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

demo: all
	@examples/demo.sh $(B)/bin

check: all $(UNIT_BIN)
	@OTA_BIN=$(CURDIR)/$(B)/bin OTA_UNIT=$(CURDIR)/$(B)/tests \
		OTA_EXAMPLE_BIN=$(CURDIR)/$(B)/examples tests/run.sh

check-sanitize:
	@$(MAKE) --no-print-directory SANITIZE=1 check

# Ours against tar, sha256sum, openssl and RAUC on a 400 MB tree: minutes,
# not part of check.  The report also lands in $(B)/bench.md.
.PHONY: bench
bench: all
	@bench/deps.sh
	@OTA_BIN=$(CURDIR)/$(B)/bin bench/run.sh | tee $(B)/bench.md

format:
	clang-format -i lib/*.[ch] cli/*.[ch] keytool/*.c bundler/*.c signer/*.c verifier/*.c agent/*.c tests/unit/*.c

lint: all
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		-D_GNU_SOURCE -I. lib cli keytool bundler signer verifier agent

clean:
	rm -rf build build-sanitize

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
