# mediaep.py: one scripted RTP/SRTP media endpoint for the media-engine
# tests: sends tones, silence and DTMF on a timeline, records and analyses
# what arrives.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 mediaep.py --bind IP:PORT --peer IP:PORT|auto
#            [--codec pcmu|pcma|g722|opus] [--pt N] [--te-pt N]
#            [--seconds S] [--linger S] [--record FILE.wav] [--no-idle]
#            [--srtp-tx SUITE:B64KEY] [--srtp-rx SUITE:B64KEY] [--tamper N]
#            [--srtp-rx-file PATH] [--peer-file PATH]
#            [AT_MS:ACTION ...]
#        python3 mediaep.py --selftest
#
#   Sends 20 ms RTP packets of --codec (payload type --pt, default 0, 8, 9
#   or 111) to --peer for --seconds (default 5), then listens --linger
#   seconds more (default 0.3).  --peer auto: sends nothing until a packet
#   arrives, then replies to where it came from.  ACTIONs start AT_MS
#   milliseconds after the start (rounded to 20 ms; a later one overrides):
#     tone:FREQ:MS      a FREQ Hz sine at -10 dBFS for MS
#     silence:MS        silence frames for MS
#     dtmf4733:DIGITS   RFC 4733 events (PT --te-pt, default 101) per
#                       digit: 100 ms of event packets (one timestamp,
#                       growing duration, marker on the first, the last
#                       sent 3 times with the E bit), then 100 ms of
#                       silence; no audio is sent meanwhile
#     inband:DIGITS     DTMF tones, 100 ms on, 100 ms off, -10 dBFS each
#   Between actions it sends silence frames unless --no-idle.  The RTP
#   clock is 8000 Hz (G.711, G.722, and their telephone-events) or 48000
#   Hz (opus and its telephone-events); audio is 8 kHz for G.711 and
#   16 kHz for G.722 and opus (coded with libspandsp and libopus).
#
#   SRTP (RFC 3711, master key derivation rate 0): SUITE is
#   AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32, B64KEY the base64
#   of the 30-byte master key and salt, as in SDES a=crypto "inline:".
#   --peer-file PATH (with --peer auto): "IP:PORT" to send to, in a file
#   that appears later (the far end's port, once the call is up).
#   --srtp-rx-file PATH: the receive key as "SUITE:B64KEY" in a file that
#   appears later (the peer's key from its SDP answer); packets before it
#   are dropped and counted as srtp_early.
#   --tamper N flips a payload bit of every Nth SRTP packet after it was
#   protected.
#
#   Received packets are decoded by payload type (PCMU 0, PCMA 8, G.722 9,
#   --pt as --codec) into one timeline placed by RTP timestamp (losses
#   and DTMF pauses are silence), written to --record (16-bit mono WAV at
#   the codec's audio rate) and analysed.  Prints one JSON object:
#     sent, tampered, received (RTP packets accepted), pts, ssrcs,
#     sources, seq_ok, srtp_auth_fail and srtp_replay (with --srtp-rx),
#     rtcp (RTCP packets ignored), events (RFC 4733 packets), dtmf_rx (the
#     RFC 4733 digits, one per event timestamp), inband_rx (the DTMF
#     digits heard in the audio, once per burst of >= 40 ms), and of the
#     received audio: seconds, active_seconds (above -40 dBFS), segments
#     [[start_ms, end_ms, peak_hz], ...], peak_hz (of the loudest 1 s),
#     rms_dbfs (of the active part), rms_all_dbfs.
#   --selftest checks the SRTP code against the RFC 3711 B.2 and B.3 test
#   vectors and against libsrtp2 (when it loads), and the codecs.
import argparse, base64, ctypes, ctypes.util, hmac, json, os, random
import select, socket, struct, sys, time, wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tone  # noqa: E402

from cryptography.hazmat.primitives.ciphers import (  # noqa: E402
    Cipher, algorithms, modes)

TICK = 0.02
DIGITS_4733 = "0123456789*#ABCD"
SUITES = {"AES_CM_128_HMAC_SHA1_80": 10, "AES_CM_128_HMAC_SHA1_32": 4}
CODECS = {
    # name: (default pt, audio rate, rtp clock)
    "pcmu": (0, 8000, 8000),
    "pcma": (8, 8000, 8000),
    "g722": (9, 16000, 8000),
    "opus": (111, 16000, 48000),
}


