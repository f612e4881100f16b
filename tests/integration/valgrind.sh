# valgrind.sh: pbxd under valgrind through registrations, console and
# module load/unload: no memory errors, nothing definitely lost.
# SPDX-License-Identifier: BSD-3-Clause
. "$(dirname "$0")/lib.sh"

REG="python3 $ROOT/tests/integration/tools/sipreg.py"
valgrind_wrap

check "pbxd starts under valgrind" pbx_start -o module=natping \
	-o auth_algorithms=SHA-256,MD5
ctl user add 1000 --password secret >/dev/null
ctl user add 1001 >/dev/null
timeout 30 "$PBXCTL" -s "$PBX_SOCK" --json events >"$T_DIR/events" &
EXTRA_PIDS="$EXTRA_PIDS $!"
sleep 0.5

for tp in udp tcp; do
	out=$(timeout 30 $REG $tp 127.0.0.1 "$PBX_PORT" 1000 secret 300)
	check_eq "REGISTER over $tp" 200 "$(echo "$out" | head -1)"
done
out=$(timeout 30 $REG udp 127.0.0.1 "$PBX_PORT" 1000 wrong 300)
check_eq "wrong password" 403 "$(echo "$out" | head -1)"
out=$(timeout 30 $REG udp 127.0.0.1 "$PBX_PORT" 1000 secret 0)
check_eq "unregister" 200 "$(echo "$out" | head -1)"

check "module unload" ctl module unload natping
check "module load" ctl module load natping
ctl reg list >/dev/null
ctl user list >/dev/null
ctl help >/dev/null
ctl nonsense >/dev/null 2>&1
printf '{"argv": 5}\nnot json\n{"argv": ["status"]}\n' |
	timeout 5 python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.settimeout(3)
d = b""
while d.count(b"\n") < 3:
    c = s.recv(4096)
    if not c: break
    d += c
sys.stdout.write(d.decode())' "$PBX_SOCK" >"$T_DIR/bad.out"
check_eq "bad console requests each get an error reply" 2 \
	"$(grep -c '"ok":false' "$T_DIR/bad.out")"
check "user del" ctl user del 1000

check "pbxd exits cleanly under valgrind (exit status 0, not 99)" pbx_stop
valgrind_check
finish
