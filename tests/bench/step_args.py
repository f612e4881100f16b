# step_args.py: a step record from a step's KEY=VALUE arguments and
# @FILE.json files, and the pass rule of a rate step (stats.py step,
# report_register.py step).
# SPDX-License-Identifier: BSD-3-Clause
import json


def step_record(kind, args):
    """{"kind": kind} with the JSON objects of the @FILE arguments merged
    in, then the KEY=VALUE ones (numbers where they parse; "" is None),
    which win over the files."""
    s = {"kind": kind}
    for a in args:
        if a.startswith("@"):
            try:
                with open(a[1:]) as f:
                    s.update(json.loads(f.read().strip() or "{}"))
            except (OSError, ValueError):
                pass
    for a in args:
        if a.startswith("@"):
            continue
        k, _, v = a.partition("=")
        try:
            s[k] = int(v)
        except ValueError:
            try:
                s[k] = float(v)
            except ValueError:
                s[k] = v if v != "" else None
    return s


def rate_why(s, n, what):
    """Why a rate step of n attempts (SIPp's figures in s) failed: fewer
    created, >= 0.1 % failed, < 95 % of the rate achieved, or
    retransmissions > 1 % of n; [] when it passed."""
    why = []
    if s.get("created", 0) < n:
        why.append("only %d of %d %screated" % (s.get("created", 0), n,
                                               what))
    if s.get("failed", 0) >= 0.001 * n:
        why.append("%d failed (%s)" % (s.get("failed", 0), ", ".join(
            "%s %d" % kv for kv in sorted(s.get("causes", {}).items()))))
    if s.get("achieved", 0) < 0.95 * s["rate"]:
        why.append("achieved %.1f/s" % s.get("achieved", 0))
    if s.get("retrans", 0) > 0.01 * n:
        why.append("%d retransmissions" % s.get("retrans", 0))
    return why
