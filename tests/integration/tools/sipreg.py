# sipreg.py: a minimal SIP REGISTER client with digest auth, for tests.
# SPDX-License-Identifier: BSD-3-Clause
#
# usage: python3 sipreg.py udp|tcp|tls HOST PORT USER PASSWORD [EXPIRES]
# Prints the final status code (and the 200's Contact lines) and exits 0
# when it is 200.  SIPREG_RETRANS=1: the REGISTER that got the 200 is
# sent again as is, and the answer printed ("retransmission: 200").  Used where SIPp lacks a transport (TLS in Debian's
# build) or a test needs full control of the Authorization header.
import hashlib, os, random, socket, ssl, sys, time


def digest(chal, user, pw, method, uri):
    p = {}
    for part in chal.split(' ', 1)[1].split(','):
        k, _, v = part.strip().partition('=')
        p[k.lower()] = v.strip('"')
    alg = p.get('algorithm', 'MD5').upper()
    h = (lambda s: hashlib.sha256(s.encode()).hexdigest()) \
        if alg == 'SHA-256' else (lambda s: hashlib.md5(s.encode()).hexdigest())
    ha1 = h('%s:%s:%s' % (user, p['realm'], pw))
    ha2 = h('%s:%s' % (method, uri))
    cnonce = '%08x' % random.getrandbits(32)
    resp = h('%s:%s:00000001:%s:auth:%s' % (ha1, p['nonce'], cnonce, ha2))
    return ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
            'response="%s", algorithm=%s, qop=auth, nc=00000001, '
            'cnonce="%s"' % (user, p['realm'], p['nonce'], uri, resp, alg,
                             cnonce))


def answer(s):
    """The next answer on socket s, or None when its timeout passes."""
    try:
        return s.recv(65536).decode(errors='replace')
    except socket.timeout:
        return None


def main():
    tp, host, port, user, pw = sys.argv[1:6]
    expires = sys.argv[6] if len(sys.argv) > 6 else '600'
    port = int(port)
    if tp == 'udp':
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # SIPREG_LPORT: register from (and as) the port another program
        # (a SIPp UAS) will listen on afterwards
        lp = int(os.environ.get('SIPREG_LPORT', '0'))
        if lp:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, lp))
        s.connect((host, port))
    else:
        s = socket.create_connection((host, port), timeout=5)
        if tp == 'tls':
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
    s.settimeout(5)
    lhost, lport = s.getsockname()[:2]
    callid = '%x@test' % random.getrandbits(48)
    uri = 'sip:%s:%d' % (host, port)
    auth = None
    for cseq in (1, 2):
        hdr = ('REGISTER %s;transport=%s SIP/2.0\r\n'
               'Via: SIP/2.0/%s %s:%d;rport;branch=z9hG4bK%x\r\n'
               'Max-Forwards: 70\r\n'
               'From: <sip:%s@%s>;tag=%x\r\nTo: <sip:%s@%s>\r\n'
               'Call-ID: %s\r\nCSeq: %d REGISTER\r\n'
               'Contact: <sip:%s@%s:%d;transport=%s>\r\n'
               'Expires: %s\r\nUser-Agent: sipreg.py\r\n'
               % (uri, tp, tp.upper(), lhost, lport,
                  random.getrandbits(40), user, host,
                  random.getrandbits(32), user, host, callid, cseq, user,
                  lhost, lport, tp, expires))
        if auth:
            hdr += 'Authorization: %s\r\n' % auth
        sent = (hdr + 'Content-Length: 0\r\n\r\n').encode()
        s.sendall(sent)
        data = answer(s)
        if data is None:
            print('timeout')
            return 1
        code = int(data.split(' ', 2)[1])
        if code == 401 and not auth:
            chal = [l.split(':', 1)[1].strip() for l in data.split('\r\n')
                    if l.lower().startswith('www-authenticate:')][0]
            auth = digest(chal, user, pw, 'REGISTER', uri + ';transport=' + tp)
            # SIPREG_DELAY: wait before answering (lets the nonce go stale)
            time.sleep(float(os.environ.get('SIPREG_DELAY', '0')))
            continue
        print(code)
        mine = '%s:%d;' % (lhost, lport)
        for l in data.split('\r\n'):
            if l.lower().split(':')[0] in ('contact', 'www-authenticate'):
                print(l)
                if mine in l and 'expires=' in l:
                    print('granted: ' + l.rsplit('expires=', 1)[1])
        # SIPREG_RETRANS: send the last REGISTER again, byte for byte (a
        # retransmission, as if the 200 had been lost)
        if code == 200 and os.environ.get('SIPREG_RETRANS'):
            s.sendall(sent)
            data = answer(s)
            if data is None:
                print('retransmission: timeout')
                return 1
            print('retransmission: ' + data.split(' ', 2)[1])
        return 0 if code == 200 else 1
    return 1


sys.exit(main())
