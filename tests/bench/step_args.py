# step_args.py: a step record from a step's KEY=VALUE arguments and
# @FILE.json files (stats.py step, report_register.py step).
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
