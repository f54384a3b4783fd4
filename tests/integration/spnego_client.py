#!/usr/bin/env python3
# HTTP Negotiate with NTLM inside (issue 18), for t_75 and t_73: one
# keep-alive connection, GET PATH, then the handshake, and one line of
# facts for the test to match:
#   status=200 rounds=2 final=accept-completed body=<the answer's body>
#   gss     a real SPNEGO client: python3-gssapi over MIT krb5's SPNEGO with
#           gss-ntlmssp, credentials from NTLM_USER_FILE / NTLMUSER, as
#           curl --negotiate uses them; it sends Negotiate whatever the
#           401 offers, as a client configured for it does.
#   bare    NTLMSSP messages (ntlm_auth) under "Negotiate" without SPNEGO
#   counter a NegTokenInit listing Kerberos before NTLMSSP and no token:
#           the server must propose NTLMSSP (request-mic), and the NTLM
#           messages then go in NegTokenResps
#   badmic  NTLM in SPNEGO (ntlm_auth) whose last token carries a
#           mechListMIC that is not the session key's
# final= is the negState of the 200's WWW-Authenticate: Negotiate token
# (none without one); gss adds mic=verified when its context took that
# token (the server's mechListMIC checked), mic=refused, or mic=none.
#
# usage: spnego_client.py MODE HOST PATH [DOMAIN\USER:PASSWORD] [--source IP]
import argparse
import base64
import http.client
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ntlm_client  # noqa: E402  (MD4 for ntlm_auth under OpenSSL 3)

SPNEGO_OID = bytes.fromhex("06062b0601050502")
NTLM_OID = bytes.fromhex("060a2b06010401823702020a")
KRB5_OID = bytes.fromhex("06092a864886f712010202")
STATES = {0: "accept-completed", 1: "accept-incomplete", 2: "reject",
          3: "request-mic"}


def tlv(tag, v):
    n = len(v)
    if n < 0x80:
        h = bytes([tag, n])
    elif n < 0x100:
        h = bytes([tag, 0x81, n])
    else:
        h = bytes([tag, 0x82, n >> 8, n & 0xFF])
    return h + v


def read_tlv(b, i):
    """(tag, contents, next index) of the TLV at b[i]."""
    tag, n, i = b[i], b[i + 1], i + 2
    if n & 0x80:
        k = n & 0x7F
        n, i = int.from_bytes(b[i:i + k], "big"), i + k
    return tag, b[i:i + n], i + n


def neg_resp(b):
    """{field number: contents} of a NegTokenResp."""
    tag, seq, _ = read_tlv(b, 0)
    assert tag == 0xA1, "not a NegTokenResp"
    _, seq, _ = read_tlv(seq, 0)
    out, i = {}, 0
    while i < len(seq):
        tag, v, i = read_tlv(seq, i)
        out[tag & 0x1F] = read_tlv(v, 0)[1]
    return out


def client_resp(tok):
    return tlv(0xA1, tlv(0x30, tlv(0xA2, tlv(0x04, tok))))


class Conn:
    def __init__(self, a):
        self.a = a
        src = (a.source, 0) if a.source else None
        self.c = http.client.HTTPConnection("127.0.0.1", 80, timeout=15,
                                            source_address=src)

    def get(self, auth=None):
        h = {"Host": self.a.host}
        if auth is not None:
            h["Authorization"] = "Negotiate " + base64.b64encode(auth).decode()
        self.c.request("GET", self.a.path, headers=h)
        r = self.c.getresponse()
        body = r.read().decode(errors="replace").strip()
        tok = None
        for k, v in r.getheaders():
            if k.lower() == "www-authenticate" and v.startswith("Negotiate "):
                tok = base64.b64decode(v[10:])
        return r.status, tok, body


def report(status, rounds, tok, body):
    final = "none"
    if status == 200 and tok is not None:
        final = STATES.get(neg_resp(tok).get(0, b"\xff")[0], "?")
    print("status=%d rounds=%d final=%s body=%s" % (status, rounds, final,
                                                    body))
    return 0


