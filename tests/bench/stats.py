# stats.py: the arithmetic of tests/bench/run.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 stats.py COMMAND ARGS...
#   sipp CSV RATE CALLS [SCREEN]
#       SIPp's -trace_stat file of one call-rate step: prints one JSON
#       object with created, ok, failed, retrans, the achieved call rate
#       (successful calls over the time it took to create them all),
#       setup_ms (mean INVITE to 200) and the failure causes seen (with
#       SIPp's -trace_screen file, the error answers by code).
#   legs LIST1 LIST2 SECONDS
#       two `pbxctl --json call list` replies taken SECONDS apart: prints
#       the RTP figures of the window between them (per-leg counters of
#       the calls present in both): packets in and relayed out, packets
#       lost before pbxd read them (sequence gaps), packets pbxd read but
#       did not relay, the loss ratio and the mean rate per stream.
#   drops PID
#       packets the kernel dropped on the UDP sockets of process PID
#       (the drops column of /proc/net/udp, summed): one number.
#   step cps|sustain|rtp KEY=VALUE... @FILE.json...
#       one step's record: the values and the JSON objects of the files
#       merged, derived figures added, and whether the step passed (and
#       why not): one JSON line.
#   report STEPS.jsonl MACHINE.json OUT.json
#       the summary: medians over the runs, one table on stdout, all of
#       it in OUT.json.  Figures measured by tests/bench/fig_*.sh are
#       reported by their tests/bench/report_*.py (report(steps, res,
#       med, fmt) returns table rows (figure, value, unit, notes)).
import json, os, statistics, sys
from step_args import rate_why, step_record


def fnum(s):
    try:
        return float(s)
    except ValueError:
        return 0.0


def duration(s):
    """SIPp's HH:MM:SS:uuuuuu (or HH:MM:SS) as seconds."""
    p = s.strip().split(":")
    try:
        if len(p) == 4:
            return int(p[0]) * 3600 + int(p[1]) * 60 + int(p[2]) + \
                int(p[3]) / 1e6
        if len(p) == 3:
            return int(p[0]) * 3600 + int(p[1]) * 60 + float(p[2])
    except ValueError:
        pass
    return 0.0


def screen_errors(path):
    """{code: count} of the 4xx-6xx answers on a SIPp final screen."""
    codes = {}
    try:
        with open(path, errors="replace") as f:
            for line in f:
                p = line.split()
                if len(p) >= 3 and p[0].isdigit() and len(p[0]) == 3 and \
                        p[0][0] in "456" and p[1].startswith("<--") and \
                        p[2].isdigit() and int(p[2]):
                    codes[p[0]] = codes.get(p[0], 0) + int(p[2])
                if "Statistics Screen" in line:
                    break
    except OSError:
        pass
    return codes


