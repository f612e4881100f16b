#!/bin/sh
# register.sh: the registrar against SIPp: digest challenge and answers,
# several contacts, expiry bounds, removal, OPTIONS and unknown methods,
# TCP, user deletion and events.  What pbxd sends is checked on the wire
# (SIPp's message trace) and in `reg list`.
# SPDX-License-Identifier: BSD-3-Clause

. "$(dirname "$0")/lib.sh"

# msg NAME sent|received IDX [HEADER]: message IDX (1-based, -1 = last)
# that SIPp run NAME sent or received, whole or only the values of one
# header (one line each; ":status" is the start line, ":time" when SIPp
# logged it, in seconds since the epoch)
msg()
{
	python3 - "$T_DIR/$1.msg" "$2" "$3" "${4:-}" <<'EOF'
import re, sys
path, way, idx, hdr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
try:
    text = open(path, errors="replace").read()
except OSError:
    sys.exit(1)
msgs = []
parts = re.split(r"^-{20,} ([0-9-]+ [0-9:.]+)\n", text, flags=re.M)
for stamp, blk in zip(parts[1::2], parts[2::2]):
    m = re.match(r"\w+ message (sent|received)[^\n]*\n\n", blk)
    if m and m.group(1) == way:
        msgs.append((stamp, blk[m.end():].split("\n\n")[0]))
try:
    stamp, m = msgs[idx - 1 if idx > 0 else idx]
except IndexError:
    sys.exit(1)
lines = m.split("\n")
if not hdr:
    print(m)
elif hdr == ":time":
    import datetime
    print(datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp())
elif hdr == ":status":
    print(lines[0])
else:
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.strip().lower() == hdr.lower():
            print(v.strip())
EOF
}

# matches TEXT ERE...: every ERE matches some line of TEXT
matches()
{
	t=$1
	shift
	for re in "$@"; do
		printf '%s\n' "$t" | grep -Eq -- "$re" || return 1
	done
}

# one_of VALUE CHOICE...: VALUE is one of the CHOICEs
one_of()
{
	v=$1
	shift
	for x in "$@"; do
		[ "$v" = "$x" ] && return 0
	done
	return 1
}

# not_matches TEXT ERE: no line of TEXT matches
not_matches() { ! printf '%s\n' "$1" | grep -Eq -- "$2"; }

# field JSON-LINE KEY
field() { json_get "$1" ".$2"; }

# ctl_q ARGS...: ctl, quietly
ctl_q() { ctl "$@" >/dev/null; }

# between LOW HIGH VALUE
between() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

# elapsed EPOCH: tenths of a second since EPOCH
elapsed()
{
	python3 -c 'import sys, time; print(int((time.time() - float(sys.argv[1])) * 10))' "$1"
}

# md5hex STRING
md5hex() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }

pbx_start || { not_ok "pbxd starts"; finish; }
ok "pbxd starts"

# (o) the SIP UDP socket holds bursts: pbxd asks for 4 MiB of receive
# buffer, the kernel grants up to net.core.rmem_max and reports twice that
rmax=$(cat /proc/sys/net/core/rmem_max)
[ "$rmax" -gt 4194304 ] && rmax=4194304
rb=$(ss -uampn "sport = :$PBX_PORT" | grep -A1 "pid=$PBX_PID," |
	sed -n 's/.*skmem:(.*,rb\([0-9]*\),.*/\1/p' | head -1)
check_eq "SIP UDP receive buffer raised to net.core.rmem_max or 4 MiB" \
	"$((2 * rmax))" "$rb"

check "user add 1000" ctl_q user add 1000 --password secret
check "user add 1001" ctl_q user add 1001 --password other
check "user add 1002" ctl_q user add 1002 --password third
check "user add '..' is refused (extensions name files too)" \
	sh -c "! \"$PBXCTL\" -s \"$PBX_SOCK\" user add .. --password x \
>/dev/null 2>&1"

# (n) a live event tail for the whole test
"$PBXCTL" -s "$PBX_SOCK" --json events >"$T_DIR/events" 2>&1 &
EV_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $EV_PID"
sleep 0.3

# ---- (k) OPTIONS, unknown and untaken methods ---------------------------
check "OPTIONS, FOO, PUBLISH: 200, 501, 405" sipp_run opt reg_options.xml
check_eq "OPTIONS: 200 OK" "SIP/2.0 200 OK" "$(msg opt received 1 :status)"
allow=$(msg opt received 1 Allow)
check "OPTIONS: Allow lists OPTIONS and REGISTER ($allow)" \
	matches "$allow" '(^|, *)OPTIONS(,|$)' '(^|, *)REGISTER(,|$)'
