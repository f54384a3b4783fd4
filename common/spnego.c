/*
 * SPNEGO tokens of HTTP Negotiate when NTLMSSP is the mechanism (see
 * spnego.h): the client's NegTokenInit or NegTokenResp read field by
 * field in DER order, refusing anything the grammar of RFC 4178 section
 * 4.2 does not allow, and the server's NegTokenResp written in DER. The
 * worker (auth_negotiate.c) runs the parser on what a client sent; the
 * NTLM messages inside go on to the same checks as Authorization: NTLM.
 */
#include <string.h>

#include "der.h"
#include "spnego.h"

/* Contents of the OIDs, without tag and length. */
static const unsigned char	spnego_oid[] = {	/* 1.3.6.1.5.5.2 */
	0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
};
static const unsigned char	ntlm_oid[] = {	/* 1.3.6.1.4.1.311.2.2.10 */
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};
static const unsigned char	krb5_oid[] = {	/* 1.2.840.113554.1.2.2 */
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};
static const unsigned char	ms_krb5_oid[] = {	/* 1.2.840.48018.1.2.2 */
	0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02
};

/* The longest responseToken written: its DER length takes 3 bytes. */
#define SPNEGO_TOKEN_OUT_MAX	60000

static int
oid_is(const struct der *oid, const unsigned char *want, size_t len)
{
	return oid->d_len == len && memcmp(oid->d_p, want, len) == 0;
}

static enum spnego_mech
mech_of(const struct der *oid)
{
	if (oid_is(oid, ntlm_oid, sizeof(ntlm_oid)))
		return SPNEGO_MECH_NTLM;
	if (oid_is(oid, krb5_oid, sizeof(krb5_oid)) ||
	    oid_is(oid, ms_krb5_oid, sizeof(ms_krb5_oid)))
		return SPNEGO_MECH_KRB5;
	return SPNEGO_MECH_OTHER;
}

/* The one value of an explicit field [n]: tag want and nothing after. */
static int
field_value(struct der field, unsigned want, struct der *val)
{
	return der_expect(&field, want, val) == -1 || field.d_len != 0 ? -1 :
	    0;
}

/* mechTypes: SEQUENCE OF OID, 1 to SPNEGO_MECHS_MAX of them. */
static int
read_mechs(struct der field, struct spnego_token *t, const char **why)
{
	struct der	seq, oid;

	if (field_value(field, 0x30, &seq) == -1) {
		*why = "mechTypes is not a SEQUENCE";
		return -1;
	}
	if (field.d_len > SPNEGO_MECHLIST_MAX) {
		*why = "mechTypes is too long";
		return -1;
	}
	t->st_mechlist = field.d_p;
	t->st_mechlistlen = field.d_len;
	while (seq.d_len > 0) {
		if (der_expect(&seq, 0x06, &oid) == -1 || oid.d_len == 0) {
			*why = "mechTypes holds something other than an OID";
			return -1;
		}
		if (t->st_nmechs == SPNEGO_MECHS_MAX) {
			*why = "mechTypes lists too many mechanisms";
			return -1;
		}
		t->st_mechs[t->st_nmechs++] = (unsigned char)mech_of(&oid);
	}
	if (t->st_nmechs == 0) {
		*why = "mechTypes is empty";
		return -1;
	}
	return 0;
}

/* mechToken, responseToken: a non-empty OCTET STRING. */
static int
read_token(struct der field, struct spnego_token *t, const char **why)
{
	struct der	tok;

	if (field_value(field, 0x04, &tok) == -1 || tok.d_len == 0) {
		*why = "the mechanism token is not a non-empty OCTET STRING";
		return -1;
	}
	t->st_tok = tok.d_p;
	t->st_toklen = tok.d_len;
	return 0;
}

static int
read_mic(struct der field, struct spnego_token *t, const char **why)
{
	struct der	mic;

	if (field_value(field, 0x04, &mic) == -1) {
		*why = "mechListMIC is not an OCTET STRING";
		return -1;
	}
	t->st_mic = mic.d_p;
	t->st_miclen = mic.d_len;
	return 0;
}

/* reqFlags: a BIT STRING of the seven context flags (at most 5 bytes
 * with its unused-bits count, however a client pads it). */
static int
read_flags(struct der field, const char **why)
{
	struct der	bits;

	if (field_value(field, 0x03, &bits) == -1 || bits.d_len == 0 ||
	    bits.d_len > 5 || bits.d_p[0] > 7) {
		*why = "reqFlags is not a short BIT STRING";
		return -1;
	}
	return 0;
}

/* NegTokenInit ::= SEQUENCE { mechTypes [0], reqFlags [1] OPTIONAL,
 * mechToken [2] OPTIONAL, mechListMIC [3] OPTIONAL } */
static int
read_init_field(unsigned n, struct der field, struct spnego_token *t,
    const char **why)
{
	switch (n) {
	case 0:
		return read_mechs(field, t, why);
	case 1:
		return read_flags(field, why);
	case 2:
		return read_token(field, t, why);
	default:
		return read_mic(field, t, why);
	}
}

/* NegTokenResp ::= SEQUENCE { negState [0] OPTIONAL, supportedMech [1]
 * OPTIONAL, responseToken [2] OPTIONAL, mechListMIC [3] OPTIONAL } */