# --- codecs -------------------------------------------------------------

class G711:
    def __init__(self, law):
        self.law, self.enc = law, None
        self.dec = tone.ulaw_decode if law == "u" else tone.alaw_decode

    def encode(self, pcm):
        if self.enc is None:
            self.enc = tone.g711_encoder(self.law)
        return self.enc(pcm)

    def decode(self, data):
        return self.dec(data)


class G722:
    """G.722 at 64 kbit/s through libspandsp; one state per direction."""
    lib = None

    def __init__(self):
        if G722.lib is None:
            lib = ctypes.CDLL("libspandsp.so.2")
            for f in ("g722_encode_init", "g722_decode_init"):
                getattr(lib, f).restype = ctypes.c_void_p
                getattr(lib, f).argtypes = [ctypes.c_void_p, ctypes.c_int,
                                            ctypes.c_int]
            lib.g722_encode.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.c_void_p, ctypes.c_int]
            lib.g722_decode.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                        ctypes.c_char_p, ctypes.c_int]
            G722.lib = lib
        self.es = self.lib.g722_encode_init(None, 64000, 0)
        self.ds = self.lib.g722_decode_init(None, 64000, 0)
        if not self.es or not self.ds:
            raise RuntimeError("g722_*_init failed")

    def encode(self, pcm):
        inp = (ctypes.c_int16 * len(pcm))(*pcm)
        out = ctypes.create_string_buffer(len(pcm))
        n = self.lib.g722_encode(self.es, out, inp, len(pcm))
        return out.raw[:n]

    def decode(self, data):
        out = (ctypes.c_int16 * (2 * len(data)))()
        n = self.lib.g722_decode(self.ds, out, data, len(data))
        return list(out[:n])


class Opus:
    """Opus through libopus, at 16 kHz audio (the RTP clock stays
    48 kHz), 32 kbit/s so that tones and DTMF survive."""
    lib = None

    def __init__(self, rate=16000):
        if Opus.lib is None:
            lib = ctypes.CDLL("libopus.so.0")
            for f in ("opus_encoder_create", "opus_decoder_create"):
                getattr(lib, f).restype = ctypes.c_void_p
                getattr(lib, f).argtypes = [ctypes.c_int32, ctypes.c_int,
                                            ctypes.c_int,
                                            ctypes.POINTER(ctypes.c_int)]
            lib.opus_decoder_create.argtypes = [
                ctypes.c_int32, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
            lib.opus_encode.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                        ctypes.c_int, ctypes.c_char_p,
                                        ctypes.c_int32]
            lib.opus_decode.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                        ctypes.c_int32, ctypes.c_void_p,
                                        ctypes.c_int, ctypes.c_int]
            Opus.lib = lib
        err = ctypes.c_int(0)
        self.rate = rate
        self.es = self.lib.opus_encoder_create(rate, 1, 2048,  # VOIP
                                               ctypes.byref(err))
        if not self.es or err.value:
            raise RuntimeError("opus_encoder_create: %d" % err.value)
        # OPUS_SET_BITRATE_REQUEST
        self.lib.opus_encoder_ctl(ctypes.c_void_p(self.es),
                                  ctypes.c_int(4002), ctypes.c_int32(32000))
        self.ds = self.lib.opus_decoder_create(rate, 1, ctypes.byref(err))
        if not self.ds or err.value:
            raise RuntimeError("opus_decoder_create: %d" % err.value)

    def encode(self, pcm):
        inp = (ctypes.c_int16 * len(pcm))(*pcm)
        out = ctypes.create_string_buffer(1500)
        n = self.lib.opus_encode(self.es, inp, len(pcm), out, 1500)
        if n < 0:
            raise RuntimeError("opus_encode: %d" % n)
        return out.raw[:n]

    def decode(self, data):
        maxn = self.rate * 120 // 1000
        out = (ctypes.c_int16 * maxn)()
        n = self.lib.opus_decode(self.ds, data, len(data), out, maxn, 0)
        return list(out[:n]) if n > 0 else None


def make_codec(name):
    if name == "pcmu":
        return G711("u")
    if name == "pcma":
        return G711("a")
    if name == "g722":
        return G722()
    return Opus()


# --- SRTP (RFC 3711) ----------------------------------------------------

