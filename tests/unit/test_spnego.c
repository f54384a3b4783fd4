/*
 * Unit tests for SPNEGO with NTLMSSP (common/spnego.c): the tokens a real
 * client sends (captured from curl --negotiate with gss-ntlmssp) and
 * Windows' mechanism list are read; every malformation the parser must
 * refuse is refused (each truncation, left-over bytes, fields out of
 * order, repeated or unknown, bad negState, too many mechanisms); the
 * server's NegTokenResp is byte for byte what gss-ntlmssp's acceptor
 * writes, and reads back.
 */
#include <string.h>

#include "spnego.h"
#include "unit.h"

/* curl 7.88 --negotiate, gss-ntlmssp 1.2, no Kerberos ticket: NegTokenInit
 * { mechTypes { NTLMSSP }, mechToken NTLM NEGOTIATE (40 bytes) }. */
static const unsigned char	curl_init[] = {
	0x60, 0x48, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x3e,
	0x30, 0x3c, 0xa0, 0x0e, 0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04,
	0x01, 0x82, 0x37, 0x02, 0x02, 0x0a, 0xa2, 0x2a, 0x04, 0x28, 0x4e, 0x54,
	0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x01, 0x00, 0x00, 0x00, 0x17, 0x82,
	0x08, 0xe2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x0f
};

#define OID_NTLM	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, \
			0x02, 0x02, 0x0a
#define OID_KRB5	0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, \
			0x02, 0x02
#define OID_MSKRB5	0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, \
			0x02, 0x02
#define OID_NEGOEX	0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, \
			0x02, 0x02, 0x1e

/* A Windows client's list, no optimistic token: MS-KRB5, KRB5, NEGOEX,
 * NTLMSSP. */
static const unsigned char	windows_init[] = {
	0x60, 0x3e, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0xa0, 0x34,
	0x30, 0x32, 0xa0, 0x30, 0x30, 0x2e, OID_MSKRB5, OID_KRB5, OID_NEGOEX,
	OID_NTLM
};

/* NegTokenResp { accept-incomplete, responseToken "NTLMSSP\0" 03...,
 * mechListMIC (16 bytes) }. */
static const unsigned char	client_resp[] = {
	0xa1, 0x2f, 0x30, 0x2d, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0xa2, 0x12, 0x04,
	0x10, 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0x00, 0x03, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xa3, 0x12, 0x04, 0x10, 0x01, 0x00, 0x00, 0x00,
	0x90, 0xb6, 0x9f, 0xa7, 0xd5, 0x7e, 0xfe, 0x12, 0x00, 0x00, 0x00, 0x00
};

START_TEST(test_curl_init)
{
	struct spnego_token	 t;
	const char		*why = NULL;

	ck_assert_int_eq(spnego_parse(curl_init, sizeof(curl_init), &t, &why),
	    1);
	ck_assert_int_eq(t.st_init, 1);
	ck_assert_uint_eq(t.st_nmechs, 1);
	ck_assert_int_eq(t.st_mechs[0], SPNEGO_MECH_NTLM);
	ck_assert_ptr_eq(t.st_tok, curl_init + 34);
	ck_assert_uint_eq(t.st_toklen, 40);
	ck_assert_int_eq(memcmp(t.st_tok, "NTLMSSP\0\1", 9), 0);
	ck_assert_ptr_null(t.st_mic);
	ck_assert_ptr_eq(t.st_mechlist, curl_init + 16);
	ck_assert_uint_eq(t.st_mechlistlen, 14);
}
END_TEST

START_TEST(test_windows_list)
{
	struct spnego_token	 t;
	const char		*why = NULL;

	ck_assert_int_eq(spnego_parse(windows_init, sizeof(windows_init), &t,
	    &why), 1);
	ck_assert_uint_eq(t.st_nmechs, 4);
	ck_assert_int_eq(t.st_mechs[0], SPNEGO_MECH_KRB5);
	ck_assert_int_eq(t.st_mechs[1], SPNEGO_MECH_KRB5);
	ck_assert_int_eq(t.st_mechs[2], SPNEGO_MECH_OTHER);
	ck_assert_int_eq(t.st_mechs[3], SPNEGO_MECH_NTLM);
	ck_assert_ptr_null(t.st_tok);
}
END_TEST