def cmd_sipp(path, rate, calls, screen=None):
    rate, calls = float(rate), int(calls)
    rows = []
    try:
        with open(path, errors="replace") as f:
            head = None
            for line in f:
                cells = line.rstrip("\r\n").rstrip(";").split(";")
                if head is None:
                    head = cells
                    continue
                if len(cells) >= len(head) - 1:
                    rows.append(dict(zip(head, cells)))
    except OSError:
        pass
    if not rows:
        print(json.dumps({"created": 0, "ok": 0, "failed": 0, "retrans": 0,
                          "achieved": 0.0, "setup_ms": None,
                          "causes": {"no statistics": 1}}))
        return
    last = rows[-1]

    def c(name):
        return int(fnum(last.get(name, "0")))

    # when the last call was created: interpolated between the rows
    # (-fd 1: one a second) around the moment the count reached `calls`
    t_end, prev = None, (0.0, 0)
    for r in rows:
        t, n = duration(r.get("ElapsedTime(C)", "0")), \
            int(fnum(r.get("OutgoingCall(C)", "0")))
        if n >= calls and t_end is None:
            if n > prev[1] and t > prev[0]:
                t_end = prev[0] + (calls - prev[1]) * (t - prev[0]) / \
                    (n - prev[1])
            else:
                t_end = t
        prev = (t, n)
    created = c("OutgoingCall(C)")
    if t_end is None:           # never created them all: up to the end
        t_end = duration(last.get("ElapsedTime(C)", "0"))
    ok, failed = c("SuccessfulCall(C)"), c("FailedCall(C)")
    causes = {}
    for k in last:
        if k.startswith("Failed") and k.endswith("(C)") and \
                k != "FailedCall(C)" and c(k):
            causes[k[6:-3]] = c(k)
    # uac.xml ends a call that got an error answer with a receive that
    # times out: name the answers instead
    if screen and causes.pop("TimeoutOnRecv", 0):
        for code, n in screen_errors(screen).items():
            causes["answered " + code] = n
    out = {
        "created": created, "ok": ok, "failed": failed,
        "retrans": c("Retransmissions(C)"),
        "achieved": round(ok / t_end, 1) if t_end > 0 else 0.0,
        "setup_ms": round(duration(last.get("ResponseTime1(C)", "0"))
                          * 1000, 2),
        "causes": causes,
    }
    print(json.dumps(out))


def load_list(path):
    try:
        with open(path) as f:
            d = json.load(f)
        return {c["id"]: c for c in d.get("data") or []}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def cmd_legs(p1, p2, secs):
    secs = float(secs)
    a, b = load_list(p1), load_list(p2)
    pin = pout = lost = unrelayed = streams = 0
    both = 0
    for cid, c2 in b.items():
        c1 = a.get(cid)
        if not c1 or len(c1["legs"]) != 2 or len(c2["legs"]) != 2:
            continue
        both += 1
        d = []
        for i in (0, 1):
            l1, l2 = c1["legs"][i], c2["legs"][i]
            d.append({k: l2[k] - l1[k]
                      for k in ("packets_in", "packets_out", "lost")})
        for i in (0, 1):
            pin += d[i]["packets_in"]
            pout += d[i]["packets_out"]
            lost += d[i]["lost"]
            # what came in on leg i goes out on the other leg
            unrelayed += max(0, d[i]["packets_in"] - d[1 - i]["packets_out"])
            streams += 1
    sent = pin + lost
    out = {
        "calls_listed": len(b), "calls_both": both,
        "packets_in": pin, "packets_out": pout, "lost_in": lost,
        "unrelayed": unrelayed,
        "loss_pct": round(100.0 * (lost + unrelayed) / sent, 4)
        if sent else None,
        "pps_per_stream": round(pin / streams / secs, 2)
        if streams and secs > 0 else None,
        "relayed_pps": round(pout / secs) if secs > 0 else None,
    }
    print(json.dumps(out))


def cmd_drops(pid):
    inodes = set()
    fd_dir = "/proc/%s/fd" % pid
    try:
        for fd in os.listdir(fd_dir):
            try:
                t = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
    except OSError:
        pass
    total = 0
    for name in ("/proc/%s/net/udp" % pid, "/proc/%s/net/udp6" % pid):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    p = line.split()
                    if len(p) >= 13 and p[9] in inodes:
                        total += int(p[12])
        except (OSError, StopIteration):
            pass
    print(total)