def aes_ctr(key, iv, data):
    c = Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor()
    return c.update(data) + c.finalize()


class Srtp:
    """One direction of AES_CM_128_HMAC_SHA1_80/_32 SRTP, any SSRC."""

    def __init__(self, spec):
        suite, _, b64 = spec.partition(":")
        if suite not in SUITES:
            raise ValueError("unknown SRTP suite %r" % suite)
        self.taglen = SUITES[suite]
        mk = base64.b64decode(b64)
        if len(mk) != 30:
            raise ValueError("SRTP master key+salt must be 30 bytes")
        self.master_key, self.master_salt = mk[:16], mk[16:]
        self.key = self.derive(0, 16)
        self.auth = self.derive(1, 20)
        self.salt = self.derive(2, 14)
        self.tx = {}        # ssrc: [roc, last seq]
        self.rx = {}        # ssrc: [roc, highest seq, set of indices]
        self.auth_fail = 0
        self.replay = 0

    def derive(self, label, n):
        """Session key of the label (4.3.1 with kdr 0, so r = 0): the
        AES-CM keystream under the master key from (salt ^ label<<48)<<16.
        """
        x = int.from_bytes(self.master_salt, "big") ^ (label << 48)
        return aes_ctr(self.master_key, (x << 16).to_bytes(16, "big"),
                       bytes(n))

    @staticmethod
    def header_len(pkt):
        n = 12 + 4 * (pkt[0] & 0x0f)
        if pkt[0] & 0x10 and len(pkt) >= n + 4:
            n += 4 + 4 * struct.unpack("!H", pkt[n + 2:n + 4])[0]
        return n

    def iv(self, ssrc, index):
        v = (int.from_bytes(self.salt, "big") << 16) ^ (ssrc << 64) ^ \
            (index << 16)
        return v.to_bytes(16, "big")

    def tag(self, data, roc):
        return hmac.new(self.auth, data + struct.pack("!I", roc),
                        "sha1").digest()[:self.taglen]

    def protect(self, pkt):
        seq, ssrc = struct.unpack("!H4xI", pkt[2:12])
        st = self.tx.setdefault(ssrc, [0, seq])
        if seq < st[1] and st[1] - seq > 0x8000:
            st[0] = (st[0] + 1) & 0xffffffff
        st[1] = seq
        roc = st[0]
        h = self.header_len(pkt)
        out = pkt[:h] + aes_ctr(self.key, self.iv(ssrc, roc << 16 | seq),
                                pkt[h:])
        return out + self.tag(out, roc)

    def unprotect(self, pkt):
        """The RTP packet, or None (auth failure or replay, counted)."""
        if len(pkt) < 12 + self.taglen:
            self.auth_fail += 1
            return None
        seq, ssrc = struct.unpack("!H4xI", pkt[2:12])
        body, tag = pkt[:-self.taglen], pkt[-self.taglen:]
        st = self.rx.get(ssrc)
        if st is None:
            roc = 0
        else:
            # the ROC guess of RFC 3711 3.3.1 / appendix A
            roc, s_l = st[0], st[1]
            if s_l < 0x8000:
                if seq - s_l > 0x8000:
                    roc = (roc - 1) & 0xffffffff
            elif s_l - 0x8000 > seq:
                roc = (roc + 1) & 0xffffffff
        if not hmac.compare_digest(self.tag(body, roc), tag):
            self.auth_fail += 1
            return None
        index = roc << 16 | seq
        if st is None:
            st = self.rx[ssrc] = [roc, seq, set()]
        if index in st[2]:
            self.replay += 1
            return None
        st[2].add(index)
        if len(st[2]) > 2048:
            st[2] = set(i for i in st[2] if i > index - 1024)
        if index > (st[0] << 16 | st[1]):
            st[0], st[1] = roc, seq
        h = self.header_len(body)
        return body[:h] + aes_ctr(self.key, self.iv(ssrc, index), body[h:])


# --- the timeline -------------------------------------------------------

