# fig_register.sh: registrations per second, and Kamailio side by side
# (sourced by tests/bench/run after its own figures; not run alone).
# SPDX-License-Identifier: BSD-3-Clause
#
# 1. REGISTER with digest: 10,000 extensions made through pbxctl (one
#    command a line on its stdin: the path an operator's script takes);
#    SIPp (sipp/register.xml) registers them in turn, each call one
#    phone: REGISTER, 401, REGISTER with the answer, 200.  The rate rises
#    by REG_RATES, REG_SECS each, on one pbxd, until a step fails: a step passes
#    with < 0.1 % failed, all of its registrations created at >= 95 %
#    of the target rate and SIPp retransmissions <= 1 % of them
#    (stats.py sipp counts them).  Each step starts where the
#    previous one stopped in the list of phones, so that a phone
#    registers once per 10,000 registrations (more often is a refresh).  pbxd's CPU (from 1 s in
#    to the last registration created) and its peak RSS are recorded.
#    REPEAT searches, each on a fresh pbxd; the report takes the median.
# 2. With PEERS containing "kamailio": the same on Kamailio 5.6
#    (kamailio/kamailio.cfg: registrar with auth_db on SQLite, stateful
#    proxy, routing decided in Lua; 1 GiB of shared memory: with 128 MiB
#    the transactions of 1000 calls/s exhaust it and tm answers 500),
#    the same 10,000 subscribers and 2000; then the call-rate ramp of
#    run (cps_step, sipp/uac.xml -> Kamailio -> sipp/uas.xml registered
#    as 2000) on it.  Kamailio's CPU is the sum over all its processes,
#    its memory the sum of their PSS (its shared memory counted once).
#    report_register.py gives the pbxd/Kamailio ratios.
#
# Environment: REG_RATES, REG_SECS, REG_REPEAT, KAM_CPS_RATES,
# KAM_CPS_SECS override the plan; PEERS (e.g. "kamailio").

REG_USERS=10000
if [ -n "$QUICK" ]; then
	REG_RATES=${REG_RATES:-"200 500"}
	REG_SECS=${REG_SECS:-3}
	# one step: the top of the call-rate ramp of pbxd
	KAM_CPS_RATES=${KAM_CPS_RATES:-$(echo $CPS_RATES | awk '{print $NF}')}
	KAM_CPS_SECS=${KAM_CPS_SECS:-3}
else
	REG_RATES=${REG_RATES:-"1000 2000 4000 6000 8000 10000 12000 14000 16000"}
	REG_SECS=${REG_SECS:-5}
	KAM_CPS_RATES=${KAM_CPS_RATES:-"200 400 800 1200 1600 2000 2400"}
	KAM_CPS_SECS=${KAM_CPS_SECS:-8}
fi
REG_REPEAT=${REG_REPEAT:-$REPEAT}
KAM_CFG=$BENCH/kamailio/kamailio.cfg
KAM_SQL=/usr/share/kamailio/db_sqlite

# the phones: "EXT;PASSWORD", extensions 10000-19999
awk -v n=$REG_USERS 'BEGIN { for (i = 0; i < n; i++)
	printf "%d;pw%d-%d\n", 10000 + i, i * 7919 % 100000, i }' \
	>"$T_DIR/phones.txt"

# reg_inf FILE OFFSET N: SIPp's injection file of N phones from OFFSET
# (wrapping around the list)
reg_inf()
{
	awk -F';' -v off="$2" -v n="$3" '
		{ u[NR - 1] = $1; p[NR - 1] = $2 }
		END {
			print "SEQUENTIAL"
			for (i = 0; i < n; i++) {
				k = (off + i) % NR
				printf "%s;[authentication username=%s " \
				       "password=%s]\n", u[k], u[k], p[k]
			}
		}' "$T_DIR/phones.txt" >"$1"
}