def gss(a):
    import gssapi
    spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
    name = gssapi.Name("HTTP@" + a.host, gssapi.NameType.hostbased_service)
    ctx = gssapi.SecurityContext(name=name, mech=spnego, usage="initiate")
    c = Conn(a)
    c.get()
    tok, rounds = ctx.step(), 0
    while True:
        rounds += 1
        status, srv, body = c.get(tok)
        if status != 401 or srv is None or rounds > 3:
            break
        tok = ctx.step(srv)
    mic = "none"
    if status == 200 and srv is not None:
        try:
            ctx.step(srv)
            mic = "verified" if ctx.complete else "incomplete"
        except gssapi.exceptions.GSSError:
            mic = "refused"
    report(status, rounds, srv, body + " mic=" + mic)
    return 0


def ntlm_ctx(a):
    from ntlm_auth.ntlm import NtlmContext
    _, dom, name, pw = ntlm_client.split_user(a.user)
    return NtlmContext(name, pw, domain=dom, ntlm_compatibility=3)


def bare(a):
    ctx = ntlm_ctx(a)
    c = Conn(a)
    status, srv, body = c.get(ctx.step())
    if status != 401 or srv is None or not srv.startswith(b"NTLMSSP\0\2"):
        print("no bare NTLM challenge: status=%d token=%r" % (status, srv))
        return 1
    status, srv, body = c.get(ctx.step(srv))
    return report(status, 2, srv, body)


def counter(a):
    ctx = ntlm_ctx(a)
    c = Conn(a)
    mechs = tlv(0xA0, tlv(0x30, KRB5_OID + NTLM_OID))
    init = tlv(0x60, SPNEGO_OID + tlv(0xA0, tlv(0x30, mechs)))
    status, srv, body = c.get(init)
    f = neg_resp(srv) if srv else {}
    if status != 401 or STATES.get(f.get(0, b"\xff")[0]) != "request-mic" \
            or f.get(1) != NTLM_OID[2:] or 2 in f:
        print("no counter-proposal of NTLMSSP: status=%d fields=%r" %
              (status, f))
        return 1
    status, srv, body = c.get(client_resp(ctx.step()))
    f = neg_resp(srv) if srv else {}
    if status != 401 or not f.get(2, b"").startswith(b"NTLMSSP\0\2") \
            or 1 in f:
        print("no challenge in a NegTokenResp: status=%d fields=%r" %
              (status, f))
        return 1
    status, srv, body = c.get(client_resp(ctx.step(f[2])))
    return report(status, 3, srv, body)


def badmic(a):
    ctx = ntlm_ctx(a)
    c = Conn(a)
    mechs = tlv(0xA0, tlv(0x30, NTLM_OID))
    tok = tlv(0xA2, tlv(0x04, ctx.step()))
    init = tlv(0x60, SPNEGO_OID + tlv(0xA0, tlv(0x30, mechs + tok)))
    status, srv, body = c.get(init)
    f = neg_resp(srv) if srv else {}
    if status != 401 or not f.get(2, b"").startswith(b"NTLMSSP\0\2"):
        print("no challenge: status=%d fields=%r" % (status, f))
        return 1
    mic = tlv(0xA3, tlv(0x04, b"\x01\0\0\0" + b"\x5a" * 8 + b"\0" * 4))
    resp = tlv(0xA1, tlv(0x30, tlv(0xA2, tlv(0x04, ctx.step(f[2]))) + mic))
    status, srv, body = c.get(resp)
    return report(status, 2, srv, body)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["gss", "bare", "counter", "badmic"])
    p.add_argument("host")
    p.add_argument("path")
    p.add_argument("user", nargs="?")
    p.add_argument("--source")
    a = p.parse_args()
    try:
        return {"gss": gss, "bare": bare, "counter": counter,
                "badmic": badmic}[a.mode](a)
    except (OSError, http.client.HTTPException) as e:
        print("connection: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
