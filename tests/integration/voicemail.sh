#!/bin/sh
# voicemail.sh: the voicemail module with the default dialplan: a busy
# and an unreachable extension send the caller to voicemail, whose WAV
# then holds the caller's tone; a hang-up mid-recording still leaves the
# message; the PIN menu plays, saves and deletes (state checked in SQLite
# and on disk) and records a busy greeting that the next busy caller
# hears; MWI NOTIFYs carry the counts; a restart keeps everything;
# the module unloads and loads at run time.
# SPDX-License-Identifier: BSD-3-Clause
#
# Callers are SIPp (call_uac_wait.xml, authenticated as 1000) with
# tools/mediaep.py as their RTP side (sending tones and RFC 4733 digits,
# recording what pbxd says).

. "$(dirname "$0")/lib.sh"

[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }

TOOLS=$ROOT/tests/integration/tools
SCEN=$ROOT/tests/integration/sipp

if [ -n "$VM_VALGRIND" ]; then
	valgrind_wrap
fi

# voicemail_sendmail names no program: e-mail is off, said once, and no
# message is lost for it (voicemail_menu.sh mails through a real one)
pbx_start -o sounds_dir="$ROOT/sounds" -o module=voicemail \
	-o voicemail_silence_seconds=2 \
	-o voicemail_sendmail="$T_DIR/no-sendmail" ||
	{ not_ok "pbxd starts with the voicemail module"; finish; }
ok "pbxd starts with the voicemail module"
ctl user add 1000 --password secret --pin 1111 >/dev/null
ctl user add 1001 --password secret --pin 1234 \
	--email bob@example.org >/dev/null
ctl user add 1002 --password secret --pin 4321 \
	--email carol@example.org >/dev/null
"$PBXCTL" -s "$PBX_SOCK" events >"$T_DIR/events.log" 2>&1 &
EXTRA_PIDS="$EXTRA_PIDS $!"

# ---- a busy extension: the caller leaves a message -----------------------

sipp_start busy call_uas_reg.xml -s 1001 -au 1001 -ap secret \
	-oocsf "$SCEN/call_uas_busy.xml" -key mport "$(free_port)"
wait_for 50 regs_are 1001 1
vcall vbusy 1001 18 5500:tone:1000:3500 9000:silence:8000
vwait vbusy
sipp_wait busy
check_eq "busy: one message in 1001's mailbox" 1 "$(vm_count 1001)"
check "busy: the caller heard the greeting before the beep" \
	fbetween 2 30 "$(jget "$T_DIR/vbusy.json" 'r["active_seconds"]')" \
	|| show vbusy
ID=$(json_get "$(ctl_json vm list 1001)" .data.0.id)
WAV=$(json_get "$(ctl_json vm play 1001 "$ID")" .data.path)
python3 "$TOOLS/wavcheck.py" "$WAV" >"$T_DIR/vbusy.wav.json" 2>&1
check "busy: the message holds the caller's 1000 Hz tone" \
	fbetween 990 1010 "$(jget "$T_DIR/vbusy.wav.json" 'r["peak_hz"]')" \
	|| diag "$(cat "$T_DIR/vbusy.wav.json")"
check "busy: ... up to 3.5 s of it (the rest was the greeting)" \
	fbetween 1.0 3.6 \
	"$(jget "$T_DIR/vbusy.wav.json" 'r["active_seconds"]')"
check_eq "busy: the row says new, caller 1000" "0|1000" \
	"$(db "SELECT folder, caller FROM vm_msg WHERE box = '1001'")"
check "a voicemail event was emitted" grep -q "voicemail .*box=1001" \
	"$T_DIR/events.log"

# ---- an extension without phones: "not available" -------------------------

vcall vunav 1002 14 5000:tone:1000:1500 6500:silence:8000
vwait vunav
check_eq "unavailable: one message in 1002's mailbox" 1 "$(vm_count 1002)"

# ---- a hang-up while recording still leaves the message ---------------------

vcall vhang 1002 14 4500:tone:1000:9000
sleep 10
hangup_all
vwait vhang
check_eq "hang-up mid-recording: the message is kept" 2 "$(vm_count 1002)"
ID2=$(json_get "$(ctl_json vm list 1002)" .data.1.id)
WAV2=$(json_get "$(ctl_json vm play 1002 "$ID2")" .data.path)
python3 "$TOOLS/wavcheck.py" "$WAV2" >"$T_DIR/vhang.wav.json" 2>&1
check "... and its file is a valid WAV with the tone" fbetween 990 1010 \
	"$(jget "$T_DIR/vhang.wav.json" \
	'r["peak_hz"] if r["valid_header"] else 0')" \
	|| diag "$(cat "$T_DIR/vhang.wav.json")"

check_eq "no sendmail: said once in the log for three messages" 1 \
	"$(grep -c 'no sendmail found' "$PBX_LOG")"

# ---- console -----------------------------------------------------------------

check "vm counts lists both mailboxes" sh -c "\"$PBXCTL\" -s \"$PBX_SOCK\" \
--json vm counts | grep -q '1001' && \"$PBXCTL\" -s \"$PBX_SOCK\" --json \
vm counts | grep -q '1002'"
check "vm del removes row and file" ctl vm del 1002 "$ID2"
check "... the file is gone" [ ! -e "$WAV2" ]
check_eq "... and the row" 1 "$(db "SELECT count(*) FROM vm_msg WHERE box = '1002'")"

# ---- restart: everything is still there -------------------------------------

pbx_stop
# under valgrind: the first pbxd's report, before the next one starts
[ -n "$VM_VALGRIND" ] && valgrind_check
pbx_start -o sounds_dir="$ROOT/sounds" -o module=voicemail \
	-o voicemail_silence_seconds=2 -o voicemail_email=no
