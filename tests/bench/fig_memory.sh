# fig_memory.sh: pbxd's memory per call (sourced by tests/bench/run).
# SPDX-License-Identifier: BSD-3-Clause
#
# a) Anchored calls: MEM_CALLS calls held through the Lua dialplan to the
#    SIPp callee (2000), media anchored (SDP rewritten, RTP ports taken;
#    no RTP sent).  pbxd's RSS before, on the plateau (all up, two
#    samples 1 s apart that agree within 1 %, or the last one) and after
#    the hang-up, once `status` shows no call and the finished calls'
#    SIP transactions have expired (MEM_EXPIRE s).  KiB per call =
#    (plateau - before) / calls up; the leak check passes when the RSS
#    after is within 5 % of the RSS before.
# b) Parked calls: PARK_CALLS callers (sipp/park.xml) dial parkN; the
#    dialplan sleeps in call:sleep without answering (183 only), and the
#    callers CANCEL once the plateau is measured.  KiB per call and the
#    total RSS at the plateau, then the RSS after as in a).  Parked, not
#    answered: a call waiting in the dialplan (queue, IVR wait) before
#    it is answered or dialled on: no SDP answer, no RTP port yet.
# Each call is held twice its ramp (at the nominal rate) + 15 s: on 2
# shared cores SIPp may set them up at half the rate asked for.
#
# Environment: MEM_CALLS, PARK_CALLS, MEM_RATE, PARK_RATE (calls/s),
# MEM_EXPIRE (s after the last call before the RSS after), MEM_REPEAT
# (runs, 1).  QUICK: 100 and 500 calls, 8 s; full: 1,000 and 10,000,
# 45 s (pbxd trims its heap 40 s after the last call).  Steps: kind "memory_held" and
# "memory_park".

if [ -n "$QUICK" ]; then
	MEM_CALLS=${MEM_CALLS:-100}
	PARK_CALLS=${PARK_CALLS:-500}
	MEM_EXPIRE=${MEM_EXPIRE:-8}
else
	MEM_CALLS=${MEM_CALLS:-1000}
	PARK_CALLS=${PARK_CALLS:-10000}
	MEM_EXPIRE=${MEM_EXPIRE:-45}
fi
MEM_RATE=${MEM_RATE:-200}
# one run: these are readings at a set size, not searches for a limit,
# and a full run takes 4-5 minutes (MEM_REPEAT to repeat them)
MEM_REPEAT=${MEM_REPEAT:-1}
PARK_RATE=${PARK_RATE:-300}
# rtp_ports for the parked calls: pbxd takes a port pair for each call
# it accepts (it has the caller's offer); the default range has 5,000
MEM_RTP_PORTS=${MEM_RTP_PORTS:-10000-39999}

# mem_plateau: RSS (KiB) once two samples 1 s apart agree within 1 %
# (at most 5 tries)
mem_plateau()
{
	mp_a=$(rss_kb "$PBX_PID")
	mp_i=0
	while [ $mp_i -lt 5 ]; do
		sleep 1
		mp_b=$(rss_kb "$PBX_PID")
		[ $(( (mp_b - mp_a) * 100 )) -le "$mp_a" ] &&
			[ $(( (mp_a - mp_b) * 100 )) -le "$mp_a" ] && break
		mp_a=$mp_b
		mp_i=$((mp_i + 1))
	done
	echo "$mp_b"
}

# mem_up N SECS: waits (at most SECS) for N calls in pbxd; prints the
# most seen
mem_up()
{
	mu_up=0
	mu_end=$(( $(now_ms) + $2 * 1000 ))
	while alive "$UAC_PID" && [ "$(now_ms)" -lt $mu_end ]; do
		mu_c=$(calls_now)
		[ "${mu_c:-0}" -gt "$mu_up" ] && mu_up=$mu_c
		[ "$mu_up" -ge "$1" ] && break
		sleep 0.2
	done
	echo "$mu_up"
}

# mem_wait_uac LIFE: waits for the SIPp caller (stopped after LIFE + 10 s)
mem_wait_uac()
{
	mw_i=0
	while alive "$UAC_PID"; do
		mw_i=$((mw_i + 1))
		if [ $mw_i -gt $(( ($1 + 10) * 4 )) ]; then
			say "SIPp caller still running after $(($1 + 10)) s:" \
				"stopped"
			kill "$UAC_PID"
		fi
		sleep 0.25
	done
	wait "$UAC_PID" 2>/dev/null
}

