#!/bin/sh
# media.sh: what pbxd says, hears and converts, checked by content: prompts
# and tones played to a caller (recorded at the caller and analysed),
# DTMF sent as RFC 4733, SIP INFO and inband tones read by the dialplan,
# recordings (length, frequency, valid file after a hang-up), prompts
# interrupted by a digit, opus <-> G.711 and G.722 <-> G.711 transcoding,
# an SRTP caller bridged to a plain callee (and tampered packets dropped),
# a sips: call over TLS with SRTP, the opus module kept while in use,
# digits passed on to the callee as RFC 4733, and the console's view.
# SPDX-License-Identifier: BSD-3-Clause
#
# Callers are SIPp (sipp/media_uac.xml) with tools/mediaep.py as their
# RTP side; callees are SIPp phones registered as 1001 (call_uas_reg.xml
# + call_uas_answer.xml, PCMU) with mediaep.py too.  Results of the
# dialplan (dialplans/media.lua) are read from the call records.

. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }

TOOLS=$ROOT/tests/integration/tools
SCEN=$ROOT/tests/integration/sipp
DIALPLAN=$ROOT/tests/integration/dialplans/media.lua
KEY_A=AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd
KEY_B=HR0cGxoZGBcWFRQTEhEQDw4NDAsKCQgHBgUEAwIB

last_var()
{
	sqlite3 "$PBX_DATA/pbxd.db" "SELECT json_extract(vars, '\$.$1') \
FROM cdr ORDER BY rowid DESC LIMIT 1"
}


# media_call TAG TO SECONDS CODEC [mediaep actions...]: a caller with
# codec CODEC (pcmu, pcma, g722, opus; +notе: no telephone-event;
# +srtp: RTP/SAVP with KEY_A) calls TO; its RTP endpoint runs SECONDS,
# records TAG.wav and prints TAG.json.  $INFO: digits sent as SIP INFO.
media_call()
{
	m_tag=$1 m_to=$2 m_secs=$3 m_codec=$4
	shift 4
	m_port=$(free_port)
	m_te=101 m_tename=telephone-event m_proto=RTP/AVP
	m_crypto=a=x-none m_srtp=""
	case $m_codec in *+note*) m_te=13 m_tename=CN ;; esac
	case $m_codec in *+srtp*)
		m_proto=RTP/SAVP
		m_crypto="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$KEY_A"
		m_srtp="--srtp-tx AES_CM_128_HMAC_SHA1_80:$KEY_A \
--srtp-rx-file $T_DIR/$m_tag.key $SRTP_EXTRA" ;;
	esac
	m_c=${m_codec%%+*}
	case $m_c in
	pcmu) m_pt=0 m_name=PCMU/8000 m_rate=8000 ;;
	pcma) m_pt=8 m_name=PCMA/8000 m_rate=8000 ;;
	g722) m_pt=9 m_name=G722/8000 m_rate=8000 ;;
	opus) m_pt=111 m_name=opus/48000/2 m_rate=48000 ;;
	esac
	# shellcheck disable=SC2086
	python3 "$TOOLS/mediaep.py" --bind "127.0.0.1:$m_port" --peer auto \
		--codec "$m_c" --pt "$m_pt" --te-pt "$m_te" \
		--seconds "$m_secs" --record "$T_DIR/$m_tag.wav" $m_srtp \
		--peer-file "$T_DIR/$m_tag.peer" \
		"$@" >"$T_DIR/$m_tag.json" 2>"$T_DIR/$m_tag.err" &
	m_ep=$!
	EXTRA_PIDS="$EXTRA_PIDS $m_ep"
	m_d="${INFO}---"
	set -- -key d1 "$(echo "$m_d" | cut -c1)" \
		-key d2 "$(echo "$m_d" | cut -c2)" \
		-key d3 "$(echo "$m_d" | cut -c3)" \
		-key d4 "$(echo "$m_d" | cut -c4)"
	sipp_start "$m_tag" media_uac.xml -s "$m_to" -key mport "$m_port" \
		-key proto "$m_proto" -key pt "$m_pt" -key codec "$m_name" \
		-key te "$m_te" -key tename "$m_tename" -key terate "$m_rate" \
		-key crypto "$m_crypto" "$@"
}

