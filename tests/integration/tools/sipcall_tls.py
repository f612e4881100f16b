# sipcall_tls.py: one call over SIP/TLS with a sips: Request-URI, for the
# tests (Debian's SIPp has no TLS).
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 sipcall_tls.py HOST PORT TO MEDIA_PORT [SECONDS] [KEYFILE]
#   INVITEs sips:TO@HOST:PORT without credentials, offering PCMU and
#   telephone-event at MEDIA_PORT (RTP/SAVP with an SDES key when KEYFILE
#   is given: the file gets "AES_CM_128_HMAC_SHA1_80:B64KEY" of pbxd's
#   answer, for mediaep.py --srtp-rx-file; our own key is the
#   MEDIA_KEY environment variable, its suite MEDIA_SUITE, default
#   AES_CM_128_HMAC_SHA1_80).  ACKs the 200, then waits for
#   pbxd's BYE (or sends BYE after SECONDS, default 10).  Prints the
#   final status of the INVITE and "bye" when the call ended cleanly.
#   SIP_CONTACT_PARAMS is appended to our Contact URI (";transport=tls").
import os, random, re, socket, ssl, sys, time


def read_msg(s, buf):
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    n = int(m.group(1)) if m else 0
    while len(rest) < n:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError
        rest += chunk
    return head.decode(errors="replace"), rest[:n].decode(), rest[n:]


def hdr(head, name):
    m = re.search(r"(?im)^%s:\s*(.*)$" % name, head)
    return m.group(1).strip() if m else ""


def main():
    host, port, to, mport = sys.argv[1:5]
    secs = float(sys.argv[5]) if len(sys.argv) > 5 else 10.0
    keyfile = sys.argv[6] if len(sys.argv) > 6 else None
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = socket.create_connection((host, int(port)), 5)
    tcp = os.environ.get("SIP_TCP")     # plain TCP, to compare
    if not tcp:
        s = ctx.wrap_socket(s)
    s.settimeout(secs + 5)
    lhost, lport = s.getsockname()[:2]
    callid = "%x@tls-test" % random.getrandbits(48)
    tag = "%x" % random.getrandbits(32)
    ruri = "sips:%s@%s:%s" % (to, host, port)
    proto, crypto = "RTP/AVP", ""
    if keyfile:
        proto = "RTP/SAVP"
        crypto = ("a=crypto:1 %s inline:%s\r\n"
                  % (os.environ.get("MEDIA_SUITE",
                                    "AES_CM_128_HMAC_SHA1_80"),
                     os.environ["MEDIA_KEY"]))
    sdp = ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
           "m=audio %s %s 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
           "a=rtpmap:101 telephone-event/8000\r\n%sa=sendrecv\r\n"
           % (lhost, lhost, mport, proto, crypto))
    common = ("From: <sips:tls@example.org>;tag=%s\r\n"
              "Call-ID: %s\r\nMax-Forwards: 70\r\n" % (tag, callid))
    via = "Via: SIP/2.0/TLS %s:%d;rport;branch=z9hG4bK%x\r\n"
    s.sendall(("INVITE %s SIP/2.0\r\n" % ruri + via % (
        lhost, lport, random.getrandbits(40)) + common +
        "To: <%s>\r\nCSeq: 1 INVITE\r\n"
        "Contact: <%s>\r\n"
        "Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s"
        % (ruri, ("sip:tls@%s:%d;transport=tcp" if tcp else
                  "sips:tls@%s:%d") % (lhost, lport) +
           os.environ.get("SIP_CONTACT_PARAMS", ""), len(sdp), sdp)).encode())
    buf = b""
    while True:
        head, body, buf = read_msg(s, buf)
        code = int(head.split()[1])
        if code >= 200:
            break
    print(code)
    to_hdr = hdr(head, "To")
    if code >= 300:
        return 1
    if keyfile:
        m = re.search(r"a=crypto:\d+ (\S+) inline:([^|\s]+)", body)
        if m:
            with open(keyfile + ".tmp", "w") as fh:
                fh.write("%s:%s\n" % (m.group(1), m.group(2)))
            os.rename(keyfile + ".tmp", keyfile)
    contact = re.sub(r"^.*<|>.*$", "", hdr(head, "Contact")) or ruri
    s.sendall(("ACK %s SIP/2.0\r\n" % contact + via % (
        lhost, lport, random.getrandbits(40)) + common +
        "To: %s\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
        % to_hdr).encode())
    end = time.time() + secs
    s.settimeout(0.5)
    while time.time() < end:
        try:
            head, body, buf = read_msg(s, buf)
        except socket.timeout:
            continue
        if head.startswith("BYE "):
            resp = ("SIP/2.0 200 OK\r\n%s\r\n" % "\r\n".join(
                l for l in head.split("\r\n")[1:]
                if re.match(r"(?i)(via|from|to|call-id|cseq):", l)))
            s.sendall((resp + "Content-Length: 0\r\n\r\n").encode())
            print("bye")
            return 0
    s.sendall(("BYE %s SIP/2.0\r\n" % contact + via % (
        lhost, lport, random.getrandbits(40)) + common +
        "To: %s\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"
        % to_hdr).encode())
    return 0


if __name__ == "__main__":
    sys.exit(main())
