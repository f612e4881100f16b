# tls.sh: SIP over TLS: a REGISTER with digest auth on sip_tls_listen.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"

"$ROOT/scripts/make-cert" "$T_DIR/pbxd.pem" pbx.test >/dev/null
TLS_PORT=$(free_port)
check "pbxd starts with TLS" pbx_start -o sip_tls_listen=127.0.0.1:$TLS_PORT \
	-o sip_tls_cert="$T_DIR/pbxd.pem"
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