# media_wait TAG: waits for the caller's endpoint, hangs up what is
# still up (bridged calls), then waits for the caller
media_wait()
{
	wait "$m_ep" 2>/dev/null
	hangup_all
	sipp_wait "$1"
}


# callee_up NAME PORT [srtp]: a phone registered as 1001 that answers
# one call with PCMU, media on PORT (SRTP with KEY_B if asked)
callee_up()
{
	c_proto=RTP/AVP c_crypto=a=x-none
	if [ "$3" = srtp ]; then
		c_proto=RTP/SAVP
		c_crypto="a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$KEY_B"
	fi
	wait_for 50 regs_are 1001 0
	sipp_start "$1" call_uas_reg.xml -s 1001 -au 1001 -ap secret \
		-oocsf "$SCEN/media_uas.xml" -key mport "$2" -d 100 \
		-key proto "$c_proto" -key crypto "$c_crypto"
	wait_for 50 regs_are 1001 1
}

# callee_media TAG SECONDS [actions]: the callee's endpoint on $CPORT
callee_media()
{
	c_tag=$1 c_secs=$2
	shift 2
	python3 "$TOOLS/mediaep.py" --bind "127.0.0.1:$CPORT" --peer auto \
		--codec pcmu --seconds "$c_secs" --peer-file "$T_DIR/$c_tag.peer" \
		--record "$T_DIR/$c_tag.wav" "$@" \
		>"$T_DIR/$c_tag.json" 2>"$T_DIR/$c_tag.err" &
	c_ep=$!
	EXTRA_PIDS="$EXTRA_PIDS $c_ep"
}

# peers CALLER CALLEE: once the call is up, tells both endpoints pbxd's
# ports of their legs (bridged calls: neither side waits for the other)
peers()
{
	wait_for 50 sh -c "\"$PBXCTL\" -s \"$PBX_SOCK\" --json call list |
		grep -q '\"state\":\"answered\".*rtp_port.*rtp_port'" || return 1
	set -- "$1" "$2" $(ctl_json call list | python3 -c '
import json, sys
legs = json.load(sys.stdin)["data"][-1]["legs"]
print(legs[0]["rtp_port"], legs[1]["rtp_port"])')
	echo "127.0.0.1:$3" >"$T_DIR/$1.peer"
	echo "127.0.0.1:$4" >"$T_DIR/$2.peer"
}

show() { diag "$1: $(cat "$T_DIR/$1.json" "$T_DIR/$1.err" 2>/dev/null \
	| head -c 1500)"; }

# media_valgrind.sh runs all of this with pbxd under valgrind
if [ -n "$MEDIA_VALGRIND" ]; then
	valgrind_wrap
fi

"$ROOT/scripts/make-cert" "$T_DIR/pbxd.pem" pbx.test >/dev/null
TLS_PORT=$(free_port)
pbx_start -o dialplan="$DIALPLAN" -o sounds_dir="$ROOT/sounds" \
	-o module=opus -o rtp_ports=31000-31999 \
	-o sip_tls_listen=127.0.0.1:$TLS_PORT \
	-o sip_tls_cert="$T_DIR/pbxd.pem" || { not_ok "pbxd starts"; finish; }
ctl user add 1001 --password secret >/dev/null
"$PBXCTL" -s "$PBX_SOCK" events >"$T_DIR/events.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"

# ---- prompts and tones -------------------------------------------------

media_call prompt prompt 6 pcmu
media_wait prompt
check "prompt: pbxd hung up after playing (BYE to the caller)" \
	python3 "$TOOLS/sipmsg.py" "$T_DIR/prompt.msg" -w received -m '^BYE' -c
check "prompt: the caller heard speech (>= 1 s of sound)" \
	fbetween 1.0 8 "$(jget "$T_DIR/prompt.json" 'r["active_seconds"]')" \
	|| show prompt
check "prompt: ... ending with the 1000 Hz beep" \
	fbetween 980 1020 \
	"$(jget "$T_DIR/prompt.json" 'r["segments"][-1][2]')" || show prompt

media_call prompt16 prompt 6 g722
media_wait prompt16
check "prompt over G.722 (16 kHz): speech and the beep" \
	fbetween 980 1020 \
	"$(jget "$T_DIR/prompt16.json" 'r["segments"][-1][2] if r["active_seconds"] > 1 else 0')" \
	|| show prompt16

media_call tone tone 4 pcma
media_wait tone
check "tone: busy cadence (0.5 s on / off) for 2 s" \
	fbetween 1.5 3 "$(jget "$T_DIR/tone.json" \
	'len(r["segments"]) if 0.7 < r["active_seconds"] < 1.4 else 0')" \
	|| show tone
check "tone: US busy frequencies (480 + 620 Hz)" \
	python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if all(min(abs(s[2] - 480), abs(s[2] - 620)) < 15
		  for s in r["segments"]) and r["segments"] else 1)' \
	"$T_DIR/tone.json" || show tone

