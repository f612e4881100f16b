#!/bin/sh
# build.sh: builds the Lua engine tests (fake call layer, not libpbxcore.a).
# SPDX-License-Identifier: BSD-3-Clause
#
# Usage: tests/lua/build.sh [OUTDIR]   (default build/tests/unit/lua,
# where tests/run finds and runs them with the other unit tests)
# The binaries link core/lua*.c with the core files they need and
# tests/lua/fake_call.c, which defines call.c's functions; that is why
# they cannot go through the Makefile's tests/unit rule.  CC, OPT and
# EXTRA_CFLAGS (e.g. -fsanitize=address) are honoured.

set -e
cd "$(dirname "$0")/../.."
OUT=${1:-build/tests/unit/lua}
CC=${CC:-cc}
OPT=${OPT:-"-O2 -g"}
mkdir -p "$OUT"

flags="-std=gnu11 $OPT -Wall -Wextra -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes -Wno-unused-parameter
	-DHAVE_INTTYPES_H -DHAVE_STDBOOL_H -DHAVE_INET6 -DPBX_VERSION=\"test\"
	$(pkg-config --cflags libre lua5.4 sqlite3 cmocka 2>/dev/null)
	-I/usr/include/re -I/usr/include/lua5.4 -Icore -Itests/lua
	$EXTRA_CFLAGS"
libs="$(pkg-config --libs libre lua5.4 sqlite3 cmocka 2>/dev/null ||
	echo -lre -llua5.4 -lsqlite3 -lcmocka) -lcrypto -lm -lpthread"
core="core/lua.c core/lua_state.c core/lua_error.c core/lua_script.c
	core/lua_call.c core/lua_method.c core/lua_pbx.c core/lua_on.c
	core/conf.c core/log.c core/pbx.c core/event.c core/db.c core/user.c
	core/digest.c core/location.c core/cmd.c"
common="tests/lua/fake_call.c tests/lua/test_lua_util.c"

for t in test_lua_engine test_lua_api; do
	# shellcheck disable=SC2086
	$CC $flags -o "$OUT/$t" "tests/lua/$t.c" $common $core $libs \
		$EXTRA_LDFLAGS
done