def build_plan(actions, ticks, rate):
    """One entry per 20 ms tick: None (idle), ("sil",), ("pcm", f1, f2,
    first sample, samples of tone in this tick) or ("ev", code, n)."""
    plan = [None] * ticks
    frame = rate // 50

    def put(t, what):
        if 0 <= t < ticks:
            plan[t] = what

    for a in actions:
        at, _, act = a.partition(":")
        kind, _, arg = act.partition(":")
        t0 = int(round(int(at) / 20.0))
        if kind == "tone":
            freq, ms = (int(v) for v in arg.split(":"))
            total = ms * rate // 1000
            for j in range((total + frame - 1) // frame):
                put(t0 + j, ("pcm", freq, 0, j * frame,
                             min(frame, total - j * frame)))
        elif kind == "silence":
            for j in range((int(arg) + 19) // 20):
                put(t0 + j, ("sil",))
        elif kind in ("dtmf4733", "inband"):
            for i, d in enumerate(arg.upper()):
                if d not in DIGITS_4733:
                    raise ValueError("not a DTMF digit: %r" % d)
                b = t0 + 10 * i
                r, c = tone.dtmf_freqs(d)
                for j in range(5):
                    if kind == "inband":
                        put(b + j, ("pcm", r, c, j * frame, frame))
                    else:
                        put(b + j, ("ev", DIGITS_4733.index(d), j))
                for j in range(5, 10):
                    put(b + j, ("sil",))
        else:
            raise ValueError("unknown action %r" % a)
    return plan


class Endpoint:
    def __init__(self, args):
        self.args = args
        self.pt = args.pt
        _, self.rate, self.clock = CODECS[args.codec]
        self.frame = self.rate // 50
        self.fclock = self.clock // 50
        self.codec = make_codec(args.codec)
        host, _, port = args.bind.rpartition(":")
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, int(port)))
        self.sock.setblocking(False)
        if args.peer == "auto":
            self.dst = None
        else:
            host, _, port = args.peer.rpartition(":")
            self.dst = (host, int(port))
        self.srtp_tx = Srtp(args.srtp_tx) if args.srtp_tx else None
        self.srtp_rx = Srtp(args.srtp_rx) if args.srtp_rx else None
        self.srtp_rx_file = args.srtp_rx_file
        self.srtp_early = 0
        self.ssrc = random.getrandbits(32)
        self.seq = random.getrandbits(16)
        self.ts0 = random.getrandbits(32)
        self.amp = tone.dbfs_amp(-10)
        self.sent = self.tampered = self.srtp_sent = 0
        self.first = True
        self.rx = []        # (arrival, seq, ts, pt, ssrc, payload)
        self.sources = set()
        self.rtcp = 0
        self.silence = self.codec.encode([0] * self.frame)

    def send_rtp(self, pt, marker, ts, payload):
        pkt = struct.pack("!BBHII", 0x80, pt | (0x80 if marker else 0),
                          self.seq, ts & 0xffffffff, self.ssrc) + payload
        self.seq = (self.seq + 1) & 0xffff
        if self.srtp_tx:
            pkt = self.srtp_tx.protect(pkt)
            self.srtp_sent += 1
            if self.args.tamper and self.srtp_sent % self.args.tamper == 0:
                pkt = pkt[:12] + bytes([pkt[12] ^ 0x01]) + pkt[13:]
                self.tampered += 1
        if self.dst is None and self.args.peer_file:
            try:
                with open(self.args.peer_file) as fh:
                    host, _, port = fh.read().strip().rpartition(":")
                    self.dst = (host, int(port))
            except (OSError, ValueError):
                pass
        if self.dst is None:
            return
        try:
            self.sock.sendto(pkt, self.dst)
            self.sent += 1
        except OSError:
            pass

    def tick(self, k, what):
        ts = self.ts0 + k * self.fclock
        if what is None and self.args.no_idle:
            return
        if what is not None and what[0] == "ev":
            _, code, j = what
            start = self.ts0 + (k - j) * self.fclock
            dur = (j + 1) * self.fclock
            end = j == 4
            ev = struct.pack("!BBH", code, (0x80 if end else 0) | 10, dur)
            for _ in range(3 if end else 1):
                self.send_rtp(self.args.te_pt, j == 0, start, ev)
            return
        if what is None or what[0] == "sil":
            payload = self.silence
            if not isinstance(self.codec, G711):
                payload = self.codec.encode([0] * self.frame)
        else:
            _, f1, f2, first, n = what
            pcm = tone.sine(f1, n, self.rate, self.amp, first)
            if f2:
                pcm = [a + b for a, b in
                       zip(pcm, tone.sine(f2, n, self.rate, self.amp,
                                          first))]
            pcm += [0] * (self.frame - n)
            payload = self.codec.encode(pcm)
        self.send_rtp(self.pt, self.first, ts, payload)
        self.first = False

    def recv(self, now):
        while True:
            try:
                data, src = self.sock.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                continue
            if len(data) < 12 or data[0] >> 6 != 2:
                continue
            if 200 <= data[1] <= 204:
                self.rtcp += 1
                continue
            if self.dst is None:
                self.dst = src
            if not self.srtp_rx and self.srtp_rx_file:
                try:
                    with open(self.srtp_rx_file) as fh:
                        self.srtp_rx = Srtp(fh.read().strip())
                except OSError:
                    self.srtp_early += 1
                    continue
            if self.srtp_rx:
                data = self.srtp_rx.unprotect(data)
                if data is None:
                    continue
            m_pt, seq, ts, ssrc = struct.unpack("!BHII", data[1:12])
            h = Srtp.header_len(data)
            end = len(data)
            if data[0] & 0x20 and end > h:
                end -= data[-1]
            if end < h:
                continue
            self.rx.append((now, seq, ts, m_pt & 0x7f, ssrc, data[h:end]))
            self.sources.add("%s:%d" % src)

    def decoders(self):
        """pt: (decode function, audio rate, rtp clock)."""
        d = {}
        u, a = G711("u"), G711("a")
        d[0] = (u.decode, 8000, 8000)
        d[8] = (a.decode, 8000, 8000)
        g = G722()
        d[9] = (g.decode, 16000, 8000)
        if self.args.codec == "opus":
            d[self.pt] = (self.codec.decode, self.rate, self.clock)
        else:
            d[self.pt] = d[CODECS[self.args.codec][0]]
        return d

    def timeline(self):
        """The received audio at self.rate, placed by timestamp."""
        decs = self.decoders()
        out = []
        t_first = None
        streams = {}        # ssrc: [base sample, first ts]
        for now, seq, ts, pt, ssrc, payload in self.rx:
            if pt not in decs or pt == self.args.te_pt:
                continue
            dec, rate, clock = decs[pt]
            pcm = dec(payload)
            if not pcm:
                continue
            if rate != self.rate:
                pcm = tone.decimate2(pcm) if rate > self.rate else \
                    [v for v in pcm for _ in (0, 1)]
            if t_first is None:
                t_first = now
            by_arrival = int((now - t_first) * self.rate)
            st = streams.get(ssrc)
            if st is not None:
                d = (ts - st[1]) & 0xffffffff
                if d >= 1 << 31:
                    d -= 1 << 32
                pos = st[0] + d * self.rate // clock
            if st is None or abs(pos - by_arrival) > self.rate // 2:
                # a new stream, or a timestamp jump: place by arrival
                st = streams[ssrc] = [by_arrival, ts]
                pos = by_arrival
            if pos < 0:
                continue
            if len(out) < pos + len(pcm):
                out.extend([0] * (pos + len(pcm) - len(out)))
            out[pos:pos + len(pcm)] = pcm
        return out

    def report(self):
        seq_ok = True
        last = {}
        for r in self.rx:
            p = last.get(r[4])
            if p and (((r[1] - p[1]) & 0xffff) >= 0x8000 or
                      ((r[2] - p[2]) & 0xffffffff) >= 1 << 31):
                seq_ok = False
            last[r[4]] = r
        seen, digits, events = set(), [], 0
        for r in self.rx:
            if r[3] != self.args.te_pt or len(r[5]) < 4:
                continue
            events += 1
            if (r[4], r[2]) not in seen:
                seen.add((r[4], r[2]))
                if r[5][0] < len(DIGITS_4733):
                    digits.append(DIGITS_4733[r[5][0]])
        audio = self.timeline()
        if self.args.record:
            w = wave.open(self.args.record, "wb")
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(self.rate)
            w.writeframes(struct.pack("<%dh" % len(audio), *audio))
            w.close()
        res = {"sent": self.sent, "received": len(self.rx),
               "pts": sorted(set(r[3] for r in self.rx)),
               "ssrcs": len(set(r[4] for r in self.rx)),
               "sources": sorted(self.sources), "seq_ok": seq_ok,
               "rtcp": self.rtcp, "events": events,
               "dtmf_rx": "".join(digits),
               "inband_rx": tone.dtmf_detect(audio, self.rate)}
        if self.srtp_tx:
            res["tampered"] = self.tampered
        if self.srtp_rx_file:
            res["srtp_early"] = self.srtp_early
        if self.srtp_rx:
            res["srtp_auth_fail"] = self.srtp_rx.auth_fail
            res["srtp_replay"] = self.srtp_rx.replay
        res.update(tone.media_analysis(audio, self.rate))
        return res


