#!/bin/sh
# natping.sh: the natping module against SIPp: OPTIONS pings to a phone
# registered over UDP, `natping list`, unloading and loading at run time
# (also with a ping in flight), and a bad natping_interval refused at start.
# SPDX-License-Identifier: BSD-3-Clause

. "$(dirname "$0")/lib.sh"

# has_cmd WORDS: `help` lists the command WORDS
has_cmd()
{
	ctl_json help | python3 -c '
import json, sys
d = json.load(sys.stdin).get("data") or []
sys.exit(0 if any(c.get("command") == sys.argv[1] for c in d) else 1)
' "$1"
}

# np_field EXPR: one field of the first `natping list` entry
np_field()
{
	json_get "$(ctl_json natping list)" ".data.0.$1" 2>/dev/null
}

# wait_sent N: waits (at most 10 s) until N pings went to the contact
wait_sent()
{
	i=0
	while :; do
		n=$(np_field sent)
		[ -n "$n" ] && [ "$n" -ge "$1" ] && return 0
		i=$((i + 1))
		[ $i -gt 50 ] && return 1
		sleep 0.2
	done
}

not()   { ! "$@"; }
quiet() { "$@" >/dev/null 2>&1; }

# --- a bad interval stops the start, naming the key ---------------------
mkdir -p "$T_DIR/bad"
timeout 10 "$PBXD" -c "$ROOT/tests/integration/test.conf" \
	-o sip_listen=127.0.0.1:"$(free_port)" -o data_dir="$T_DIR/bad" \
	-o module_path="$BUILD/modules" -o module=natping \
	-o natping_interval=1 >"$T_DIR/bad.log" 2>&1
rc=$?
check "natping_interval=1: pbxd refuses to start (exit $rc)" \
	test "$rc" -ne 0 -a "$rc" -ne 124
check "the message names natping_interval" \
	grep -q "natping_interval.*5 to 3600" "$T_DIR/bad.log"

# --- a registered UDP phone gets pinged ----------------------------------
if ! pbx_start -o module=natping -o natping_interval=5; then
	not_ok "pbxd starts with natping"
	finish
fi
ctl user add 1000 --password secret >/dev/null
check "help lists natping list" has_cmd "natping list"
check "natping list is empty before any registration" \
	test "$(json_get "$(ctl_json natping list)" .data.length)" = 0

# natping_register.xml registers, then waits for the OPTIONS, which
# natping_options.xml (out of call: it has its own Call-ID) answers
check "SIPp registers and gets the OPTIONS ping (within one interval)" \
	sipp_run natping natping_register.xml \
	-oocsf "$ROOT/tests/integration/sipp/natping_options.xml"

reg=$(ctl_json reg list)
contact=$(json_get "$reg" .data.0.contact)
source=$(json_get "$reg" .data.0.source)
check "the OPTIONS went to the Contact URI" \
	grep -q "^OPTIONS $contact SIP/2.0" "$T_DIR/natping.msg"
check "the OPTIONS was routed through the source address" \
	grep -q "^Route: <sip:$source;transport=udp;lr>" "$T_DIR/natping.msg"
check "the OPTIONS is from natping@domain" \
	grep -q "^From: <sip:natping@127.0.0.1>" "$T_DIR/natping.msg"

list=$(ctl_json natping list)
diag "natping list: $list"
check_eq "one contact is tracked" 1 "$(json_get "$list" .data.length)"
check_eq "its ext" 1000 "$(json_get "$list" .data.0.ext)"
check_eq "its contact is the binding's" "$contact" \
	"$(json_get "$list" .data.0.contact)"
check_eq "its source is the binding's" "$source" \
	"$(json_get "$list" .data.0.source)"
check "it answered at least once" \
	test "$(json_get "$list" .data.0.answered)" -ge 1
check_eq "no failures" 0 "$(json_get "$list" .data.0.failures)"
check "a round trip time is known" \
	test "$(json_get "$list" .data.0.rtt_ms)" -ge 0
check_eq "state ok" ok "$(json_get "$list" .data.0.state)"

# --- unload with a ping in flight (SIPp is gone: nobody answers), load ----
check "a second ping goes out one interval later" wait_sent 2
check "module unload natping" quiet ctl module unload natping
check "help no longer lists natping list" not has_cmd "natping list"
check "natping list is gone" not quiet ctl natping list
sleep 1.5     # a leftover timer or handler would crash pbxd now
check "pbxd lives on after the unload" quiet ctl status
check "module load natping" quiet ctl module load natping
check "help lists natping list again" has_cmd "natping list"
check "the reloaded module finds the binding again (fresh counters)" \
	wait_sent 0
check_eq "fresh state: pending" pending "$(np_field state)"

check "pbxd stops cleanly" pbx_stop
finish
