# tls.sh: SIP over TLS: a REGISTER with digest auth on sip_tls_listen;
# calls from TLS callers that pbxd answers and hangs up (its BYE must go
# back on the caller's connection, also with a sips: Contact).
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/make-cert" "$T_DIR/pbxd.pem" pbx.test >/dev/null
TLS_PORT=$(free_port)
check "pbxd starts with TLS" pbx_start -o sip_tls_listen=127.0.0.1:$TLS_PORT \
	-o sip_tls_cert="$T_DIR/pbxd.pem" \
	-o dialplan="$ROOT/tests/integration/dialplans/tls.lua"
ctl user add 1000 --password secret >/dev/null

out=$(timeout 20 python3 "$ROOT/tests/integration/tools/sipreg.py" tls \
      127.0.0.1 "$TLS_PORT" 1000 secret 300)
check_eq "REGISTER over TLS gets 200" 200 "$(echo "$out" | head -1)"
reg=$(ctl_json reg list)
check_eq "reg list shows transport tls" tls "$(json_get "$reg" .data.0.transport)"
check_eq "expiry granted" true \
	"$(python3 -c "print(str(290 <= $(json_get "$reg" .data.0.expires) <= 300).lower())")"

out=$(timeout 20 python3 "$ROOT/tests/integration/tools/sipreg.py" tls \
      127.0.0.1 "$TLS_PORT" 1000 wrong 300)
check_eq "wrong password over TLS gets 403" 403 "$(echo "$out" | head -1)"

# pbxd hangs up: libre 1.1.0 cannot send to a sips: next hop, so the
# caller's dialog must target sip:...;transport=tls (call.c)
tls_call()
{
	timeout 20 python3 "$ROOT/tests/integration/tools/sipcall_tls.py" \
		127.0.0.1 "$TLS_PORT" tls "$(free_port)" 5 | tr '\n' ' '
}
check_eq "sips: Contact: answered, pbxd's BYE arrives" "200 bye " \
	"$(tls_call)"
check_eq "sips:...;transport=tls Contact: pbxd's BYE arrives" "200 bye " \
	"$(SIP_CONTACT_PARAMS=";transport=tls" tls_call)"
check_eq "plain TCP caller: pbxd's BYE arrives" "200 bye " \
	"$(SIP_TCP=1 TLS_PORT=$PBX_PORT tls_call)"

# a missing certificate file stops the start, naming the key
out=$("$PBXD" -c "$ROOT/tests/integration/test.conf" \
      -o sip_listen=127.0.0.1:$(free_port) -o data_dir="$T_DIR/v2" \
      -o sip_tls_listen=127.0.0.1:$(free_port) \
      -o sip_tls_cert=/nonexistent.pem 2>&1)
if printf '%s\n' "$out" | grep -q -- '-o: sip_tls_cert: cannot load'; then
	ok "missing certificate refused with the key named"
else
	not_ok "missing certificate refused with the key named"
fi

check "clean shutdown" pbx_stop
finish