def run(args):
    ep = Endpoint(args)
    ticks = int(round(args.seconds / TICK))
    plan = build_plan(args.actions, ticks, ep.rate)
    start = time.monotonic()
    end = start + ticks * TICK
    k = 0
    while True:
        now = time.monotonic()
        while k < ticks and now >= start + k * TICK:
            ep.tick(k, plan[k])
            k += 1
        if now >= end + args.linger:
            break
        nxt = start + k * TICK if k < ticks else end + args.linger
        r, _, _ = select.select([ep.sock], [], [],
                                max(0.0, nxt - time.monotonic()))
        if r:
            ep.recv(time.monotonic())
    print(json.dumps(ep.report(), sort_keys=True))
    return 0


# --- self test ----------------------------------------------------------

def selftest():
    ok = True

    def check(name, got, want):
        nonlocal ok
        good = got == want
        ok &= good
        print("%s %s" % ("ok  " if good else "FAIL", name))
        if not good:
            print("  got  %s\n  want %s" % (got.hex(), want.hex()))

    h = bytes.fromhex
    # B.2: AES-CM keystream with ROC, SEQ and SSRC 0
    s = Srtp("AES_CM_128_HMAC_SHA1_80:" +
             base64.b64encode(bytes(30)).decode())
    s.key = h("2B7E151628AED2A6ABF7158809CF4F3C")
    s.salt = h("F0F1F2F3F4F5F6F7F8F9FAFBFCFD")
    ks = aes_ctr(s.key, s.iv(0, 0), bytes(0xff02 * 16))
    check("B.2 keystream start", ks[:48], h(
        "E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
        "41E95B3BB0A2E8DD477901E4FCA894C0"))
    check("B.2 keystream end", ks[-48:], h(
        "EC8CDF7398607CB0F2D21675EA9EA1E4362B7C3C6773516318A077D7FC5073AE"
        "6A2CC3787889374FBEB4C81B17BA6C44"))
    # B.3: key derivation
    mk = h("E1F97A0D3E018BE0D64FA32C06DE41390EC675AD498AFEEBB6960B3AABE6")
    s = Srtp("AES_CM_128_HMAC_SHA1_80:" + base64.b64encode(mk).decode())
    check("B.3 cipher key", s.key, h("C61E7A93744F39EE10734AFE3FF7A087"))
    check("B.3 cipher salt", s.salt, h("30CBBC08863D8C85D49DB34A9AE1"))
    check("B.3 auth key", s.auth,
          h("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"))
    ok &= selftest_libsrtp(mk)
    ok &= selftest_rollover()
    print("selftest %s" % ("passed" if ok else "FAILED"))
    return 0 if ok else 1


