# report_relay.py: the bare relay's steps (tests/bench/fig_relay.sh) and
# their rows in the report of tests/bench/stats.py.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 report_relay.py COMMAND ARGS...
#   step KEY=VALUE... @LOAD.json KEY=@FILE.json...
#       one step's record ("kind": "relay"): the values, rtpload's JSON
#       object merged in, the relay's under KEY, and whether the step
#       passed (and why not): one JSON line.
#   show STEP.json
#       the step as one line for the log; exits 1 if it failed.
# As a module, report(steps, res, med, fmt) gives the table rows (imported
# by stats.py report): the ceiling in calls and packets/s on one core, and
# pbxd's concurrent calls with RTP (kind "rtp") as a share of it.
import json
import sys

LOSS_MAX = 0.1          # % of the packets: lost or more than 200 ms late
OFFERED_MIN = 0.95      # of 50 packets/s a stream
TARGET = 60.0           # % of the bare relay that pbxd should reach


def load(path):
    try:
        with open(path) as f:
            return json.loads(f.read().strip() or "{}")
    except (OSError, ValueError):
        return {}


def value(v):
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    return v if v != "" else None


def cmd_step(*args):
    s = {"kind": "relay"}
    for a in args:
        if a.startswith("@"):
            s.update(load(a[1:]))
    for a in args:
        if a.startswith("@"):
            continue
        k, _, v = a.partition("=")
        s[k] = load(v[1:]) if v.startswith("@") else value(v)
    why = []
    if not s.get("sent"):
        why.append("rtpload gave no result")
    else:
        if s.get("loss_pct") is None or s["loss_pct"] >= LOSS_MAX:
            why.append("loss %s%% (%s lost, %s over 200 ms)" % (
                s.get("loss_pct"), s.get("lost"), s.get("too_late")))
        if (s.get("offered_ratio") or 0) < OFFERED_MIN:
            why.append("rtpload offered %s pps per stream: the load "
                       "generator, not the relay, was short" %
                       s.get("pps_per_stream"))
    if not s.get("relay", {}).get("rx"):
        why.append("the relay gave no counters")
    if s.get("relay_cpu") is not None and s.get("calls"):
        s["cpu_per_100"] = round(s["relay_cpu"] * 100.0 / s["calls"], 2)
    s["pass"] = not why
    s["why"] = "; ".join(why)
    print(json.dumps(s, sort_keys=True))


def cmd_show(path):
    s = load(path)
    print("# relay run %s: %4s calls  %s  loss %s%%, %s pps relayed "
          "(%s pps/stream offered), delay p99 %s ms, relay %s%% cpu, "
          "core %s%% busy, rtpload %s%% cpu%s" % (
              s.get("run"), s.get("calls"),
              "pass" if s.get("pass") else "FAIL", s.get("loss_pct"),
              s.get("received_pps"), s.get("pps_per_stream"),
              s.get("delay_p99_ms"), s.get("relay_cpu"),
              s.get("core_busy"), s.get("load_cpu"),
              "" if s.get("pass") else " -- " + s.get("why", "")))
    return 0 if s.get("pass") else 1


