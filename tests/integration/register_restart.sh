#!/bin/sh
# register_restart.sh: a registration and the users outlive a restart:
# register for an hour, stop pbxd (SIGTERM, clean exit), start it again on
# the same data_dir; the binding is still listed with its remaining expiry.
# Then a crash (kill -9) a second after a REGISTER and an unregistration
# keeps both changes.
# SPDX-License-Identifier: BSD-3-Clause

. "$(dirname "$0")/lib.sh"

# ctl_q ARGS...: ctl, quietly
ctl_q() { ctl "$@" >/dev/null; }

# between LOW HIGH VALUE
between() { [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

pbx_start || { not_ok "pbxd starts"; finish; }
ok "pbxd starts"
check "user add 1000" ctl_q user add 1000 --password secret --name Alice
check "user add 1001" ctl_q user add 1001 --password other

check "REGISTER 1000 for 3600 s" sipp_run reg reg_ok.xml -s 1000 \
	-ap secret -key expires 3600 -key ua "sipp-restart/1"
before=$(reg_of 1000)
check_eq "reg list: one binding before the restart" 1 \
	"$(echo "$before" | grep -c .)"
e1=$(json_get "$before" .expires)
check "reg list: expires in 3590..3600 ($e1)" between 3590 3600 "$e1"

# let a second or two pass so that the remaining expiry visibly drops
sleep 2
check "pbxd stops cleanly on SIGTERM (exit 0)" pbx_stop
check "pbxd is gone" sh -c '! ss -Hlnu "( sport = :$1 )" | grep -q .' - \
	"$PBX_PORT"

pbx_start || { not_ok "pbxd starts again on the same data"; finish; }
ok "pbxd starts again on the same data"
after=$(reg_of 1000)
check_eq "reg list: the binding is back" 1 "$(echo "$after" | grep -c .)"
for k in contact transport source user_agent; do
	check_eq "reg list: same $k" "$(json_get "$before" ".$k")" \
		"$(json_get "$after" ".$k")"
done
e2=$(json_get "$after" .expires)
check "reg list: expires a little lower ($e1 -> $e2)" \
	between $((e1 - 15)) $((e1 - 1)) "$e2"

users=$(ctl_json user list | python3 -c '
import json, sys
print(" ".join(sorted(u["ext"] for u in json.load(sys.stdin)["data"])))')
check_eq "users: 1000 and 1001 are still there" "1000 1001" "$users"
check_eq "users: 1000 keeps its name" Alice \
	"$(json_get "$(ctl_json user show 1000)" .data.name)"

# the password still works: the hashes were kept (and nonces of the
# last run are not needed: a fresh challenge comes first)
check "REGISTER 1000 again after the restart" sipp_run reg2 reg_ok.xml \
	-s 1000 -ap secret -key expires 3600 -key ua "sipp-restart/2"
check_eq "reg list: still one binding per client" 2 \
	"$(reg_of 1000 | grep -c .)"

# the table is written behind (at most 200 ms later): a crash a second
# after a REGISTER and after an unregistration loses neither
check "REGISTER 1001 for 3600 s" sipp_run reg3 reg_ok.xml -s 1001 \
	-ap other -key expires 3600 -key ua "sipp-restart/3"
check "1000 unregisters its bindings (Contact: *)" sipp_run reg4 \
	reg_star.xml -s 1000 -ap secret
sleep 1
kill -9 "$PBX_PID"
wait "$PBX_PID" 2>/dev/null
pbx_start || { not_ok "pbxd starts after a crash (kill -9)"; finish; }
ok "pbxd starts after a crash (kill -9)"
check_eq "after the crash: 1001's binding is there" 1 \
	"$(reg_of 1001 | grep -c .)"
check_eq "... and 1000's are gone" 0 "$(reg_of 1000 | grep -c .)"

check "pbxd stops cleanly again" pbx_stop
finish
