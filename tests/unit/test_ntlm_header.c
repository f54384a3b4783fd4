/*
 * Unit tests for NTLM in HTTP field values (ntlm_header.c): the scheme
 * lists of challenges, and the NTLMSSP type of tokens, raw, wrapped in
 * SPNEGO by hand-built DER, Kerberos-like and broken.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "ntlm.h"
#include "unit.h"

#define T(s)	(s), strlen(s)

/* OIDs without tag and length: SPNEGO's, NTLMSSP's, Kerberos 5's. */
static const unsigned char	oid_spnego[] = {
	0x2b, 0x06, 0x01, 0x05, 0x05, 0x02
};
static const unsigned char	oid_ntlm[] = {
	0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
};
static const unsigned char	oid_krb5[] = {
	0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};

/* Appends a DER TLV to out at *n. */
static void
tlv(unsigned char *out, size_t *n, unsigned tag, const unsigned char *c,
    size_t len)
{
	out[(*n)++] = (unsigned char)tag;
	if (len >= 256) {
		out[(*n)++] = 0x82;
		out[(*n)++] = (unsigned char)(len >> 8);
	} else if (len >= 128)
		out[(*n)++] = 0x81;
	out[(*n)++] = len & 0xff;
	memcpy(out + *n, c, len);
	*n += len;
}

/* An NTLM NEGOTIATE message of the kind curl sends. */
static size_t
type1(unsigned char *m)
{
	memset(m, 0, 32);
	memcpy(m, "NTLMSSP", 8);
	m[8] = 1;
	m[12] = 0x06;
	m[13] = 0x82;
	m[14] = 0x08;
	return 32;
}

static size_t
type2(unsigned char *m, size_t len)
{
	struct ntlm_challenge	c = {
		.nc_client_flags = NTLM_NEGOTIATE_UNICODE,
		.nc_nb_domain = "EXAMPLE",
		.nc_nb_computer = "PROXY",
	};
	int			r;

	ck_assert_int_gt(r = ntlm_build_challenge(&c, m, len), 0);
	return (size_t)r;
}

/* A header-only AUTHENTICATE: enough for its type, longer than 127. */
static size_t
type3(unsigned char *m)
{
	memset(m, 0, 300);
	memcpy(m, "NTLMSSP", 8);
	m[8] = 3;
	return 300;
}

/* A NegTokenInit (GSS-framed) offering NTLM, carrying tok. */
static size_t
spnego_init(const unsigned char *tok, size_t len, unsigned char *out)
{
	unsigned char	a[1024], b[1024], c[1024];
	size_t		na = 0, nb = 0, nc = 0, n = 0;

	tlv(a, &na, 0x06, oid_ntlm, sizeof(oid_ntlm));
	tlv(b, &nb, 0x30, a, na);
	na = 0;
	tlv(a, &na, 0xa0, b, nb);		/* mechTypes */
	nb = 0;
	tlv(b, &nb, 0x04, tok, len);
	tlv(a, &na, 0xa2, b, nb);		/* mechToken */
	nb = 0;
	tlv(b, &nb, 0x30, a, na);
	tlv(c, &nc, 0x06, oid_spnego, sizeof(oid_spnego));
	tlv(c, &nc, 0xa0, b, nb);
	tlv(out, &n, 0x60, c, nc);
	return n;
}

/* A NegTokenResp: negState, supportedMech NTLM, then tok if any. */
static size_t
spnego_resp(const unsigned char *tok, size_t len, unsigned char *out)
{
	static const unsigned char	state[] = { 0x0a, 0x01, 0x01 };
	unsigned char			a[1024], b[1024];
	size_t				na = 0, nb = 0, n = 0;

	tlv(a, &na, 0xa0, state, sizeof(state));
	tlv(b, &nb, 0x06, oid_ntlm, sizeof(oid_ntlm));
	tlv(a, &na, 0xa1, b, nb);
	if (tok != NULL) {
		nb = 0;
		tlv(b, &nb, 0x04, tok, len);
		tlv(a, &na, 0xa2, b, nb);
	}
	nb = 0;
	tlv(b, &nb, 0x30, a, na);
	tlv(out, &n, 0xa1, b, nb);
	return n;
}