check "OPTIONS: Accept application/sdp" \
	matches "$(msg opt received 1 Accept)" 'application/sdp'
check "OPTIONS: a Supported header" \
	matches "$(msg opt received 1)" '^Supported:'
check_eq "FOO: 501 Not Implemented" "SIP/2.0 501 Not Implemented" \
	"$(msg opt received 2 :status)"
check_eq "PUBLISH: 405 Method Not Allowed" "SIP/2.0 405 Method Not Allowed" \
	"$(msg opt received 3 :status)"
check_eq "PUBLISH: 405 has Allow" "$allow" "$(msg opt received 3 Allow)"

# ---- (a) challenge, authenticated REGISTER, reg list --------------------
check "REGISTER 1000: 401, then 200" \
	sipp_run a reg_ok.xml -s 1000 -ap secret -key expires 61 \
	-key ua "sipp-a/1.0 (register.sh)"
chal=$(msg a received 1 WWW-Authenticate)
check "401: one Digest challenge, realm 127.0.0.1, MD5, qop auth" \
	matches "$chal" '^Digest realm="127\.0\.0\.1", nonce="[0-9a-f]+", algorithm=MD5, qop="auth"$'
check_eq "401: only one challenge" 1 "$(echo "$chal" | grep -c .)"
check_eq "401: status line" "SIP/2.0 401 Unauthorized" \
	"$(msg a received 1 :status)"
ct_a=$(msg a sent 1 Contact | sed 's/^<//; s/>.*//')
port_a=$(echo "$ct_a" | sed 's/.*:\([0-9]*\);.*/\1/')
check_eq "200 OK" "SIP/2.0 200 OK" "$(msg a received 2 :status)"
# (the 200 gives the seconds left, which may already be one less)
c=$(msg a received 2 Contact)
check "200: Contact echoes ours with ;expires=61 ($c)" \
	one_of "$c" "<$ct_a>;expires=61" "<$ct_a>;expires=60"
r=$(reg_of 1000)
check_eq "reg list: one binding of 1000" 1 "$(echo "$r" | grep -c .)"
check_eq "reg list: contact" "$ct_a" "$(field "$r" contact)"
check_eq "reg list: transport" udp "$(field "$r" transport)"
check_eq "reg list: source" "127.0.0.1:$port_a" "$(field "$r" source)"
e=$(field "$r" expires)
check "reg list: expires in 55..61 ($e)" between 55 61 "$e"
check_eq "reg list: user agent" "sipp-a/1.0 (register.sh)" \
	"$(field "$r" user_agent)"

# ---- (d) several contacts -----------------------------------------------
check "REGISTER 1000 from a second client" \
	sipp_run d reg_ok.xml -s 1000 -ap secret -key expires 120 \
	-key ua "sipp-d"
ct_d=$(msg d sent 1 Contact | sed 's/^<//; s/>.*//')
r=$(reg_of 1000)
check_eq "reg list: two bindings of 1000" 2 "$(echo "$r" | grep -c .)"
check "reg list: both contacts" \
	matches "$r" "\"contact\": \"$ct_a\"" "\"contact\": \"$ct_d\""
check_eq "200 to the second client lists both contacts" 2 \
	"$(msg d received 2 Contact | grep -c expires=)"

# ---- (g) Contact: * -----------------------------------------------------
check "Contact: * without Expires: 0 gets 400" \
	sipp_run star_bad reg_star_bad.xml -s 1000 -ap secret
check_eq "400: nothing removed" 2 "$(reg_of 1000 | grep -c .)"
check "Contact: * with Expires: 0 gets 200" \
	sipp_run star reg_star.xml -s 1000 -ap secret
check_eq "Contact: *: 200 lists no contact" "" \
	"$(msg star received 2 Contact)"
check_eq "Contact: *: every binding of 1000 removed" 0 \
	"$(reg_of 1000 | grep -c .)"

# ---- (d, f) two Contact headers in one REGISTER; remove one -------------
check "REGISTER with two Contacts, then expires=0 on one" \
	sipp_run two reg_two.xml -s 1000 -ap secret
check_eq "two Contacts: 200 lists both" 2 \
	"$(msg two received 2 Contact | grep -Ec ';expires=(600|599)$')"