# ---- DTMF three ways -----------------------------------------------------

media_call d4733 digits 6 pcmu 1200:dtmf4733:1234
media_wait d4733
check_eq "DTMF as RFC 4733 read by read_digits" 1234 "$(last_var digits)"

INFO=4321 media_call dinfo digits 6 pcmu
media_wait dinfo
check_eq "DTMF as SIP INFO read by read_digits" 4321 "$(last_var digits)"

media_call dinband digits 6 pcmu+note 1200:inband:5678
media_wait dinband
check_eq "DTMF inband (no telephone-event offered) read" 5678 \
	"$(last_var digits)"

INFO=9 media_call dboth digits 6 pcmu 1500:dtmf4733:9 2600:dtmf4733:8#
media_wait dboth
check_eq "a key press sent twice is one digit; # ends" 98 \
	"$(last_var digits)"

check "dtmf events on the bus with their method" \
	sh -c "grep -q 'dtmf .*method=rfc4733' '$T_DIR/events.log' &&
	       grep -q 'dtmf .*method=info' '$T_DIR/events.log' &&
	       grep -q 'dtmf .*method=inband' '$T_DIR/events.log'" ||
	diag "$(grep dtmf "$T_DIR/events.log" | head -5)"

media_call intr interrupt 6 pcmu 1000:dtmf4733:5
media_wait intr
check_eq "a prompt interrupted by its digit returns it" 5 \
	"$(last_var interrupted)"

# ---- recording ---------------------------------------------------------

media_call rec record 7 pcmu 600:tone:1000:1500 2100:silence:3000
media_wait rec
WAV=$PBX_DATA/rec/test.wav
python3 "$TOOLS/wavcheck.py" "$WAV" >"$T_DIR/rec.wav.json" 2>&1
check "record: a valid WAV file" \
	[ "$(jget "$T_DIR/rec.wav.json" 'r["valid_header"]')" = True ]
check "record: holds the caller's 1000 Hz tone" \
	fbetween 990 1010 "$(jget "$T_DIR/rec.wav.json" 'r["peak_hz"]')" \
	|| diag "$(cat "$T_DIR/rec.wav.json")"
check "record: about 1.5 s of it" \
	fbetween 1.2 1.8 "$(jget "$T_DIR/rec.wav.json" \
	'r["active_seconds"]')"
check "record: ended by 2 s of silence (length ~3.5 s)" \
	fbetween 3.0 4.2 "$(last_var seconds)"

media_call rect record 5 pcmu 600:tone:1000:600 1400:dtmf4733:#
media_wait rect
check_eq "record: # ends it and is returned" "#" "$(last_var digit)"
check "record: ... after about 1.1 s" \
	fbetween 0.8 1.5 "$(last_var seconds)"

media_call recl recordlong 6 pcmu 0:tone:1000:6000
sleep 2.5
hangup_all
media_wait recl
python3 "$TOOLS/wavcheck.py" "$PBX_DATA/rec/long.wav" >"$T_DIR/recl.wav.json" 2>&1
check "record: a hang-up while recording leaves a valid file" \
	[ "$(jget "$T_DIR/recl.wav.json" 'r["valid_header"]')" = True ]