/* A Kerberos initial token: the krb5 OID, TOK_ID, an AP-REQ stub. */
static size_t
krb5_token(unsigned char *out)
{
	static const unsigned char	apreq[] = {
		0x01, 0x00, 0x6e, 0x03, 0x02, 0x01, 0x05
	};
	unsigned char			a[64];
	size_t				na = 0, n = 0;

	tlv(a, &na, 0x06, oid_krb5, sizeof(oid_krb5));
	memcpy(a + na, apreq, sizeof(apreq));
	na += sizeof(apreq);
	tlv(out, &n, 0x60, a, na);
	return n;
}

/* "scheme base64(m)" */
static char *
value(const char *scheme, const unsigned char *m, size_t len)
{
	static char	v[4096];
	size_t		n, used;

	n = (size_t)snprintf(v, sizeof(v), "%s ", scheme);
	ck_assert_int_eq(base64_encode(m, len, v + n, sizeof(v) - n, &used),
	    0);
	return v;
}

static int
type_of(const char *scheme, const unsigned char *m, size_t len)
{
	const char	*v = value(scheme, m, len);

	return ntlm_header_type(v, strlen(v));
}

START_TEST(test_raw_ntlm)
{
	unsigned char	m[1024];
	char		*v, buf[4200];
	size_t		n;

	n = type1(m);
	ck_assert_int_eq(type_of("NTLM", m, n), 1);
	ck_assert_int_eq(type_of("ntlm", m, n), 1);
	n = type2(m, sizeof(m));
	ck_assert_int_eq(type_of("NTLM", m, n), 2);
	n = type3(m);
	ck_assert_int_eq(type_of("NTLM", m, n), 3);
	/* Windows may send raw NTLMSSP under Negotiate. */
	ck_assert_int_eq(type_of("Negotiate", m, n), 3);
	ck_assert_int_eq(type_of("Proxy-Junk", m, n), 0);

	/* Whitespace around, tabs between. */
	v = value("NTLM", m, type1(m));
	snprintf(buf, sizeof(buf), " \t%s \t", v);
	ck_assert_int_eq(ntlm_header_type(T(buf)), 1);
	snprintf(buf, sizeof(buf), "NTLM\t \t%s", v + 5);
	ck_assert_int_eq(ntlm_header_type(T(buf)), 1);
	/* A token in the second challenge of a list. */
	v = value("NTLM", m, type2(m, sizeof(m)));
	snprintf(buf, sizeof(buf), "Basic realm=\"a,b\", %s", v);
	ck_assert_int_eq(ntlm_header_type(T(buf)), 2);
	snprintf(buf, sizeof(buf), "%s, Basic realm=\"x\"", v);
	ck_assert_int_eq(ntlm_header_type(T(buf)), 2);
	/* Not one inside a quoted string. */
	snprintf(buf, sizeof(buf), "Basic realm=\"a, %s\"", v);
	ck_assert_int_eq(ntlm_header_type(T(buf)), 0);
	/* The length given is what counts, not a NUL. */
	ck_assert_int_eq(ntlm_header_type(buf, 4), 0);
}
END_TEST

START_TEST(test_no_token)
{
	ck_assert_int_eq(ntlm_header_type(T("")), 0);
	ck_assert_int_eq(ntlm_header_type(T("NTLM")), 0);
	ck_assert_int_eq(ntlm_header_type(T("  Negotiate  ")), 0);
	ck_assert_int_eq(ntlm_header_type(T("Negotiate, NTLM")), 0);
	ck_assert_int_eq(ntlm_header_type(T("Basic dXNlcjpwYXNz")), 0);
	ck_assert_int_eq(ntlm_header_type(T("Bearer abc.def")), 0);
	/* Base64 that is not NTLMSSP nor SPNEGO. */
	ck_assert_int_eq(ntlm_header_type(T("NTLM dXNlcjpwYXNz")), 0);
}
END_TEST

