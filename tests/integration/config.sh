#!/bin/sh
# config.sh: a config error stops the start with "FILE:LINE: KEY: what is
# wrong" (or "-o: KEY: ..." for an override), and a good config with -o
# overrides starts.  pbxd is run directly with temp config files, each on
# its own loopback port and data_dir.
# SPDX-License-Identifier: BSD-3-Clause

. "$(dirname "$0")/lib.sh"

MODS=$T_DIR/no-modules          # so that no key is taken for a module's
mkdir -p "$MODS"
N=0

# conf_new: a new config file $c whose first four lines make pbxd
# harmless here (the lines a test adds start at line 5)
conf_new()
{
	N=$((N + 1))
	c=$T_DIR/c$N.conf
	cat >"$c" <<EOF
sip_listen		127.0.0.1:$(free_port)
data_dir		$T_DIR/var$N
module_path		$MODS
log_level		info
EOF
}

# start_fails NAME ARGS...: runs pbxd, which must exit (within 5 s) with
# a status other than 0 and not from a signal; stderr in $T_DIR/NAME.err
start_fails()
{
	name=$1
	shift
	timeout -s KILL 5 "$PBXD" "$@" >"$T_DIR/$name.out" 2>"$T_DIR/$name.err"
	rc=$?
	if [ $rc -eq 0 ] || [ $rc -ge 128 ]; then
		diag "pbxd exited $rc"
		sed 's/^/#   /' "$T_DIR/$name.err" | tail -5
		return 1
	fi
}

# says NAME TEXT: a line of stderr of run NAME ends with TEXT (after
# the log prefix)
says()
{
	awk -v t="$2" 'substr($0, length($0) - length(t) + 1) == t { f = 1 }
		END { exit !f }' "$T_DIR/$1.err" && return 0
	diag "stderr of $1:"
	sed 's/^/#   /' "$T_DIR/$1.err" | tail -5
	return 1
}

# says_start NAME TEXT: a line of stderr of run NAME has TEXT
says_start()
{
	grep -qF -- "$2" "$T_DIR/$1.err" && return 0
	diag "stderr of $1:"
	sed 's/^/#   /' "$T_DIR/$1.err" | tail -5
	return 1
}

# ---- an unknown key in the file ----------------------------------------
conf_new
printf 'foo\t\tbar\n' >>"$c"
check "unknown key: pbxd does not start" start_fails unknown -c "$c"
check "unknown key: '$c:5: foo: unknown key'" says unknown "$c:5: foo: unknown key"

# ---- a bad value -------------------------------------------------------
conf_new
printf '# expiry\n\nreg_min_expires\tabc\n' >>"$c"
check "bad value: pbxd does not start" start_fails badval -c "$c"
check "bad value: '$c:7: reg_min_expires: ...'" \
	says_start badval "$c:7: reg_min_expires: 'abc' is not a number"

conf_new
printf 'log_level\tloud\n' >>"$c"
sed -i '4d' "$c"                # log_level once, on line 4
check "bad log_level: pbxd does not start" start_fails badlvl -c "$c"
check "bad log_level: '$c:4: log_level: ...'" \
	says_start badlvl "$c:4: log_level: 'loud'"

conf_new
printf 'reg_min_expires\t600\nreg_max_expires\t300\n' >>"$c"
check "min above max: pbxd does not start" start_fails minmax -c "$c"
check "min above max: '$c:5: reg_min_expires: ...'" \
	says_start minmax "$c:5: reg_min_expires: "

# ---- a key set twice ---------------------------------------------------
conf_new
printf 'reg_max_expires\t3600\nsip_domain\texample.org\nreg_max_expires\t600\n' >>"$c"
check "key set twice: pbxd does not start" start_fails twice -c "$c"
check "key set twice: '$c:7: reg_max_expires: set twice ...'" \
	says_start twice "$c:7: reg_max_expires: set twice (first on line 5)"

# ---- -o overrides ------------------------------------------------------
conf_new
check "-o unknown key: pbxd does not start" start_fails ounknown -c "$c" \
	-o foo=1
check "-o unknown key: '-o: foo: unknown key'" says ounknown "-o: foo: unknown key"

check "-o bad value: pbxd does not start" start_fails obad -c "$c" \
	-o reg_min_expires=abc
check "-o bad value: '-o: reg_min_expires: ...'" \
	says_start obad "-o: reg_min_expires: 'abc' is not a number"

check "-o without '=': pbxd does not start" start_fails onoeq -c "$c" \
	-o reg_min_expires
check "-o without '=': says KEY=VALUE" says_start onoeq "KEY=VALUE"

# ---- a missing config file ---------------------------------------------
check "missing -c file: pbxd does not start" start_fails missing \
	-c "$T_DIR/nope.conf"
check "missing -c file: '$T_DIR/nope.conf: cannot open: ...'" \
	says_start missing "$T_DIR/nope.conf: cannot open: No such file"

check "no pbxd left running" sh -c '! pgrep -f "^$1 -c $2/" >/dev/null' - \
	"$PBXD" "$T_DIR"

# ---- a good config with -o overrides -----------------------------------
conf_new
printf 'reg_min_expires\t120\nsip_domain\t127.0.0.1\n' >>"$c"
PBX_DATA=$T_DIR/good
PBX_SOCK=$PBX_DATA/pbxctl.sock
PBX_LOG=$T_DIR/good.log
"$PBXD" -c "$c" -o data_dir="$PBX_DATA" -o log_level=warn \
	-o reg_min_expires=90 >"$PBX_LOG" 2>&1 &
PBX_PID=$!
i=0
while ! ctl status >/dev/null 2>&1 && [ $i -lt 100 ] &&
      kill -0 "$PBX_PID" 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
st=$(ctl_json status)
check_eq "good config with -o: starts" true "$(json_get "$st" .ok)"
check_eq "-o log_level=warn shows in status" warn \
	"$(json_get "$st" .data.log_level)"
check_eq "-o data_dir: the socket is there" yes \
	"$([ -S "$PBX_DATA/pbxctl.sock" ] && echo yes)"
check_eq "-o log_level=warn: no info lines logged" 0 \
	"$(grep -c ' info ' "$PBX_LOG")"
check "pbxd stops cleanly" pbx_stop

finish