START_TEST(test_client_resp)
{
	struct spnego_token	 t;
	const char		*why = NULL;

	ck_assert_int_eq(spnego_parse(client_resp, sizeof(client_resp), &t,
	    &why), 1);
	ck_assert_int_eq(t.st_init, 0);
	ck_assert_int_eq(t.st_state, SPNEGO_ACCEPT_INCOMPLETE);
	ck_assert_int_eq(t.st_supported, -1);
	ck_assert_ptr_eq(t.st_tok, client_resp + 13);
	ck_assert_uint_eq(t.st_toklen, 16);
	ck_assert_ptr_eq(t.st_mic, client_resp + 33);
	ck_assert_uint_eq(t.st_miclen, 16);
}
END_TEST

/* What is not SPNEGO is no error: raw NTLMSSP, a bare Kerberos token. */
START_TEST(test_not_spnego)
{
	static const unsigned char	raw[] = "NTLMSSP\0\1\0\0\0";
	static const unsigned char	krb[] = {
		0x60, 0x0d, OID_KRB5, 0x01, 0x00
	};
	struct spnego_token		t;
	const char			*why = NULL;

	ck_assert_int_eq(spnego_parse(raw, sizeof(raw) - 1, &t, &why), 0);
	ck_assert_int_eq(spnego_parse(krb, sizeof(krb), &t, &why), 0);
	ck_assert_int_eq(spnego_parse(raw, 0, &t, &why), 0);
	ck_assert_ptr_null(why);
}
END_TEST

/* Every proper prefix of a good token is refused (ASan sees any read
 * past one: each is copied to a buffer of exactly its size). */
START_TEST(test_truncated)
{
	const unsigned char	*goods[] = { curl_init, windows_init,
				    client_resp };
	size_t			 lens[] = { sizeof(curl_init),
				    sizeof(windows_init), sizeof(client_resp) };
	struct spnego_token	 t;
	unsigned char		 copy[128];
	const char		*why;
	size_t			 g, n;

	for (g = 0; g < 3; g++)
		for (n = 1; n < lens[g]; n++) {
			memcpy(copy + sizeof(copy) - n, goods[g], n);
			why = NULL;
			ck_assert_int_eq(spnego_parse(copy + sizeof(copy) - n,
			    n, &t, &why), -1);
			ck_assert_ptr_nonnull(why);
		}
}
END_TEST

static int
parse(const unsigned char *b, size_t len)
{
	struct spnego_token	 t;
	const char		*why = NULL;
	int			 r = spnego_parse(b, len, &t, &why);

	ck_assert(r != -1 || why != NULL);
	return r;
}