static int
read_resp_field(unsigned n, struct der field, struct spnego_token *t,
    const char **why)
{
	struct der	v;

	switch (n) {
	case 0:
		if (field_value(field, 0x0a, &v) == -1 || v.d_len != 1 ||
		    v.d_p[0] > SPNEGO_REQUEST_MIC) {
			*why = "negState is not one of the four states";
			return -1;
		}
		t->st_state = v.d_p[0];
		return 0;
	case 1:
		if (field_value(field, 0x06, &v) == -1 || v.d_len == 0) {
			*why = "supportedMech is not an OID";
			return -1;
		}
		t->st_supported = (int)mech_of(&v);
		return 0;
	case 2:
		return read_token(field, t, why);
	default:
		return read_mic(field, t, why);
	}
}

/* The SEQUENCE of either choice: fields [0]..[3], each at most once and
 * in order; NegTokenInit must list its mechanisms. */
static int
read_choice(struct der choice, struct spnego_token *t, const char **why)
{
	struct der	seq, field;
	unsigned	tag, n, next = 0;

	if (der_expect(&choice, 0x30, &seq) == -1 || choice.d_len != 0) {
		*why = "not a SEQUENCE, or bytes after it";
		return -1;
	}
	while (seq.d_len > 0) {
		if (der_next(&seq, &tag, &field) == -1) {
			*why = "broken DER inside the SEQUENCE";
			return -1;
		}
		n = tag & 0x1f;
		if ((tag & 0xe0) != 0xa0 || n > 3 || n < next) {
			*why = "a field that is unknown, repeated or out of "
			    "order";
			return -1;
		}
		next = n + 1;
		if ((t->st_init ? read_init_field(n, field, t, why) :
		    read_resp_field(n, field, t, why)) == -1)
			return -1;
	}
	if (t->st_init && t->st_nmechs == 0) {
		*why = "a NegTokenInit without mechTypes";
		return -1;
	}
	return 0;
}

int
spnego_parse(const unsigned char *b, size_t len, struct spnego_token *t,
    const char **why)
{
	struct der	d = { b, len }, outer, oid, choice;
	unsigned	tag;

	memset(t, 0, sizeof(*t));
	t->st_state = -1;
	t->st_supported = -1;
	if (len == 0 || (b[0] != 0x60 && b[0] != 0xa1))
		return 0;
	if (der_next(&d, &tag, &outer) == -1 || d.d_len != 0) {
		*why = "broken DER, or bytes after the token";
		return -1;
	}
	if (tag == 0xa1)
		return read_choice(outer, t, why) == -1 ? -1 : 1;
	if (der_expect(&outer, 0x06, &oid) == -1) {
		*why = "a GSS-API token without its mechanism OID";
		return -1;
	}
	if (!oid_is(&oid, spnego_oid, sizeof(spnego_oid)))
		return 0;
	t->st_init = 1;
	if (der_expect(&outer, 0xa0, &choice) == -1 || outer.d_len != 0) {
		*why = "the initial SPNEGO token holds no NegTokenInit";
		return -1;
	}
	return read_choice(choice, t, why) == -1 ? -1 : 1;
}

/* DER tag and definite length of n content bytes at out: the header's
 * size (at most 4). */
static size_t
put_header(unsigned char *out, unsigned tag, size_t n)
{
	out[0] = (unsigned char)tag;
	if (n < 0x80) {
		out[1] = (unsigned char)n;
		return 2;
	}
	if (n < 0x100) {
		out[1] = 0x81;
		out[2] = (unsigned char)n;
		return 3;
	}
	out[1] = 0x82;
	out[2] = (unsigned char)(n >> 8);
	out[3] = (unsigned char)n;
	return 4;
}

static size_t
header_len(size_t n)
{
	return n < 0x80 ? 2 : n < 0x100 ? 3 : 4;
}

int
spnego_encode_resp(enum spnego_state state, int with_mech,
    const unsigned char *tok, size_t toklen, const unsigned char *mic,
    size_t miclen, unsigned char *out, size_t outlen)
{
	size_t	f_state = 5, f_mech = 0, f_tok = 0, f_mic = 0, seq, total;
	size_t	o = 0;

	if (with_mech)
		f_mech = 2 + 2 + sizeof(ntlm_oid);
	if (tok != NULL) {
		if (toklen > SPNEGO_TOKEN_OUT_MAX)
			return -1;
		f_tok = header_len(header_len(toklen) + toklen) +
		    header_len(toklen) + toklen;
	}
	if (mic != NULL) {
		if (miclen >= 0x80 - 2)
			return -1;
		f_mic = 2 + 2 + miclen;
	}
	seq = f_state + f_mech + f_tok + f_mic;
	total = header_len(header_len(seq) + seq) + header_len(seq) + seq;
	if (total > outlen)
		return -1;
	o += put_header(out + o, 0xa1, header_len(seq) + seq);
	o += put_header(out + o, 0x30, seq);
	o += put_header(out + o, 0xa0, 3);
	o += put_header(out + o, 0x0a, 1);
	out[o++] = (unsigned char)state;
	if (with_mech) {
		o += put_header(out + o, 0xa1, 2 + sizeof(ntlm_oid));
		o += put_header(out + o, 0x06, sizeof(ntlm_oid));
		memcpy(out + o, ntlm_oid, sizeof(ntlm_oid));
		o += sizeof(ntlm_oid);
	}
	if (tok != NULL) {
		o += put_header(out + o, 0xa2, header_len(toklen) + toklen);
		o += put_header(out + o, 0x04, toklen);
		memcpy(out + o, tok, toklen);
		o += toklen;
	}
	if (mic != NULL) {
		o += put_header(out + o, 0xa3, 2 + miclen);
		o += put_header(out + o, 0x04, miclen);
		memcpy(out + o, mic, miclen);
		o += miclen;
	}
	return (int)o;
}