START_TEST(test_spnego)
{
	unsigned char		 m[1024], s[2048], buf[NTLM_MSG_MAX];
	const unsigned char	*msg;
	size_t			 n, sn, msglen;
	const char		*v;

	n = type1(m);
	sn = spnego_init(m, n, s);
	ck_assert_int_eq(type_of("Negotiate", s, sn), 1);
	ck_assert_int_eq(type_of("NEGOTIATE", s, sn), 1);
	ck_assert_int_eq(type_of("Nego2", s, sn), 1);
	/* The message itself, found inside the token. */
	v = value("Negotiate", s, sn);
	ck_assert_int_eq(ntlm_header_token(v, strlen(v), buf, sizeof(buf),
	    &msg, &msglen), 1);
	ck_assert_uint_eq(msglen, n);
	ck_assert_mem_eq(msg, m, n);

	n = type2(m, sizeof(m));
	sn = spnego_resp(m, n, s);
	ck_assert_int_eq(type_of("Negotiate", s, sn), 2);
	n = type3(m);
	sn = spnego_resp(m, n, s);		/* long-form DER lengths */
	ck_assert_int_eq(type_of("Negotiate", s, sn), 3);
	v = value("Negotiate", s, sn);
	ck_assert_int_eq(ntlm_header_token(v, strlen(v), buf, sizeof(buf),
	    &msg, &msglen), 3);
	ck_assert_uint_eq(msglen, n);
	ck_assert_mem_eq(msg, m, n);
	/* The server's last word: accept-completed, no token. */
	sn = spnego_resp(NULL, 0, s);
	ck_assert_int_eq(type_of("Negotiate", s, sn), 0);

	/* Kerberos, raw and inside SPNEGO. */
	n = krb5_token(m);
	ck_assert_int_eq(type_of("Negotiate", m, n), 0);
	ck_assert_int_eq(type_of("Kerberos", m, n), 0);
	sn = spnego_init(m, n, s);
	ck_assert_int_eq(type_of("Negotiate", s, sn), 0);
}
END_TEST

/* Recorded: curl --negotiate with gss-ntlmssp, curl --ntlm. */
START_TEST(test_real_clients)
{
	ck_assert_int_eq(ntlm_header_type(T("Negotiate YEgGBisGAQUFAqA+MDyg"
	    "DjAMBgorBgEEAYI3AgIKoioEKE5UTE1TU1AAAQAAABeCCOIAAAAAAAAAAAAAAAAA"
	    "AAAABgIAAAAAAA8=")), 1);
	ck_assert_int_eq(ntlm_header_type(T("NTLM TlRMTVNTUAABAAAABoIIAAAAAAA"
	    "AAAAAAAAAAAAAAAAA")), 1);
	/* Our NegTokenResp around a type 2, as the server sent it. */
	ck_assert_int_eq(ntlm_header_type(T("Negotiate oYIA1TCCANGgAwoBAaEM"
	    "BgorBgEEAYI3AgIKooIAugSCALZOVExNU1NQAAIAAAAOAA4AOAAAABWCieJ2J+BZ"
	    "1WGIpgAAAAAAAAAAcABwAEYAAAAKAGNFAAAAD0UAWABBAE0AUABMAEUAAgAOAEUA"
	    "WABBAE0AUABMAEUAAQAKAFAAUgBPAFgAWQAEABYAZQB4AGEAbQBwAGwAZQAuAGMA"
	    "bwBtAAMAIgBwAHIAbwB4AHkALgBlAHgAYQBtAHAAbABlAC4AYwBvAG0ABwAIAAD4"
	    "KAFGfN0BAAAAAA==")), 2);
}
END_TEST

START_TEST(test_malformed)
{
	unsigned char	m[1024], s[2048];
	char		*big;
	size_t		n, sn;

	ck_assert_int_eq(ntlm_header_type(T("NTLM abc$")), -1);
	ck_assert_int_eq(ntlm_header_type(T("NTLM TlRMTVNTUAAB=AAA")), -1);
	ck_assert_int_eq(ntlm_header_type(T("NTLM A")), -1);
	ck_assert_int_eq(ntlm_header_type(T("Negotiate a b")), -1);
	ck_assert_int_eq(ntlm_header_type(T("Negotiate realm=\"x\"")), -1);
	/* NTLMSSP too short for a type, or of an unknown type. */
	ck_assert_int_eq(type_of("NTLM", (const unsigned char *)"NTLMSSP",
	    8), -1);
	n = type1(m);
	m[8] = 4;
	ck_assert_int_eq(type_of("NTLM", m, n), -1);
	m[8] = 0;
	ck_assert_int_eq(type_of("NTLM", m, n), -1);

	/* Broken DER: cut short, a length beyond the end, a wrong tag. */
	n = type1(m);
	sn = spnego_init(m, n, s);
	ck_assert_int_eq(type_of("Negotiate", s, sn - 1), -1);
	s[1] += 1;
	ck_assert_int_eq(type_of("Negotiate", s, sn), -1);
	s[1] -= 1;
	s[sn - n - 2] = 0x05;			/* OCTET STRING -> NULL */
	ck_assert_int_eq(type_of("Negotiate", s, sn), -1);
	sn = spnego_resp(m, n, s);
	s[0] = 0xa1;
	s[1] = 0x84;				/* a 4-byte length */
	ck_assert_int_eq(type_of("Negotiate", s, sn), -1);
	s[1] = 0x80;				/* indefinite */
	ck_assert_int_eq(type_of("Negotiate", s, sn), -1);

	/* NTLM_TOKEN_MAX characters are read, one group more is not. */
	ck_assert_ptr_nonnull(big = malloc(NTLM_TOKEN_MAX + 16));
	memcpy(big, "NTLM ", 5);
	memset(big + 5, 'A', NTLM_TOKEN_MAX + 4);
	ck_assert_int_eq(ntlm_header_type(big, 5 + NTLM_TOKEN_MAX), 0);
	ck_assert_int_eq(ntlm_header_type(big, 5 + NTLM_TOKEN_MAX + 4), -1);
	free(big);
}
END_TEST

