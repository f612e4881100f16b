#!/bin/sh
# test_tools.sh: self-test of the media tools: pairs of mediaep.py talking
# over loopback (PCMU, PCMA, G.722, opus; SRTP with both suites, a wrong
# key, tampering) and wavcheck.py on what they recorded.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: sh tests/integration/tools/test_tools.sh   (KEEP=1 keeps the files)
#   No pbxd: it checks the tools the media tests rely on.  Each sender
#   plays a 1 kHz tone for 1 s, RFC 4733 "123#", then in-band "456*";
#   each receiver (--peer auto) records.  The pairs run at the same time:
#   about 10 s in all.

# lib.sh for its TAP helpers, T_DIR, free_port and wait_for (no pbxd)
. "$(dirname "$0")/../lib.sh"

[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }

TOOLS=$(cd "$(dirname "$0")" && pwd)
SCRIPT="200:tone:1000:1000 1300:dtmf4733:123# 2200:inband:456*"

key() { head -c 30 /dev/urandom | base64; }

# shellcheck disable=SC2317 # called through wait_for
bound() { ss -Hlnu "( sport = :$1 )" | grep -q .; }

# pair NAME CODEC "RX OPTIONS" "TX OPTIONS": a receiver recording into
# NAME.wav and a sender playing $SCRIPT; their JSON in NAME.rx, NAME.tx
pair()
{
	p_a=$(free_port)
	p_b=$((p_a + 1))
	# shellcheck disable=SC2086
	python3 "$TOOLS/mediaep.py" --bind "127.0.0.1:$p_b" --peer auto \
		--codec "$2" --seconds 3.2 --linger 2 --record "$T_DIR/$1.wav" $3 \
		>"$T_DIR/$1.rx" 2>"$T_DIR/$1.rx.err" &
	wait_for 50 bound "$p_b"
	# shellcheck disable=SC2086
	python3 "$TOOLS/mediaep.py" --bind "127.0.0.1:$p_a" \
		--peer "127.0.0.1:$p_b" --codec "$2" --seconds 3.2 $4 \
		$SCRIPT >"$T_DIR/$1.tx" 2>"$T_DIR/$1.tx.err"
	wait
}

# expect NAME PYTHON-EXPRESSION: checks the expression on rx, tx (the
# JSON objects of NAME) and wav (wavcheck.py's on NAME.wav, None when it
# failed)
expect()
{
	e_out=$(python3 - "$T_DIR/$1" "$2" "$TOOLS/wavcheck.py" <<'EOF'
import json, subprocess, sys
base, expr, wavcheck = sys.argv[1:4]
def load(p):
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None
rx, tx = load(base + ".rx"), load(base + ".tx")
w = subprocess.run([sys.executable, wavcheck, base + ".wav"],
                   capture_output=True, text=True)
wav = json.loads(w.stdout) if w.returncode == 0 else None
try:
    good = rx is not None and tx is not None and eval("(%s)" % expr)
except Exception as e:
    good = False
    print("error: %r" % e)
if not good:
    print("rx: %s" % json.dumps(rx))
    print("tx: %s" % json.dumps(tx))
    print("wav: %s" % json.dumps(wav))
sys.exit(0 if good else 1)
EOF
)
	e_rc=$?
	e_what="$1: $(printf '%s' "$2" | tr -s '\n ' '  ')"
	if [ $e_rc -eq 0 ]; then ok "$e_what"; else
		not_ok "$e_what"
		printf '%s\n' "$e_out" | sed 's/^/#   /'
		sed 's/^/#   stderr: /' "$T_DIR/$1.rx.err" "$T_DIR/$1.tx.err"
	fi
}

out=$(python3 "$TOOLS/mediaep.py" --selftest 2>&1)
check "SRTP: RFC 3711 B.2/B.3 vectors, libsrtp2 both ways, rollover" \
	[ "$(printf '%s\n' "$out" | tail -1)" = "selftest passed" ]
