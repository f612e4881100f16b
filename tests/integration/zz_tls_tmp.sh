. "$(dirname "$0")/lib.sh"
TOOLS=$ROOT/tests/integration/tools
"$ROOT/scripts/make-cert" "$T_DIR/pbxd.pem" pbx.test >/dev/null
TLS_PORT=$(free_port)
pbx_start -o dialplan="$ROOT/tests/integration/dialplans/media.lua" -o sounds_dir="$ROOT/sounds" \
	-o sip_tls_listen=127.0.0.1:$TLS_PORT -o sip_tls_cert="$T_DIR/pbxd.pem"
t_port=$(free_port)
timeout 20 python3 "$TOOLS/sipcall_tls.py" 127.0.0.1 "$TLS_PORT" prompt "$t_port" 8
grep -n "BYE\|error\|warn" $PBX_LOG | head
sleep 0.5; cp $PBX_LOG /tmp/tls_pbx.log; pbx_stop
