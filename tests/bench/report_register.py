# report_register.py: the REGISTER figure and Kamailio side by side
# (tests/bench/fig_register.sh).
# SPDX-License-Identifier: BSD-3-Clause
#
# Imported by stats.py report: report(steps, res, med, fmt) returns the
# table rows and adds res["register"] (and res["kamailio"]).
# Run by fig_register.sh:
#   python3 report_register.py step KIND KEY=VALUE... @FILE.json...
#       one REGISTER step's record (stats.py sipp's figures merged in),
#       whether it passed and why not: one JSON line.
import json, sys
from step_args import rate_why, step_record


def cmd_step(kind, *args):
    s = step_record(kind, args)
    why = rate_why(s, s["rate"] * s["secs"], "")
    s["pass"] = not why
    s["why"] = "; ".join(why)
    print(json.dumps(s, sort_keys=True))


def search(steps, kind, key):
    """Per run, the highest passing step (0: none) of a ramp."""
    best = []
    for r in sorted({s["run"] for s in steps if s["kind"] == kind}):
        ok = [s[key] for s in steps
              if s["kind"] == kind and s["run"] == r and s["pass"]]
        best.append(max(ok) if ok else 0)
    return best


def at_rate(steps, kind, rate, field, med):
    return med([s.get(field) for s in steps
                if s["kind"] == kind and s["rate"] == rate])