def report(steps, res, med, fmt):
    rel = [s for s in steps if s["kind"] == "relay"]
    if not rel:
        return []
    rows = []
    best, top_steps = [], []
    for r in sorted({s["run"] for s in rel}):
        ok = [s for s in rel if s["run"] == r and s["pass"]]
        top = max(ok, key=lambda s: s["calls"]) if ok else None
        best.append(top["calls"] if top else 0)
        if top:
            top_steps.append(top)
    ceiling = med(best)
    tried = max(s["calls"] for s in rel)
    capped = bool(best) and min(best) == tried
    pinned = all(s.get("pinned") for s in rel)
    pps = med([s["received_pps"] for s in top_steps])
    res["relay"] = {"max_passing_per_run": best, "median": ceiling,
                    "pps_at_ceiling": pps, "pinned": pinned}
    rows.append(("bare relay ceiling, highest passing step",
                 fmt(ceiling, 0), "calls",
                 "median of %d run(s): %s; %s; pass: loss <%s%% (lost or "
                 ">200 ms late), >=95%% of 50 pps per stream offered%s" % (
                     len(best), best,
                     "relay on one core, rtpload on another" if pinned
                     else "not pinned: relay and rtpload share the cores",
                     LOSS_MAX, "; the top step passed: limit not reached"
                     if capped else "")))
    rows.append(("bare relay packets/s at its ceiling", fmt(pps, 0),
                 "packets/s",
                 "relayed, both directions; relay %s%% cpu, its core "
                 "%s%% busy (softirq included), rtpload %s%% cpu" % (
                     fmt(med([s["relay_cpu"] for s in top_steps])),
                     fmt(med([s["core_busy"] for s in top_steps])),
                     fmt(med([s["load_cpu"] for s in top_steps])))))
    # the relay's own CPU a packet, at each run's top passing step: less
    # hurt by other load on its core than the ceiling is
    us = med([1e6 * s["relay_cpu"] / 100.0 / s["received_pps"]
              for s in top_steps if s.get("relay_cpu")
              and s.get("received_pps")])
    res["relay"]["cpu_us_per_packet"] = us
    if us:
        rows.append(("bare relay CPU a packet", fmt(us, 2), "us",
                     "at the top passing step: %s packets/s, %s calls, "
                     "if the relay had a whole core to itself" % (
                         fmt(1e6 / us, 0), fmt(1e6 / us / 100, 0))))
    # the failures: each run's last step, and the tries that a retry
    # passed (noise: another process took the core)
    fails = [s for s in rel if not s["pass"]]
    if fails:
        passed = {(s["run"], s["calls"]) for s in rel if s["pass"]}
        stops = [s for s in fails if (s["run"], s["calls"]) not in passed]
        noise = [s for s in fails if (s["run"], s["calls"]) in passed]
        rows.append(("bare relay first failing step", ", ".join(
            "%d" % c for r, c in sorted({(s["run"], s["calls"])
                                         for s in stops})),
            "calls", "%s%s" % ("; ".join(sorted(
                {s["why"] for s in stops}))[:160],
                "; %d failed tries passed on retry" % len(noise)
                if noise else "")))

    rtp = res.get("rtp") or {}
    if rtp.get("median") is not None and ceiling:
        ratio = 100.0 * rtp["median"] / ceiling
        rsteps = [s for s in steps if s["kind"] == "rtp"
                  and not s.get("again")]
        rtop = max([s["calls"] for s in rsteps]) if rsteps else None
        rcapped = bool(rtp.get("max_passing_per_run")) and \
            min(rtp["max_passing_per_run"]) == rtop
        if ratio >= TARGET and not capped:
            verdict = "met"
        elif ratio < TARGET and not rcapped:
            verdict = "NOT met"
        else:
            verdict = "unknown"
        res["relay"]["pbxd_ratio_pct"] = round(ratio, 1)
        res["relay"]["pbxd_ratio_target"] = verdict
        rows.append(("pbxd RTP calls / bare relay ceiling", fmt(ratio),
                     "%", "target >= %d%%: %s; pbxd %s calls (loss "
                     "<0.1%%, SIPp on the same cores) / relay %s calls%s%s"
                     % (TARGET, verdict, fmt(rtp["median"], 0),
                        fmt(ceiling, 0),
                        "; pbxd's top step passed: a lower bound"
                        if rcapped else "",
                        "; the relay's top step passed: an upper bound"
                        if capped else "")))
    return rows


def main():
    cmds = {"step": cmd_step, "show": cmd_show}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.stderr.write("usage: report_relay.py step|show ...\n")
        return 2
    return cmds[sys.argv[1]](*sys.argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main())
