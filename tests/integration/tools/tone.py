# tone.py: tone generation and detection for the media tests, pure python3.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 tone.py analyse FILE.wav [EXPECT_HZ]
#   prints {"peak_hz", "share", "rms", "seconds", "tone_seconds"} as JSON:
#   the strongest frequency (Goertzel scan, 25 Hz steps, 200-3500 Hz) over
#   the loudest half second, the share of its energy at EXPECT_HZ (or at
#   the peak), its RMS level, the file's length and how much of it (in
#   0.1 s blocks) holds EXPECT_HZ (or the peak) as the main part of an
#   audible signal; exits 0 when EXPECT_HZ is given and is the peak
#   (+-25 Hz) holding at least half the energy.
#
# rtpep.py imports the helpers: G.711 u-law coding and the analysis.
# mediaep.py and wavcheck.py use the rest: G.711 A-law, levels in dBFS (a
# full-scale sine is 0 dBFS, so a -10 dBFS sine peaks at 10362), the DTMF
# detector and media_analysis() (sound segments, peak frequency, level).
import json, math, struct, sys, wave


def _ulaw_table():
    t = []
    for b in range(256):
        u = ~b & 0xff
        sign, exp, man = u & 0x80, (u >> 4) & 7, u & 0x0f
        v = ((man << 3) + 0x84) << exp
        v -= 0x84
        t.append(-v if sign else v)
    return t


ULAW_DEC = _ulaw_table()


def ulaw_encode(s):
    """One 16-bit linear sample to a u-law byte (G.711)."""
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    exp = 7
    while exp > 0 and not s & (0x4000 >> (7 - exp)):
        exp -= 1
    man = (s >> (exp + 3)) & 0x0f
    return ~(sign | exp << 4 | man) & 0xff


def ulaw_decode(data):
    return [ULAW_DEC[b] for b in data]


def sine(freq, n, rate=8000, amp=8000, phase=0):
    """n samples of a sine starting at sample index phase."""
    w = 2 * math.pi * freq / rate
    return [int(amp * math.sin(w * (phase + i))) for i in range(n)]


def goertzel(samples, freq, rate=8000):
    """Energy of samples at freq (squared magnitude, normalised)."""
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - k * s1 * s2) / (len(samples) or 1)


def loudest(samples, rate=8000, secs=1.0):
    """The window of secs with the most energy (the tone, not silence)."""
    n = int(rate * secs)
    if len(samples) <= n:
        return samples
    step = rate // 10
    best, bi = -1.0, 0
    for i in range(0, len(samples) - n + 1, step):
        e = sum(x * x for x in samples[i:i + n:8])
        if e > best:
            best, bi = e, i
    return samples[bi:bi + n]


def analyse(samples, rate=8000, expect=None):
    win = loudest(samples, rate, 0.5)
    res = {"seconds": round(len(samples) / float(rate), 2),
           "peak_hz": 0, "share": 0.0, "rms": 0, "tone_seconds": 0.0}
    if not win:
        return res
    mean = sum(win) / float(len(win))
    win = [x - mean for x in win]
    total = sum(x * x for x in win) / len(win)
    res["rms"] = int(math.sqrt(total))
    if total < 1:
        return res
    best_f, best_e = 0, -1.0
    for f in range(200, 3501, 25):
        e = goertzel(win, f, rate)
        if e > best_e:
            best_f, best_e = f, e
    res["peak_hz"] = best_f
    # a pure tone of power P gives goertzel() = P * N / 2, share ~= 1
    f = expect if expect else best_f
    res["share"] = round(share(win, f, rate), 3)
    n = rate // 10
    blocks = [samples[i:i + n] for i in range(0, len(samples) - n + 1, n)]
    res["tone_seconds"] = round(sum(
        0.1 for b in blocks
        if rms(b) >= 100 and share(b, f, rate) >= 0.5), 1)
    return res


def rms(samples):
    m = sum(samples) / float(len(samples))
    return math.sqrt(sum((x - m) ** 2 for x in samples) / len(samples))


def share(samples, f, rate=8000):
    """The part of the energy of samples at f (+-12 Hz), 0..1."""
    m = sum(samples) / float(len(samples))
    x = [v - m for v in samples]
    total = sum(v * v for v in x) / len(x)
    if total < 1:
        return 0.0
    e = max(goertzel(x, f + d, rate) for d in (-12, 0, 12))
    return min(1.0, 2 * e / (total * len(x)))