def cmd_step(kind, *args):
    s = step_record(kind, args)
    why = []
    if s.get("stuck"):
        why.append("%d calls left in pbxd" % s["stuck"])
    if kind in ("cps", "sustain"):
        why += rate_why(s, s["rate"] * s["secs"], "calls ")
    else:
        n = s["calls"] or 1
        if s.get("up", 0) < n or s.get("calls_both", 0) < n:
            why.append("%s of %d calls up" % (s.get("calls_both", 0), n))
        if s.get("failed"):
            why.append("%d failed (%s)" % (s["failed"], ", ".join(
                "%s %d" % kv for kv in sorted(s.get("causes", {}).items()))))
        if s.get("loss_pct") is None or s["loss_pct"] >= 0.1:
            why.append("loss %s%%" % s.get("loss_pct"))
        if (s.get("pps_per_stream") or 0) < 0.95 * 50:
            why.append("%s pps per stream offered" % s.get("pps_per_stream"))
        if s.get("pbxd_cpu") is not None:
            s["cpu_per_100"] = round(s["pbxd_cpu"] * 100.0 / n, 2)
        if s.get("rss_plateau_kb") and s.get("rss_base_kb") is not None \
                and n > s.get("n_base", 0) and not s.get("again"):
            s["rss_per_call_kb"] = round(
                (s["rss_plateau_kb"] - s["rss_base_kb"]) /
                float(n - s.get("n_base", 0)), 2)
    s["pass"] = not why
    s["why"] = "; ".join(why)
    print(json.dumps(s, sort_keys=True))


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return ("%%.%df" % nd) % v
    return str(v)


