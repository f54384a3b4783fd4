#!/usr/bin/env python3
"""Writes a DER OCSP response with chosen dates, for t_68_ocsp.sh: the
cases `openssl ocsp` cannot make (a nextUpdate in the past or minutes
away). Usage:
  ocsp_response.py OUT CERT ISSUER SIGNER_CERT SIGNER_KEY STATUS FROM TO
STATUS is good or revoked; FROM and TO are thisUpdate and nextUpdate in
seconds from now (negative: in the past). The signer's certificate goes
into the response (a delegated responder is found there)."""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def main():
    out, cert, issuer, signer, key, status, frm, to = sys.argv[1:9]
    cert, issuer, signer = load_cert(cert), load_cert(issuer), load_cert(signer)
    with open(key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    now = datetime.datetime.utcnow().replace(microsecond=0)
    this = now + datetime.timedelta(seconds=int(frm))
    nxt = now + datetime.timedelta(seconds=int(to))
    revoked = status == "revoked"
    b = ocsp.OCSPResponseBuilder().add_response(
        cert=cert, issuer=issuer, algorithm=hashes.SHA1(),
        cert_status=ocsp.OCSPCertStatus.REVOKED if revoked
        else ocsp.OCSPCertStatus.GOOD,
        this_update=this, next_update=nxt,
        revocation_time=this - datetime.timedelta(days=1) if revoked
        else None,
        revocation_reason=None)
    b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, signer)
    b = b.certificates([signer])
    resp = b.sign(key, hashes.SHA256())
    with open(out, "wb") as f:
        f.write(resp.public_bytes(serialization.Encoding.DER))


if __name__ == "__main__":
    main()
