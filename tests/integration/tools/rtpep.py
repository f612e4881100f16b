# rtpep.py: RTP endpoints for the call tests: each sends a PCMU sine and
# records what arrives, then says what it heard.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 rtpep.py SECONDS NAME:LPORT:RPORT:FREQ...
#   each endpoint binds 127.0.0.1:LPORT and sends 20 ms PCMU packets of a
#   FREQ Hz sine to 127.0.0.1:RPORT (FREQ 0: sends nothing) for SECONDS,
#   then keeps listening 0.3 s more.  Prints one JSON object: per NAME
#   {sent, received, pts, ssrcs, sources, seq_ok, peak_hz, share}: the
#   packets sent and received, the payload types and number of SSRCs seen,
#   the addresses they came from, whether sequence numbers and timestamps
#   only went up, and the strongest frequency of the received audio.
import json, os, random, select, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tone  # noqa: E402

FRAME = 160       # samples per 20 ms at 8 kHz


class Endpoint:
    def __init__(self, spec):
        name, lport, rport, freq = spec.split(":")
        self.name, self.freq = name, int(freq)
        self.dst = ("127.0.0.1", int(rport))
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", int(lport)))
        self.sock.setblocking(False)
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.ts = random.getrandbits(32)
        self.phase = 0
        self.sent = 0
        self.rx = []          # (seq, ts, pt, ssrc, payload)
        self.sources = set()

    def send(self):
        if not self.freq:
            return
        pcm = tone.sine(self.freq, FRAME, phase=self.phase)
        self.phase += FRAME
        payload = bytes(tone.ulaw_encode(s) for s in pcm)
        hdr = struct.pack("!BBHII", 0x80, 0x80 if not self.sent else 0,
                          self.seq, self.ts, self.ssrc)
        try:
            self.sock.sendto(hdr + payload, self.dst)
            self.sent += 1
        except OSError:
            pass
        self.seq = (self.seq + 1) & 0xffff
        self.ts = (self.ts + FRAME) & 0xffffffff

    def recv(self):
        while True:
            try:
                data, src = self.sock.recvfrom(2048)
            except (BlockingIOError, InterruptedError):
                return
            if len(data) < 12 or data[0] >> 6 != 2:
                continue
            _, m_pt, seq, ts, ssrc = struct.unpack("!BBHII", data[:12])
            hlen = 12 + 4 * (data[0] & 0x0f)
            self.rx.append((seq, ts, m_pt & 0x7f, ssrc, data[hlen:]))
            self.sources.add("%s:%d" % src)

    def report(self):
        seq_ok = True
        for a, b in zip(self.rx, self.rx[1:]):
            if a[3] == b[3] and (((b[0] - a[0]) & 0xffff) >= 0x8000 or
                                 ((b[1] - a[1]) & 0xffffffff) >= 1 << 31):
                seq_ok = False
        audio = []
        for r in self.rx:
            if r[2] == 0:
                audio += tone.ulaw_decode(r[4])
        res = tone.analyse(audio)
        return {"sent": self.sent, "received": len(self.rx),
                "pts": sorted(set(r[2] for r in self.rx)),
                "ssrcs": len(set(r[3] for r in self.rx)),
                "sources": sorted(self.sources), "seq_ok": seq_ok,
                "peak_hz": res["peak_hz"], "share": res["share"]}


def main():
    if len(sys.argv) < 3:
        sys.stderr.write("usage: rtpep.py SECONDS NAME:LPORT:RPORT:FREQ...\n")
        return 2
    secs = float(sys.argv[1])
    eps = [Endpoint(s) for s in sys.argv[2:]]
    start = time.monotonic()
    end = start + secs
    nxt = start
    while True:
        now = time.monotonic()
        if now >= end + 0.3:
            break
        if now >= nxt and now < end:
            for e in eps:
                e.send()
            nxt += 0.02
        timeout = max(0.0, min(nxt, end + 0.3) - time.monotonic())
        r, _, _ = select.select([e.sock for e in eps], [], [], timeout)
        for e in eps:
            if e.sock in r:
                e.recv()
    print(json.dumps({e.name: e.report() for e in eps}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
