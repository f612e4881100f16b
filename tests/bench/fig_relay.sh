# fig_relay.sh: the physical limit of relayed RTP on this machine, to
# set pbxd's RTP figure against.  Sourced by tests/bench/run (POSIX sh).
# SPDX-License-Identifier: BSD-3-Clause
#
# build/bench/relay (tests/bench/relay.c: one thread, epoll, recvmmsg/
# sendmmsg, no SIP, two sockets a call like pbxd's anchored media) is
# loaded by build/bench/rtpload (tests/bench/rtpload.c: both directions
# of N calls, 50 packets/s a stream of 172-byte PCMU RTP, paced over the
# 20 ms, and what comes back counted).  With 2 cores or more the relay
# runs on core 0 and rtpload on core 1 (taskset), so "one core" is the
# relay's.  N ramps (RELAY_CALLS) until the first failing step; a step
# is RELAY_WARM s not counted (the relay learns its peers from the first
# packets) and RELAY_SECS s counted.  It passes when loss < 0.1 %
# (packets that did not come back, or came back more than 200 ms after
# they were sent: a relay that cannot keep up first queues seconds of
# packets in its socket buffers) and rtpload offered >= 95 % of 50
# packets/s a stream.  The relay's CPU (/proc/PID/stat) and the busy
# share of its core (/proc/stat: it includes the softirq work of the
# loopback deliveries, some of which runs outside the process) are taken
# over the counted seconds.  A failing step is tried RELAY_RETRY (1)
# more time(s) before the ramp stops: on a shared machine a stall of a
# few hundred ms on either core fails a step (the record keeps both
# tries).  REPEAT runs; report_relay.py reports the median of the
# highest passing N, and the ratio of pbxd's concurrent RTP calls to it.
#
# Environment: RELAY_CALLS, RELAY_SECS, RELAY_WARM, RELAY_RETRY override
# the plan.

RELAY_BIN=$BUILD/bench/relay
RTPLOAD_BIN=$BUILD/bench/rtpload
if [ -n "$QUICK" ]; then
	RELAY_CALLS=${RELAY_CALLS:-"200"}
	RELAY_SECS=${RELAY_SECS:-2}
else
	RELAY_CALLS=${RELAY_CALLS:-"400 800 1200 1600 2000 2400 2800 3200 \
4000"}
	RELAY_SECS=${RELAY_SECS:-5}
fi
RELAY_WARM=${RELAY_WARM:-1}
RELAY_RETRY=${RELAY_RETRY:-1}

# core_busy N: "BUSY TOTAL" jiffies of core N so far (/proc/stat)
core_busy()
{
	awk -v c="cpu$1" '$1 == c {
		t = 0; for (i = 2; i <= 9; i++) t += $i   # guest is in user
		print t - $5 - $6, t }' /proc/stat
}

# relay_step RUN N TRY: one step; appends its record; returns 1 if it
# failed
relay_step()
{
	tag=relay$1.$2.$3
	r_try=$3
	r_ports=$T_DIR/$tag.ports
	rm -f "$r_ports"
	$RELAY_PIN0 "$RELAY_BIN" -n "$2" -o "$r_ports" -i 2 \
		-t $((RELAY_WARM + RELAY_SECS + 30)) \
		>"$T_DIR/$tag.relay" 2>"$T_DIR/$tag.relay.err" &
	r_pid=$!
	EXTRA_PIDS="$EXTRA_PIDS $r_pid"
	i=0
	while [ ! -s "$r_ports" ] && alive "$r_pid" && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	if [ ! -s "$r_ports" ]; then
		say "relay: no ports from the relay:" \
			"$(cat "$T_DIR/$tag.relay.err")"
		kill "$r_pid" 2>/dev/null
		wait "$r_pid" 2>/dev/null
		return 1
	fi
	$RELAY_PIN1 "$RTPLOAD_BIN" -f "$r_ports" -n "$2" -t "$RELAY_SECS" \
		-w "$RELAY_WARM" >"$T_DIR/$tag.load" 2>"$T_DIR/$tag.load.err" &
	l_pid=$!
	EXTRA_PIDS="$EXTRA_PIDS $l_pid"
	sleep "$RELAY_WARM"
	s0="$(now_ms) $(ticks "$r_pid") $(ticks "$l_pid") $(core_busy 0)"
	sleep "$RELAY_SECS"
	s1="$(now_ms) $(ticks "$r_pid") $(ticks "$l_pid") $(core_busy 0)"
	# rtpload ends by itself (drain 0.5 s); the relay when told to
	wait "$l_pid"
	kill -TERM "$r_pid" 2>/dev/null
	wait "$r_pid"
	set -- $s0 $s1
	python3 "$BENCH/report_relay.py" step run="$run" \
		relay_cpu="$(cpu_pct "$2" "$7" "$1" "$6")" \
		load_cpu="$(cpu_pct "$3" "$8" "$1" "$6")" \
		core_busy="$(awk -v b0="$4" -v t0="$5" -v b1="$9" \
			-v t1="${10}" 'BEGIN { d = t1 - t0; if (d <= 0) d = 1;
			printf "%.1f", 100 * (b1 - b0) / d }')" \
		pinned="$RELAY_PINNED" try="$r_try" \
		"@$T_DIR/$tag.load" "relay=@$T_DIR/$tag.relay" \
		>"$T_DIR/$tag.step" || return 1
	cat "$T_DIR/$tag.step" >>"$STEPS"
	python3 "$BENCH/report_relay.py" show "$T_DIR/$tag.step" >&2
}

if [ ! -x "$RELAY_BIN" ] || [ ! -x "$RTPLOAD_BIN" ]; then
	say "relay: $RELAY_BIN or $RTPLOAD_BIN missing (make tests-build):" \
		"no bare relay figure"
elif [ -z "$RELAY_CALLS" ]; then
	say "relay: RELAY_CALLS empty: no bare relay figure"
else
	RELAY_PIN0="" RELAY_PIN1="" RELAY_PINNED=0
	if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
		RELAY_PIN0="taskset -c 0" RELAY_PIN1="taskset -c 1"
		RELAY_PINNED=1
	fi
	run=1
	while [ $run -le "$REPEAT" ]; do
		say "relay: bare relay ceiling (run $run;" \
			"$([ $RELAY_PINNED = 1 ] && echo "relay on core 0," \
			"rtpload on core 1" || echo "not pinned"))"
		for n in $RELAY_CALLS; do
			t=0
			until relay_step "$run" "$n" "$t"; do
				t=$((t + 1))
				[ $t -gt "$RELAY_RETRY" ] && break
				sleep 0.5
			done
			[ $t -gt "$RELAY_RETRY" ] && break
			sleep 0.5
		done
		run=$((run + 1))
	done
fi