def cmd_report(steps_path, machine_path, out_path):
    steps = []
    with open(steps_path) as f:
        for line in f:
            line = line.strip()
            if line:
                steps.append(json.loads(line))
    with open(machine_path) as f:
        machine = json.load(f)

    cps = [s for s in steps if s["kind"] == "cps"]
    sus = [s for s in steps if s["kind"] == "sustain"]
    rtp = [s for s in steps if s["kind"] == "rtp" and not s.get("again")]
    again = [s for s in steps if s["kind"] == "rtp" and s.get("again")]
    runs = sorted({s["run"] for s in steps if s["kind"] != "skipped"})
    skipped = [s["run"] for s in steps if s["kind"] == "skipped"]
    rows = []
    res = {"machine": machine, "steps": steps}

    # ---- calls per second -------------------------------------------
    best = []
    for r in runs:
        ok = [s["rate"] for s in cps if s["run"] == r and s["pass"]]
        ran = [s for s in cps if s["run"] == r]
        if ran:
            best.append(max(ok) if ok else 0)
    cps_best = med(best)
    res["cps"] = {"max_passing_per_run": best, "median": cps_best}
    if best:
        top = max([s["rate"] for s in cps]) if cps else None
        capped = cps_best == top
        rows.append(("call rate, highest passing step", fmt(cps_best, 0),
                     "calls/s",
                     "median of %d run(s): %s%s; pass: <0.1%% failed, "
                     "achieved >=95%%, retrans <=1%%" %
                     (len(best), best, "; the top step passed: limit not "
                      "reached" if capped else "")))
        first_fail = [s for s in cps if not s["pass"]]
        if first_fail:
            why = sorted({s["why"] for s in first_fail})
            rows.append(("first failing step", ", ".join(
                "%d" % s["rate"] for s in first_fail), "calls/s",
                "; ".join(why)[:160]))
        for rate in sorted({s["rate"] for s in cps}):
            at = [s for s in cps if s["rate"] == rate]
            rows.append(("pbxd CPU at %d calls/s" % rate,
                         fmt(med([s["pbxd_cpu"] for s in at])), "% of a core",
                         "achieved %s/s, setup %s ms, SIPp uac %s%% uas "
                         "%s%%, %d run(s)" % (
                             fmt(med([s["achieved"] for s in at])),
                             fmt(med([s["setup_ms"] for s in at]), 2),
                             fmt(med([s["uac_cpu"] for s in at]), 0),
                             fmt(med([s["uas_cpu"] for s in at]), 0),
                             len(at))))
        rss = med([s["rss_kb"] for s in cps if s["pass"]])
        if rss is not None:
            rows.append(("pbxd RSS during passing steps (peak sample)",
                         fmt(rss / 1024.0), "MiB", "median over steps"))

    # ---- the same, held long enough for a steady state ----------------
    sbest = []
    for r in runs:
        ran = [s for s in sus if s["run"] == r]
        if ran:
            ok = [s["rate"] for s in ran if s["pass"]]
            sbest.append(max(ok) if ok else 0)
    res["sustained"] = {"max_passing_per_run": sbest, "median": med(sbest)}
    if sbest:
        secs = sus[0]["secs"]
        rows.append(("call rate held %d s (steady state)" % secs,
                     fmt(med(sbest), 0), "calls/s",
                     "median of %d run(s): %s (0: none of the 2 rates tried "
                     "passed); tried %s" % (
                         len(sbest), sbest,
                         ", ".join("%d%s" % (s["rate"],
                                             "" if s["pass"] else " FAIL")
                                   for s in sus))))
        for rate in sorted({s["rate"] for s in sus}):
            at = [s for s in sus if s["rate"] == rate]
            rows.append(("pbxd CPU at %d calls/s held %d s" % (rate, secs),
                         fmt(med([s["pbxd_cpu"] for s in at])),
                         "% of a core",
                         "last 10 s; achieved %s/s, setup %s ms, RSS %s MiB, "
                         "SIP socket drops %s%s" % (
                             fmt(med([s["achieved"] for s in at])),
                             fmt(med([s["setup_ms"] for s in at]), 2),
                             fmt(med([s["rss_kb"] / 1024.0 for s in at])),
                             fmt(med([s["kernel_drops"] for s in at]), 0),
                             "" if all(s["pass"] for s in at) else
                             "; FAIL: " + "; ".join(sorted(
                                 {s["why"] for s in at if s["why"]}))[:120])))

    # ---- concurrent calls with RTP --------------------------------
    rbest = []
    for r in runs:
        ran = [s for s in rtp if s["run"] == r]
        if ran:
            ok = [s["calls"] for s in ran if s["pass"]]
            rbest.append(max(ok) if ok else 0)
    res["rtp"] = {"max_passing_per_run": rbest, "median": med(rbest)}
    if rbest:
        rows.append(("concurrent calls with RTP, highest passing step",
                     fmt(med(rbest), 0), "calls",
                     "median of %d run(s): %s; pass: all up, loss <0.1%%, "
                     ">=95%% of 50 pps per stream" % (len(rbest), rbest)))
        for n in sorted({s["calls"] for s in rtp}):
            at = [s for s in rtp if s["calls"] == n]
            rows.append(("RTP loss at %d calls" % n,
                         fmt(med([s["loss_pct"] for s in at]), 3), "%",
                         "%s pps relayed, %s pps/stream offered, kernel "
                         "drops %s, %d run(s)%s" % (
                             fmt(med([s["relayed_pps"] for s in at]), 0),
                             fmt(med([s["pps_per_stream"] for s in at])),
                             fmt(med([s["kernel_drops"] for s in at]), 0),
                             len(at),
                             "" if all(s["pass"] for s in at) else
                             "; FAIL: " + "; ".join(sorted(
                                 {s["why"] for s in at if s["why"]}))[:120])))
            rows.append(("pbxd CPU per 100 calls at %d calls" % n,
                         fmt(med([s["cpu_per_100"] for s in at])),
                         "% of a core",
                         "total %s%%; SIPp uac %s%% uas %s%%" % (
                             fmt(med([s["pbxd_cpu"] for s in at])),
                             fmt(med([s["uac_cpu"] for s in at]), 0),
                             fmt(med([s["uas_cpu"] for s in at]), 0))))
            rows.append(("pbxd RSS per call at %d calls" % n,
                         fmt(med([s.get("rss_per_call_kb") for s in at])),
                         "KiB", "marginal over the previous step; plateau "
                         "%s MiB, before %s MiB, after hang-up %s MiB" % (
                             fmt(med([s["rss_plateau_kb"] / 1024.0
                                      for s in at])),
                             fmt(med([s["rss_before_kb"] / 1024.0
                                      for s in at])),
                             fmt(med([s["rss_after_kb"] / 1024.0
                                      for s in at if s["rss_after_kb"]])))))
    for a in again:
        grow = a["rss_after_kb"] - a["rss_before_kb"]
        rows.append(("RSS growth when the %d-call step is repeated" %
                     a["calls"], fmt(grow, 0), "KiB",
                     "run %d, same pbxd, 35 s after the ramp: %s KiB before, "
                     "%s KiB after (%s KiB a call; <= 0: freed memory is "
                     "reused, no leak seen)%s" % (
                         a["run"], a["rss_before_kb"], a["rss_after_kb"],
                         fmt(grow / float(a["calls"]), 2),
                         "" if a["pass"] else "; repeat FAIL: " +
                         a["why"][:80])))
        res.setdefault("leak_check", []).append(
            {"calls": a["calls"], "rss_before_kb": a["rss_before_kb"],
             "rss_after_kb": a["rss_after_kb"]})
    if skipped:
        rows.append(("runs skipped", ", ".join(map(str, skipped)), "",
                     "over the time budget: medians are of fewer runs"))
    stuck = [s for s in steps if s.get("stuck")]
    if stuck:
        rows.append(("calls left after a step", ", ".join(
            "%s@%s" % (s["stuck"], s.get("rate", s.get("calls")))
            for s in stuck), "calls", "pbxd kept calls 40 s after SIPp "
            "ended (see the step's log)"))

    media = [s for s in steps if s["kind"] == "media"]
    if media:
        res["media"] = {}
        for name in media[0]["channels_per_core"]:
            v = med([m["channels_per_core"][name] for m in media])
            res["media"][name] = v
            rows.append(("media: %s" % name, fmt(v, 0), "channels/core",
                         "median of %d; codec path only, one core"
                         % len(media)))

    # figures of their own files (tests/bench/report_*.py): each has
    # report(steps, res, med, fmt) -> table rows, and may add to res
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    for name in sorted(os.listdir(here)):
        if name.startswith("report_") and name.endswith(".py"):
            mod = __import__(name[:-3])
            rows.extend(mod.report(steps, res, med, fmt))

    res["table"] = [dict(zip(("figure", "value", "unit", "notes"), r))
                    for r in rows]
    with open(out_path, "w") as f:
        json.dump(res, f, indent=2)
        f.write("\n")

    print("# pbxd %s, %s mode, %s" % (machine.get("pbxd_version"),
                                      machine.get("mode"),
                                      machine.get("date")))
    print("# machine: %s, %s cores, load %s at start; SIPp (%s) runs on "
          "the same cores" % (machine.get("cpu_model"), machine.get("nproc"),
                              machine.get("loadavg"),
                              machine.get("sipp_version")))
    rmax, want = machine.get("rmem_max"), machine.get("sipp_buff")
    if rmax is not None and want is not None and rmax < want:
        print("# net.core.rmem_max is %d: the SIP sockets of pbxd, Kamailio "
              "and SIPp get at most that (%d asked); raise it with "
              "sysctl -w net.core.rmem_max=%d for the REGISTER figure"
              % (rmax, want, want))
    w = [max(len(str(r[i])) for r in rows + [("figure", "value", "unit",
                                               "notes")]) for i in range(3)]
    line = "%-*s  %*s  %-*s  %s"
    print(line % (w[0], "figure", w[1], "value", w[2], "unit", "notes"))
    for r in rows:
        print(line % (w[0], r[0], w[1], r[1], w[2], r[2], r[3]))
    print("# results: %s" % out_path)


def main():
    cmds = {"sipp": cmd_sipp, "legs": cmd_legs, "drops": cmd_drops,
            "step": cmd_step, "report": cmd_report}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.stderr.write(__doc__ if __doc__ else "usage: stats.py ...\n")
        return 2
    cmds[sys.argv[1]](*sys.argv[2:])
    return 0


sys.exit(main())