def selftest_rollover():
    """A stream across a sequence number wrap, with reordering, a replay
    and a forged packet, both suites."""
    ok = True
    for suite in SUITES:
        spec = suite + ":" + base64.b64encode(os.urandom(30)).decode()
        tx, rx = Srtp(spec), Srtp(spec)
        pkts = []
        for i in range(400):
            seq = (0xff00 + i) & 0xffff
            p = struct.pack("!BBHII", 0x80, 0, seq, i * 160, 0x1234) + \
                bytes([i & 0xff]) * 40
            pkts.append((p, tx.protect(p)))
        order = list(range(400))
        order[250], order[251] = order[251], order[250]
        good = all(rx.unprotect(pkts[i][1]) == pkts[i][0] for i in order)
        good &= rx.unprotect(pkts[300][1]) is None and rx.replay == 1
        bad = bytearray(pkts[399][1])
        bad[20] ^= 1
        good &= rx.unprotect(bytes(bad)) is None and rx.auth_fail == 1
        good &= tx.tx[0x1234][0] == 1 and rx.rx[0x1234][0] == 1
        print("%s %s rollover/replay/forgery" % ("ok  " if good else "FAIL",
                                                 suite))
        ok &= good
    return ok


class _CryptoPolicy(ctypes.Structure):
    _fields_ = [("cipher_type", ctypes.c_uint), ("cipher_key_len",
                ctypes.c_int), ("auth_type", ctypes.c_uint),
                ("auth_key_len", ctypes.c_int), ("auth_tag_len",
                ctypes.c_int), ("sec_serv", ctypes.c_int)]


