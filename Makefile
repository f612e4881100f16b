# pbxd: builds build/pbxd, build/pbxctl and build/modules/*.so.
# SPDX-License-Identifier: BSD-3-Clause
#
# Plain GNU make.  Each module folder adds itself through
# modules/NAME/module.mk (see modules/natping/module.mk).

.DEFAULT_GOAL := all

BUILD   ?= build
CC      ?= cc
VERSION := 0.1.0

ifeq ($(filter install-deps clean distclean,$(MAKECMDGOALS)),)
-include config.mk
endif

# Rerun configure when it is newer than its output (iproute2 does the same).
config.mk: configure
	./configure

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wno-unused-parameter
ifneq ($(CI),)
WARN    += -Werror
endif
OPT     ?= -O2 -g
CFLAGS  += -std=gnu11 $(OPT) $(WARN) -fvisibility=hidden -MMD -MP \
	   $(RE_DEFS) $(RE_CFLAGS) -DPBX_VERSION='"$(VERSION)"' $(EXTRA_CFLAGS)
LDFLAGS += $(EXTRA_LDFLAGS)

CORE_SRCS := $(filter-out core/main.c,$(wildcard core/*.c))
CORE_OBJS := $(CORE_SRCS:%.c=$(BUILD)/%.o)
# librem is linked statically with its symbols hidden, spandsp shared: both
# define goertzel_* (notes/libraries.md §2; core/audio.h).
REM_STATIC := -Wl,-Bstatic -lrem -Wl,-Bdynamic -Wl,--exclude-libs,librem.a
CORE_LIBS := $(REM_STATIC) $(RE_LIBS) $(SQLITE_LIBS) $(SSL_LIBS) \
	     $(LUA_LIBS) $(SPANDSP_LIBS) $(SRTP_LIBS) -lm -lpthread -ldl
CORE_INC  := $(SQLITE_CFLAGS) $(LUA_CFLAGS) -I/usr/include/rem \
	     $(SPANDSP_CFLAGS) $(SRTP_CFLAGS)

CTL_SRCS  := $(wildcard pbxctl/*.c)
CTL_OBJS  := $(CTL_SRCS:%.c=$(BUILD)/obj/%.o)

MODULES   :=
MOD_SOS   :=
include $(wildcard modules/*/module.mk)

# module template: $(1) = name; uses $(1)_SRCS, $(1)_CFLAGS, $(1)_LIBS
define MODULE_RULES
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/modules/$(1)/%.o,$$($(1)_SRCS))
MOD_SOS += $(BUILD)/modules/$(1).so
$(BUILD)/modules/$(1)/%.o: modules/$(1)/%.c
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) -fPIC -Icore $$($(1)_CFLAGS) -c $$< -o $$@
$(BUILD)/modules/$(1).so: $$($(1)_OBJS)
	$$(CC) -shared $$(LDFLAGS) -o $$@ $$^ $$($(1)_LIBS)
endef
$(foreach m,$(MODULES),$(eval $(call MODULE_RULES,$(m))))

all: $(BUILD)/pbxd $(BUILD)/pbxctl $(MOD_SOS)

$(BUILD)/core/%.o: core/%.c config.mk
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CORE_INC) -c $< -o $@

$(BUILD)/libpbxcore.a: $(CORE_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# -rdynamic: modules resolve pbx_* from the executable (visibility is
# default only for what core/pbx.h and core/core.h declare).
$(BUILD)/pbxd: $(BUILD)/core/main.o $(BUILD)/libpbxcore.a
	$(CC) -rdynamic $(LDFLAGS) -o $@ $(BUILD)/core/main.o \
		-Wl,--whole-archive $(BUILD)/libpbxcore.a -Wl,--no-whole-archive \
		$(CORE_LIBS)

$(BUILD)/obj/pbxctl/%.o: pbxctl/%.c config.mk
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(EDIT_CFLAGS) -c $< -o $@

$(BUILD)/pbxctl: $(CTL_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(RE_LIBS) $(EDIT_LIBS)

# ---- unit tests: tests/unit/<path>/test_X.c, one binary each -----------
UNIT_SRCS := $(wildcard tests/unit/*/*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libpbxcore.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(CORE_INC) $(CMOCKA_CFLAGS) -Icore -o $@ $< \
		$(BUILD)/libpbxcore.a $(CORE_LIBS) $(CMOCKA_LIBS)

# ---- test-only modules: tests/modules/NAME.c -> build/tests/modules -------
TMOD_SRCS := $(wildcard tests/modules/*.c)
TMOD_SOS  := $(TMOD_SRCS:tests/modules/%.c=$(BUILD)/tests/modules/%.so)

$(BUILD)/tests/modules/%.so: tests/modules/%.c config.mk
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -shared -Icore -o $@ $<

# The Lua engine's tests link a fake call layer instead of call.c, so
# they are built from the engine's sources, not libpbxcore.a.
LUA_TEST_DEPS := tests/lua/fake_call.c tests/lua/test_lua_util.c \
	$(filter core/lua%.c,$(CORE_SRCS)) core/conf.c core/log.c \
	core/pbx.c core/event.c core/db.c core/user.c core/digest.c \
	core/location.c core/cmd.c
LUA_TEST_BINS := $(BUILD)/tests/unit/lua/test_lua_engine \
	$(BUILD)/tests/unit/lua/test_lua_api

$(BUILD)/tests/unit/lua/%: tests/lua/%.c $(LUA_TEST_DEPS) \
		$(wildcard tests/lua/*.h core/*.h) config.mk
	@mkdir -p $(@D)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) $(CORE_INC) $(CMOCKA_CFLAGS) \
		-Icore -Itests/lua -o $@ $< $(LUA_TEST_DEPS) \
		$(CORE_LIBS) $(CMOCKA_LIBS)

# ---- benchmark tools: tests/bench/NAME.c -> build/bench/NAME --------------
# relay and rtpload (the bare relay's ceiling, tests/bench/fig_relay.sh)
# are plain C: no libre, no core.
BENCH_TOOLS := $(BUILD)/bench/relay $(BUILD)/bench/rtpload

$(BUILD)/bench/%: tests/bench/%.c config.mk
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARN) -o $@ $<

tests-build: all $(UNIT_BINS) $(LUA_TEST_BINS) $(TMOD_SOS) \
	$(BUILD)/bench/media_bench $(BENCH_TOOLS)

install-deps:
	./scripts/install-deps

# make run: everything a fresh Debian 12 machine needs, then pbxd in the
# foreground with conf/pbxd.conf (demo users are made on the first run).
run: install-deps
	$(MAKE) all
	./scripts/setup-demo
	exec $(BUILD)/pbxd -c conf/pbxd.conf

test: install-deps
	$(MAKE) tests-build
	./tests/run

# make bench PEERS=kamailio: Kamailio measured side by side (its Debian
# packages are installed first)
bench: install-deps
	@case " $(PEERS) " in *kamailio*) ./scripts/install-deps --bench;; esac
	$(MAKE) all $(BUILD)/bench/media_bench $(BENCH_TOOLS)
	@if [ -x tests/bench/run ]; then \
		PEERS="$(PEERS)" ./tests/bench/run; else \
		echo "no benchmarks yet: they come with the calls issue"; \
		exit 1; fi

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -f config.mk

.PHONY: all run test bench clean distclean install-deps tests-build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
