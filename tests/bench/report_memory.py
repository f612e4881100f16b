# report_memory.py: the rows of tests/bench/fig_memory.sh (imported by
# stats.py report).
# SPDX-License-Identifier: BSD-3-Clause
#
# memory_held: anchored calls held through the dialplan; memory_park:
# calls whose script is parked in call:sleep.  Targets (the issue):
# <= 32 KiB RSS per anchored call, 10,000 parked calls in <= 200 MiB,
# RSS back within 5 % of the start after the hang-up.

HELD_KIB = 32
PARK_MIB = 200
PARK_CALLS = 10000


def report(steps, res, med, fmt):
    rows = []
    out = {}
    for kind, label in (("memory_held", "anchored"),
                        ("memory_park", "parked")):
        at = [s for s in steps if s["kind"] == kind]
        if not at:
            continue
        n = at[0]["calls"]
        per = med([s["per_call_kb"] for s in at])
        plateau = med([s["rss_plateau_kb"] for s in at])
        before = med([s["rss_before_kb"] for s in at])
        after = med([s["rss_after_kb"] for s in at])
        after_pct = med([s["after_pct"] for s in at])
        leaks = [s["run"] for s in at if not s["leak_ok"]]
        short = [s["run"] for s in at if s["up"] < s["calls"]]
        failed = sum(s["sipp_failed"] for s in at)
        out[label] = {
            "calls": n, "runs": len(at), "per_call_kb": per,
            "rss_before_kb": before, "rss_plateau_kb": plateau,
            "rss_after_kb": after, "after_pct": after_pct,
            "leak_ok_runs": len(at) - len(leaks),
            "all_up_runs": len(at) - len(short), "sipp_failed": failed,
        }
        if label == "anchored":
            target = "target <= %d KiB: %s" % (
                HELD_KIB, "met" if per is not None and per <= HELD_KIB
                else "NOT met")
        else:
            target = "target %d calls in <= %d MiB" % (PARK_CALLS,
                                                        PARK_MIB)
            if n >= PARK_CALLS and plateau is not None:
                target += ": %s" % ("met" if plateau / 1024.0 <= PARK_MIB
                                    and not short else "NOT met")
            elif per is not None:
                target += " (%d calls run: %s MiB at 10,000 by the "\
                    "per-call figure)" % (
                        n, fmt((before + per * PARK_CALLS) / 1024.0))
        out[label]["target"] = target
        notes = "median of %d run(s); %s; RSS %s -> %s MiB (before -> " \
            "%d calls)%s%s" % (
                len(at), target, fmt(before / 1024.0),
                fmt(plateau / 1024.0), n,
                "; runs not all up: %s" % short if short else "",
                "; SIPp failed calls: %d" % failed if failed else "")
        rows.append(("RSS per %s call at %d calls" % (label, n),
                     fmt(per), "KiB", notes))
        wait = at[0].get("expire_s", 0)
        rows.append(("RSS after the %s calls hung up" % label,
                     fmt(after_pct), "% over start",
                     "%s MiB %d s after the last call ended%s; "
                     "within 5 %%: %d of %d run(s)%s" % (
                         fmt(after / 1024.0), wait,
                         "" if wait >= 40 else " (SIP transactions live "
                         "32 s, pbxd trims its heap 6 s and 40 s after "
                         "the last call: a shorter wait checks less)",
                         len(at) - len(leaks),
                         len(at), "; NOT within 5 %% in run(s) %s" % leaks
                         if leaks else "")))
        if label == "parked":
            rows.append(("pbxd RSS with %d parked calls" % n,
                         fmt(plateau / 1024.0), "MiB", target))
    if out:
        res["memory"] = out
    return rows