START_TEST(test_malformed)
{
	unsigned char	b[sizeof(curl_init) + 1];
	/* [1] { SEQUENCE { [2] tok, [0] state } }: out of order */
	static const unsigned char	order[] = {
		0xa1, 0x0c, 0x30, 0x0a, 0xa2, 0x03, 0x04, 0x01, 0x4e,
		0xa0, 0x03, 0x0a, 0x01, 0x01
	};
	static const unsigned char	twice[] = {
		0xa1, 0x0c, 0x30, 0x0a, 0xa0, 0x03, 0x0a, 0x01, 0x01,
		0xa0, 0x03, 0x0a, 0x01, 0x01
	};
	static const unsigned char	unknown[] = {
		0xa1, 0x07, 0x30, 0x05, 0xa4, 0x03, 0x0a, 0x01, 0x01
	};
	static const unsigned char	state4[] = {
		0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x04
	};
	static const unsigned char	empty_tok[] = {
		0xa1, 0x06, 0x30, 0x04, 0xa2, 0x02, 0x04, 0x00
	};
	static const unsigned char	indefinite[] = {
		0xa1, 0x80, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0x00, 0x00
	};
	static const unsigned char	no_mechs[] = {
		0x60, 0x0e, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
		0xa0, 0x04, 0x30, 0x02, 0xa1, 0x00
	};
	static const unsigned char	empty_mechs[] = {
		0x60, 0x10, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
		0xa0, 0x06, 0x30, 0x04, 0xa0, 0x02, 0x30, 0x00
	};
	/* NegTokenResp in the initial token's wrapper */
	static const unsigned char	resp_in_init[] = {
		0x60, 0x11, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
		0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x01
	};
	/* mechTypes holding an OCTET STRING */
	static const unsigned char	not_oid[] = {
		0x60, 0x13, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
		0xa0, 0x09, 0x30, 0x07, 0xa0, 0x05, 0x30, 0x03, 0x04, 0x01,
		0x00
	};

	memcpy(b, curl_init, sizeof(curl_init));
	b[sizeof(curl_init)] = 0;
	ck_assert_int_eq(parse(b, sizeof(b)), -1);	/* a byte after it */
	ck_assert_int_eq(parse(order, sizeof(order)), -1);
	ck_assert_int_eq(parse(twice, sizeof(twice)), -1);
	ck_assert_int_eq(parse(unknown, sizeof(unknown)), -1);
	ck_assert_int_eq(parse(state4, sizeof(state4)), -1);
	ck_assert_int_eq(parse(empty_tok, sizeof(empty_tok)), -1);
	ck_assert_int_eq(parse(indefinite, sizeof(indefinite)), -1);
	ck_assert_int_eq(parse(no_mechs, sizeof(no_mechs)), -1);
	ck_assert_int_eq(parse(empty_mechs, sizeof(empty_mechs)), -1);
	ck_assert_int_eq(parse(resp_in_init, sizeof(resp_in_init)), -1);
	ck_assert_int_eq(parse(not_oid, sizeof(not_oid)), -1);
	/* a length beyond the token */
	memcpy(b, curl_init, sizeof(curl_init));
	b[1] = 0x49;
	ck_assert_int_eq(parse(b, sizeof(curl_init)), -1);
}
END_TEST

/* SPNEGO_MECHS_MAX mechanisms are read; one more is refused. */
START_TEST(test_mech_limit)
{
	unsigned char	b[512];
	size_t		list, n, i, k;

	for (k = SPNEGO_MECHS_MAX; k <= SPNEGO_MECHS_MAX + 1; k++) {
		list = 12 * k;
		n = 0;
		b[n++] = 0x60; b[n++] = 0x82; b[n++] = 0; b[n++] = 0;
		b[n++] = 0x06; b[n++] = 0x06;
		memcpy(b + n, "\x2b\x06\x01\x05\x05\x02", 6);
		n += 6;
		b[n++] = 0xa0; b[n++] = 0x82;
		b[n++] = (unsigned char)((list + 12) >> 8);
		b[n++] = (unsigned char)(list + 12);
		b[n++] = 0x30; b[n++] = 0x82;
		b[n++] = (unsigned char)((list + 8) >> 8);
		b[n++] = (unsigned char)(list + 8);
		b[n++] = 0xa0; b[n++] = 0x82;
		b[n++] = (unsigned char)((list + 4) >> 8);
		b[n++] = (unsigned char)(list + 4);
		b[n++] = 0x30; b[n++] = 0x82;
		b[n++] = (unsigned char)(list >> 8);
		b[n++] = (unsigned char)list;
		for (i = 0; i < k; i++) {
			memcpy(b + n, (const unsigned char[]){ OID_NTLM }, 12);
			n += 12;
		}
		b[2] = (unsigned char)((n - 4) >> 8);
		b[3] = (unsigned char)(n - 4);
		ck_assert_int_eq(parse(b, n), k == SPNEGO_MECHS_MAX ? 1 : -1);
	}
}
END_TEST

/* gss-ntlmssp's acceptor answered curl_init with this head before the
 * 126-byte CHALLENGE: accept-incomplete, supportedMech NTLMSSP. */
