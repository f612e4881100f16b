#!/bin/sh
# baresip.sh: a real softphone (baresip 1.0) registers to pbxd with a
# password (digest MD5, qop auth), shows up in `reg list` with its user
# agent, and unregisters when it stops.
# SPDX-License-Identifier: BSD-3-Clause

. "$(dirname "$0")/lib.sh"

BARESIP=${BARESIP:-baresip}

if ! command -v "$BARESIP" >/dev/null 2>&1; then
	ok "# SKIP baresip is not installed"
	finish
fi

pbx_start || { not_ok "pbxd starts"; finish; }
ok "pbxd starts"
check "user add 1000" sh -c '"$@" >/dev/null' - \
	"$PBXCTL" -s "$PBX_SOCK" user add 1000 --password secret

# a config dir with nothing but what registering needs: no audio or
# video modules, no UI (stdin is /dev/null), accounts from the
# account module
BS_DIR=$T_DIR/baresip
BS_PORT=$(free_port)
mkdir -p "$BS_DIR"
cat >"$BS_DIR/config" <<EOF
poll_method		epoll
sip_listen		127.0.0.1:$BS_PORT
sip_transports		udp
module_path		/usr/lib/baresip/modules
module_app		account.so
audio_player		none
audio_source		none
audio_alert		none
EOF
cat >"$BS_DIR/accounts" <<EOF
<sip:1000@127.0.0.1:$PBX_PORT;transport=udp>;auth_pass=secret;regint=600
EOF

# -s: SIP trace in the log; -t: a bound should the test die on the way
"$BARESIP" -f "$BS_DIR" -s -t 40 </dev/null >"$T_DIR/baresip.log" 2>&1 &
BS_PID=$!
EXTRA_PIDS="$EXTRA_PIDS $BS_PID"

i=0
r=
while [ $i -lt 100 ]; do
	r=$(reg_of 1000)
	[ -n "$r" ] && break
	kill -0 "$BS_PID" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
check_eq "baresip registered within 10 s" 1 "$(echo "$r" | grep -c .)"
ua=$(json_get "$r" .user_agent)
check "reg list: baresip's user agent ($ua)" \
	sh -c 'case "$1" in "baresip v"*) ;; *) exit 1;; esac' - "$ua"
check_eq "reg list: transport" udp "$(json_get "$r" .transport)"
check_eq "reg list: source" "127.0.0.1:$BS_PORT" "$(json_get "$r" .source)"
check "reg list: contact on baresip's address ($(json_get "$r" .contact))" \
	sh -c 'case "$1" in sip:1000*@127.0.0.1:"$2"*) ;; *) exit 1;; esac' \
	- "$(json_get "$r" .contact)" "$BS_PORT"
e=$(json_get "$r" .expires)
check "reg list: expires near regint 600 ($e)" \
	sh -c '[ "$1" -ge 590 ] && [ "$1" -le 600 ]' - "${e:-0}"
check "baresip saw the 200 OK" grep -q '200 OK (pbxd/[^)]*) \[1 binding\]' \
	"$T_DIR/baresip.log"
check "baresip was challenged with MD5 and qop auth" grep -q \
	'^WWW-Authenticate: Digest realm="127.0.0.1", nonce="[0-9a-f]*", algorithm=MD5, qop="auth"' \
	"$T_DIR/baresip.log"

# stopping baresip unregisters it (Contact ...;expires=0)
kill -TERM "$BS_PID" 2>/dev/null
i=0
while [ -n "$(reg_of 1000)" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check_eq "baresip unregistered when stopped" "" "$(reg_of 1000)"
i=0
while kill -0 "$BS_PID" 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "baresip exited" sh -c '! kill -0 "$1" 2>/dev/null' - "$BS_PID"

check "pbxd stops cleanly" pbx_stop
finish
