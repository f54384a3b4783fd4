#!/usr/bin/env python3
# A Kerberos client that wants mutual authentication (t_73): SPNEGO with
# GSS_C_MUTUAL_FLAG through python3-gssapi, with the ticket cache of
# KRB5CCNAME. It sends GET path with Authorization: Negotiate, hands the
# WWW-Authenticate: Negotiate token of the answer to its context (which
# checks the AP-REP against the session key), then asks once more on the
# same connection. Prints one line per fact, for the test to match:
#   status=200 negstate=accept-completed mutual=verified second=200
#   second_www_authenticate=none
# With --tamper, one byte of the server's token is changed before the
# check, which must then fail (mutual=refused).
#
# usage: negotiate_client.py [--tamper] SOURCE_IP HOST PATH
import base64
import http.client
import socket
import sys

import gssapi

SPNEGO = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")


def der_len(b, i):
    """The length at b[i] and the index after it."""
    n = b[i]
    if n < 0x80:
        return n, i + 1
    k = n & 0x7F
    return int.from_bytes(b[i + 1:i + 1 + k], "big"), i + 1 + k


def neg_state(tok):
    """negState of a SPNEGO NegTokenResp ([1] { SEQUENCE { [0] ENUM } })."""
    names = {0: "accept-completed", 1: "accept-incomplete", 2: "reject",
             3: "request-mic"}
    if len(tok) < 2 or tok[0] != 0xA1:
        return "not-a-NegTokenResp"
    _, i = der_len(tok, 1)
    if tok[i] != 0x30:
        return "not-a-NegTokenResp"
    _, i = der_len(tok, i + 1)
    if tok[i] != 0xA0:
        return "no-negState"
    _, i = der_len(tok, i + 1)
    if tok[i] != 0x0A or tok[i + 1] != 1:
        return "no-negState"
    return names.get(tok[i + 2], "unknown")


def negotiate_token(resp):
    for name, value in resp.getheaders():
        if name.lower() == "www-authenticate" and \
                value.lower().startswith("negotiate "):
            return base64.b64decode(value[10:].strip())
    return None


def main():
    args = sys.argv[1:]
    tamper = args and args[0] == "--tamper"
    if tamper:
        args = args[1:]
    src, host, path = args
    ctx = gssapi.SecurityContext(
        name=gssapi.Name("HTTP@" + host,
                         gssapi.NameType.hostbased_service),
        mech=SPNEGO, usage="initiate",
        flags=gssapi.RequirementFlag.mutual_authentication)
    first = ctx.step()
    conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=15,
                                      source_address=(src, 0))
    conn.request("GET", path, headers={
        "Host": host,
        "Authorization": "Negotiate " + base64.b64encode(first).decode()})
    resp = conn.getresponse()
    resp.read()
    out = ["status=%d" % resp.status]
    tok = negotiate_token(resp)
    if tok is None:
        out.append("negstate=none mutual=none")
    else:
        out.append("negstate=" + neg_state(tok))
        if tamper:
            tok = bytearray(tok)
            tok[-8] ^= 0x55
            tok = bytes(tok)
        try:
            ctx.step(tok)
            out.append("mutual=verified" if ctx.complete and
                       ctx.actual_flags &
                       gssapi.RequirementFlag.mutual_authentication
                       else "mutual=incomplete")
        except gssapi.exceptions.GSSError as e:
            out.append("mutual=refused (%s)" %
                       str(e).replace("\n", " ")[:120])
    # The connection is logged in: a second request, no new token.
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        resp.read()
        out.append("second=%d" % resp.status)
        out.append("second_www_authenticate=" +
                   ("none" if resp.getheader("WWW-Authenticate") is None
                    else "present"))
    except (OSError, http.client.HTTPException) as e:
        out.append("second=failed (%s)" % e)
    print(" ".join(out))
    conn.close()


if __name__ == "__main__":
    try:
        main()
    except (OSError, socket.error, gssapi.exceptions.GSSError) as e:
        print("error: %s" % str(e).replace("\n", " "))
        sys.exit(1)