def wav_samples(path):
    w = wave.open(path, "rb")
    ch, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
    raw = w.readframes(w.getnframes())
    w.close()
    if width != 2:
        raise ValueError("%s: %d-byte samples, want 16-bit" % (path, width))
    s = struct.unpack("<%dh" % (len(raw) // 2), raw)
    return list(s[::ch]), rate


def _alaw_dec(a):
    a ^= 0x55
    t = (a & 0x0f) << 4
    seg = (a & 0x70) >> 4
    if seg == 0:
        t += 8
    else:
        t = (t + 0x108) << (seg - 1)
    return t if a & 0x80 else -t


ALAW_DEC = [_alaw_dec(b) for b in range(256)]


def alaw_encode(s):
    """One 16-bit linear sample to an A-law byte (G.711)."""
    if s >= 0:
        mask = 0xd5
    else:
        mask, s = 0x55, -s - 1
    s = min(s, 32767) >> 3
    seg = 0
    while seg < 8 and s > (0x20 << seg) - 1:
        seg += 1
    if seg >= 8:
        return 0x7f ^ mask
    if seg < 2:
        v = (s >> 1) & 0x0f
    else:
        v = (s >> seg) & 0x0f
    return (seg << 4 | v) ^ mask


def alaw_decode(data):
    return [ALAW_DEC[b] for b in data]


_ENC = {}


def g711_encoder(law):
    """A function from a list of samples to G.711 bytes (law "u" or "a"),
    through a 64 k table built on first use."""
    if law not in _ENC:
        f = ulaw_encode if law == "u" else alaw_encode
        _ENC[law] = bytes(f(v) for v in range(-32768, 32768))
    t = _ENC[law]
    return lambda pcm: bytes(t[v + 32768] for v in pcm)


def dbfs_amp(db):
    """The peak amplitude of a sine at db dBFS."""
    return 32768.0 * 10 ** (db / 20.0)


def dbfs(power):
    """Mean square power to dBFS (full-scale sine = 0), -120 for silence."""
    if power <= 0:
        return -120.0
    return max(-120.0, 10 * math.log10(2 * power / (32768.0 * 32768.0)))


def decimate2(samples):
    """16 kHz to 8 kHz: the mean of each pair (a mild low-pass)."""
    return [(a + b) // 2 for a, b in zip(samples[0::2], samples[1::2])]


def power(samples):
    return sum(x * x for x in samples) / float(len(samples) or 1)


def peak_hz(samples, rate=8000):
    """The strongest frequency, 200..4000 Hz: a Goertzel scan in 10 Hz
    steps over 0.1 s in the middle (wide bins, so no tone falls between
    them), then in 1 Hz steps +-10 Hz over all of samples (up to 1 s)."""
    if len(samples) > rate:
        mid = (len(samples) - rate) // 2
        samples = samples[mid:mid + rate]
    if len(samples) < rate // 100:
        return 0
    m = sum(samples) / float(len(samples))
    x = [v - m for v in samples]
    if power(x) < 1:
        return 0
    n = rate // 10
    mid = max(0, (len(x) - n) // 2)
    short = x[mid:mid + n]
    top = min(4000, rate // 2 - 10)
    best = max(range(200, top + 1, 10),
               key=lambda f: goertzel(short, f, rate))
    lo, hi = max(200, best - 10), min(top, best + 10)
    return max(range(lo, hi + 1), key=lambda f: goertzel(x, f, rate))


DTMF_ROWS = (697, 770, 852, 941)
DTMF_COLS = (1209, 1336, 1477, 1633)
DTMF_KEYS = ("123A", "456B", "789C", "*0#D")


def dtmf_freqs(digit):
    for r, keys in enumerate(DTMF_KEYS):
        if digit in keys:
            return DTMF_ROWS[r], DTMF_COLS[keys.index(digit)]
    raise ValueError("not a DTMF digit: %r" % digit)


def _dtmf_block(x, rate):
    """The DTMF digit in one block, or None: both tones above -30 dBFS,
    each at least 6 dB over the other tones of its group, twist within
    +-8 dB, and the pair holding 70 % of the block's energy."""
    n = len(x)
    m = sum(x) / float(n)
    x = [v - m for v in x]
    e = sum(v * v for v in x)
    if dbfs(e / n) < -30:
        return None
    # a sine of power P gives goertzel() = P * n / 2 (see share())
    rows = [2 * goertzel(x, f, rate) / e for f in DTMF_ROWS]
    cols = [2 * goertzel(x, f, rate) / e for f in DTMF_COLS]
    r = max(range(4), key=rows.__getitem__)
    c = max(range(4), key=cols.__getitem__)
    pr, pc = rows[r], cols[c]
    if pr + pc < 0.7 or pr <= 0 or pc <= 0:
        return None
    if abs(10 * math.log10(pr / pc)) > 8:
        return None
    if any(v * 4 > pr for i, v in enumerate(rows) if i != r):
        return None
    if any(v * 4 > pc for i, v in enumerate(cols) if i != c):
        return None
    return DTMF_KEYS[r][c]


def dtmf_detect(samples, rate=8000):
    """The DTMF digits in samples: 20 ms blocks every 10 ms; a digit is
    reported once per burst, when 3 blocks in a row agree (bursts of
    40 ms or more always are, of less than 30 ms never); a burst ends
    after 20 ms without it."""
    if rate == 16000:
        samples, rate = decimate2(samples), 8000
    n, hop = rate // 50, rate // 100
    out, run_d, run, quiet, said = [], None, 0, 0, None
    for i in range(0, len(samples) - n + 1, hop):
        d = _dtmf_block(samples[i:i + n], rate)
        if d is not None and d == run_d:
            run += 1
        else:
            run_d, run = d, 1
        if d is None or d != said:
            quiet += 1
            if quiet >= 2:
                said = None
        if d is not None and run >= 3 and d != said:
            out.append(d)
            said = d
        if d is not None and d == said:
            quiet = 0
    return "".join(out)


def media_analysis(samples, rate=8000, max_peaks=30):
    """seconds, active_seconds (20 ms blocks above -40 dBFS), segments
    [[start_ms, end_ms, peak_hz], ...] (runs of active blocks), peak_hz
    (of the loudest 1 s), rms_dbfs (of the active blocks) and
    rms_all_dbfs (of everything)."""
    res = {"seconds": round(len(samples) / float(rate), 3),
           "active_seconds": 0.0, "segments": [], "peak_hz": 0,
           "rms_dbfs": -120.0, "rms_all_dbfs": -120.0}
    if rate == 16000:
        samples, rate = decimate2(samples), 8000
    if not samples:
        return res
    n = rate // 50
    act, segs, start, e_act = 0, [], None, 0.0
    nblk = len(samples) // n
    pw = [power(samples[b * n:(b + 1) * n]) for b in range(nblk)]
    for b in range(nblk + 1):
        blk = b < nblk
        p = pw[b] if blk else 0.0
        on = bool(blk) and dbfs(p) > -40
        if on:
            act += 1
            e_act += p
            if start is None:
                start = b
        elif start is not None:
            segs.append([start * 20, b * 20])
            start = None
    res["active_seconds"] = round(act * 0.02, 2)
    res["rms_all_dbfs"] = round(dbfs(power(samples)), 1)
    if act:
        res["rms_dbfs"] = round(dbfs(e_act / act), 1)
    for i, (s, e) in enumerate(segs):
        hz = 0
        if i < max_peaks:
            hz = peak_hz(samples[s * rate // 1000:e * rate // 1000], rate)
        res["segments"].append([s, e, hz])
    if act:
        # the loudest second, from the block powers (loudest() would
        # alias a 1 kHz tone to DC by taking every 8th sample)
        w = min(50, nblk)
        acc = best = sum(pw[:w])
        bi = 0
        for b in range(w, nblk):
            acc += pw[b] - pw[b - w]
            if acc > best * 1.001:
                best, bi = acc, b - w + 1
        res["peak_hz"] = peak_hz(samples[bi * n:(bi + w) * n], rate)
    return res


def main():
    if len(sys.argv) < 3 or sys.argv[1] != "analyse":
        sys.stderr.write("usage: tone.py analyse FILE.wav [EXPECT_HZ]\n")
        return 2
    samples, rate = wav_samples(sys.argv[2])
    expect = int(sys.argv[3]) if len(sys.argv) > 3 else None
    res = analyse(samples, rate, expect)
    print(json.dumps(res, sort_keys=True))
    if expect is None:
        return 0
    return 0 if abs(res["peak_hz"] - expect) <= 25 and \
        res["share"] >= 0.5 else 1


if __name__ == "__main__":
    sys.exit(main())