def ramp_rows(steps, kind, who, unit, med, fmt, cpu, mem, mem_name,
              extra=""):
    """Rows of one ramp: the median highest passing step, the CPU and
    memory at it, the first failing steps; and its summary."""
    best = search(steps, kind, "rate")
    if not best:
        return [], None
    m = med(best)
    top = max(s["rate"] for s in steps if s["kind"] == kind)
    rows = [("%s: %s, highest passing step" % (who, unit), fmt(m, 0),
             "%s/s" % unit,
             "median of %d run(s): %s%s" % (
                 len(best), best, "; the top step passed: limit not "
                 "reached" if m == top else ""))]
    # the step of the median (with an even count, the lower of the two)
    rate = sorted(best)[(len(best) - 1) // 2]
    summary = {"max_passing_per_run": best, "median": m,
               "capped": m == top, "step": rate}
    if rate:
        c = at_rate(steps, kind, rate, cpu, med)
        k = at_rate(steps, kind, rate, mem, med)
        summary.update(cpu=c, mem_kb=k)
        rows.append(("%s CPU and %s at %d %s/s" % (who, mem_name, rate,
                                                     unit),
                     fmt(c), "% of a core",
                     "%s %s MiB; achieved %s/s, response %s ms, "
                     "SIPp %s%%" % (
                         mem_name, fmt(k / 1024.0 if k else None),
                         fmt(at_rate(steps, kind, rate, "achieved", med)),
                         fmt(at_rate(steps, kind, rate, "setup_ms", med),
                             2),
                         fmt(at_rate(steps, kind, rate, "uac_cpu", med),
                             0)) + extra))
    fails = [s for s in steps if s["kind"] == kind and not s["pass"]]
    if fails:
        rows.append(("%s: first failing step" % who, ", ".join(
            "%d" % s["rate"] for s in fails), "%s/s" % unit,
            "; ".join(sorted({s["why"] for s in fails}))[:160]))
    return rows, summary


def ratio(a, b, fmt):
    """pbxd/Kamailio of two ramp summaries, with what bounds it."""
    if not a or not b or not a["median"] or not b["median"]:
        return "-", "a side has no passing step"
    r = a["median"] / float(b["median"])
    if a["capped"] and b["capped"]:
        note = "both passed their top step: not a limit of either"
    elif a["capped"]:
        note = "pbxd passed its top step: a lower bound"
    elif b["capped"]:
        note = "Kamailio passed its top step: an upper bound"
    else:
        note = "both limits reached"
    return fmt(r, 2), note


def common_cpu(steps, ka, kb, cpu_a, cpu_b, med):
    """The highest rate both sides passed (in every run), and each
    side's median CPU there: how much CPU the same load takes."""
    def passing(kind):
        rates = {}
        for s in steps:
            if s["kind"] == kind:
                rates.setdefault(s["rate"], []).append(s["pass"])
        return {r for r, p in rates.items() if all(p)}
    both = passing(ka) & passing(kb)
    if not both:
        return None
    r = max(both)
    return (r, at_rate(steps, ka, r, cpu_a, med),
            at_rate(steps, kb, r, cpu_b, med))


def report(steps, res, med, fmt):
    rows = []
    prov = [s for s in steps if s["kind"] == "register_provision"]
    r_rows, reg = ramp_rows(steps, "register", "pbxd REGISTER with digest",
                            "registrations", med, fmt, "cpu", "mem_kb",
                            "RSS")
    rows += r_rows
    if reg is not None:
        res["register"] = reg
    if prov:
        ms = med([p["ms"] for p in prov])
        rows.append(("pbxctl: %d users added" % prov[0]["users"],
                     fmt(prov[0]["users"] * 1000.0 / ms if ms else None, 0),
                     "users/s", "one `user add` a line on stdin; %s ms, "
                     "median of %d" % (fmt(ms, 0), len(prov))))
        res.setdefault("register", {})["provision_ms"] = ms

    if not any(s["kind"].startswith("kamailio_") for s in steps):
        return rows
    ver = [s["version"] for s in steps if s["kind"] == "kamailio_version"]
    who = "Kamailio %s" % (ver[0] if ver else "")
    k_rows, kreg = ramp_rows(steps, "kamailio_register",
                             "%s REGISTER with digest" % who,
                             "registrations", med, fmt, "cpu", "mem_kb",
                             "PSS")
    c_rows, kcps = ramp_rows(steps, "kamailio_cps", "%s call rate" % who,
                             "calls", med, fmt, "cpu", "mem_kb", "PSS",
                             "; the callee waits 10 ms before its 200")
    rows += k_rows + c_rows
    kam = {"version": ver[0] if ver else None, "register": kreg,
           "cps": kcps}
    v, note = ratio(reg, kreg, fmt)
    rows.append(("pbxd/Kamailio registrations/s", v, "ratio",
                 "medians of the highest passing steps; " + note))
    kam["register_ratio"] = v
    pcps = res.get("cps")
    if pcps and pcps.get("median") is not None:
        ptop = max([s["rate"] for s in steps if s["kind"] == "cps"] or [0])
        p = {"median": pcps["median"], "capped": pcps["median"] == ptop}
        v, note = ratio(p, kcps, fmt)
        rows.append(("pbxd/Kamailio calls/s", v, "ratio",
                     "pbxd anchors the media (B2BUA), Kamailio only "
                     "proxies SIP; " + note))
        kam["cps_ratio"] = v
    for ka, kb, cpu_a, unit in (
            ("register", "kamailio_register", "cpu", "registrations"),
            ("cps", "kamailio_cps", "pbxd_cpu", "calls")):
        c = common_cpu(steps, ka, kb, cpu_a, "cpu", med)
        if c and c[1] is not None and c[2]:
            rows.append(("CPU pbxd/Kamailio at %d %s/s" % (c[0], unit),
                         fmt(c[1] / c[2], 2), "ratio",
                         "pbxd %s%%, Kamailio %s%% (all its processes): "
                         "the highest rate both passed" % (
                             fmt(c[1]), fmt(c[2]))))
            kam["cpu_ratio_" + ka] = {"rate": c[0], "pbxd": c[1],
                                      "kamailio": c[2]}
    res["kamailio"] = kam
    return rows


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "step":
        sys.stderr.write("usage: report_register.py step KIND KEY=VALUE... "
                         "@FILE...\n")
        sys.exit(2)
    cmd_step(*sys.argv[2:])
