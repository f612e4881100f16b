# lib.sh: shared helpers for the integration tests (sourced, not run).
# SPDX-License-Identifier: BSD-3-Clause
#
# Each test starts its own pbxd on 127.0.0.1 with free ports and its own
# data_dir, talks to it only over loopback, and stops it by PID.  Results
# are TAP-like lines: "ok N - what" / "not ok N - what"; finish exits 1
# if any check failed.

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
PBXD=$BUILD/pbxd
PBXCTL=$BUILD/pbxctl
T_N=0
T_FAIL=0
T_DIR=$(mktemp -d /tmp/pbxd-test.XXXXXX)
PBX_PID=""
EXTRA_PIDS=""

cleanup()
{
	for p in $EXTRA_PIDS $PBX_PID; do
		kill "$p" 2>/dev/null
	done
	sleep 0.2
	for p in $EXTRA_PIDS $PBX_PID; do
		kill -9 "$p" 2>/dev/null
	done
	[ -n "$KEEP" ] || rm -rf "$T_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT		# exit runs cleanup; the test must not go on
trap 'exit 143' TERM

ok()     { T_N=$((T_N + 1)); echo "ok $T_N - $*"; }
not_ok() { T_N=$((T_N + 1)); T_FAIL=$((T_FAIL + 1)); echo "not ok $T_N - $*"; }
diag()   { printf '# %s\n' "$*"; }

# check "what" command...: ok if the command exits 0
check()
{
	what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# check_eq "what" expected actual
check_eq()
{
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"
		diag "expected: $2"
		diag "got:      $3"
	fi
}

finish()
{
	if [ $T_FAIL -ne 0 ] && [ -n "$PBX_LOG" ] && [ -f "$PBX_LOG" ]; then
		diag "pbxd log (last 30 lines):"
		tail -30 "$PBX_LOG" | sed 's/^/#   /'
	fi
	echo "1..$T_N"
	[ $T_FAIL -eq 0 ]
	exit $?
}

# free_port: a port free for UDP and TCP on 127.0.0.1 (and port+1)
free_port()
{
	while :; do
		p=$(shuf -i 20000-59000 -n 1)
		if ! ss -Hlnu "( sport = :$p or sport = :$((p + 1)) )" |
		     grep -q . &&
		   ! ss -Hlnt "( sport = :$p or sport = :$((p + 1)) )" |
		     grep -q .; then
			echo "$p"
			return
		fi
	done
}

# valgrind_wrap: the next pbx_start runs pbxd under valgrind (memory
# errors and definite leaks), its report in VG_LOG
valgrind_wrap()
{
	VG_LOG=$T_DIR/valgrind.log
	PBX_WRAP="valgrind --error-exitcode=99 --leak-check=full \
--errors-for-leak-kinds=definite --show-leak-kinds=definite \
--log-file=$VG_LOG"
}

# valgrind_check: after pbx_stop of a pbxd started after valgrind_wrap:
# no memory errors, no definite leaks
valgrind_check()
{
	if grep -q "ERROR SUMMARY: 0 errors" "$VG_LOG"; then
		ok "valgrind: no memory errors and no definite leaks"
	else
		not_ok "valgrind: no memory errors and no definite leaks"
		grep -A12 -E "Invalid|definitely lost|uninitialised" \
			"$VG_LOG" | head -60 | sed 's/^/# /'
	fi
}

# pbx_start [-o KEY=VALUE]...: starts pbxd; sets PBX_PORT PBX_DATA
# PBX_SOCK PBX_PID PBX_LOG.  A second call with the same PBX_DATA
# restarts on the same data.
pbx_start()
{
	PBX_PORT=${PBX_PORT:-$(free_port)}
	PBX_DATA=${PBX_DATA:-$T_DIR/var}
	PBX_SOCK=$PBX_DATA/pbxctl.sock
	PBX_LOG=$T_DIR/pbxd.log
	mkdir -p "$PBX_DATA"
	$PBX_WRAP "$PBXD" -c "$ROOT/tests/integration/test.conf" \
		-o sip_listen=127.0.0.1:$PBX_PORT \
		-o sip_domain=127.0.0.1 \
		-o data_dir="$PBX_DATA" \
		-o module_path="$BUILD/modules" \
		"$@" >>"$PBX_LOG" 2>&1 &
	PBX_PID=$!
	i=0
	while ! "$PBXCTL" -s "$PBX_SOCK" status >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 150 ] || ! kill -0 "$PBX_PID" 2>/dev/null; then
			diag "pbxd did not start:"
			tail -20 "$PBX_LOG" | sed 's/^/#   /'
			return 1
		fi
		sleep 0.1
	done
}

# pbx_stop: SIGTERM, wait (bounded) for a clean exit; returns its status
pbx_stop()
{
	[ -n "$PBX_PID" ] || return 0
	kill -TERM "$PBX_PID" 2>/dev/null
	i=0
	while kill -0 "$PBX_PID" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			kill -9 "$PBX_PID"
			PBX_PID=""
			return 1
		fi
		sleep 0.1
	done
	wait "$PBX_PID"
	rc=$?
	PBX_PID=""
	return $rc
}

ctl()      { "$PBXCTL" -s "$PBX_SOCK" "$@"; }
ctl_json() { "$PBXCTL" -s "$PBX_SOCK" --json "$@"; }

# json_get JSON EXPR: evaluates a jq-like path with python3 or lua
json_get()
{
	printf '%s' "$1" | python3 -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    d = None
for k in sys.argv[1].split(".")[1:]:
    if k == "":
        continue
    if isinstance(d, list):
        if k == "length":
            d = len(d)
        else:
            d = d[int(k)] if k.isdigit() and int(k) < len(d) else None
    elif isinstance(d, dict):
        d = d.get(k)
    else:
        d = None
print("" if d is None else (json.dumps(d) if isinstance(d, (dict, list)) else (str(d).lower() if isinstance(d, bool) else d)))
' "$2"
}

# reg_of EXT: the `reg list` entries of EXT, one JSON object a line
reg_of()
{
	ctl_json reg list | python3 -c '
import json, sys
for r in json.load(sys.stdin)["data"]:
    if r["ext"] == sys.argv[1]:
        print(json.dumps(r, sort_keys=True))
' "$1"
}

# sipp_run NAME SCENARIO [sipp args...]: runs one SIPp client scenario
# against pbxd, bounded in time (SIPP_SECS, default 20); log in
# $T_DIR/NAME.log
sipp_run()
{
	name=$1
	scen=$2
	shift 2
	timeout $((${SIPP_SECS:-20} + 10)) sipp 127.0.0.1:"$PBX_PORT" \
		-sf "$ROOT/tests/integration/sipp/$scen" \
		-i 127.0.0.1 -p "$(free_port)" -m 1 -nostdin \
		-timeout "${SIPP_SECS:-20}s" -timeout_error \
		-trace_err -error_file "$T_DIR/$name.err" \
		-trace_msg -message_file "$T_DIR/$name.msg" \
		"$@" >"$T_DIR/$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		diag "sipp $scen exited $rc"
		tail -5 "$T_DIR/$name.err" 2>/dev/null | sed 's/^/#   /'
	fi
	return $rc
}

# sipp_start NAME SCENARIO [sipp args...]: sipp_run in the background;
# sipp_wait NAME waits for it and returns its exit status
sipp_start()
{
	( sipp_run "$@"; echo $? >"$T_DIR/$1.rc" ) &
	echo $! >"$T_DIR/$1.pid"
	EXTRA_PIDS="$EXTRA_PIDS $!"
}

sipp_wait()
{
	wait "$(cat "$T_DIR/$1.pid")" 2>/dev/null
	return "$(cat "$T_DIR/$1.rc" 2>/dev/null || echo 1)"
}

# wait_for TENTHS COMMAND...: runs COMMAND every 0.1 s until it succeeds,
# at most TENTHS times; returns 1 if it never did
wait_for()
{
	wf_n=$1
	shift
	while ! "$@"; do
		wf_n=$((wf_n - 1))
		[ $wf_n -gt 0 ] || return 1
		sleep 0.1
	done
}


# ---- helpers of the call, media and voicemail tests -------------------------

# fbetween LOW HIGH VALUE: LOW <= VALUE <= HIGH, decimals
fbetween()
{
	[ -n "$3" ] && python3 -c 'import sys; a, b, v = map(float, sys.argv[1:])
sys.exit(0 if a <= v <= b else 1)' "$1" "$2" "$3"
}

# jget FILE EXPR: a python expression on r, the JSON object in FILE
jget()
{
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null
}

# regs_are EXT N: EXT has N registrations
regs_are() { [ "$(reg_of "$1" | grep -c .)" -eq "$2" ]; }

# calls_are N: pbxd has N calls
calls_are() { [ "$(json_get "$(ctl_json call list)" .data.length)" = "$1" ]; }

# hangup_all: hangs up every call from the console
hangup_all()
{
	for id in $(ctl_json call list | python3 -c '
import json, sys
print(" ".join(c["id"] for c in json.load(sys.stdin)["data"]))'); do
		ctl call hangup "$id" >/dev/null 2>&1
	done
}


# ---- helpers of the voicemail tests ----------------------------------------

db() { sqlite3 "$PBX_DATA/pbxd.db" "$@"; }
vm_count() { json_get "$(ctl_json vm list "$1")" .data.length; }

# vcall TAG TO SECONDS [mediaep actions]: FROM (1000) calls TO and stays
# until pbxd hangs up (SIPp call_uac_wait.xml); its endpoint
# (tools/mediaep.py) runs SECONDS and records TAG.wav; vwait TAG waits
# for both
vcall()
{
	v_tag=$1 v_to=$2 v_secs=$3
	shift 3
	v_port=$(free_port)
	python3 "$ROOT/tests/integration/tools/mediaep.py" \
		--bind "127.0.0.1:$v_port" --peer auto --codec pcmu \
		--seconds "$v_secs" --record "$T_DIR/$v_tag.wav" \
		"$@" >"$T_DIR/$v_tag.json" 2>"$T_DIR/$v_tag.err" &
	v_ep=$!
	EXTRA_PIDS="$EXTRA_PIDS $v_ep"
	SIPP_SECS=$((v_secs + 15)) sipp_start "$v_tag" call_uac_wait.xml \
		-s "$v_to" -au "${FROM:-1000}" -ap secret \
		-key from "${FROM:-1000}" -key mport "$v_port" -key pts 0
}

vwait()
{
	wait "$v_ep" 2>/dev/null
	sipp_wait "$1"
}

show() { diag "$1: $(head -c 1500 "$T_DIR/$1.json" "$T_DIR/$1.err" \
	2>/dev/null)"; }