# reg_step RUN RATE SECS: one REGISTER step on TARGET (at TARGET_PORT);
# appends its record (kind "register" for pbxd, else TARGET_register);
# returns 1 if it failed.  REG_OFF: where in the list of phones it starts.
reg_step()
{
	run=$1 rate=$2 secs=$3
	kind=register
	[ "$TARGET" = pbxd ] || kind=${TARGET}_register
	tag=$kind$run.$rate
	n=$((rate * secs))
	life=$((secs + 40))
	reg_inf "$T_DIR/$tag.inf" "$REG_OFF" "$n"
	REG_OFF=$(( (REG_OFF + n) % REG_USERS ))
	sipp_bg "$tag" 127.0.0.1:"$TARGET_PORT" \
		-sf "$BENCH/sipp/register.xml" -inf "$T_DIR/$tag.inf" \
		-i 127.0.0.1 -p "$(free_port)" -nostdin \
		-r "$rate" -m "$n" -l $((rate * 3 + 50)) -timeout "${life}s"
	t_start=$(now_ms)
	mem_max=0
	s0="" s1=""
	while alive "$UAC_PID"; do
		el=$(( $(now_ms) - t_start ))
		# SIPp ends with the last registration: the end of the
		# window is the last sample before it, taken while it runs
		if [ -z "$s0" ]; then
			[ $el -ge 1000 ] && s0=$(sample)
		elif [ $el -le $((secs * 1000)) ] || [ -z "$s1" ]; then
			s1=$(sample)
		fi
		m=$("${TARGET}_mem_kb")
		[ "${m:-0}" -gt $mem_max ] && mem_max=$m
		if [ $el -gt $(( (life + 10) * 1000 )) ]; then
			say "SIPp still running after $((life + 10)) s:" \
				"stopped"
			kill "$UAC_PID"
		fi
		sleep 0.25
	done
	wait "$UAC_PID" 2>/dev/null
	[ -n "$s0" ] || s0=$(sample)
	[ -n "$s1" ] || s1=$s0
	set -- $s0 $s1
	cpu=$(cpu_pct "$2" "$6" "$1" "$5")
	uac_cpu=$(cpu_pct "$3" "$7" "$1" "$5")
	bindings=""
	[ "$TARGET" = pbxd ] &&
		bindings=$(json_get "$(ctl_json status)" .data.registrations)
	python3 "$BENCH/stats.py" sipp "$T_DIR/$tag.csv" "$rate" "$n" \
		"$T_DIR/$tag.screen" >"$T_DIR/$tag.json"
	python3 "$BENCH/report_register.py" step "$kind" server="$TARGET" \
		run="$run" rate="$rate" secs="$secs" cpu="$cpu" \
		uac_cpu="$uac_cpu" mem_kb="$mem_max" bindings="$bindings" \
		"@$T_DIR/$tag.json" >"$T_DIR/$tag.step"
	cat "$T_DIR/$tag.step" >>"$STEPS"
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print("# %s run %d: %5d/s %2d s  %s  achieved %s/s, ok %s, failed %s, "
      "retrans %s, %s %s%% cpu, %s %d KiB%s" % (
      s["kind"], s["run"], s["rate"], s["secs"],
      "pass" if s["pass"] else "FAIL", s["achieved"], s["ok"], s["failed"],
      s["retrans"], s["server"], s["cpu"],
      "rss" if s["server"] == "pbxd" else "pss", s["mem_kb"],
      "" if s["pass"] else " -- " + s["why"]))
sys.exit(0 if s["pass"] else 1)' "$T_DIR/$tag.step" >&2
}

# reg_search RUN: the ramp on TARGET, up to the first failing step.
# Every step lasts REG_SECS: above 10,000/REG_SECS a second a phone comes
# round again within the step (a refresh of its binding, as phones do);
# shorter steps would measure SIPp's start more than the server.
reg_search()
{
	REG_OFF=0
	for rate in $REG_RATES; do
		reg_step "$1" "$rate" "$REG_SECS" || break
		sleep 1
	done
}

# ---- Kamailio -----------------------------------------------------------

# the process ids of Kamailio: its main process and its descendants
kam_pids()
{
	kp_new=$KAM_PID
	while [ -n "$kp_new" ]; do
		echo $kp_new
		kp_next=""
		for p in $kp_new; do
			kp_next="$kp_next $(ps -o pid= --ppid "$p")"
		done
		kp_new=$(echo $kp_next)
	done
}

kamailio_ticks()
{
	for p in $KAM_PIDS; do
		[ -r "/proc/$p/stat" ] && echo "/proc/$p/stat"
	done | xargs -r awk '{ t += $14 + $15 } END { print t + 0 }'
}

# PSS: the shared memory (SIP transactions, contacts) counted once
kamailio_mem_kb()
{
	for p in $KAM_PIDS; do
		[ -r "/proc/$p/smaps_rollup" ] && echo "/proc/$p/smaps_rollup"
	done | xargs -r awk '/^Pss:/ { k += $2 } END { print k + 0 }'
}

# the UDP socket is opened by the main process before it forks
kamailio_drops() { python3 "$BENCH/stats.py" drops "$KAM_PID"; }

# a proxy holds no calls: its transactions end with SIPp's
kamailio_left() { echo 0; }

# kam_start NAME: a fresh Kamailio in $T_DIR/NAME, with the subscribers
# in SQLite (the package's schema); sets KAM_PID, KAM_PORT, KAM_PIDS
kam_start()
{
	kd=$T_DIR/$1
	mkdir -p "$kd"
	{
		cat "$KAM_SQL/standard-create.sql" \
			"$KAM_SQL/auth_db-create.sql"
		echo "BEGIN;"
		awk -F';' '{ printf "INSERT INTO subscriber (username, " \
			"domain, password) VALUES (%c%s%c, %c127.0.0.1%c, " \
			"%c%s%c);\n", 39, $1, 39, 39, 39, 39, $2, 39 }' \
			"$T_DIR/phones.txt"
		echo "INSERT INTO subscriber (username, domain, password)" \
			"VALUES ('2000', '127.0.0.1', 'bench');"
		echo "COMMIT;"
	} | sqlite3 "$kd/kamailio.db" || die "cannot make Kamailio's database"
	KAM_PORT=$(free_port)
	kamailio -f "$KAM_CFG" -DD -E -l "udp:127.0.0.1:$KAM_PORT" \
		-A "DBURL=\"sqlite:///$kd/kamailio.db\"" \
		-A "ROUTE_LUA=\"$BENCH/kamailio/route.lua\"" \
		-P "$kd/kamailio.pid" -Y "$kd" -w "$kd" -m 1024 -M 16 \
		>"$kd/kamailio.log" 2>&1 &
	KAM_PID=$!
	EXTRA_PIDS="$EXTRA_PIDS $KAM_PID"
	i=0
	while ! ss -Hlnu "( sport = :$KAM_PORT )" | grep -q .; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! alive "$KAM_PID"; then
			tail -20 "$kd/kamailio.log" >&2
			die "Kamailio does not start"
		fi
		sleep 0.1
	done
	# the workers and timers are forked once, at start
	sleep 1
	KAM_PIDS=$(kam_pids)
	alive "$KAM_PID" ||
		die "Kamailio stopped: $(tail -5 "$kd/kamailio.log")"
}

