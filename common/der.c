/*
 * Just enough DER for the tokens of HTTP Negotiate (see der.h): TLVs,
 * and the mechanism token SPNEGO carries. ntlm_header.c finds NTLMSSP
 * in it, krb5_token.c a Kerberos AP-REQ.
 */
#include <string.h>

#include "der.h"

/* The SPNEGO mechanism OID, 1.3.6.1.5.5.2, without tag and length. */
static const unsigned char	spnego_oid[] = {
	0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
};

int
der_next(struct der *d, unsigned *tag, struct der *val)
{
	size_t	len, n = 2, nb, i;

	if (d->d_len < 2 || (d->d_p[0] & 0x1f) == 0x1f)
		return -1;
	*tag = d->d_p[0];
	len = d->d_p[1];
	if (len & 0x80) {
		nb = len & 0x7f;
		if (nb == 0 || nb > 3 || d->d_len < 2 + nb)
			return -1;
		for (len = 0, i = 0; i < nb; i++)
			len = len << 8 | d->d_p[2 + i];
		n += nb;
	}
	if (len > d->d_len - n)
		return -1;
	val->d_p = d->d_p + n;
	val->d_len = len;
	d->d_p += n + len;
	d->d_len -= n + len;
	return 0;
}

int
der_expect(struct der *d, unsigned tag, struct der *val)
{
	unsigned	t;

	if (der_next(d, &t, val) == -1 || t != tag)
		return -1;
	return 0;
}

/*
 * The mechanism token of a NegTokenInit, NegTokenInit2 or NegTokenResp:
 * each keeps it in field [2] of its SEQUENCE. 1 and the token, 0 if there
 * is none, -1 if the DER is broken.
 */
static int
spnego_field2(struct der *choice, struct der *tok)
{
	struct der	seq, field;
	unsigned	tag;

	if (der_expect(choice, 0x30, &seq) == -1 || choice->d_len != 0)
		return -1;
	while (seq.d_len > 0) {
		if (der_next(&seq, &tag, &field) == -1)
			return -1;
		if (tag != 0xa2)
			continue;
		if (der_expect(&field, 0x04, tok) == -1 || field.d_len != 0)
			return -1;
		return 1;
	}
	return 0;
}

int
der_spnego_token(const unsigned char *b, size_t len, struct der *tok)
{
	struct der	d = { b, len }, outer, oid, choice;
	unsigned	tag;

	if (len == 0 || (b[0] != 0x60 && b[0] != 0xa1))
		return 0;
	if (der_next(&d, &tag, &outer) == -1 || d.d_len != 0)
		return -1;
	if (tag == 0xa1)
		return spnego_field2(&outer, tok);
	if (der_expect(&outer, 0x06, &oid) == -1)
		return -1;
	if (oid.d_len != sizeof(spnego_oid) ||
	    memcmp(oid.d_p, spnego_oid, sizeof(spnego_oid)) != 0)
		return 0;
	if (der_next(&outer, &tag, &choice) == -1 || outer.d_len != 0 ||
	    (tag != 0xa0 && tag != 0xa1))
		return -1;
	return spnego_field2(&choice, tok);
}