START_TEST(test_connection_bound)
{
	static const struct {
		const char	*v;
		int		 bound;
	} c[] = {
		{ "NTLM", 1 },
		{ "ntlm TlRMTVNTUAACAAAA", 1 },
		{ "Negotiate", 1 },
		{ "Nego2", 1 },
		{ " \tkerberos ", 1 },
		{ "Basic realm=\"a,b\", NTLM", 1 },
		{ "Basic realm=\"a,b\",NTLM", 1 },
		{ "Negotiate, NTLM", 1 },
		{ "Basic realm=\"x\", charset=\"UTF-8\", Negotiate", 1 },
		{ "Digest realm=\"x\", qop=\"auth\", nonce=\"n\", NTLM", 1 },
		{ "Bearer realm = \"x\" , Nego2 abc=", 1 },
		{ "", 0 },
		{ "Basic", 0 },
		{ "Basic realm=\"x\"", 0 },
		{ "Basic realm=\"a, NTLM\"", 0 },
		{ "Basic realm=\"a, NTLM b\"", 0 },
		{ "Basic realm=\"a\\\", NTLM b\"", 0 },
		{ "Basic realm=\"a\\\\\", NTLM b", 1 },
		{ "Basic realm=\"a\\\", NTLM\"", 0 },
		{ "Basic realm=NTLM", 0 },
		{ "Basic ntlm=1", 0 },
		{ "Basic realm=\"x\", ntlm=1", 0 },
		{ "Basic realm = \"x\", ntlm = 1", 0 },
		{ "NTLMv2", 0 },
		{ "NTL", 0 },
		{ "Negotiate2", 0 },
		{ "Bearer, Digest realm=\"x\"", 0 },
		{ "\"NTLM\"", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		ck_assert_msg(ntlm_challenge_is_connection_bound(T(c[i].v)) ==
		    c[i].bound, "challenge \"%s\"", c[i].v);
	ck_assert_int_eq(ntlm_credentials_is_connection_bound(T("NTLM xx")),
	    1);
	ck_assert_int_eq(ntlm_credentials_is_connection_bound(
	    T("  negotiate YIIB")), 1);
	ck_assert_int_eq(ntlm_credentials_is_connection_bound(
	    T("Basic dXNlcjpwYXNz")), 0);
	ck_assert_int_eq(ntlm_credentials_is_connection_bound(T("")), 0);
	/* Credentials name one scheme, first. */
	ck_assert_int_eq(ntlm_credentials_is_connection_bound(
	    T("Basic x, NTLM")), 0);
	ck_assert_int_eq(ntlm_scheme_is_connection_bound(T("KERBEROS")), 1);
	ck_assert_int_eq(ntlm_scheme_is_connection_bound("NTLM", 3), 0);
	ck_assert_int_eq(ntlm_scheme_is_connection_bound(T("NTLM ")), 0);
}
END_TEST

Suite *
suite_ntlm_header(void)
{
	Suite	*s = suite_create("ntlm_header");
	TCase	*tc = tcase_create("values");

	tcase_add_test(tc, test_raw_ntlm);
	tcase_add_test(tc, test_no_token);
	tcase_add_test(tc, test_spnego);
	tcase_add_test(tc, test_real_clients);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_connection_bound);
	suite_add_tcase(s, tc);
	return s;
}
