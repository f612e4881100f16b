#!/bin/sh
# calls_lua.sh: the Lua dialplan engine end to end, with SIPp callers and
# dialplans/engine.lua: a runtime error (500, script_error event with
# file:line), a runaway loop (stopped, 500, pbxd responsive), a reload
# with a syntax error (refused, the old dialplan goes on), a reload while
# a call sleeps in its script (it finishes on the old version, new calls
# get the new one), SIGHUP, and 1000 concurrent scripted calls (all
# complete, calls back to 0, memory back near where it was).
# SPDX-License-Identifier: BSD-3-Clause

. "$(dirname "$0")/lib.sh"

# Debian's own python3 when there is one: a version manager's shim in
# front of it costs a quarter of a second a call
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }

TOOLS=$ROOT/tests/integration/tools
DP=$T_DIR/dialplan.lua

msg() { n=$1; shift; python3 "$TOOLS/sipmsg.py" "$T_DIR/$n.msg" "$@"; }

# version V: the test dialplan as version V, in place
version()
{
	sed "s/^VERSION = \"1\"/VERSION = \"$1\"/" \
		"$ROOT/tests/integration/dialplans/engine.lua" >"$DP.new" &&
		mv "$DP.new" "$DP"
}

# ucall NAME TO [sipp args]: an unauthenticated caller dials TO;
# ucall_bg: the same in the background
ucall() { ucall_with sipp_run "$@"; }
ucall_bg() { ucall_with sipp_start "$@"; }
ucall_with()
{
	u_run=$1 u_name=$2 u_to=$3
	shift 3
	$u_run "$u_name" call_uac_noauth.xml -s "$u_to" -key from tester \
		-key fromhost somewhere.example -key mport 9 -key pts 0 "$@"
}

# status_of NAME: the start line of the final answer SIPp run NAME got
status_of()
{
	msg "$1" -w received -m '^SIP/2.0 [2-6]' -q INVITE -i -1 -f :status
}

calls_now() { json_get "$(ctl_json status)" .data.calls; }
calls_are() { [ "$(calls_now)" = "$1" ]; }
call_answered()
{
	[ "$(json_get "$(ctl_json call list)" .data.0.state)" = answered ]
}

# events_of NAME: the events NAME seen so far, one JSON object a line
events_of() { grep "\"event\": *\"$1\"" "$T_DIR/events"; }
has_events() { [ "$(events_of "$1" | grep -c .)" -ge "$2" ]; }

cdr()
{
	sqlite3 "$PBX_DATA/pbxd.db" "SELECT $2 FROM cdr WHERE $1"
}

rss() { awk '/^VmRSS/ {print $2}' "/proc/$PBX_PID/status"; }

# load N: 1000 calls to "load" (each answers, sleeps 2 s in its script,
# hangs up); SIPp starts 500 a second, so nearly all are up at once.
# Checks they all went through, many at once (the peak of `status` calls,
# sampled every 0.2 s) and the call count went back to 0.
load()
{
	: >"$T_DIR/peak.$1"
	( while :; do calls_now >>"$T_DIR/peak.$1"; sleep 0.2; done ) &
	l_poll=$!
	EXTRA_PIDS="$EXTRA_PIDS $l_poll"
	ucall "load$1" load -r 500 -m 1000 -l 1000 -timeout 40s
	l_rc=$?
	kill $l_poll
	check "load $1: SIPp: 1000 calls answered and hung up by the script (exit $l_rc)" \
		test $l_rc -eq 0
	l_peak=$(sort -n "$T_DIR/peak.$1" | tail -1)
	check "load $1: many calls at once (peak $l_peak)" test "${l_peak:-0}" -ge 500
	check "load $1: status calls back to 0" wait_for 50 calls_are 0
	check_eq "load $1: 1000 more call records, all answered" $(($1 * 1000)) \
		"$(cdr "callee = 'load' AND disposition = 'answered'" "count(*)")"
}

version 1
# log_level info: a debug line for every SIP message slows pbxd down a lot
# under 500 calls a second
if ! pbx_start -o dialplan="$DP" -o dialplan_max_ms=500 -o log_level=info; then
	not_ok "pbxd starts with dialplans/engine.lua"
	finish
fi
"$PBXCTL" -s "$PBX_SOCK" --json events >"$T_DIR/events" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
sleep 0.2

# ---- 1000 concurrent scripted calls (a second 1000 at the end) ---------------
rss0=$(rss)
load 1
t_load1=$(date +%s)

# ---- a runtime error ----------------------------------------------------------
line=$(grep -n -- '-- ERROR-LINE$' "$DP" | cut -d: -f1)
ucall err error
check_eq "runtime error: the caller gets 500" \
	"SIP/2.0 500 Server Internal Error" "$(status_of err)"
check "runtime error: a script_error event" wait_for 20 has_events script_error 1
ev=$(events_of script_error | head -1)
# (diag's echo would turn the JSON escapes \n \t into line breaks)
diag "event: $(printf '%s' "$ev" | sed 's/\\[nt]/ /g')"
check "script_error names the file and line (dialplan.lua:$line:)" \
	sh -c 'case "$1" in *"dialplan.lua:$2: "*) ;; *) exit 1;; esac' - \
	"$(json_get "$ev" .message)" "$line"