# mem_step KIND RUN N RATE SCENARIO CALLEE BEFORE: after the calls are
# up: the plateau, the hang-up, the RSS after; appends the record
mem_step()
{
	ms_kind=$1 ms_run=$2 ms_n=$3 ms_rate=$4 ms_before=$7
	ms_tag=$1$2
	up=$(mem_up "$ms_n" "$ms_hold")
	plateau=$(mem_plateau)
	t_pl=$(now_ms)
	mem_wait_uac "$ms_life"
	t_end=$(now_ms)
	left=$(drain)
	# the calls' transactions (32 s) expire from the last hang-up on
	ms_wait=$(( MEM_EXPIRE - ($(now_ms) - t_end) / 1000 ))
	[ $ms_wait -gt 0 ] && sleep $ms_wait
	after=$(rss_kb "$PBX_PID")
	python3 "$BENCH/stats.py" sipp "$T_DIR/$ms_tag.csv" "$ms_rate" \
		"$ms_n" "$T_DIR/$ms_tag.screen" >"$T_DIR/$ms_tag.json"
	python3 -c '
import json, sys
k, run, n, up, b, p, a, left, hang = sys.argv[1:10]
s = json.load(open(sys.argv[10]))
n, up, b, p, a = int(n), int(up), int(b), int(p), int(a)
r = {"kind": k, "run": int(run), "calls": n, "up": up,
     "rss_before_kb": b, "rss_plateau_kb": p, "rss_after_kb": a,
     "per_call_kb": round((p - b) / up, 2) if up else None,
     "after_pct": round(100.0 * (a - b) / b, 1) if b else None,
     "stuck": int(left), "hangup_s": float(hang),
     "expire_s": int(sys.argv[11]),
     "sipp_ok": s["ok"], "sipp_failed": s["failed"],
     "causes": s["causes"]}
r["leak_ok"] = r["after_pct"] is not None and r["after_pct"] <= 5.0
print(json.dumps(r))' "$ms_kind" "$ms_run" "$ms_n" "$up" "$ms_before" \
		"$plateau" "$after" "$left" \
		"$(( (t_end - t_pl) / 1000 ))" "$T_DIR/$ms_tag.json" \
		"$MEM_EXPIRE" >"$T_DIR/$ms_tag.step"
	cat "$T_DIR/$ms_tag.step" >>"$STEPS"
	python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print("# %s run %d: %d/%d calls up, rss %d -> %d -> %d KiB, %s KiB a call, "
      "after %+.1f%% (%s), sipp ok %d failed %d %s" % (
      s["kind"], s["run"], s["up"], s["calls"], s["rss_before_kb"],
      s["rss_plateau_kb"], s["rss_after_kb"], s["per_call_kb"],
      s["after_pct"] or 0, "within 5%" if s["leak_ok"] else "NOT within 5%",
      s["sipp_ok"], s["sipp_failed"], s["causes"] or ""))' \
		"$T_DIR/$ms_tag.step" >&2
	if [ "$left" != 0 ]; then
		say "pbxd still has $left calls after the $ms_kind step"
	fi
}

# mem_uac TAG SCENARIO CALLEE RATE N HOLD_MS LIFE: the SIPp caller, as
# uac() but to CALLEE, with room for N open calls
mem_uac()
{
	sipp_bg "$1" 127.0.0.1:"$PBX_PORT" -sf "$2" -s "$3" \
		-i 127.0.0.1 -p "$(free_port)" \
		-mi 127.0.0.1 -mp "$(free_port)" \
		-nostdin -r "$4" -m "$5" -l "$5" -d "$6" -timeout "$7s" \
		-max_socket 100
}

say "memory: $MEM_CALLS anchored calls, $PARK_CALLS parked calls," \
	"$MEM_REPEAT run(s)"
mem_run=1
while [ $mem_run -le "$MEM_REPEAT" ]; do
	# a) anchored calls, held until the plateau is taken
	ms_ramp=$(( (MEM_CALLS + MEM_RATE - 1) / MEM_RATE ))
	ms_hold=$(( 2 * ms_ramp + 15 ))
	ms_life=$(( ms_hold + 2 * ms_ramp + 40 ))
	bench_pbx "memh$mem_run" "$UAS_PLAIN" $((ms_life + MEM_EXPIRE + 60))
	sleep 1
	mem_before=$(rss_kb "$PBX_PID")
	mem_uac "memory_held$mem_run" "$UAC_PLAIN" 2000 "$MEM_RATE" \
		"$MEM_CALLS" $((ms_hold * 1000)) "$ms_life"
	mem_step memory_held "$mem_run" "$MEM_CALLS" "$MEM_RATE" "" "" \
		"$mem_before"
	bench_pbx_stop

	# b) parked calls: the callers CANCEL after twice the ramp + 15 s
	#    (on 2 shared cores SIPp may set them up at half PARK_RATE); the
	#    script would give up (480) 60 s after the last CANCEL
	ms_ramp=$(( (PARK_CALLS + PARK_RATE - 1) / PARK_RATE ))
	ms_hold=$(( 2 * ms_ramp + 15 ))
	ms_life=$(( ms_hold + 2 * ms_ramp + 40 ))
	PBX_PORT="" PBX_DATA=$T_DIR/memp$mem_run
	pbx_start -o dialplan="$BENCH/dialplan.lua" -o log_level=warn \
		-o rtp_ports="$MEM_RTP_PORTS" || die "pbxd does not start"
	sleep 1
	mem_before=$(rss_kb "$PBX_PID")
	ms_park=park$((ms_hold + 2 * ms_ramp + 60))
	mem_uac "memory_park$mem_run" "$BENCH/sipp/park.xml" "$ms_park" \
		"$PARK_RATE" "$PARK_CALLS" $((ms_hold * 1000)) "$ms_life"
	mem_step memory_park "$mem_run" "$PARK_CALLS" "$PARK_RATE" "" "" \
		"$mem_before"
	bench_pbx_stop          # (the callee of a) is gone already
	mem_run=$((mem_run + 1))
done
