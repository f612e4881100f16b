# sipmsg.py: picks messages out of a SIPp message trace (-trace_msg).
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 sipmsg.py TRACE [-w sent|received] [-m REGEX] [-q REGEX]
#                          [-i IDX] [-f FIELD] [-c]
#   -w  only messages SIPp sent / received
#   -m  the start line matches REGEX ("^INVITE", "^SIP/2.0 487")
#   -q  the CSeq header matches REGEX ("INVITE$", "^2 ")
#   -i  which of the matching messages: 1 first (default), -1 last
#   -f  what to print: the whole message (default), a header's values (one
#       line each), :status (start line), :time (when SIPp logged it, unix
#       seconds), :body, :sdp (the audio address "IP:PORT" of the SDP
#       body), :dir (its direction attribute, sendrecv when none)
#   -c  print how many messages match instead
# Exits 1 when no message matches.
import argparse, datetime, re, sys


def messages(path):
    text = open(path, errors="replace").read()
    parts = re.split(r"^-{20,} ([0-9-]+ [0-9:.]+)\n", text, flags=re.M)
    for stamp, blk in zip(parts[1::2], parts[2::2]):
        m = re.match(r"\w+ message (sent|received)[^\n]*\n\n", blk)
        if not m:
            continue
        raw = blk[m.end():]
        head, _, body = raw.partition("\n\n")
        lines = head.split("\n")
        hdrs = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            hdrs.append((k.strip().lower(), v.strip()))
        clen = [v for k, v in hdrs if k in ("content-length", "l")]
        n = int(clen[0]) if clen and clen[0].isdigit() else 0
        body = body[:n] if n else ""
        t = datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f")
        yield {"way": m.group(1), "time": t.timestamp(), "start": lines[0],
               "hdrs": hdrs, "body": body, "raw": head + "\n\n" + body}


def sdp_addr(body):
    ip = port = None
    for line in body.split("\n"):
        line = line.strip()
        if line.startswith("c=IN IP4 ") and ip is None:
            ip = line.split()[2]
        elif line.startswith("m=audio "):
            port = line.split()[1]
    return "%s:%s" % (ip, port) if ip and port else ""


def sdp_dir(body):
    for line in body.split("\n"):
        line = line.strip()
        if line in ("a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"):
            return line[2:]
    return "sendrecv"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("-w", choices=("sent", "received"))
    ap.add_argument("-m")
    ap.add_argument("-q")
    ap.add_argument("-i", type=int, default=1)
    ap.add_argument("-f")
    ap.add_argument("-c", action="store_true")
    a = ap.parse_args()
    try:
        msgs = list(messages(a.trace))
    except OSError:
        return 1
    sel = []
    for m in msgs:
        if a.w and m["way"] != a.w:
            continue
        if a.m and not re.search(a.m, m["start"]):
            continue
        cseq = [v for k, v in m["hdrs"] if k == "cseq"]
        if a.q and not (cseq and re.search(a.q, cseq[0])):
            continue
        sel.append(m)
    if a.c:
        print(len(sel))
        return 0
    try:
        m = sel[a.i - 1 if a.i > 0 else a.i]
    except IndexError:
        return 1
    f = a.f
    if not f:
        print(m["raw"])
    elif f == ":status":
        print(m["start"])
    elif f == ":time":
        print("%.3f" % m["time"])
    elif f == ":body":
        print(m["body"])
    elif f == ":sdp":
        print(sdp_addr(m["body"]))
    elif f == ":dir":
        print(sdp_dir(m["body"]))
    else:
        for k, v in m["hdrs"]:
            if k == f.lower():
                print(v)
    return 0


if __name__ == "__main__":
    sys.exit(main())