check_eq "unregister line=a: 200 lists line=b only" 1 \
	"$(msg two received 3 Contact | grep -c .)"
check "unregister line=a: the one left is line=b" \
	matches "$(msg two received 3 Contact)" ';line=b>;expires=(600|599)$'
r=$(reg_of 1000)
check_eq "reg list: one binding of 1000 left" 1 "$(echo "$r" | grep -c .)"
check "reg list: it is line=b" matches "$r" ';line=b"'

# ---- (b, c) wrong password, unknown user --------------------------------
check "wrong password: 401, then 403" \
	sipp_run bad reg_forbidden.xml -s 1001 -ap wrong
check_eq "wrong password: 403 Forbidden" "SIP/2.0 403 Forbidden" \
	"$(msg bad received 2 :status)"
check_eq "wrong password: nothing registered" 0 \
	"$(reg_of 1001 | grep -c .)"
check "unknown user: 401, then 403" \
	sipp_run unk reg_forbidden.xml -s 4711 -ap secret
check_eq "unknown user: nothing registered" 0 "$(reg_of 4711 | grep -c .)"

# the two 403s alike but for what names the request (user, tags, branch,
# Call-ID, port)
norm()
{
	msg "$1" received 2 | sed -E \
		-e 's/;tag=[^;> ]*//g' -e 's/;branch=[^; ]*//g' \
		-e 's/(rport=|127\.0\.0\.1:)[0-9]+/\1P/g' \
		-e 's/^Call-ID:.*/Call-ID: X/' -e 's/sip:(1001|4711)@/sip:U@/g'
}
norm bad >"$T_DIR/403.bad"
norm unk >"$T_DIR/403.unk"
if diff "$T_DIR/403.bad" "$T_DIR/403.unk" >"$T_DIR/403.diff" &&
   [ -s "$T_DIR/403.bad" ]; then
	ok "unknown user and wrong password: the same 403"
else
	not_ok "unknown user and wrong password: the same 403"
	sed 's/^/#   /' "$T_DIR/403.diff"
fi

# ---- (h) below the minimum ----------------------------------------------
check "Expires: 30 gets 423" \
	sipp_run brief reg_brief.xml -s 1002 -ap third -key expires 30
check_eq "423: Min-Expires: 60" 60 "$(msg brief received 2 Min-Expires)"
check_eq "423: nothing registered" 0 "$(reg_of 1002 | grep -c .)"

# ---- (i) above the maximum ----------------------------------------------
check "Expires: 7200 gets 200" \
	sipp_run long reg_ok.xml -s 1002 -ap third -key expires 7200 \
	-key ua sipp-long
check "200: expires lowered to 3600" \
	matches "$(msg long received 2 Contact)" '>;expires=(3600|3599)$'
e=$(field "$(reg_of 1002)" expires)
check "reg list: expires in 3590..3600 ($e)" between 3590 3600 "$e"

# ---- (j) a nonce pbxd never made -----------------------------------------
ha1=$(md5hex "1002:127.0.0.1:third")
ha2=$(md5hex "REGISTER:sip:127.0.0.1")
for n in 000000000000000000000000000000000000000000000000000000ff \
	 0123456789abcdef; do
	resp=$(md5hex "$ha1:$n:00000001:0a4f113b:auth:$ha2")
	check "made-up nonce $n: 401" sipp_run nonce_$n reg_badnonce.xml \
		-s 1002 -key nonce "$n" -key response "$resp"
	c=$(msg nonce_$n received 1 WWW-Authenticate)
	check "made-up nonce: a fresh MD5 challenge" matches "$c" \
		'^Digest realm="127\.0\.0\.1", nonce="[0-9a-f]{56}", algorithm=MD5, qop="auth"$'
	check "made-up nonce: not stale" not_matches "$c" 'stale'
done

# ---- (l) TCP ------------------------------------------------------------
check "REGISTER over TCP" \
	sipp_run tcp reg_ok.xml -t t1 -s 1001 -ap other -key expires 300 \
	-key ua sipp-tcp
r=$(reg_of 1001)
check_eq "reg list: transport tcp" tcp "$(field "$r" transport)"
check "reg list: TCP source on 127.0.0.1 ($(field "$r" source))" \
	matches "$(field "$r" source)" '^127\.0\.0\.1:[0-9]+$'
check_eq "reg list: TCP contact" \
	"$(msg tcp sent 1 Contact | sed 's/^<//; s/>.*//')" \
	"$(field "$r" contact)"

