/*
 * The encrypted authenticator of a Kerberos AP-REQ inside an HTTP
 * Negotiate token (see krb5_token.h): SPNEGO's mechanism token, or the
 * token itself, is a GSS initial context token ([APPLICATION 0], the
 * Kerberos OID, TOK_ID 01 00) around the AP-REQ ([APPLICATION 14]), whose
 * field [4] is the authenticator, an EncryptedData whose field [2] is
 * the cipher text. Its bytes cannot change without breaking decryption,
 * so however a replayed token is re-wrapped, they are the same.
 */
#include <string.h>

#include "der.h"
#include "krb5_token.h"

/* 1.2.840.113554.1.2.2 (RFC 4121) and Microsoft's 1.2.840.48018.1.2.2. */
static const unsigned char	krb5_oid[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};
static const unsigned char	ms_krb5_oid[] = {
	0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02
};

/* Field [n] (context, constructed) of a SEQUENCE's contents. */
static int
seq_field(struct der seq, unsigned n, struct der *val)
{
	struct der	f;
	unsigned	tag;

	while (seq.d_len > 0) {
		if (der_next(&seq, &tag, &f) == -1)
			return -1;
		if (tag == (0xa0 | n)) {
			*val = f;
			return 0;
		}
	}
	return -1;
}

/* The AP-REQ's authenticator cipher text; -1 if malformed. */
static int
apreq_authenticator(struct der apreq, struct der *cipher)
{
	struct der	outer, seq, field, enc;

	if (der_expect(&apreq, 0x6e, &outer) == -1 || apreq.d_len != 0 ||
	    der_expect(&outer, 0x30, &seq) == -1 ||
	    seq_field(seq, 4, &field) == -1 ||
	    der_expect(&field, 0x30, &enc) == -1 ||
	    seq_field(enc, 2, &field) == -1 ||
	    der_expect(&field, 0x04, cipher) == -1 || cipher->d_len == 0)
		return -1;
	return 0;
}

int
krb5_token_authenticator(const unsigned char *b, size_t len,
    const unsigned char **cipher, size_t *cipherlen)
{
	struct der	d = { b, len }, tok, inner, oid, c;
	unsigned	tag;
	int		r;

	if ((r = der_spnego_token(b, len, &tok)) == -1)
		return -1;
	if (r == 1)
		d = tok;
	if (d.d_len == 0 || d.d_p[0] != 0x60)
		return 0;
	if (der_next(&d, &tag, &inner) == -1 || d.d_len != 0 ||
	    der_expect(&inner, 0x06, &oid) == -1)
		return -1;
	if (!(oid.d_len == sizeof(krb5_oid) &&
	    (memcmp(oid.d_p, krb5_oid, sizeof(krb5_oid)) == 0 ||
	    memcmp(oid.d_p, ms_krb5_oid, sizeof(ms_krb5_oid)) == 0)))
		return 0;
	/* TOK_ID 01 00: KRB_AP_REQ (RFC 4121 4.1) */
	if (inner.d_len < 2 || inner.d_p[0] != 0x01 || inner.d_p[1] != 0x00)
		return 0;
	inner.d_p += 2;
	inner.d_len -= 2;
	if (apreq_authenticator(inner, &c) == -1)
		return -1;
	*cipher = c.d_p;
	*cipherlen = c.d_len;
	return 1;
}
