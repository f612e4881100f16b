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