# ---- (n) events ---------------------------------------------------------
sleep 0.3
check "events: register of 1000 with its contact and source" python3 -c '
import json, sys
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    if (e.get("event") == "register" and e.get("ext") == "1000" and
        e.get("contact") == sys.argv[2] and
        e.get("source") == "127.0.0.1:" + sys.argv[3] and
        e.get("transport") == "udp"):
        sys.exit(0)
sys.exit(1)' "$T_DIR/events" "$ct_a" "$port_a"
check "events: unregister of 1000 (Contact: *)" \
	grep -Eq '"event": *"unregister".*"ext": *"1000".*"reason": *"unregistered"' \
	"$T_DIR/events"
check "events: no register for the wrong password or unknown user" \
	not_matches "$(grep '"event": *"register"' "$T_DIR/events")" \
	'"ext": *"(1001|4711)".*"transport": *"udp"'
check "events: auth_failure" grep -Eq '"event": *"auth_failure"' "$T_DIR/events"

# ---- (m) user del -------------------------------------------------------
check "user del 1000" ctl_q user del 1000
check_eq "user del: its bindings are gone" 0 "$(reg_of 1000 | grep -c .)"
check_eq "user del: others stay" 1 "$(reg_of 1001 | grep -c .)"
sleep 0.2
check "events: unregister after user del" \
	matches "$(grep '"event": *"unregister"' "$T_DIR/events")" \
	'"ext": *"1000".*;line=b'
kill "$EV_PID" 2>/dev/null

check "pbxd stops cleanly" pbx_stop

# ---- (e) expiry ---------------------------------------------------------
PBX_DATA=$T_DIR/var2
PBX_PORT=
pbx_start -o reg_min_expires=5 -o reg_default_expires=5 ||
	{ not_ok "pbxd with reg_min_expires 5 starts"; finish; }
ok "pbxd with reg_min_expires 5 starts"
ctl user add 1000 --password secret >/dev/null
timeout 15 "$PBXCTL" -s "$PBX_SOCK" --json events >"$T_DIR/events2" 2>&1 &
EV_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $EV_PID"
sleep 0.3
check "REGISTER for 5 s" sipp_run e reg_ok.xml -s 1000 -ap secret \
	-key expires 5 -key ua sipp-e
check "200: expires=5" matches "$(msg e received 2 Contact)" '>;expires=(5|4)$'
check_eq "reg list: the binding is there" 1 "$(reg_of 1000 | grep -c .)"
t_200=$(msg e received 2 :time)
while [ "$(reg_of 1000 | grep -c .)" != 0 ] &&
      [ "$(elapsed "$t_200")" -lt 90 ]; do
	sleep 0.1
done
t=$(elapsed "$t_200")
check "reg list: gone 5 s after the 200 (took $((t / 10)).$((t % 10)) s)" \
	between 45 95 "$t"
sleep 0.2
check "events: unregister, reason expired" \
	grep -Eq '"event": *"unregister".*"ext": *"1000".*"reason": *"expired"' \
	"$T_DIR/events2"
kill "$EV_PID" 2>/dev/null
check "Expires: 61 accepted here too" sipp_run e61 reg_ok.xml -s 1000 \
	-ap secret -key expires 61 -key ua sipp-e

# malformed expiry values count as absent: the default (5 s here), not 0
REG="python3 $ROOT/tests/integration/tools/sipreg.py"
for bad in abc -5 1x; do
	out=$(timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 secret "$bad")
	check_eq "Expires: $bad gets 200" 200 "$(echo "$out" | head -1)"
	g=$(echo "$out" | sed -n 's/^granted: //p')
	check "Expires: $bad is treated as absent (default 5 s, got '$g')" \
		between 4 5 "$g"
done
out=$(timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 secret \
      99999999999999999999)
check_eq "a huge Expires is lowered to reg_max_expires" 3600 \
	"$(echo "$out" | sed -n 's/^granted: //p')"

# REGISTER is answered statelessly: a retransmission is handled again and
# gets its 200 with the one binding, not a second one
n0=$(reg_of 1000 | grep -c .)
out=$(SIPREG_RETRANS=1 timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 \
      secret 300)
check_eq "a retransmitted REGISTER gets 200 again" "retransmission: 200" \
	"$(echo "$out" | grep '^retransmission')"
check_eq "... and makes no second binding" $((n0 + 1)) \
	"$(reg_of 1000 | grep -c .)"
check "pbxd stops cleanly" pbx_stop

finish