class _Policy(ctypes.Structure):
    _fields_ = [("ssrc_type", ctypes.c_int), ("ssrc_value", ctypes.c_uint),
                ("rtp", _CryptoPolicy), ("rtcp", _CryptoPolicy),
                ("key", ctypes.c_char_p), ("keys", ctypes.c_void_p),
                ("num_master_keys", ctypes.c_ulong),
                ("deprecated_ekt", ctypes.c_void_p),
                ("window_size", ctypes.c_ulong),
                ("allow_repeat_tx", ctypes.c_int),
                ("enc_xtn_hdr", ctypes.c_void_p),
                ("enc_xtn_hdr_count", ctypes.c_int),
                ("next", ctypes.c_void_p)]


def selftest_libsrtp(mk):
    """Both ways against libsrtp2: what we protect it unprotects, and the
    reverse, for both suites."""
    name = ctypes.util.find_library("srtp2")
    try:
        lib = ctypes.CDLL(name or "libsrtp2.so.1")
    except OSError:
        print("skip libsrtp2 cross-check (not found)")
        return True
    lib.srtp_init()
    ok = True
    for suite, fn in (("AES_CM_128_HMAC_SHA1_80",
                       "srtp_crypto_policy_set_rtp_default"),
                      ("AES_CM_128_HMAC_SHA1_32",
                       "srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32")):
        sess = {}
        for way, typ in (("in", 2), ("out", 3)):
            pol = _Policy()
            getattr(lib, fn)(ctypes.byref(pol.rtp))
            lib.srtp_crypto_policy_set_rtcp_default(ctypes.byref(pol.rtcp))
            pol.ssrc_type = typ
            pol.key = mk
            pol.window_size = 128
            s = ctypes.c_void_p()
            if lib.srtp_create(ctypes.byref(s), ctypes.byref(pol)):
                print("FAIL srtp_create")
                return False
            sess[way] = s
        spec = suite + ":" + base64.b64encode(mk).decode()
        ours_tx, ours_rx = Srtp(spec), Srtp(spec)
        good = True
        for i in range(5):
            seq = (0xfffe + i) & 0xffff
            p = struct.pack("!BBHII", 0x80, 0, seq, 0xdecafbad + i * 160,
                            0xcafebabe) + os.urandom(160)
            # ours -> libsrtp
            c = ours_tx.protect(p)
            buf = ctypes.create_string_buffer(c, len(c) + 64)
            n = ctypes.c_int(len(c))
            st = lib.srtp_unprotect(sess["in"], buf, ctypes.byref(n))
            good &= st == 0 and buf.raw[:n.value] == p
            # libsrtp -> ours
            buf = ctypes.create_string_buffer(p, len(p) + 64)
            n = ctypes.c_int(len(p))
            st = lib.srtp_protect(sess["out"], buf, ctypes.byref(n))
            good &= st == 0 and n.value == len(c) and \
                ours_rx.unprotect(buf.raw[:n.value]) == p
        for s in sess.values():
            lib.srtp_dealloc(s)
        print("%s %s against libsrtp2" % ("ok  " if good else "FAIL", suite))
        ok &= good
    return ok


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    ap = argparse.ArgumentParser(description="scripted RTP endpoint")
    ap.add_argument("--bind", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--codec", choices=sorted(CODECS), default="pcmu")
    ap.add_argument("--pt", type=int)
    ap.add_argument("--te-pt", type=int, default=101)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--linger", type=float, default=0.3)
    ap.add_argument("--record")
    ap.add_argument("--no-idle", action="store_true")
    ap.add_argument("--srtp-tx")
    ap.add_argument("--srtp-rx")
    ap.add_argument("--srtp-rx-file")
    ap.add_argument("--peer-file")
    ap.add_argument("--tamper", type=int, default=0)
    ap.add_argument("actions", nargs="*")
    args = ap.parse_args()
    if args.pt is None:
        args.pt = CODECS[args.codec][0]
    try:
        return run(args)
    except ValueError as e:
        sys.stderr.write("mediaep.py: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main())
