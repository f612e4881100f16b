#!/bin/sh
# calls.sh: calls through pbxd between SIPp phones, with the dialplan
# dialplans/basic.lua: an answered call with RTP both ways (relayed by
# pbxd, content checked), busy, no answer, CANCEL, forking to two
# devices, hunting, hold/resume (either side), unauthenticated callers,
# BYE from the callee, RTP timeout, 404, codec choice, late offer, early
# media, call originate and call hangup from the console, no RTP ports
# leaked; call list, events and call records along the way.
# SPDX-License-Identifier: BSD-3-Clause
#
# Callees are SIPp processes running call_uas_reg.xml (REGISTER, wait,
# unREGISTER) with an out-of-call scenario call_uas_*.xml that takes
# pbxd's INVITE.  Their SDP names ports where tools/rtpep.py sends and
# records RTP.

. "$(dirname "$0")/lib.sh"

# Debian's own python3 when there is one: a version manager's shim in
# front of it costs a quarter of a second a call, and the test makes many
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }

TOOLS=$ROOT/tests/integration/tools
SCEN=$ROOT/tests/integration/sipp
DIALPLAN=$ROOT/tests/integration/dialplans/basic.lua

# msg NAME ARGS...: tools/sipmsg.py on the trace of SIPp run NAME
msg() { n=$1; shift; python3 "$TOOLS/sipmsg.py" "$T_DIR/$n.msg" "$@"; }

# callee NAME EXT SCENARIO MEDIA_PORT [sipp args]: a phone registered as
# EXT (password secret) in the background, answering with SCENARIO
callee()
{
	c_name=$1 c_ext=$2 c_scen=$3 c_port=$4
	shift 4
	c_before=$(reg_of "$c_ext" | grep -c .)
	sipp_start "$c_name" call_uas_reg.xml -s "$c_ext" -au "$c_ext" \
		-ap secret -oocsf "$SCEN/$c_scen" -key mport "$c_port" "$@"
	wait_for 50 regs_are "$c_ext" $((c_before + 1))
}

# caller NAME SCENARIO TO MEDIA_PORT [sipp args]: 1000 calls TO, offering
# the payload types $OFFER; caller_bg: the same in the background
OFFER=0
caller() { caller_with sipp_run "$@"; }
caller_bg() { caller_with sipp_start "$@"; }
caller_with()
{
	c_run=$1 c_name=$2 c_scen=$3 c_to=$4 c_port=$5
	shift 5
	$c_run "$c_name" "$c_scen" -s "$c_to" -au 1000 -ap secret \
		-key from 1000 -key mport "$c_port" -key pts "$OFFER" "$@"
}



# call_in STATE: the only call is in STATE, with two legs
call_in()
{
	l=$(ctl_json call list)
	[ "$(json_get "$l" .data.0.state)" = "$1" ] &&
		[ "$(json_get "$l" .data.0.legs.length)" = 2 ]
}

# final NAME: the status code of the last final answer to the INVITE
final()
{
	msg "$1" -w received -m '^SIP/2.0 [2-6]' -q 'INVITE$' -i -1 \
		-f :status | cut -d' ' -f2
}

# cdr ID FIELD: one column of the call record of call ID
cdr()
{
	sqlite3 "$PBX_DATA/pbxd.db" "SELECT $2 FROM cdr WHERE id = '$1'"
}

# last_cdr FIELD: one column of the latest call record
last_cdr()
{
	sqlite3 "$PBX_DATA/pbxd.db" \
		"SELECT $1 FROM cdr ORDER BY rowid DESC LIMIT 1"
}

between() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

# t_of NAME ARGS...: when SIPp run NAME logged a message (sipmsg.py ARGS)
t_of() { msg "$@" -f :time; }

# sub T1 T2: T2 - T1, seconds with two decimals
sub()
{
	python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' \
		"${1:-0}" "${2:-0}"
}

