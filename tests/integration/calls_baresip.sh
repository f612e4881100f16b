#!/bin/sh
# calls_baresip.sh: a call between two real softphones (baresip 1.0)
# through pbxd: 1000 dials 1001, which answers by itself; each sends a
# tone from a WAV file (1000: 1000 Hz, 1001: 1500 Hz) and records what it
# hears (module sndfile); after a few seconds 1000 hangs up.  The
# recordings must hold the other side's tone: audio went both ways through
# pbxd's relay, and arrived intact.
# SPDX-License-Identifier: BSD-3-Clause
#
# baresip runs headless: no audio device; aufile is the audio source,
# sndfile writes the decoded audio of each call to snd_path, menu gives
# the /dial command (-e), answermode=auto answers, -t ends the process
# (hanging up).

. "$(dirname "$0")/lib.sh"

# Debian's own python3 when there is one: a version manager's shim in
# front of it costs a quarter of a second a call
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }

BARESIP=${BARESIP:-baresip}
MODS=/usr/lib/baresip/modules
TOOLS=$ROOT/tests/integration/tools

if ! command -v "$BARESIP" >/dev/null 2>&1; then
	ok "# SKIP baresip is not installed"
	finish
fi
for m in account aufile sndfile menu g711; do
	if [ ! -f "$MODS/$m.so" ]; then
		ok "# SKIP baresip module $m is not installed"
		finish
	fi
done
if ! command -v sox >/dev/null 2>&1; then
	ok "# SKIP sox is not installed"
	finish
fi

registered() { [ -n "$(reg_of "$1")" ]; }
call_up()
{
	[ "$(json_get "$(ctl_json call list)" .data.0.state)" = answered ]
}

# phone EXT SECONDS TONE_HZ [ACCOUNT_PARAMS [baresip args]]: baresip as EXT
# in the background, sending a TONE_HZ sine, quitting after SECONDS;
# recordings in $T_DIR/EXT/rec
phone()
{
	p_ext=$1 p_secs=$2 p_hz=$3 p_params=$4
	shift 4
	p_dir=$T_DIR/$p_ext
	mkdir -p "$p_dir/rec"
	sox -n -r 8000 -c 1 -b 16 -e signed-integer "$p_dir/tone.wav" \
		synth 30 sine "$p_hz" vol 0.5
	cat >"$p_dir/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$(free_port)
sip_transports		udp
module_path		$MODS
module			g711.so
module			aufile.so
module			sndfile.so
module			menu.so
module_app		account.so
audio_source		aufile,$p_dir/tone.wav
audio_player		none
audio_alert		none
snd_path		$p_dir/rec
EOF
	cat >"$p_dir/accounts" <<EOF
<sip:$p_ext@127.0.0.1:$PBX_PORT;transport=udp>;auth_pass=secret;regint=600;audio_codecs=PCMU$p_params
EOF
	"$BARESIP" -f "$p_dir" -t "$p_secs" "$@" </dev/null \
		>"$T_DIR/baresip-$p_ext.log" 2>&1 &
	eval "PID_$p_ext=\$!"
	EXTRA_PIDS="$EXTRA_PIDS $!"
}

pbx_start -o dialplan="$ROOT/tests/integration/dialplans/basic.lua" ||
	{ not_ok "pbxd starts"; finish; }
ok "pbxd starts"
for e in 1000 1001; do
	ctl user add $e --password secret >/dev/null
done

phone 1001 30 1500 ";answermode=auto"
check "1001 (baresip) registers" wait_for 100 registered 1001
phone 1000 9 1000 "" -e "/dial 1001"
check "1000 calls 1001, 1001 answers by itself" wait_for 100 call_up
list=$(ctl_json call list)
diag "call list: $list"
check_eq "call list: from 1000 to 1001" "1000 1001" \
	"$(json_get "$list" .data.0.from) $(json_get "$list" .data.0.to)"
sleep 2
list=$(ctl_json call list)
for i in 0 1; do
	check_eq "leg $i: PCMU" PCMU "$(json_get "$list" .data.0.legs.$i.codec)"
	check "leg $i: RTP in ($(json_get "$list" .data.0.legs.$i.packets_in))" \
		test "$(json_get "$list" .data.0.legs.$i.packets_in)" -gt 50
done
check "1000 hangs up when it quits: the call ends" wait_for 150 calls_are 0
check "1000's baresip exited" wait_for 50 sh -c '! kill -0 "$1" 2>/dev/null' - "$PID_1000"
kill -TERM "$PID_1001" 2>/dev/null
wait_for 50 sh -c '! kill -0 "$1" 2>/dev/null' - "$PID_1001"

# sndfile: dump-<time>-enc.wav is what the phone sent, -dec.wav what it
# heard
for side in 1000:1500 1001:1000; do
	ext=${side%:*} hz=${side#*:}
	f=$(ls "$T_DIR/$ext/rec/"*dec*.wav 2>/dev/null | head -1)
	check "$ext recorded what it heard ($(basename "${f:-none}"))" test -s "$f"
	res=$(python3 "$TOOLS/tone.py" analyse "$f" "$hz" 2>&1)
	rc=$?
	diag "$ext heard: $res"
	check "$ext heard the other side's $hz Hz tone" test $rc -eq 0
	s=$(json_get "$res" .tone_seconds)
	check "$ext heard at least 4 s of it ($s s of $(json_get "$res" .seconds) s)" \
		python3 -c 'import sys; sys.exit(float(sys.argv[1] or 0) < 4)' "$s"
done
check_eq "cdr: answered 1000 -> 1001" "answered|1000|1001" \
	"$(sqlite3 "$PBX_DATA/pbxd.db" "SELECT disposition || '|' || caller || '|' || callee FROM cdr")"

check "pbxd stops cleanly" pbx_stop
finish