check "... holding the tone up to the hang-up (~2.5 s)" \
	fbetween 1.5 3.5 "$(jget "$T_DIR/recl.wav.json" 'r["seconds"]')" \
	|| diag "$(cat "$T_DIR/recl.wav.json")"

# ---- transcoding ---------------------------------------------------------

CPORT=$(free_port)
callee_up c1 "$CPORT"
callee_media xcallee 5 0:tone:1500:5000
media_call xopus bridge-1001 5 opus 0:tone:1000:5000
peers xopus xcallee
sleep 2
out=$(ctl module unload opus 2>&1)
check "module unload opus is refused while a call uses it" \
	sh -c "echo '$out' | grep -q 'in use'"
ctl_json call list >"$T_DIR/xopus.list"
media_wait xopus
wait "$c_ep" 2>/dev/null
sipp_wait c1
check "opus caller <-> PCMU callee: the callee hears 1000 Hz" \
	fbetween 990 1010 "$(jget "$T_DIR/xcallee.json" 'r["peak_hz"]')" \
	|| show xcallee
check "... and the opus caller hears 1500 Hz" \
	fbetween 1490 1510 "$(jget "$T_DIR/xopus.json" 'r["peak_hz"]')" \
	|| show xopus
check "... call list: opus and PCMU legs, transcoding" python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["data"][0]
legs = c["legs"]
sys.exit(0 if [l["codec"] for l in legs] == ["opus", "PCMU"] and
	 c["codecs"] == "opus/PCMU" and
	 all(l["transcoding"] for l in legs) and
	 all(l["packets_in"] > 20 for l in legs) else 1)' "$T_DIR/xopus.list" \
	|| diag "$(cat "$T_DIR/xopus.list")"

callee_up c2 "$CPORT"
callee_media gcallee 5 0:tone:1500:5000 3000:dtmf4733:7
INFO=3 media_call xg722 bridge-1001 5 g722 0:tone:1000:5000
peers xg722 gcallee
media_wait xg722
wait "$c_ep" 2>/dev/null
sipp_wait c2
check "G.722 caller <-> PCMU callee: tones both ways" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(0 if abs(a["peak_hz"] - 1500) < 10 and abs(b["peak_hz"] - 1000)
	 < 10 else 1)' "$T_DIR/xg722.json" "$T_DIR/gcallee.json" \
	|| { show xg722; show gcallee; }
check_eq "INFO digit passed on to the callee as RFC 4733" 3 \
	"$(jget "$T_DIR/gcallee.json" 'r["dtmf_rx"]')"
check_eq "callee's RFC 4733 digit reaches the G.722 caller" 7 \
	"$(jget "$T_DIR/xg722.json" 'r["dtmf_rx"]')"

# ---- SRTP ---------------------------------------------------------------

# srtp_key TAG [START]: pbxd's key from its SDP in SIPp run TAG's trace
# (the 200 to a caller, or START: the INVITE to a callee), for mediaep
srtp_key()
{
	k=$(python3 "$TOOLS/sipmsg.py" "$T_DIR/$1.msg" -w received \
		-m "${2:-^SIP/2.0 200}" -f :body 2>/dev/null |
		sed -n 's/^a=crypto:[0-9]* \([A-Z0-9_]*\) inline:\([^| ]*\).*/\1:\2/p' |
		tr -d '\r' | head -1)
	[ -n "$k" ] && echo "$k" >"$T_DIR/$1.key"
}

callee_up c3 "$CPORT"
callee_media scallee 5 0:tone:1500:5000
SRTP_EXTRA="--tamper 10" media_call srtp bridge-1001 5 pcmu+srtp \
	0:tone:1000:5000
wait_for 40 srtp_key srtp
peers srtp scallee
sleep 2
ctl_json call list >"$T_DIR/srtp.list"
media_wait srtp
wait "$c_ep" 2>/dev/null
sipp_wait c3
check "SRTP caller answered with RTP/SAVP and a key" [ -s "$T_DIR/srtp.key" ]
check "SRTP caller <-> plain callee: the callee hears 1000 Hz" \
	fbetween 990 1010 "$(jget "$T_DIR/scallee.json" 'r["peak_hz"]')" \
	|| show scallee