check_eq "script_error has the call's id" "$(cdr "callee = 'error'" id)" \
	"$(json_get "$ev" .call_id)"
check "script_error has a traceback through route" sh -c \
	'case "$1" in *"stack traceback:"*"route"*) ;; *) exit 1;; esac' - \
	"$(json_get "$ev" .traceback)"
check "the log names file and line too" \
	grep -q "dialplan: .*dialplan.lua:$line: " "$PBX_LOG"
check_eq "the call record of the failed call" "failed|1" \
	"$(cdr "callee = 'error'" "disposition || '|' || json_extract(vars, '\$.version')")"

# ---- a runaway loop ---------------------------------------------------------------
t0=$(date +%s%N)
ucall_bg loop loop
sleep 0.2
check "pbxd answers the console while a script spins (or right after)" \
	sh -c '"$@" >/dev/null' - timeout 3 "$PBXCTL" -s "$PBX_SOCK" status
sipp_wait loop
t1=$(date +%s%N)
check_eq "runaway loop: the caller gets 500" \
	"SIP/2.0 500 Server Internal Error" "$(status_of loop)"
ms=$(( (t1 - t0) / 1000000 ))
check "runaway loop: stopped within 3 s ($ms ms, limit 500 ms)" \
	test "$ms" -lt 3000
check "runaway loop: a second script_error" wait_for 20 has_events script_error 2
diag "event: $(events_of script_error | sed -n '2s/\\[nt]/ /gp')"
check "pbxd is alive" kill -0 "$PBX_PID"
ucall after_loop version
check_eq "the next call runs normally" "SIP/2.0 480 dialplan v1" \
	"$(status_of after_loop)"

# ---- a reload with a syntax error keeps the old dialplan -------------------------
printf 'function route(call)\n\tcall:reject(404\nend\n' >"$DP"
r=$(ctl_json dialplan reload)
diag "reload: $r"
check_eq "reload with a syntax error: ok false" false "$(json_get "$r" .ok)"
check "the error names the file and line (dialplan.lua:3)" \
	sh -c 'case "$1" in *"dialplan.lua:3:"*) ;; *) exit 1;; esac' - \
	"$(json_get "$r" .error)"
check "pbxctl exits 1" sh -c '! "$@" >/dev/null 2>&1' - \
	"$PBXCTL" -s "$PBX_SOCK" dialplan reload
check "a dialplan_reload error event" \
	sh -c 'grep "\"event\": *\"dialplan_reload\"" "$1" | grep -q "\"result\": *\"error\""' \
	- "$T_DIR/events"
ucall after_bad version
check_eq "calls still run the old dialplan" "SIP/2.0 480 dialplan v1" \
	"$(status_of after_bad)"

# ---- a reload while a call sleeps in its script ---------------------------------
version 1
ucall_bg park park
check "a call parks in call:sleep(3000)" wait_for 30 call_answered
version 2
r=$(ctl_json dialplan reload)
check_eq "reload: ok" true "$(json_get "$r" .ok)"
ucall new version
check_eq "a new call runs the new dialplan" "SIP/2.0 480 dialplan v2" \
	"$(status_of new)"
check "the parked call goes on and ends with pbxd's BYE" sipp_wait park
check_eq "... having finished on the old dialplan (version, after)" \
	"answered|1|1" "$(cdr "callee = 'park'" \
	"disposition || '|' || json_extract(vars, '\$.version') || '|' || json_extract(vars, '\$.after')")"
b=$(cdr "callee = 'park'" billsec)
check "... after its 3 s of sleep (billsec $b)" test "$b" -ge 3 -a "$b" -le 4

# ---- SIGHUP reloads -----------------------------------------------------------
version 3
n=$(events_of dialplan_reload | grep -c '"ok"')
kill -HUP "$PBX_PID"
check "SIGHUP: a dialplan_reload ok event" \
	wait_for 30 sh -c '[ "$(grep "\"event\": *\"dialplan_reload\"" "$1" | grep -c "\"ok\"")" -gt "$2" ]' \
	- "$T_DIR/events" "$n"
ucall hup version
check_eq "SIGHUP: new calls run the new dialplan" "SIP/2.0 480 dialplan v3" \
	"$(status_of hup)"
check_eq "status: calls 0" 0 "$(calls_now)"

# ---- the second 1000 calls: memory stays where the first left it -------------
# libre keeps the server transaction of each answered INVITE for 64*T1 =
# 32 s after the 200 (about 5 kB a call, seen with malloc_stats); once
# those are gone, a second round reuses the memory of the first instead
# of adding to it, unless something leaks
while [ $(($(date +%s) - t_load1)) -lt 34 ]; do sleep 1; done
rss1=$(rss)
load 2
rss2=$(rss)
diag "pbxd RSS: at start $rss0 kB, after 1000 calls (settled) $rss1 kB, after 1000 more $rss2 kB"
check "no growth from the second 1000 calls ($rss1 -> $rss2 kB, slack 2.5 MB)" \
	test "$rss2" -le $((rss1 + 2560))
check "RSS within 32 MB of the start ($rss0 -> $rss2 kB)" \
	test "$rss2" -le $((rss0 + 32768))
check "pbxd answers the console" sh -c '"$@" >/dev/null' - "$PBXCTL" -s "$PBX_SOCK" status
check "pbxd stops cleanly" pbx_stop
finish