START_TEST(test_encode_challenge)
{
	static const unsigned char	head[] = {
		0xa1, 0x81, 0x99, 0x30, 0x81, 0x96, 0xa0, 0x03, 0x0a, 0x01,
		0x01, 0xa1, 0x0c, OID_NTLM, 0xa2, 0x81, 0x80, 0x04, 0x7e
	};
	unsigned char			type2[126], out[256];
	struct spnego_token		t;
	const char			*why = NULL;
	int				n;

	memset(type2, 0x5a, sizeof(type2));
	n = spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE, 1, type2,
	    sizeof(type2), NULL, 0, out, sizeof(out));
	ck_assert_int_eq(n, (int)(sizeof(head) + sizeof(type2)));
	ck_assert_int_eq(memcmp(out, head, sizeof(head)), 0);
	ck_assert_int_eq(memcmp(out + sizeof(head), type2, sizeof(type2)), 0);
	ck_assert_int_eq(spnego_parse(out, (size_t)n, &t, &why), 1);
	ck_assert_int_eq(t.st_state, SPNEGO_ACCEPT_INCOMPLETE);
	ck_assert_int_eq(t.st_supported, SPNEGO_MECH_NTLM);
	ck_assert_uint_eq(t.st_toklen, sizeof(type2));
	/* too small by one byte */
	ck_assert_int_eq(spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE, 1,
	    type2, sizeof(type2), NULL, 0, out, (size_t)n - 1), -1);
}
END_TEST

/* gss-ntlmssp's accept-completed with its mechListMIC. */
START_TEST(test_encode_mic)
{
	static const unsigned char	done_mic[] = {
		0xa1, 0x1b, 0x30, 0x19, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0xa3,
		0x12, 0x04, 0x10, 0x01, 0x00, 0x00, 0x00, 0x97, 0xbd, 0x7b,
		0x83, 0x9a, 0x34, 0xba, 0xa1, 0x00, 0x00, 0x00, 0x00
	};
	unsigned char			out[64];
	int				n;

	n = spnego_encode_resp(SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0,
	    done_mic + 13, 16, out, sizeof(out));
	ck_assert_int_eq(n, (int)sizeof(done_mic));
	ck_assert_int_eq(memcmp(out, done_mic, sizeof(done_mic)), 0);
}
END_TEST

START_TEST(test_encode_states)
{
	static const unsigned char	done[] = {
		0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00
	};
	static const unsigned char	reject[] = {
		0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02
	};
	static const unsigned char	request_mic[] = {
		0xa1, 0x15, 0x30, 0x13, 0xa0, 0x03, 0x0a, 0x01, 0x03,
		0xa1, 0x0c, OID_NTLM
	};
	unsigned char			out[64], big[1200], tok[1000];
	struct spnego_token		t;
	const char			*why = NULL;
	int				n;

	n = spnego_encode_resp(SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, NULL, 0,
	    out, sizeof(out));
	ck_assert_int_eq(n, (int)sizeof(done));
	ck_assert_int_eq(memcmp(out, done, sizeof(done)), 0);
	n = spnego_encode_resp(SPNEGO_REJECT, 0, NULL, 0, NULL, 0, out,
	    sizeof(out));
	ck_assert_int_eq(n, (int)sizeof(reject));
	ck_assert_int_eq(memcmp(out, reject, sizeof(reject)), 0);
	n = spnego_encode_resp(SPNEGO_REQUEST_MIC, 1, NULL, 0, NULL, 0, out,
	    sizeof(out));
	ck_assert_int_eq(n, (int)sizeof(request_mic));
	ck_assert_int_eq(memcmp(out, request_mic, sizeof(request_mic)), 0);
	/* two-byte lengths read back */
	memset(tok, 0xa5, sizeof(tok));
	n = spnego_encode_resp(SPNEGO_ACCEPT_INCOMPLETE, 0, tok, sizeof(tok),
	    NULL, 0, big, sizeof(big));
	ck_assert_int_gt(n, (int)sizeof(tok));
	ck_assert_int_eq(spnego_parse(big, (size_t)n, &t, &why), 1);
	ck_assert_uint_eq(t.st_toklen, sizeof(tok));
	ck_assert_int_eq(memcmp(t.st_tok, tok, sizeof(tok)), 0);
	ck_assert_int_eq(t.st_supported, -1);
}
END_TEST

Suite *
suite_spnego(void)
{
	Suite	*s = suite_create("spnego");
	TCase	*tc = tcase_create("spnego");

	tcase_add_test(tc, test_curl_init);
	tcase_add_test(tc, test_windows_list);
	tcase_add_test(tc, test_client_resp);
	tcase_add_test(tc, test_not_spnego);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_mech_limit);
	tcase_add_test(tc, test_encode_challenge);
	tcase_add_test(tc, test_encode_mic);
	tcase_add_test(tc, test_encode_states);
	suite_add_tcase(s, tc);
	return s;
}
