# wavcheck.py: checks and analyses a WAV file on disk (pbxd's call
# recordings and voicemail messages).
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 wavcheck.py FILE.wav
#   Reads the RIFF chunks itself (so a header that lies is caught) and
#   prints one JSON object: srate, channels, bits, seconds, active_seconds
#   (20 ms blocks above -40 dBFS, a full-scale sine being 0 dBFS),
#   segments [[start_ms, end_ms, peak_hz], ...] (runs of such blocks),
#   peak_hz (strongest frequency of the loudest second), rms_dbfs (of the
#   active part), rms_all_dbfs, valid_header (the RIFF size matches the
#   file and the data chunk's size what is there).  With several
#   channels the first is analysed.  Only 16-bit PCM is analysed (16 kHz
#   audio after decimation to 8 kHz, other rates as they are).
#   Exits 1 with a message on stderr when the file is not a readable
#   16-bit RIFF/WAVE PCM file (no JSON then), or when valid_header is
#   false (after printing the JSON: a truncated recording is still
#   analysed); 0 otherwise.
import json, os, struct, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tone  # noqa: E402


def fail(msg):
    sys.stderr.write("wavcheck.py: %s\n" % msg)
    sys.exit(1)


def read_wav(path):
    """(fmt dict, data bytes, valid_header)."""
    try:
        raw = open(path, "rb").read()
    except OSError as e:
        fail("%s: %s" % (path, e.strerror))
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        fail("%s: not a RIFF/WAVE file" % path)
    valid = struct.unpack("<I", raw[4:8])[0] + 8 == len(raw)
    fmt, data, pos = None, None, 12
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack("<I",
                                                    raw[pos + 4:pos + 8])[0]
        body = raw[pos + 8:pos + 8 + size]
        if len(body) < size:
            valid = False
        if cid == b"fmt ":
            if len(body) < 16:
                fail("%s: short fmt chunk" % path)
            tag, ch, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
            fmt = {"tag": tag, "channels": ch, "srate": rate, "bits": bits}
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if pos != len(raw) and pos - 1 != len(raw):
        valid = False
    if fmt is None or data is None:
        fail("%s: no %s chunk" % (path, "fmt" if fmt is None else "data"))
    if fmt["tag"] not in (1, 0xfffe) or fmt["channels"] < 1 or \
            not fmt["srate"]:
        fail("%s: not PCM (format %d)" % (path, fmt["tag"]))
    return fmt, data, valid


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: wavcheck.py FILE.wav\n")
        return 2
    fmt, data, valid = read_wav(sys.argv[1])
    ch, rate, bits = fmt["channels"], fmt["srate"], fmt["bits"]
    if bits != 16:
        fail("%s: %d-bit samples, only 16-bit is analysed" %
             (sys.argv[1], bits))
    align = 2 * ch
    if len(data) % align:
        valid = False
    n = len(data) // align
    samples = list(struct.unpack("<%dh" % (n * ch), data[:n * align]))[::ch]
    res = {"srate": rate, "channels": ch, "bits": bits,
           "valid_header": valid}
    res.update(tone.media_analysis(samples, rate))
    print(json.dumps(res, sort_keys=True))
    if not valid:
        sys.stderr.write("wavcheck.py: %s: the sizes in the header do not "
                         "match the file\n" % sys.argv[1])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