printf '%s\n' "$out" | grep -v '^ok' | sed 's/^/# /'

K1=$(key)
K2=$(key)
K3=$(key)
S80=AES_CM_128_HMAC_SHA1_80
S32=AES_CM_128_HMAC_SHA1_32
for c in pcmu pcma g722 opus; do
	pair "$c" "$c" "" "" &
done
pair srtp80 pcmu "--srtp-rx $S80:$K1 --srtp-tx $S80:$K2" \
	"--srtp-tx $S80:$K1 --srtp-rx $S80:$K2" &
pair srtp32 opus "--srtp-rx $S32:$K1" "--srtp-tx $S32:$K1" &
pair wrongkey pcmu "--srtp-rx $S80:$K3" "--srtp-tx $S80:$K1" &
pair tamper g722 "--srtp-rx $S80:$K1" "--srtp-tx $S80:$K1 --tamper 5" &
wait

# what every clean transfer must show
GOOD='rx["dtmf_rx"] == "123#" and "456*" in rx["inband_rx"] and
abs(rx["peak_hz"] - 1000) <= 20 and 3.0 <= rx["seconds"] <= 3.3 and
1.3 <= rx["active_seconds"] <= 1.55 and len(rx["segments"]) == 5 and
abs(rx["segments"][0][2] - 1000) <= 20 and
940 <= rx["segments"][0][1] - rx["segments"][0][0] <= 1060 and
rx["received"] >= tx["sent"] - 2 and rx["ssrcs"] == 1 and rx["seq_ok"] and
-11 <= rx["rms_dbfs"] <= -8'
for c in pcmu pcma g722 opus srtp80 srtp32; do
	expect $c "$GOOD"
done
expect pcmu 'rx["pts"] == [0, 101] and tx["received"] > 100 and
tx["active_seconds"] == 0 and tx["dtmf_rx"] == ""'
expect pcma 'rx["pts"] == [8, 101]'
expect g722 'rx["pts"] == [9, 101]'
expect opus 'rx["pts"] == [101, 111]'
expect srtp80 'rx["srtp_auth_fail"] == 0 and tx["srtp_auth_fail"] == 0 and
tx["received"] > 100 and rx["srtp_replay"] == 0'
expect srtp32 'rx["srtp_auth_fail"] == 0'
expect wrongkey 'rx["received"] == 0 and rx["srtp_auth_fail"] == tx["sent"]'
expect tamper 'tx["tampered"] == tx["sent"] // 5 and
rx["srtp_auth_fail"] == tx["tampered"] and
rx["received"] == tx["sent"] - tx["tampered"] and
abs(rx["peak_hz"] - 1000) <= 20 and
0.9 <= rx["active_seconds"] <= 1.3'

for c in pcmu:8000 pcma:8000 g722:16000 opus:16000 srtp80:8000 \
	 tamper:16000; do
	expect "${c%:*}" "wav is not None and wav['valid_header'] and
wav['channels'] == 1 and wav['srate'] == ${c#*:} and
abs(wav['peak_hz'] - 1000) <= 20 and wav['seconds'] == rx['seconds'] and
wav['segments'] == rx['segments']"
done

# wavcheck.py on broken files
head -c 2000 "$T_DIR/pcmu.wav" >"$T_DIR/cut.wav"
python3 "$TOOLS/wavcheck.py" "$T_DIR/cut.wav" >"$T_DIR/cut.json" 2>&1
check "wavcheck: a truncated file fails" [ $? -eq 1 ]
check "wavcheck: ... and says valid_header false" \
	grep -q '"valid_header": false' "$T_DIR/cut.json"
echo "not a wav" >"$T_DIR/junk.wav"
python3 "$TOOLS/wavcheck.py" "$T_DIR/junk.wav" >"$T_DIR/junk.json" 2>&1
check "wavcheck: junk fails with a message" [ $? -eq 1 ]
check "wavcheck: ... the message" grep -q "not a RIFF" "$T_DIR/junk.json"

finish