check_eq "after a restart 1001 still has its message" 1 "$(vm_count 1001)"
check "... with its file" [ -s "$WAV" ]

# ---- the mailbox menu, driven by RFC 4733 digits ----------------------------
# *97 as 1001: PIN 1234#, 1 (listen), the message plays, 9 (save), then
# * (main menu) and # (goodbye).  Digits typed ahead wait their turn.

FROM=1001 vcall menu1 '*97' 26 1500:dtmf4733:1234# 6500:dtmf4733:1 \
	14000:dtmf4733:9 17000:dtmf4733:* 19000:dtmf4733:#
vwait menu1
check_eq "menu: 9 saves the message (folder saved, heard)" "2|1" \
	"$(db "SELECT folder, heard FROM vm_msg WHERE box = '1001'")"
check "menu: the caller heard its message (the 1000 Hz tone)" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if any(abs(s[2] - 1000) < 15 and s[1] - s[0] > 800
		  for s in r["segments"]) else 1)' "$T_DIR/menu1.json" || show menu1

FROM=1001 vcall menu2 '*97' 22 1500:dtmf4733:1234# 6500:dtmf4733:1 \
	12000:dtmf4733:7 15000:dtmf4733:* 17000:dtmf4733:#
vwait menu2
check_eq "menu: 7 deletes it (row gone)" 0 \
	"$(db "SELECT count(*) FROM vm_msg WHERE box = '1001'")"
check "... and its file" [ ! -e "$WAV" ]

# options: 0, 1 records the busy greeting (a 1500 Hz tone, # ends it);
# a busy call then hears it instead of the spoken default
FROM=1001 vcall greet '*97' 24 1500:dtmf4733:1234# 5000:dtmf4733:0 \
	6500:dtmf4733:1 11000:tone:1500:2000 13500:dtmf4733:# \
	16000:dtmf4733:* 18000:dtmf4733:#
vwait greet
GREET=$PBX_DATA/voicemail/1001/greet-busy.wav
python3 "$TOOLS/wavcheck.py" "$GREET" >"$T_DIR/greet.wav.json" 2>&1
check "options: the busy greeting is recorded (1500 Hz)" fbetween 1490 1510 \
	"$(jget "$T_DIR/greet.wav.json" 'r["peak_hz"]')" \
	|| { diag "$(cat "$T_DIR/greet.wav.json")"; show greet; }
sipp_start busy2 call_uas_reg.xml -s 1001 -au 1001 -ap secret \
	-oocsf "$SCEN/call_uas_busy.xml" -key mport "$(free_port)"
wait_for 50 regs_are 1001 1
vcall vgreet 1001 10
vwait vgreet
sipp_wait busy2
check "a busy caller hears the recorded greeting" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
sys.exit(0 if any(abs(s[2] - 1500) < 15 and s[1] - s[0] > 800
		  for s in r["segments"]) else 1)' "$T_DIR/vgreet.json" \
	|| show vgreet
# (the message that caller left is not needed below)
for id in $(ctl_json vm list 1001 | python3 -c '
import json, sys
print(" ".join(str(m["id"]) for m in json.load(sys.stdin)["data"]))'); do
	ctl vm del 1001 "$id" >/dev/null
done

FROM=1001 vcall menu3 '*97' 16 1500:dtmf4733:9999# 4500:dtmf4733:8888# \
	7500:dtmf4733:7777#
vwait menu3
check "menu: three wrong PINs end the call" grep -q "BYE" "$T_DIR/menu3.msg"

# ---- the module unloads and loads at run time ---------------------------------

check "module unload voicemail" ctl module unload voicemail
check "... vm commands are gone" sh -c "! \"$PBXCTL\" -s \"$PBX_SOCK\" \
vm list 1001 >/dev/null 2>&1"
sipp_run unloaded call_uac_wait.xml -s '*97' -au 1001 -ap secret \
	-key from 1001 -key mport "$(free_port)" -key pts 0
check_eq "... *97 without the module: the dialplan answers 404" 404 \
	"$(python3 "$TOOLS/sipmsg.py" "$T_DIR/unloaded.msg" -w received \
	-m '^SIP/2.0 [3-6]' -i -1 -f :status | cut -d' ' -f2)"
check "module load voicemail" ctl module load voicemail
check_eq "... and the messages are back" 1 "$(vm_count 1002)"

# ---- message waiting indication (RFC 3842) -----------------------------------
# 1002 subscribes to its box (one message): the first NOTIFY says 1/0;
# deleting the message from the console sends 0/0; then it unsubscribes.

sipp_start mwi mwi_subscribe.xml -s 1002 -au 1002 -ap secret \
	-key expires 600 -trace_logs -log_file "$T_DIR/mwi.logs"
wait_for 50 grep -q "notify" "$T_DIR/mwi.logs"
ID3=$(json_get "$(ctl_json vm list 1002)" .data.0.id)
ctl vm del 1002 "$ID3" >/dev/null
sipp_wait mwi
check_eq "MWI: NOTIFY 1/0 on subscribing, 0/0 after the delete, then \
terminated" "notify 1/0 yes|notify 0/0 no|terminated" \
	"$(grep -o 'notify [0-9]*/[0-9]* [a-z]*\|terminated' \
	"$T_DIR/mwi.logs" | tr '\n' '|' | sed 's/|$//')"
check "MWI: the NOTIFY body is application/simple-message-summary" \
	python3 "$TOOLS/sipmsg.py" "$T_DIR/mwi.msg" -w received \
	-m '^NOTIFY' -f Content-Type -i 1

if [ -n "$VM_VALGRIND" ]; then
	check "pbxd exits cleanly under valgrind" pbx_stop
	valgrind_check
fi

finish