# kam_stop: SIGTERM to the main process (it stops its children), bounded;
# then any process of it left, by PID
kam_stop()
{
	kill -TERM "$KAM_PID" 2>/dev/null
	i=0
	while alive "$KAM_PID" && [ $i -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	alive "$KAM_PID" && kill -9 "$KAM_PID" 2>/dev/null
	wait "$KAM_PID" 2>/dev/null
	for p in $KAM_PIDS; do
		alive "$p" && kill -9 "$p" 2>/dev/null
	done
	KAM_PID="" KAM_PIDS=""
}

case " $PEERS " in
*kamailio*)
	WITH_KAM=1
	command -v kamailio >/dev/null &&
	[ -r "$KAM_SQL/auth_db-create.sql" ] ||
		die "Kamailio is missing: ./scripts/install-deps --bench"
	KAM_VERSION=$(kamailio -v | awk '/^version:/ { print $3 }')
	# the callee repeats the proxy's Record-Route (pbxd, a B2BUA, sets
	# none), so that ACK and BYE come back through Kamailio; and it
	# waits 10 ms between its 180 and its 200: sent back to back, the
	# two workers of Kamailio may relay them out of order, and SIPp
	# aborts a call that gets a 180 after its 200 (a phone ignores it)
	sed '/rtp_stream=/d
	     s/^\( *\)\[last_Call-ID:\]$/&\n\1[last_Record-Route:]/
	     s/^  <send retrans="500">$/  <pause milliseconds="10" \/>\n&/' \
		"$BENCH/sipp/uas.xml" >"$T_DIR/uas_rr.xml"
	;;
*) WITH_KAM="" ;;
esac

# ---- the runs ---------------------------------------------------------------

run=1
while [ $run -le "$REG_REPEAT" ]; do
	say "REGISTER with digest, $REG_USERS phones: pbxd (run $run)"
	PBX_PORT=""
	PBX_DATA=$T_DIR/reg$run
	pbx_start -o dialplan="$BENCH/dialplan.lua" -o log_level=warn ||
		die "pbxd does not start"
	awk -F';' '{ print "user add " $1 " --password " $2 }' \
		"$T_DIR/phones.txt" >"$T_DIR/users.ctl"
	t0=$(now_ms)
	ctl <"$T_DIR/users.ctl" >"$T_DIR/users.out" 2>&1 ||
		die "pbxctl could not add the phones:" \
			"$(tail -3 "$T_DIR/users.out")"
	t1=$(now_ms)
	echo "{\"kind\": \"register_provision\", \"run\": $run," \
		"\"users\": $REG_USERS, \"ms\": $((t1 - t0))}" >>"$STEPS"
	say "pbxctl: $REG_USERS users added in $((t1 - t0)) ms"
	TARGET=pbxd TARGET_PORT=$PBX_PORT
	reg_search "$run"
	TARGET=pbxd TARGET_PORT=""
	pbx_stop || say "pbxd did not stop (killed)"

	if [ -n "$WITH_KAM" ]; then
		say "REGISTER with digest: Kamailio $KAM_VERSION (run $run)"
		kam_start "kreg$run"
		TARGET=kamailio TARGET_PORT=$KAM_PORT
		reg_search "$run"
		TARGET=pbxd TARGET_PORT=""
		kam_stop

		say "call rate: Kamailio $KAM_VERSION (run $run)"
		kam_start "kcps$run"
		life=$(( $(echo $KAM_CPS_RATES | wc -w) *
			(KAM_CPS_SECS + 60) + 60 ))
		bench_callee "kcps$run" "$T_DIR/uas_rr.xml" "$life" "$KAM_PORT"
		TARGET=kamailio TARGET_PORT=$KAM_PORT
		for rate in $KAM_CPS_RATES; do
			cps_step cps "$run" "$rate" "$KAM_CPS_SECS" || break
			sleep 1
		done
		TARGET=pbxd TARGET_PORT=""
		kill "$UAS_PID" 2>/dev/null
		wait "$UAS_PID" 2>/dev/null
		kam_stop
		echo "{\"kind\": \"kamailio_version\", \"run\": $run," \
			"\"version\": \"$KAM_VERSION\"}" >>"$STEPS"
	fi
	run=$((run + 1))
done
