# auth.sh: digest details: SHA-256, stale nonces, banning an address.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"

REG="python3 $ROOT/tests/integration/tools/sipreg.py"

check "pbxd starts" pbx_start -o auth_algorithms=SHA-256,MD5 \
	-o auth_nonce_lifetime=2 -o auth_ban_failures=3 -o auth_ban_seconds=4
ctl user add 1000 --password secret >/dev/null

out=$(timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 secret 300)
check_eq "SHA-256 offered first and accepted" 200 "$(echo "$out" | head -1)"
check_eq "reg list shows the SHA-256 registration" 1000 \
	"$(json_get "$(ctl_json reg list)" .data.0.ext)"

out=$(SIPREG_DELAY=3.5 timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 \
      secret 300)
check_eq "an expired nonce gets a new challenge" 401 \
	"$(echo "$out" | head -1)"
if echo "$out" | grep -q 'stale=true'; then
	ok "the new challenge says stale=true"
else
	not_ok "the new challenge says stale=true"; diag "$out"
fi

out=$(SIPREG_DELAY=3.5 timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 \
      wrong 300)
check_eq "a wrong password with an expired nonce is refused" 403 \
	"$(echo "$out" | head -1)"

# ban: 3 failures (one above counts), then silence for auth_ban_seconds
for i in 1 2; do
	timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 wrong 300 >/dev/null
done
out=$(timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 secret 300)
check_eq "a banned address gets no answer" timeout "$(echo "$out" | head -1)"
sleep 4
out=$(timeout 20 $REG udp 127.0.0.1 "$PBX_PORT" 1000 secret 300)
check_eq "the ban ends after auth_ban_seconds" 200 "$(echo "$out" | head -1)"

check "clean shutdown" pbx_stop
finish