check "... the SRTP caller hears 1500 Hz through pbxd's SRTP" \
	fbetween 1490 1510 "$(jget "$T_DIR/srtp.json" \
	'r["peak_hz"] if r["srtp_auth_fail"] == 0 else 0')" || show srtp
check "... tampered packets are dropped (counted, not relayed)" \
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["data"][0]["legs"][0]
ep = json.load(open(sys.argv[2]))
sys.exit(0 if c["srtp"] and c["srtp_fail"] >= 5 else 1)' \
	"$T_DIR/srtp.list" "$T_DIR/srtp.json" || diag "$(cat "$T_DIR/srtp.list")"

check "... and allowed once the call is over" ctl module unload opus
check "... and it loads again" ctl module load opus

# ---- SIP over TLS (sips:) with SRTP -------------------------------------

tls_call()
{
	t_port=$(free_port)
	python3 "$TOOLS/mediaep.py" --bind "127.0.0.1:$t_port" --peer auto \
		--codec pcmu --seconds 6 --record "$T_DIR/tls.wav" \
		--srtp-tx "AES_CM_128_HMAC_SHA1_32:$KEY_A" \
		--srtp-rx-file "$T_DIR/tls.key" >"$T_DIR/tls.json" 2>&1 &
	t_ep=$!
	MEDIA_KEY=$KEY_A MEDIA_SUITE=AES_CM_128_HMAC_SHA1_32 \
	timeout 20 python3 "$TOOLS/sipcall_tls.py" \
		127.0.0.1 "$TLS_PORT" prompt "$t_port" 8 "$T_DIR/tls.key" \
		>"$T_DIR/tls.sip" 2>&1
	wait "$t_ep"
}
tls_call
check_eq "a sips: call over TLS is answered, and pbxd hangs up" "200 bye" \
	"$(tr '\n' ' ' <"$T_DIR/tls.sip" | sed 's/ $//')"
check "... its SRTP media (AES_CM_128_HMAC_SHA1_32) carried the prompt" \
	fbetween 1.0 8 \
	"$(jget "$T_DIR/tls.json" \
	'r["active_seconds"] if r["srtp_auth_fail"] == 0 else 0')" || show tls

# pbxd offers the callee SRTP (dial{srtp = true}); the caller is plain
callee_up c4 "$CPORT" srtp
callee_media s2callee 5 --srtp-tx "AES_CM_128_HMAC_SHA1_80:$KEY_B" \
	--srtp-rx-file "$T_DIR/c4.key" 0:tone:1500:5000
media_call s2 srtp-1001 5 pcmu 0:tone:1000:5000
wait_for 40 srtp_key c4 '^INVITE'
peers s2 s2callee
sleep 2
ctl_json call list >"$T_DIR/s2.list"
media_wait s2
wait "$c_ep" 2>/dev/null
sipp_wait c4
check "pbxd offered the callee RTP/SAVP with a key" [ -s "$T_DIR/c4.key" ]
check "plain caller <-> SRTP callee: tones both ways" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(0 if abs(a["peak_hz"] - 1500) < 10 and abs(b["peak_hz"] - 1000)
	 < 10 and b["srtp_auth_fail"] == 0 else 1)' "$T_DIR/s2.json" \
	"$T_DIR/s2callee.json" || { show s2; show s2callee; }
check "... call list: the callee leg is SRTP, the caller's not" python3 -c '
import json, sys
legs = json.load(open(sys.argv[1]))["data"][0]["legs"]
sys.exit(0 if [l["srtp"] for l in legs] == [False, True] else 1)' \
	"$T_DIR/s2.list" || diag "$(cat "$T_DIR/s2.list")"

if [ -n "$MEDIA_VALGRIND" ]; then
	check "pbxd exits cleanly under valgrind" pbx_stop
	valgrind_check
fi

finish
