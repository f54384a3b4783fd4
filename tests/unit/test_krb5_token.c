/*
 * Unit tests for the Kerberos side of HTTP Negotiate: the authenticator
 * of an AP-REQ found inside SPNEGO or alone (common/krb5_token.c), the
 * same whatever the wrapping, and the master's replay cache of them
 * (master/negotiate_replay.c).
 */
#include <string.h>

#include "krb5_token.h"
#include "negotiate_replay.h"
#include "unit.h"

/* A TLV of tag around the len bytes of v, at out; its length. */
static size_t
tlv(unsigned char *out, unsigned tag, const unsigned char *v, size_t len)
{
	size_t	n = 0;

	out[n++] = (unsigned char)tag;
	if (len < 128)
		out[n++] = (unsigned char)len;
	else {
		out[n++] = 0x82;
		out[n++] = (unsigned char)(len >> 8);
		out[n++] = (unsigned char)len;
	}
	memmove(out + n, v, len);
	return n + len;
}

static const unsigned char	cipher[] = "authenticator-cipher-text";
static const unsigned char	krb5_oid[] = {
	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
};

/* A GSS initial context token around an AP-REQ whose authenticator is
 * cipher; its length in out. */
static size_t
krb5_token(unsigned char *out)
{
	unsigned char	a[512], b[512], c[512];
	size_t		n, m;

	/* EncryptedData { [0] etype 18, [2] cipher } */
	n = tlv(a, 0x02, (const unsigned char *)"\x12", 1);
	n = tlv(b, 0xa0, a, n);
	m = tlv(a, 0x04, cipher, sizeof(cipher) - 1);
	m = tlv(b + n, 0xa2, a, m);
	n = tlv(a, 0x30, b, n + m);
	n = tlv(b, 0xa4, a, n);			/* [4] authenticator */
	/* [0] pvno 5, [3] a stand-in ticket, then [4] */
	m = tlv(c, 0xa0, (const unsigned char *)"\x02\x01\x05", 3);
	m += tlv(c + m, 0xa3, (const unsigned char *)"\x61\x00", 2);
	memcpy(c + m, b, n);
	n = tlv(a, 0x30, c, m + n);
	n = tlv(b, 0x6e, a, n);			/* AP-REQ */
	memcpy(c, krb5_oid, sizeof(krb5_oid));
	c[sizeof(krb5_oid)] = 0x01;		/* TOK_ID */
	c[sizeof(krb5_oid) + 1] = 0x00;
	memcpy(c + sizeof(krb5_oid) + 2, b, n);
	return tlv(out, 0x60, c, sizeof(krb5_oid) + 2 + n);
}

/* SPNEGO's NegTokenInit around tok, mechTypes first if with_types. */
static size_t
spnego(unsigned char *out, const unsigned char *tok, size_t len,
    int with_types)
{
	unsigned char	a[1024], b[1024];
	size_t		n = 0, m;

	if (with_types) {
		m = tlv(a, 0x30, krb5_oid, sizeof(krb5_oid));
		n = tlv(b, 0xa0, a, m);
	}
	m = tlv(a, 0x04, tok, len);
	n += tlv(b + n, 0xa2, a, m);
	m = tlv(a, 0x30, b, n);
	n = tlv(b, 0xa0, a, m);
	memcpy(a, "\x06\x06\x2b\x06\x01\x05\x05\x02", 8);
	memcpy(a + 8, b, n);
	return tlv(out, 0x60, a, 8 + n);
}

START_TEST(test_authenticator)
{
	unsigned char		 tok[512], s1[1024], s2[1024];
	const unsigned char	*c;
	size_t			 n, l1, l2, clen;

	n = krb5_token(tok);
	ck_assert_int_eq(krb5_token_authenticator(tok, n, &c, &clen), 1);
	ck_assert_uint_eq(clen, sizeof(cipher) - 1);
	ck_assert_int_eq(memcmp(c, cipher, clen), 0);
	/* Wrapped in SPNEGO, two ways: the same cipher text. */
	l1 = spnego(s1, tok, n, 0);
	l2 = spnego(s2, tok, n, 1);
	ck_assert_uint_ne(l1, l2);
	ck_assert_int_eq(krb5_token_authenticator(s1, l1, &c, &clen), 1);
	ck_assert_int_eq(memcmp(c, cipher, clen), 0);
	ck_assert_int_eq(krb5_token_authenticator(s2, l2, &c, &clen), 1);
	ck_assert_int_eq(memcmp(c, cipher, clen), 0);
	/* Cut short anywhere: malformed, never read past the end. */
	for (l1 = 1; l1 < n; l1++)
		ck_assert_int_ne(krb5_token_authenticator(tok, l1, &c,
		    &clen), 1);
}
END_TEST

START_TEST(test_not_kerberos)
{
	static const unsigned char	ntlm[] = "NTLMSSP\0\1\0\0\0\7\202\10\242";
	unsigned char			s[256];
	const unsigned char		*c;
	size_t				n, clen;

	ck_assert_int_eq(krb5_token_authenticator(ntlm, sizeof(ntlm) - 1,
	    &c, &clen), 0);
	n = spnego(s, ntlm, sizeof(ntlm) - 1, 0);
	ck_assert_int_eq(krb5_token_authenticator(s, n, &c, &clen), 0);
	ck_assert_int_eq(krb5_token_authenticator(s, 0, &c, &clen), 0);
	s[1] = 0x7f;		/* a length past the end */
	ck_assert_int_eq(krb5_token_authenticator(s, n, &c, &clen), -1);
}
END_TEST

START_TEST(test_replay_cache)
{
	unsigned char	a[32];
	int		i;

	memset(a, 7, sizeof(a));
	ck_assert_int_eq(negotiate_replay_seen(a, sizeof(a)), 0);
	ck_assert_int_eq(negotiate_replay_seen(a, sizeof(a)), 1);
	a[31] = 8;
	ck_assert_int_eq(negotiate_replay_seen(a, sizeof(a)), 0);
	/* Many others later, the first is still remembered. */
	for (i = 0; i < 1000; i++) {
		memcpy(a, &i, sizeof(i));
		ck_assert_int_eq(negotiate_replay_seen(a, 8), 0);
	}
	memset(a, 7, sizeof(a));
	ck_assert_int_eq(negotiate_replay_seen(a, sizeof(a)), 1);
}
END_TEST

Suite *
suite_krb5_token(void)
{
	Suite	*s = suite_create("krb5_token");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_authenticator);
	tcase_add_test(tc, test_not_kerberos);
	tcase_add_test(tc, test_replay_cache);
	suite_add_tcase(s, tc);
	return s;
}
