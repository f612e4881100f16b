#!/bin/sh
# voicemail_menu.sh: the rest of the mailbox menu (next, previous,
# replay, call back, the name greeting, a new PIN), e-mail through
# sendmail, and MWI for phones that do not subscribe.
# SPDX-License-Identifier: BSD-3-Clause
#
# pbxd runs with voicemail_mwi_unsolicited=yes and voicemail_sendmail
# pointing at a script of ours that keeps each mail.  1000 leaves three
# messages in 1002's box (nobody registered there); 1002 records its
# name and changes its PIN; then 1002 registers as a phone that takes
# unsolicited NOTIFYs (sipp/mwi_notify_ooc.xml) and listens by phone:
# 3 next, 4 previous, 1 replay, 5 call back (1000, registered, answers).
# The console then deletes the messages; the phone's NOTIFYs must
# follow each change.  Callers are SIPp with tools/mediaep.py as their
# RTP side, as in voicemail.sh.

. "$(dirname "$0")/lib.sh"

TOOLS=$ROOT/tests/integration/tools
SCEN=$ROOT/tests/integration/sipp

# tones TAG: the test's tones (800, 1000, 1200, 1500 Hz) in TAG.wav
# that lasted 800 ms or more, in order ("1000 1500 1000"); speech is left
# out.  (mediaep's report names the peaks of the first 30 segments only.)
tones()
{
	python3 -c '
import sys, wave, struct
sys.path.insert(0, sys.argv[1])
import tone
w = wave.open(sys.argv[2])
d = w.readframes(w.getnframes())
x = struct.unpack("<%dh" % (len(d) // 2), d)
r = tone.media_analysis(list(x), w.getframerate(), max_peaks=10000)
print(" ".join(str(f) for s in r["segments"] for f in (800, 1000, 1200, 1500)
               if abs(s[2] - f) < 15 and s[1] - s[0] >= 800))' \
		"$TOOLS" "$T_DIR/$1.wav"
}

# the sendmail of this test: keeps its arguments and the mail
MAILDIR=$T_DIR/mail
mkdir -p "$MAILDIR"
cat >"$T_DIR/sendmail" <<EOS
#!/bin/sh
echo "\$@" >"$MAILDIR/args"
cat >"$MAILDIR/mail.\$\$.eml"
EOS
chmod 755 "$T_DIR/sendmail"

# VM_VALGRIND=1: pbxd under valgrind (by hand; the suite runs
# voicemail_valgrind.sh)
if [ -n "$VM_VALGRIND" ]; then
	valgrind_wrap
fi

pbx_start -o sounds_dir="$ROOT/sounds" -o module=voicemail \
	-o voicemail_silence_seconds=2 -o voicemail_mwi_unsolicited=yes \
	-o voicemail_sendmail="$T_DIR/sendmail" ||
	{ not_ok "pbxd starts with the voicemail module"; finish; }
ok "pbxd starts with the voicemail module"
ctl user add 1000 --password secret --pin 1111 >/dev/null
ctl user add 1002 --password secret --pin 4321 \
	--email carol@example.org >/dev/null
"$PBXCTL" -s "$PBX_SOCK" events >"$T_DIR/events.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"

# ---- three messages for 1002 (unregistered: "not available") ---------------

vcall leave1 1002 16 5000:tone:1000:8000 13000:silence:3000
vwait leave1
vcall leave2 1002 16 5000:tone:1500:8000 13000:silence:3000
vwait leave2
check_eq "two callers leave a message each" 2 \
	"$(vm_count 1002)"

# ---- options: the name, then a new PIN ------------------------------------
# 0 options, 3 name (a 1200 Hz tone, # ends it), 4 new PIN twice, * back,
# # goodbye

FROM=1002 vcall opts '*97' 30 1500:dtmf4733:4321# 5000:dtmf4733:0 \
	6500:dtmf4733:3 11000:tone:1200:2000 13500:dtmf4733:# \
	16000:dtmf4733:4 18500:dtmf4733:5555# 21500:dtmf4733:5555# \
	25000:dtmf4733:* 27000:dtmf4733:#
vwait opts
NAME=$PBX_DATA/voicemail/1002/greet-name.wav
python3 "$TOOLS/wavcheck.py" "$NAME" >"$T_DIR/name.wav.json" 2>&1
check "options: 3 records the name (1200 Hz)" fbetween 1190 1210 \
	"$(jget "$T_DIR/name.wav.json" 'r["peak_hz"]')" \
	|| { diag "$(cat "$T_DIR/name.wav.json")"; show opts; }
check "options: 4 sets a new PIN" grep -q "1002: PIN changed by phone" \
	"$PBX_LOG" || show opts

# the third caller hears the name (1200 Hz) where the number was
vcall leave3 1002 16 8000:tone:800:4000 12000:silence:4000
vwait leave3
check_eq "a caller hears the recorded name (1200 Hz) in the greeting" \
	"1200" "$(tones leave3)" || show leave3
check_eq "... and leaves the third message" 3 "$(vm_count 1002)"

# ---- e-mail: one per message, with the WAV --------------------------------

wait_for 50 sh -c "[ \$(ls '$MAILDIR' | grep -c eml) -ge 3 ]"
check_eq "sendmail got -t -oi" "-t -oi" "$(cat "$MAILDIR/args" 2>/dev/null)"
check "three mails to carol@example.org, each with its message's WAV" \
	python3 - "$MAILDIR" "$PBX_DATA/pbxd.db" <<'EOP'
import email, glob, io, sqlite3, sys, wave
mails = [email.message_from_binary_file(open(f, "rb"))
         for f in glob.glob(sys.argv[1] + "/*.eml")]
rows = sqlite3.connect(sys.argv[2]).execute(
    "SELECT duration_ms FROM vm_msg WHERE box = '1002'").fetchall()
assert len(mails) == 3 == len(rows), (len(mails), len(rows))
got = []
for m in mails:
    assert "carol@example.org" in m["To"], m["To"]
    assert "1000" in m["Subject"], m["Subject"]
    wavs = [p for p in m.walk() if p.get_content_type() == "audio/wav"]
    assert len(wavs) == 1
    w = wave.open(io.BytesIO(wavs[0].get_payload(decode=True)))
    got.append(round(1000 * w.getnframes() / w.getframerate()))
want = sorted(r[0] for r in rows)
assert all(abs(a - b) <= 40 for a, b in zip(sorted(got), want)), (got, want)
EOP

# ---- 1002's phone registers: MWI without subscribing ------------------------
# the fresh contact gets 3/0 at once; then each change below

SIPP_SECS=120 sipp_start phone call_uas_reg.xml -s 1002 -au 1002 \
	-ap secret -oocsf "$SCEN/mwi_notify_ooc.xml" \
	-trace_logs -log_file "$T_DIR/phone.logs"
wait_for 50 regs_are 1002 1
wait_for 50 grep -q "notify" "$T_DIR/phone.logs"
# 1000 registers too, to be called back
SIPP_SECS=120 sipp_start back call_uas_reg.xml -s 1000 -au 1000 -ap secret \
	-oocsf "$SCEN/call_uas_answer.xml" -key mport "$(free_port)"
wait_for 50 regs_are 1000 1

# ---- listening: 1 listen, 3 next, 4 previous, 1 replay, 5 call back -----
# the messages hold 1000 Hz, 1500 Hz and 800 Hz tones; each key is
# pressed while a message plays (a key stops any prompt)

FROM=1002 vcall listen '*97' 50 1500:dtmf4733:5555# 6500:dtmf4733:1 \
	14000:dtmf4733:3 22000:dtmf4733:4 30000:dtmf4733:1 \
	38000:dtmf4733:5
# the dialplan rings 1000, which answers: the call has a bridged leg
back_up() { grep -q "call_state .*state=bridged.*answered_by=sip:1000@" \
	"$T_DIR/events.log"; }
wait_for 700 back_up
check "5 calls the caller (1000) back: it answers" back_up \
	|| diag "$(grep call_state "$T_DIR/events.log")"
hangup_all
vwait listen
sipp_wait back
check_eq "1 listen, 3 next, 4 previous, 1 replay: the tones heard" \
	"1000 1500 1000 1000" "$(tones listen)" || show listen
check_eq "the two messages heard are old now, the third still new" \
	"1|1|0" "$(db "SELECT folder FROM vm_msg WHERE box = '1002' \
ORDER BY id" | tr '\n' '|' | sed 's/|$//')"

# ---- the console deletes them; the phone follows --------------------------

for id in $(ctl_json vm list 1002 | python3 -c '
import json, sys
print(" ".join(str(m["id"]) for m in json.load(sys.stdin)["data"]))'); do
	ctl vm del 1002 "$id" >/dev/null
	sleep 0.3
done
sipp_wait phone
# (vm list: new first, so the third message goes first)
check_eq "unsolicited NOTIFYs: 3/0 on registering, then each change (none \
for replaying a heard message)" \
	"notify 3/0 yes|notify 2/1 yes|notify 1/2 yes|notify 0/2 no|\
notify 0/1 no|notify 0/0 no" \
	"$(grep -o 'notify [0-9]*/[0-9]* [a-z]*' "$T_DIR/phone.logs" |
	tr '\n' '|' | sed 's/|$//')"

if [ -n "$VM_VALGRIND" ]; then
	check "pbxd exits cleanly under valgrind" pbx_stop
	valgrind_check
fi

finish
