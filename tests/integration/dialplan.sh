#!/bin/sh
# dialplan.sh: the default dialplan through real pbxd, over SIP (SIPp).
# SPDX-License-Identifier: BSD-3-Clause
#
# pbxd under valgrind with scripts/dialplan.lua: unauthenticated callers
# get 404 for unknown numbers, 403 for feature codes and 480 from an
# extension with no devices; a script error gives 500 and a script_error
# event; SIGHUP reloads (a broken file is refused, calls go on).

. "$(dirname "$0")/lib.sh"

valgrind_wrap
DP=$T_DIR/dialplan.lua
cp "$ROOT/scripts/dialplan.lua" "$DP"

# final NAME: status of the last final answer to the INVITE of run NAME
final()
{
	python3 "$ROOT/tests/integration/tools/sipmsg.py" "$T_DIR/$1.msg" \
		-w received -m '^SIP/2.0 [2-6]' -q 'INVITE$' -i -1 \
		-f :status | cut -d' ' -f2
}

# call NAME TO: an unauthenticated caller (5551234@10.0.0.1) calls TO
call()
{
	sipp_run "$1" call_uac_noauth.xml -s "$2" -key from 5551234 \
		-key fromhost 10.0.0.1 -key mport "$(free_port)" -key pts 0
}

check "pbxd starts under valgrind" pbx_start -o dialplan="$DP"
ctl user add 1001 --password secret >/dev/null
timeout 120 "$PBXCTL" -s "$PBX_SOCK" --json events >"$T_DIR/events" &
EXTRA_PIDS="$EXTRA_PIDS $!"
sleep 0.5

call a 4711
check_eq "unknown number: 404" 404 "$(final a)"
call b '*721001'
check_eq "feature code without a login: 403" 403 "$(final b)"
call c 1001
check_eq "extension without devices: 480 (unavailable)" 480 "$(final c)"

# a broken file is refused on SIGHUP; the running dialplan stays
echo 'function route(call) if then end' >"$DP"
kill -HUP "$PBX_PID"
wait_for 50 grep -q "reload failed, keeping" "$PBX_LOG"
check "SIGHUP with a syntax error keeps the old dialplan" \
	grep -q "dialplan.lua:1: unexpected symbol" "$PBX_LOG"
call d 4711
check_eq "... which still answers 404" 404 "$(final d)"

# a runtime error: 500 for the caller, script_error with file:line
printf 'function route(call)\n  local x = nil\n  x.y = 1\nend\n' >"$DP"
kill -HUP "$PBX_PID"
wait_for 50 grep -q "dialplan: reloaded" "$PBX_LOG"
call e 4711
check_eq "script error: 500" 500 "$(final e)"
wait_for 20 grep -q script_error "$T_DIR/events"
check "script_error event names file:line" \
	grep -q '"event":"script_error".*dialplan.lua:3: attempt to index' \
	"$T_DIR/events"

check "pbxd exits cleanly under valgrind" pbx_stop
valgrind_check
finish