# talk TAG [STATE]: once the only call is answered (or in STATE), RTP both
# ways for 1.5 s between ports $ma (the caller, sends 1000 Hz) and $mb (the
# callee, 1500 Hz) and pbxd's legs; sets id p0 p1 (the call, pbxd's caller
# and callee ports); what the phones heard goes to TAG.rtp, the call list
# 0.8 s in to TAG.list.  Fails if the call is not there within 5 s.
talk()
{
	t_tag=$1
	wait_for 50 call_in "${2:-answered}" || return 1
	# at once: the caller hangs up a few seconds after its ACK
	set -- $(ctl_json call list | python3 -c '
import json, sys
c = (json.load(sys.stdin)["data"] or [{}])[0]
legs = c.get("legs", []) + [{}, {}]
print(c.get("id", "none"), legs[0].get("rtp_port", 9), legs[1].get("rtp_port", 9))')
	id=$1 p0=$2 p1=$3
	python3 "$TOOLS/rtpep.py" 1.5 "caller:$ma:$p0:1000" \
		"callee:$mb:$p1:1500" >"$T_DIR/$t_tag.rtp" 2>&1 &
	t_pid=$!
	sleep 0.8
	ctl_json call list >"$T_DIR/$t_tag.list"
	wait $t_pid
}

# heard TAG: both phones heard the other's tone through pbxd
heard()
{
	python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
ok = r["caller"]["peak_hz"] == 1500 and r["callee"]["peak_hz"] == 1000 and \
    r["caller"]["received"] >= 50 and r["callee"]["received"] >= 50
sys.exit(0 if ok else 1)' "$T_DIR/$1.rtp" || { diag "$(cat "$T_DIR/$1.rtp")"; return 1; }
}

# udp_sockets: UDP sockets pbxd has open
udp_sockets() { ss -Huanp | grep -c "pid=$PBX_PID,"; }

# rss: pbxd's resident memory, kB
rss() { awk '/^VmRSS/ {print $2}' "/proc/$PBX_PID/status"; }

if ! pbx_start -o dialplan="$DIALPLAN"; then
	not_ok "pbxd starts with dialplans/basic.lua"
	finish
fi
for e in 1000 1001 1002; do
	ctl user add $e --password secret >/dev/null
done
"$PBXCTL" -s "$PBX_SOCK" --json events >"$T_DIR/events" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"
udp0=$(udp_sockets)
diag "pbxd has $udp0 UDP sockets before any call"

# ---- (a) an answered call, RTP both ways -----------------------------------
ma=$(free_port)
mb=$(free_port)
check "(a) 1001 registers (SIPp)" callee a_callee 1001 call_uas_answer.xml "$mb"
caller_bg a_caller call_uac.xml 1001 "$ma" -d 4000
check "(a) call list: the call is answered" talk a
rtp=$(cat "$T_DIR/a.rtp")
list=$(cat "$T_DIR/a.list")
diag "rtp: $rtp"
diag "call list during RTP: $list"
check_eq "(a) call list: one call" 1 "$(json_get "$list" .data.length)"
check_eq "(a) call list: from 1000" 1000 "$(json_get "$list" .data.0.from)"
check_eq "(a) call list: to 1001" 1001 "$(json_get "$list" .data.0.to)"
check_eq "(a) call list: state answered" answered \
	"$(json_get "$list" .data.0.state)"
check_eq "(a) call list: two legs" 2 "$(json_get "$list" .data.0.legs.length)"
for i in 0 1; do
	check_eq "(a) leg $i codec PCMU" PCMU \
		"$(json_get "$list" .data.0.legs.$i.codec)"
	check "(a) leg $i packets_in > 0" \
		test "$(json_get "$list" .data.0.legs.$i.packets_in)" -gt 0
	check "(a) leg $i packets_out > 0" \
		test "$(json_get "$list" .data.0.legs.$i.packets_out)" -gt 0
done
check "(a) the caller got at least 50 RTP packets" \
	test "$(json_get "$rtp" .caller.received)" -ge 50
check "(a) the callee got at least 50 RTP packets" \
	test "$(json_get "$rtp" .callee.received)" -ge 50
check_eq "(a) the caller hears the callee's 1500 Hz" 1500 \
	"$(json_get "$rtp" .caller.peak_hz)"
check_eq "(a) the callee hears the caller's 1000 Hz" 1000 \
	"$(json_get "$rtp" .callee.peak_hz)"
check_eq "(a) RTP to the caller comes from pbxd's caller leg" \
	"[\"127.0.0.1:$p0\"]" "$(json_get "$rtp" .caller.sources)"
check_eq "(a) RTP to the callee comes from pbxd's callee leg" \
	"[\"127.0.0.1:$p1\"]" "$(json_get "$rtp" .callee.sources)"
check_eq "(a) one SSRC, sequence and timestamps going up (caller)" \
	"1 true" "$(json_get "$rtp" .caller.ssrcs) $(json_get "$rtp" .caller.seq_ok)"
check_eq "(a) one SSRC, sequence and timestamps going up (callee)" \
	"1 true" "$(json_get "$rtp" .callee.ssrcs) $(json_get "$rtp" .callee.seq_ok)"
check "(a) caller: INVITE, 407, INVITE, 200, BYE (SIPp ok)" sipp_wait a_caller
check "(a) callee: INVITE, 200, BYE (SIPp ok)" sipp_wait a_callee
check_eq "(a) the first answer to the INVITE was 407" "SIP/2.0 407 Proxy Authentication Required" \
	"$(msg a_caller -w received -m '^SIP/2.0 [2-6]' -f :status)"
check_eq "(a) the caller's 200 has pbxd's address and port in its SDP" \
	"127.0.0.1:$p0" "$(msg a_caller -w received -m '^SIP/2.0 200' -q INVITE -f :sdp)"
check_eq "(a) the callee's INVITE has pbxd's address and port in its SDP" \
	"127.0.0.1:$p1" "$(msg a_callee -w received -m '^INVITE' -f :sdp)"
check "(a) pbxd's ports are not the phones'" \
	test "$p0" != "$ma" -a "$p1" != "$mb" -a "$p0" != "$p1"
check_eq "(a) the callee sees the caller as From 1000" 1000 \
	"$(msg a_callee -w received -m '^INVITE' -f From | sed 's/.*sip:\([^@]*\)@.*/\1/')"
check "(a) after the BYE the call list is empty" wait_for 20 calls_are 0
check_eq "(a) cdr: disposition" answered "$(cdr "$id" disposition)"
check_eq "(a) cdr: caller, callee, user" "1000|1001|1000" \
	"$(cdr "$id" "caller || '|' || callee || '|' || user")"
check "(a) cdr: billsec 4 or 5 ($(cdr "$id" billsec))" \
	between 4 5 "$(cdr "$id" billsec)"
check_eq "(a) cdr: the call:set variable" '{"caller":"1000"}' "$(cdr "$id" vars)"

# ---- (b) busy -------------------------------------------------------------
check "(b) 1001 registers, will be busy" callee b_callee 1001 call_uas_busy.xml "$mb"
caller b_caller call_uac.xml 1001 "$ma"
check_eq "(b) the caller gets 486" 486 "$(final b_caller)"
check "(b) the callee saw the INVITE and our ACK" sipp_wait b_callee
check_eq "(b) cdr: disposition busy, dial busy" "busy|busy" \
	"$(last_cdr "disposition || '|' || json_extract(vars, '\$.dial')")"

# ---- (c) no answer: dial timeout 3 s ---------------------------------------
check "(c) 1001 registers, will only ring" callee c_callee 1001 call_uas_ring.xml "$mb"
caller c_caller call_uac.xml 1001 "$ma"
check_eq "(c) the caller gets 480" 480 "$(final c_caller)"
check "(c) the callee got CANCEL (and answered 487)" sipp_wait c_callee
d=$(sub "$(t_of c_callee -w received -m '^INVITE')" "$(t_of c_callee -w received -m '^CANCEL')")
check "(c) CANCEL came 3 s after the INVITE ($d s)" fbetween 2.8 3.8 "$d"
check_eq "(c) cdr: dial noanswer" noanswer \
	"$(last_cdr "json_extract(vars, '\$.dial')")"

# ---- (d) the caller cancels while it rings -----------------------------------
check "(d) 1001 registers, will only ring" callee d_callee 1001 call_uas_ring.xml "$mb"
caller d_caller call_uac_cancel.xml 1001 "$ma" -d 1000
check "(d) the caller's CANCEL got 200 and the INVITE 487" \
	test "$(final d_caller)" = 487
check "(d) the callee got CANCEL" sipp_wait d_callee
check_eq "(d) cdr: disposition cancelled" cancelled "$(last_cdr disposition)"
check "(d) the call list is empty" wait_for 20 calls_are 0

# ---- (e) two devices of 1001 ring at once; the first to answer wins ----------
mc=$(free_port)
check "(e) device 1 of 1001 registers (answers after 1 s)" \
	callee e_dev1 1001 call_uas_answer.xml "$mb" -d 1000
check "(e) device 2 of 1001 registers (only rings)" \
	callee e_dev2 1001 call_uas_ring.xml "$mc"
caller e_caller call_uac.xml 1001 "$ma" -d 1000
check_eq "(e) the caller is answered" 200 "$(final e_caller)"
check "(e) device 1 got the call and the BYE" sipp_wait e_dev1
check "(e) device 2 got CANCEL" sipp_wait e_dev2
d=$(sub "$(t_of e_dev1 -w received -m '^INVITE')" "$(t_of e_dev2 -w received -m '^INVITE')" | tr -d -)
check "(e) both devices rang at once ($d s apart)" fbetween 0 0.5 "$d"
d=$(sub "$(t_of e_dev1 -w sent -m '^SIP/2.0 200' -q INVITE)" "$(t_of e_dev2 -w received -m '^CANCEL')")
check "(e) device 2's CANCEL followed device 1's answer ($d s)" \
	fbetween 0 1 "$d"

# ---- (f) hunting: 1002 for 2 s, then 1001 -------------------------------------
check "(f) 1002 registers (only rings)" callee f_1002 1002 call_uas_ring.xml "$mc"
check "(f) 1001 registers (answers)" callee f_1001 1001 call_uas_answer.xml "$mb"
caller f_caller call_uac.xml hunt "$ma" -d 500
check_eq "(f) the caller is answered" 200 "$(final f_caller)"
check "(f) 1002 rang and got CANCEL" sipp_wait f_1002
check "(f) 1001 got the call" sipp_wait f_1001
d=$(sub "$(t_of f_1002 -w received -m '^INVITE')" "$(t_of f_1001 -w received -m '^INVITE')")
check "(f) 1001 rang 2 s after 1002 ($d s)" fbetween 1.8 2.8 "$d"
d=$(sub "$(t_of f_1002 -w received -m '^CANCEL')" "$(t_of f_1001 -w received -m '^INVITE')")
check "(f) ... once 1002 was cancelled ($d s)" fbetween 0 0.5 "$d"

# ---- (g) hold and resume ---------------------------------------------------------
check "(g) 1001 registers (answers)" callee g_callee 1001 call_uas_answer.xml "$mb"
caller g_caller call_uac_hold.xml 1001 "$ma" -d 700
check "(g) caller: hold answered recvonly, resume sendrecv (SIPp ok)" \
	test "$(final g_caller)" = 200 -a -s "$T_DIR/g_caller.log" -a \
	! -s "$T_DIR/g_caller.err"
check "(g) callee: SIPp ok" sipp_wait g_callee
check_eq "(g) the caller's hold got a=recvonly" recvonly \
	"$(msg g_caller -w received -m '^SIP/2.0 200' -q '^3 INVITE' -f :dir)"
check_eq "(g) the callee got a re-INVITE a=sendonly (pbxd holds it)" sendonly \
	"$(msg g_callee -w received -m '^INVITE' -i 2 -f :dir)"
check_eq "(g) then a re-INVITE a=sendrecv (resume)" sendrecv \
	"$(msg g_callee -w received -m '^INVITE' -i 3 -f :dir)"
check_eq "(g) the re-INVITEs kept pbxd's RTP port" \
	"$(msg g_callee -w received -m '^INVITE' -i 1 -f :sdp)" \
	"$(msg g_callee -w received -m '^INVITE' -i 3 -f :sdp)"
check_eq "(g) the caller got BYE's 200" 200 \
	"$(msg g_caller -w received -q BYE -f :status | cut -d' ' -f2)"

# ---- (q) the callee holds and resumes: passed on to the caller ---------------
check "(q) 1001 registers (holds, resumes, hangs up; 0.7 s apart)" \
	callee q_callee 1001 call_uas_hold.xml "$mb" -d 700
caller q_caller call_uac_wait.xml 1001 "$ma"
check "(q) the callee's hold got recvonly, its resume sendrecv (SIPp ok)" \
	sipp_wait q_callee
check_eq "(q) the caller got a re-INVITE a=sendonly" sendonly \
	"$(msg q_caller -w received -m '^INVITE' -i 1 -f :dir)"
check_eq "(q) then a=sendrecv" sendrecv \
	"$(msg q_caller -w received -m '^INVITE' -i 2 -f :dir)"
check_eq "(q) with pbxd's caller-side address and port unchanged" \
	"$(msg q_caller -w received -m '^SIP/2.0 200' -q INVITE -f :sdp)" \
	"$(msg q_caller -w received -m '^INVITE' -i 2 -f :sdp)"
check "(q) then the callee's BYE reached the caller" \
	test "$(msg q_caller -w received -m '^BYE' -c)" -ge 1

# ---- (h) unauthenticated callers ------------------------------------------------
caller h_wrong call_uac.xml 1001 "$ma" -ap wrong
check_eq "(h) 1000 with a wrong password: 403" 403 "$(final h_wrong)"
sipp_run h_stranger call_uac_noauth.xml -s 1002 -key from stranger \
	-key fromhost somewhere.example -key mport "$ma" -key pts 0
check_eq "(h) a stranger gets no challenge: the dialplan says 403" \
	"SIP/2.0 403 Forbidden (unauthenticated)" \
	"$(msg h_stranger -w received -m '^SIP/2.0 [2-6]' -f :status)"
check_eq "(h) cdr: no user, caller var none" "|none|stranger" \
	"$(last_cdr "coalesce(user, '') || '|' || json_extract(vars, '\$.caller') || '|' || caller")"
check "(h) 1001 registers (busy)" callee h_callee 1001 call_uas_busy.xml "$mb"
sipp_run h_stranger2 call_uac_noauth.xml -s 1001 -key from stranger \
	-key fromhost somewhere.example -key mport "$ma" -key pts 0
check_eq "(h) a stranger may call 1001 (busy: 486)" 486 "$(final h_stranger2)"
check "(h) 1001 got the stranger's INVITE" sipp_wait h_callee

# ---- (i) the callee hangs up -----------------------------------------------------
check "(i) 1001 registers (hangs up after 1 s)" \
	callee i_callee 1001 call_uas_bye.xml "$mb" -d 1000
caller i_caller call_uac_wait.xml 1001 "$ma"
check "(i) the caller got BYE" test "$(msg i_caller -w received -m '^BYE' -c)" -ge 1
check "(i) the callee's BYE got 200" sipp_wait i_callee
d=$(sub "$(t_of i_callee -w sent -m '^BYE')" "$(t_of i_caller -w received -m '^BYE')")
check "(i) the BYE was passed on at once ($d s)" fbetween 0 0.5 "$d"
check "(i) the call list is empty" wait_for 20 calls_are 0

# ---- (k) unknown number --------------------------------------------------------
caller k_caller call_uac.xml 2999 "$ma"
check_eq "(k) 2999 is unknown: 404" 404 "$(final k_caller)"
check_eq "(k) cdr: failed" failed "$(last_cdr disposition)"

# ---- (m) the caller prefers PCMA, the callee takes PCMU ----------------------
check "(m) 1001 registers (answers PCMU)" callee m_callee 1001 call_uas_answer.xml "$mb"
OFFER="8 0"
caller_bg m_caller call_uac.xml 1001 "$ma" -d 3000
OFFER=0
check "(m) the call is answered" talk m
check_eq "(m) the callee was offered PCMA and PCMU first, then G.722" \
	"8 0 9 101" \
	"$(msg m_callee -w received -m '^INVITE' -f :body | sed -n 's/^m=audio [0-9]* RTP\/AVP //p')"
check_eq "(m) the caller's 200 says PCMU" "0 101" \
	"$(msg m_caller -w received -m '^SIP/2.0 200' -q INVITE -f :body | sed -n 's/^m=audio [0-9]* RTP\/AVP //p')"
check "(m) RTP both ways, tones heard" heard m
check "(m) caller: SIPp ok" sipp_wait m_caller
check "(m) callee: SIPp ok" sipp_wait m_callee

# ---- (n) late offer: no SDP in the INVITE ----------------------------------
check "(n) 1001 registers (answers)" callee n_callee 1001 call_uas_answer.xml "$mb"
caller_bg n_caller call_uac_late.xml 1001 "$ma" -d 3000
check "(n) the call is answered" talk n
check "(n) pbxd offered in the 200" test -n \
	"$(msg n_caller -w received -m '^SIP/2.0 200' -q INVITE -f :sdp)"
check "(n) RTP both ways, tones heard" heard n
check "(n) caller: SIPp ok" sipp_wait n_caller
check "(n) callee: SIPp ok" sipp_wait n_callee

# ---- (o) early media: the callee's 183 with SDP is relayed before the 200 ----
check "(o) 1001 registers (183 with SDP, 200 after 2.5 s)" \
	callee o_callee 1001 call_uas_early.xml "$mb" -d 2500
caller_bg o_caller call_uac.xml 1001 "$ma" -d 500
check "(o) call list: state early" talk o early
check "(o) early media both ways, tones heard" heard o
check_eq "(o) the caller's 183 has pbxd's address and port" "127.0.0.1:$p0" \
	"$(msg o_caller -w received -m '^SIP/2.0 183' -i -1 -f :sdp)"
check "(o) caller: SIPp ok" sipp_wait o_caller
check_eq "(o) so has its 200" "127.0.0.1:$p0" \
	"$(msg o_caller -w received -m '^SIP/2.0 200' -q INVITE -f :sdp)"
check "(o) callee: SIPp ok" sipp_wait o_callee

# ---- (p) call originate 1000 1001, then call hangup from the console -------
check "(p) 1000 registers a device (answers)" \
	callee p_1000 1000 call_uas_answer.xml "$ma"
check "(p) 1001 registers (answers)" callee p_1001 1001 call_uas_answer.xml "$mb"
r=$(ctl_json call originate 1000 1001)
diag "originate: $r"
check_eq "(p) call originate: ok" true "$(json_get "$r" .ok)"
check "(p) 1000's device answers, the dialplan rings 1001, both talk" talk p
check "(p) RTP both ways, tones heard" heard p
list=$(cat "$T_DIR/p.list")
check_eq "(p) call list: the call has the id originate gave" \
	"$(json_get "$r" .data)" "$(json_get "$list" .data.0.id)"
check_eq "(p) call list: from 1000 to 1001" "1000 1001" \
	"$(json_get "$list" .data.0.from) $(json_get "$list" .data.0.to)"
r=$(ctl_json call hangup "$id")
check_eq "(p) call hangup: ok" true "$(json_get "$r" .ok)"
check "(p) 1000's device got BYE" sipp_wait p_1000
check "(p) 1001 got BYE" sipp_wait p_1001
check "(p) the call list is empty" wait_for 20 calls_are 0
check_eq "(p) cdr: answered, user 1000, hung up from the console" \
	"answered|1000|hung up from the console" \
	"$(cdr "$id" "disposition || '|' || user || '|' || cause")"
check "(p) call hangup of a call that is gone fails" \
	sh -c '! "$@" >/dev/null 2>&1' - "$PBXCTL" -s "$PBX_SOCK" call hangup "$id"
check "(p) originate for an extension with no device fails" \
	sh -c '! "$@" >/dev/null 2>&1' - "$PBXCTL" -s "$PBX_SOCK" call originate 1002 1001

# ---- (l) no RTP port leaked ----------------------------------------------------
check "(l) no call is left" wait_for 20 calls_are 0
sleep 0.3
check_eq "(l) as many UDP sockets as before the calls" "$udp0" "$(udp_sockets)"
check_eq "(l) status: calls 0" 0 "$(json_get "$(ctl_json status)" .data.calls)"
check "events: call_state answered and bridged" \
	grep -q '"state": *"bridged"' "$T_DIR/events"
check "events: call_end with disposition" \
	grep -q '"event": *"call_end".*"disposition": *"answered"' "$T_DIR/events"
check "pbxd stops cleanly" pbx_stop

# ---- (j) RTP timeout: no RTP at all, both legs get BYE after 3 s -------------
if ! pbx_start -o dialplan="$DIALPLAN" -o rtp_timeout=3; then
	not_ok "pbxd starts with rtp_timeout=3"
	finish
fi
udp0=$(udp_sockets)
check "(j) 1001 registers (answers, sends no RTP)" \
	callee j_callee 1001 call_uas_answer.xml "$mb"
caller j_caller call_uac_wait.xml 1001 "$ma"
check "(j) the callee got BYE" sipp_wait j_callee
d=$(sub "$(t_of j_caller -w sent -m '^ACK' -i -1)" "$(t_of j_caller -w received -m '^BYE')")
check "(j) the caller got BYE 3-5 s after the answer ($d s)" fbetween 2.9 5 "$d"
d=$(sub "$(t_of j_callee -w received -m '^ACK')" "$(t_of j_callee -w received -m '^BYE')")
check "(j) the callee got BYE 3-5 s after the answer ($d s)" fbetween 2.9 5 "$d"
check_eq "(j) cdr: cause rtp timeout" "rtp timeout" "$(last_cdr cause)"
check "(j) the call list is empty" wait_for 20 calls_are 0
sleep 0.3
check_eq "(j) as many UDP sockets as before the call" "$udp0" "$(udp_sockets)"
check "pbxd stops cleanly" pbx_stop
finish
