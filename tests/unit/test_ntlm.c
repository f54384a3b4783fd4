/*
 * Unit tests for the NTLM messages and the NTLMv2 check (ntlm_msg.c,
 * ntlm_verify.c, ntlm_utf16.c, base64.c): the MS-NLMP 4.2.4 example, a
 * challenge read back field by field, type 3 messages built here with
 * every way to be malformed or refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base64.h"
#include "ntlm.h"
#include "unit.h"

/* MS-NLMP 4.2.4.3: the AUTHENTICATE_MESSAGE of the NTLMv2 example. */
static const unsigned char	spec_auth[] = {
	0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x18, 0x00, 0x18, 0x00, 0x6c, 0x00, 0x00, 0x00, 0x54, 0x00, 0x54, 0x00,
	0x84, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0x00, 0x48, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x08, 0x00, 0x54, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00,
	0x5c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x10, 0x00, 0xd8, 0x00, 0x00, 0x00,
	0x35, 0x82, 0x88, 0xe2, 0x05, 0x01, 0x28, 0x0a, 0x00, 0x00, 0x00, 0x0f,
	0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00,
	0x55, 0x00, 0x73, 0x00, 0x65, 0x00, 0x72, 0x00, 0x43, 0x00, 0x4f, 0x00,
	0x4d, 0x00, 0x50, 0x00, 0x55, 0x00, 0x54, 0x00, 0x45, 0x00, 0x52, 0x00,
	0x86, 0xc3, 0x50, 0x97, 0xac, 0x9c, 0xec, 0x10, 0x25, 0x54, 0x76, 0x4a,
	0x57, 0xcc, 0xcc, 0x19, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
	0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96, 0xaa, 0xbc, 0x92, 0x7b,
	0xeb, 0xef, 0x6a, 0x1c, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xaa, 0xaa, 0xaa, 0xaa,
	0xaa, 0xaa, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x0c, 0x00,
	0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00,
	0x01, 0x00, 0x0c, 0x00, 0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00,
	0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc5, 0xda, 0xd2, 0x54, 0x4f, 0xc9, 0x79, 0x90, 0x94, 0xce, 0x1c, 0xe9,
	0x0b, 0xc9, 0xd0, 0x3e
};
#define SPEC_NT_OFF	0x84
#define SPEC_NT_LEN	0x54

/* MS-NLMP 4.2.1 and 4.2.4: MD4(UTF-16LE("Password")), the challenges. */
static const unsigned char	spec_hash[16] = {
	0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52
};
static const unsigned char	spec_challenge[8] = {
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
};
static const unsigned char	spec_proof[16] = {
	0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96,
	0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c
};

/* MS-NLMP 4.2.4.1.1: NTOWFv2("Password", "User", "Domain"). */
static const unsigned char	spec_ntowfv2[16] = {
	0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
	0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f
};

static uint32_t
get32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static unsigned
get16(const unsigned char *p)
{
	return p[0] | (unsigned)p[1] << 8;
}

static void
set16(unsigned char *p, size_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
set32(unsigned char *p, uint32_t v)
{
	set16(p, v & 0xffff);
	set16(p + 2, v >> 16);
}

/* ASCII as UTF-16LE; the length in bytes. */
static size_t
u16(const char *s, unsigned char *out)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		out[2 * i] = (unsigned char)s[i];
		out[2 * i + 1] = 0;
	}
	return 2 * i;
}

/* The fields of a type 3, in header order, as raw bytes. */
enum { F_LM, F_NT, F_DOMAIN, F_USER, F_WS, F_KEY, F_COUNT };

struct t3 {
	const unsigned char	*f[F_COUNT];
	size_t			 flen[F_COUNT];
	uint32_t		 flags;
};

/*
 * A test-only AUTHENTICATE builder: a 64-byte header, then the fields in
 * order. The message is malloc'd at its exact size so that ASan sees any
 * read past its end.
 */
static unsigned char *
build_auth(const struct t3 *t, size_t *len)
{
	unsigned char	*m;
	size_t		 n = 64, i;

	for (i = 0; i < F_COUNT; i++)
		n += t->flen[i];
	ck_assert_ptr_nonnull(m = malloc(n));
	memset(m, 0, 64);
	memcpy(m, "NTLMSSP", 8);
	set32(m + 8, 3);
	set32(m + 60, t->flags);
	for (n = 64, i = 0; i < F_COUNT; i++) {
		set16(m + 12 + 8 * i, t->flen[i]);
		set16(m + 14 + 8 * i, t->flen[i]);
		set32(m + 16 + 8 * i, (uint32_t)n);
		if (t->flen[i] > 0)
			memcpy(m + n, t->f[i], t->flen[i]);
		n += t->flen[i];
	}
	*len = n;
	return m;
}

/* A well-formed NTLMv2 type 3 from user "Alice" to be spoilt by tests. */
static unsigned char	 t_user[64], t_domain[64], t_ws[64];
static unsigned char	 t_lm[24], t_nt[SPEC_NT_LEN];
static struct t3	 base;

static void
base_setup(void)
{
	memset(&base, 0, sizeof(base));
	base.flags = NTLM_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_NTLM |
	    NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY;
	base.f[F_USER] = t_user;
	base.flen[F_USER] = u16("Alice", t_user);
	base.f[F_DOMAIN] = t_domain;
	base.flen[F_DOMAIN] = u16("EXAMPLE", t_domain);
	base.f[F_WS] = t_ws;
	base.flen[F_WS] = u16("WS01", t_ws);
	memset(t_lm, 0, sizeof(t_lm));
	base.f[F_LM] = t_lm;
	base.flen[F_LM] = sizeof(t_lm);
	memcpy(t_nt, spec_auth + SPEC_NT_OFF, sizeof(t_nt));
	base.f[F_NT] = t_nt;
	base.flen[F_NT] = sizeof(t_nt);
}

static int
parse(const struct t3 *t, struct ntlm_auth *a, const char **why)
{
	unsigned char	*m;
	size_t		 len;
	int		 r;

	m = build_auth(t, &len);
	r = ntlm_parse_authenticate(m, len, a, why);
	free(m);
	return r;
}

START_TEST(test_spec_vector)
{
	struct ntlm_auth	 a;
	const char		*why = NULL;
	unsigned char		 hash[16], chal[8], *m;

	ck_assert_ptr_nonnull(m = malloc(sizeof(spec_auth)));
	memcpy(m, spec_auth, sizeof(spec_auth));
	ck_assert_int_eq(ntlm_parse_authenticate(m, sizeof(spec_auth), &a,
	    &why), 0);
	ck_assert_str_eq(a.na_user, "User");
	ck_assert_str_eq(a.na_domain, "Domain");
	ck_assert_str_eq(a.na_workstation, "COMPUTER");
	ck_assert_uint_eq(a.na_flags, 0xe2888235);
	ck_assert_uint_eq(a.na_lmlen, 24);
	ck_assert_uint_eq(a.na_ntlen, SPEC_NT_LEN);
	ck_assert_ptr_eq(a.na_nt, m + SPEC_NT_OFF);
	ck_assert_mem_eq(a.na_nt, spec_proof, 16);
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 1);

	memcpy(hash, spec_hash, 16);
	hash[15] ^= 1;
	ck_assert_int_eq(ntlm_verify_v2(hash, &a, spec_challenge), 0);
	memcpy(chal, spec_challenge, 8);
	chal[0] ^= 0x80;
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, chal), 0);
	/* NTOWFv2 uppercases the user, not the domain. */
	strcpy(a.na_user, "uSER");
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 1);
	strcpy(a.na_domain, "DOMAIN");
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	strcpy(a.na_domain, "Domain");

	/* The client challenge in the blob, then the NTProofStr itself. */
	m[SPEC_NT_OFF + 16 + 16] ^= 1;
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	m[SPEC_NT_OFF + 16 + 16] ^= 1;
	m[sizeof(spec_auth) - 30] ^= 0x40;	/* in the AV pairs */
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	m[sizeof(spec_auth) - 30] ^= 0x40;
	m[SPEC_NT_OFF + 3] ^= 1;
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	m[SPEC_NT_OFF + 3] ^= 1;
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 1);
	/* A blob of another version, even with a matching proof. */
	m[SPEC_NT_OFF + 16] = 2;
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	ck_assert_int_eq(ntlm_parse_authenticate(m, sizeof(spec_auth), &a,
	    &why), -1);
	ck_assert_str_eq(why, "NTLMv2 response of an unknown version");
	free(m);
}
END_TEST

/* Rewrites the NTProofStr of the spec message in m for its blob. */
static void
sign_blob(unsigned char *m)
{
	unsigned char	in[8 + SPEC_NT_LEN];
	unsigned int	n = 16;

	memcpy(in, spec_challenge, 8);
	memcpy(in + 8, m + SPEC_NT_OFF + 16, SPEC_NT_LEN - 16);
	ck_assert_ptr_nonnull(HMAC(EVP_md5(), spec_ntowfv2, 16, in,
	    8 + SPEC_NT_LEN - 16, m + SPEC_NT_OFF, &n));
}

/* A blob of another version is refused even with a matching proof. */
START_TEST(test_verify_blob_version)
{
	struct ntlm_auth	 a;
	const char		*why;
	unsigned char		 m[sizeof(spec_auth)];

	memcpy(m, spec_auth, sizeof(m));
	m[SPEC_NT_OFF + 16 + 8] = 0x42;		/* the timestamp */
	sign_blob(m);
	ck_assert_int_eq(ntlm_parse_authenticate(m, sizeof(m), &a, &why), 0);
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 1);
	m[SPEC_NT_OFF + 16 + 1] = 2;
	sign_blob(m);
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	m[SPEC_NT_OFF + 16 + 1] = 1;
	m[SPEC_NT_OFF + 16] = 0;
	sign_blob(m);
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
	/* As short as a proof and the shortest blob, then shorter. */
	m[SPEC_NT_OFF + 16] = 1;
	a.na_ntlen = NTLM_V2_RESPONSE_MIN - 1;
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, spec_challenge), 0);
}
END_TEST

/*
 * Recorded from real clients against a challenge of ntlm_build_challenge:
 * curl 7.88 --ntlm (OEM, NTLMv2) and curl --negotiate with gss-ntlmssp
 * 1.2 (SPNEGO, Unicode, a MIC), user EXAMPLE\alice, password "Secret1!".
 */
static const char	curl_type3[] = "NTLM "
    "TlRMTVNTUAADAAAAGAAYAEAAAACgAKAAWAAAAAcABwD4AAAABQAFAP8AAAALAAsABAEAAA"
    "AAAAAAAAAABoKJAplBYXTtDw41p7yalIQCSTVY/uFsEyPmE0H0vyfxXlOw/+y34bhqPTgB"
    "AQAAAAAAAACvqfFFfN0BWP7hbBMj5hMAAAAAAgAOAEUAWABBAE0AUABMAEUAAQAKAFAAUg"
    "BPAFgAWQAEABYAZQB4AGEAbQBwAGwAZQAuAGMAbwBtAAMAIgBwAHIAbwB4AHkALgBlAHgA"
    "YQBtAHAAbABlAC4AYwBvAG0ABwAIAACvqfFFfN0BAAAAAAAAAABFWEFNUExFYWxpY2VXT1"
    "JLU1RBVElPTg==";
static const unsigned char	curl_challenge[8] = {
	0xcf, 0xe8, 0x5c, 0x85, 0x7e, 0x83, 0x38, 0x91
};
static const char	gss_type3[] = "Negotiate "
    "oYIBcTCCAW2gAwoBAaKCAVAEggFMTlRMTVNTUAADAAAAAAAAAFgAAADIAMgAWAAAAA4ADg"
    "AgAQAACgAKAC4BAAAEAAQAOAEAABAAEAA8AQAAFYKJ4gYCAAAAAAAPNN7tLlMfdaLWm8HH"
    "VopF1aXnYVttep1ZkUT/HgxjcUEBAQAAAAAAAACvqfFFfN0B/gCru0ZTRwgAAAAAAQAKAF"
    "AAUgBPAFgAWQACAA4ARQBYAEEATQBQAEwARQADACIAcAByAG8AeAB5AC4AZQB4AGEAbQBw"
    "AGwAZQAuAGMAbwBtAAQAFgBlAHgAYQBtAHAAbABlAC4AYwBvAG0ABgAEAAIAAAAHAAgAAK"
    "+p8UV83QEJABwASABUAFQAUAAvADEAMgA3AC4AMAAuADAALgAxAAAAAAAAAAAARQBYAEEA"
    "TQBQAEwARQBhAGwAaQBjAGUAVgBNAKij/+we4/xjQqI9MRTwjH6jEgQQAQAAAMqSZU9OK7"
    "5+AAAAAA==";
static const unsigned char	gss_challenge[8] = {
	0xab, 0x47, 0x4f, 0xaf, 0x5e, 0x84, 0x7a, 0xbc
};
static const unsigned char	secret1_hash[16] = {	/* "Secret1!" */
	0x2b, 0x0f, 0xd3, 0xfa, 0xca, 0x9a, 0x8a, 0xcd,
	0x5f, 0xdf, 0xff, 0x6e, 0xca, 0xe2, 0xc2, 0x07
};

static void
check_client(const char *value, const unsigned char chal[8],
    const char *ws, uint32_t encoding)
{
	static unsigned char	 buf[NTLM_MSG_MAX];
	const unsigned char	*m;
	struct ntlm_auth	 a;
	const char		*why;
	unsigned char		 other[8];
	size_t			 len;

	ck_assert_int_eq(ntlm_header_token(value, strlen(value), buf,
	    sizeof(buf), &m, &len), 3);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), 0);
	ck_assert_str_eq(a.na_user, "alice");
	ck_assert_str_eq(a.na_domain, "EXAMPLE");
	ck_assert_str_eq(a.na_workstation, ws);
	ck_assert_uint_eq(a.na_flags & (NTLM_NEGOTIATE_UNICODE |
	    NTLM_NEGOTIATE_OEM), encoding);
	ck_assert_int_eq(ntlm_verify_v2(secret1_hash, &a, chal), 1);
	ck_assert_int_eq(ntlm_verify_v2(spec_hash, &a, chal), 0);
	memcpy(other, chal, 8);
	other[7] ^= 1;
	ck_assert_int_eq(ntlm_verify_v2(secret1_hash, &a, other), 0);
}

START_TEST(test_real_clients)
{
	check_client(curl_type3, curl_challenge, "WORKSTATION",
	    NTLM_NEGOTIATE_OEM);
	check_client(gss_type3, gss_challenge, "VM", NTLM_NEGOTIATE_UNICODE);
}
END_TEST

START_TEST(test_auth_fields)
{
	struct ntlm_auth	 a;
	const char		*why;
	/* "Jürgen" and "𝄞" (a surrogate pair) in UTF-16LE. */
	static const unsigned char juergen[] = {
		'J', 0, 0xfc, 0, 'r', 0, 'g', 0, 'e', 0, 'n', 0
	}, clef[] = { 'x', 0, 0x34, 0xd8, 0x1e, 0xdd };

	base.f[F_USER] = juergen;
	base.flen[F_USER] = sizeof(juergen);
	base.f[F_WS] = clef;
	base.flen[F_WS] = sizeof(clef);
	ck_assert_int_eq(parse(&base, &a, &why), 0);
	ck_assert_str_eq(a.na_user, "J\xc3\xbcrgen");
	ck_assert_str_eq(a.na_domain, "EXAMPLE");
	ck_assert_str_eq(a.na_workstation, "x\xf0\x9d\x84\x9e");
	ck_assert_uint_eq(a.na_lmlen, 24);
	ck_assert_uint_eq(a.na_ntlen, SPEC_NT_LEN);

	/* OEM names are taken as ASCII; the domain may be empty. */
	base.flags &= ~NTLM_NEGOTIATE_UNICODE;
	base.flags |= NTLM_NEGOTIATE_OEM;
	base.f[F_USER] = (const unsigned char *)"bob";
	base.flen[F_USER] = 3;
	base.flen[F_DOMAIN] = 0;
	base.flen[F_WS] = 0;
	base.flen[F_LM] = 0;
	ck_assert_int_eq(parse(&base, &a, &why), 0);
	ck_assert_str_eq(a.na_user, "bob");
	ck_assert_str_eq(a.na_domain, "");
	ck_assert_str_eq(a.na_workstation, "");
	ck_assert_uint_eq(a.na_lmlen, 0);
}
END_TEST

/* Ways to spoil the base message, and what the parser must say. */
enum spoil {
	SP_NO_USER, SP_NO_NT, SP_ANON_FLAG, SP_NTLMV1, SP_NTLM2_SESSION,
	SP_SHORT_NT, SP_BAD_UTF16, SP_ODD_UTF16, SP_LONG_USER, SP_CONTROL,
	SP_OEM_8BIT, SP_OEM_NUL, SP_C1_CONTROL, SP_LONG_DOMAIN, SP_LONG_NT,
	SP_COUNT
};

static const struct {
	enum spoil	 s;
	const char	*why;
} spoilt[] = {
	{ SP_NO_USER, "anonymous authentication (no user name)" },
	{ SP_NO_NT, "no NT response (anonymous or LM only)" },
	{ SP_ANON_FLAG, "anonymous authentication (anonymous flag)" },
	{ SP_NTLMV1, "NTLMv1 response; only NTLMv2 is accepted" },
	{ SP_NTLM2_SESSION, "NTLMv1 with extended session security (NTLM2 "
	    "session response); only NTLMv2 is accepted" },
	{ SP_SHORT_NT, "NT response too short for NTLMv2" },
	{ SP_BAD_UTF16, "user name is not valid UTF-16" },
	{ SP_ODD_UTF16, "domain name is not valid UTF-16" },
	{ SP_LONG_USER, "user name is longer than 256 bytes" },
	{ SP_CONTROL, "user name has control characters" },
	{ SP_OEM_8BIT, "user name is not ASCII in an OEM message" },
	{ SP_OEM_NUL, "workstation name has control characters" },
	{ SP_C1_CONTROL, "workstation name has control characters" },
	{ SP_LONG_DOMAIN, "domain name is longer than 256 bytes" },
	{ SP_LONG_NT, "NT response longer than 4096 bytes" },
};

START_TEST(test_auth_refused)
{
	struct ntlm_auth	 a;
	const char		*why = NULL;
	static unsigned char	 big[NTLM_NT_RESPONSE_MAX + 1];
	size_t			 i;
	static const unsigned char lone[] = { 'a', 0, 0x00, 0xdc },
	    ctl[] = { 'a', 0, 0x09, 0 }, c1[] = { 0x85, 0 };

	memset(big, 0, sizeof(big));
	switch (spoilt[_i].s) {
	case SP_NO_USER:
		base.flen[F_USER] = 0;
		break;
	case SP_NO_NT:
		base.flen[F_NT] = 0;
		break;
	case SP_ANON_FLAG:
		base.flags |= NTLM_NEGOTIATE_ANONYMOUS;
		break;
	case SP_NTLMV1:
		base.flen[F_NT] = 24;
		t_lm[20] = 1;
		break;
	case SP_NTLM2_SESSION:
		base.flen[F_NT] = 24;
		memset(t_lm, 0x11, 8);	/* client challenge, then zeros */
		break;
	case SP_SHORT_NT:
		base.flen[F_NT] = NTLM_V2_RESPONSE_MIN - 1;
		break;
	case SP_BAD_UTF16:
		base.f[F_USER] = lone;
		base.flen[F_USER] = sizeof(lone);
		break;
	case SP_ODD_UTF16:
		base.flen[F_DOMAIN] = 3;
		break;
	case SP_LONG_USER:
		for (i = 0; i < 2 * 257; i += 2)
			big[i] = 'a';
		base.f[F_USER] = big;
		base.flen[F_USER] = 2 * 257;
		break;
	case SP_CONTROL:
		base.f[F_USER] = ctl;
		base.flen[F_USER] = sizeof(ctl);
		break;
	case SP_OEM_8BIT:
		base.flags = NTLM_NEGOTIATE_OEM;
		base.f[F_USER] = (const unsigned char *)"b\xe9" "b";
		base.flen[F_USER] = 3;
		base.flen[F_DOMAIN] = 0;
		break;
	case SP_OEM_NUL:
		base.flags = NTLM_NEGOTIATE_OEM;
		base.f[F_USER] = (const unsigned char *)"bob";
		base.flen[F_USER] = 3;
		base.flen[F_DOMAIN] = 0;
		base.f[F_WS] = (const unsigned char *)"w\0s";
		base.flen[F_WS] = 3;
		break;
	case SP_C1_CONTROL:
		base.f[F_WS] = c1;
		base.flen[F_WS] = sizeof(c1);
		break;
	case SP_LONG_DOMAIN:
		/* 200 "é": 400 bytes of UTF-8 from 400 of UTF-16. */
		for (i = 0; i < 400; i += 2)
			big[i] = 0xe9;
		base.f[F_DOMAIN] = big;
		base.flen[F_DOMAIN] = 400;
		break;
	case SP_LONG_NT:
		/* A valid NTLMv2 start, one byte beyond what the master takes. */
		memcpy(big, t_nt, sizeof(t_nt));
		base.f[F_NT] = big;
		base.flen[F_NT] = NTLM_NT_RESPONSE_MAX + 1;
		break;
	case SP_COUNT:
		break;
	}
	ck_assert_int_eq(parse(&base, &a, &why), -1);
	ck_assert_str_eq(why, spoilt[_i].why);
	/* The names are terminated and clean, for the log line. */
	ck_assert_uint_le(strlen(a.na_user), NTLM_NAME_MAX);
	ck_assert_uint_le(strlen(a.na_domain), NTLM_NAME_MAX);
	ck_assert_uint_le(strlen(a.na_workstation), NTLM_NAME_MAX);
	for (i = 0; a.na_user[i] != '\0'; i++)
		ck_assert_uint_ge((unsigned char)a.na_user[i], 0x20);
	if (strncmp(spoilt[_i].why, "user name", 9) == 0)
		ck_assert_str_eq(a.na_user, "");
	if (spoilt[_i].s == SP_NTLMV1)
		ck_assert_str_eq(a.na_user, "Alice");
}
END_TEST

/* The one bound the worker and the master share: at it is accepted. */
START_TEST(test_nt_response_bound)
{
	static unsigned char	 nt[NTLM_NT_RESPONSE_MAX];
	struct ntlm_auth	 a;
	const char		*why = NULL;

	memcpy(nt, t_nt, sizeof(t_nt));
	base.f[F_NT] = nt;
	base.flen[F_NT] = sizeof(nt);
	ck_assert_int_eq(parse(&base, &a, &why), 0);
	ck_assert_uint_eq(a.na_ntlen, NTLM_NT_RESPONSE_MAX);
}
END_TEST

/* Header-level damage, on the message the base builds. */
START_TEST(test_auth_malformed)
{
	struct ntlm_auth	 a;
	const char		*why;
	unsigned char		*m, *c;
	size_t			 len, n;

	m = build_auth(&base, &len);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), 0);

	/* Every truncation: never a read past the end (ASan). */
	for (n = 0; n < len; n++) {
		ck_assert_ptr_nonnull(c = malloc(n + 1));
		memcpy(c, m, n);
		ck_assert_int_eq(ntlm_parse_authenticate(c, n, &a, &why), -1);
		free(c);
	}
	ck_assert_int_eq(ntlm_parse_authenticate(m, 40, &a, &why), -1);
	ck_assert_str_eq(why, "truncated AUTHENTICATE header");
	ck_assert_int_eq(ntlm_parse_authenticate(m, len - 1, &a, &why), -1);
	ck_assert_str_eq(why, "workstation name buffer is outside the message");

	/* An offset beyond the end, and one that wraps with the length. */
	set32(m + 20 + 4, (uint32_t)len + 1);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	ck_assert_str_eq(why, "NT response buffer is outside the message");
	set32(m + 20 + 4, 0xffffffff);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	set32(m + 20 + 4, 64 + 24);
	set32(m + 36 + 4, 0xfffffffe);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	ck_assert_str_eq(why, "user name buffer is outside the message");
	/* Pointing into the fixed header. */
	set32(m + 36 + 4, 8);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	ck_assert_str_eq(why, "user name buffer is outside the message");
	set16(m + 52, 0xffff);
	set32(m + 36 + 4, 64 + 24 + SPEC_NT_LEN + 14);
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	ck_assert_str_eq(why, "session key buffer is outside the message");
	set16(m + 52, 0);

	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), 0);
	m[8] = 2;
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	ck_assert_str_eq(why, "not an NTLM AUTHENTICATE (type 3) message");
	m[8] = 3;
	m[0] = 'n';
	ck_assert_int_eq(ntlm_parse_authenticate(m, len, &a, &why), -1);
	ck_assert_str_eq(why, "not an NTLMSSP message");
	free(m);
}
END_TEST

START_TEST(test_negotiate)
{
	/* What curl 7.88 sends: OEM, REQUEST_TARGET, NTLM, NTLM2 key,
	 * ALWAYS_SIGN, and empty domain and workstation fields. */
	unsigned char	m[40] = "NTLMSSP";
	uint32_t	flags = 0;

	set32(m + 8, 1);
	set32(m + 12, 0x00088206);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 32, &flags), 0);
	ck_assert_uint_eq(flags, 0x00088206);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 16, &flags), 0);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 15, &flags), -1);
	/* A domain of 8 bytes at 32 fits only a 40-byte message. */
	set16(m + 16, 8);
	set32(m + 20, 32);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 40, &flags), 0);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 39, &flags), -1);
	set32(m + 20, 0xfffffffc);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 40, &flags), -1);
	set16(m + 16, 0);
	set32(m + 8, 3);
	ck_assert_int_eq(ntlm_parse_negotiate(m, 32, &flags), -1);
	set32(m + 8, 1);
	m[7] = 'x';
	ck_assert_int_eq(ntlm_parse_negotiate(m, 32, &flags), -1);
}
END_TEST

/* The AV pairs of a TargetInfo: the value of id, or NULL. */
static const unsigned char *
av_find(const unsigned char *ti, size_t len, unsigned id, size_t *vlen)
{
	size_t	o = 0, l;

	while (o + 4 <= len) {
		l = get16(ti + o + 2);
		ck_assert_uint_le(o + 4 + l, len);
		if (get16(ti + o) == id) {
			*vlen = l;
			return ti + o + 4;
		}
		if (get16(ti + o) == NTLM_AV_EOL)
			break;
		o += 4 + l;
	}
	return NULL;
}

static void
check_av(const unsigned char *ti, size_t len, unsigned id, const char *s)
{
	unsigned char		 want[64];
	const unsigned char	*v;
	size_t			 vlen, n;

	n = u16(s, want);
	ck_assert_ptr_nonnull(v = av_find(ti, len, id, &vlen));
	ck_assert_uint_eq(vlen, n);
	ck_assert_mem_eq(v, want, n);
}

START_TEST(test_challenge_round_trip)
{
	struct ntlm_challenge	 c = {
		/* LM_KEY and IDENTIFY are not echoed. */
		.nc_client_flags = NTLM_NEGOTIATE_UNICODE |
		    NTLM_NEGOTIATE_OEM | NTLM_NEGOTIATE_SIGN |
		    NTLM_NEGOTIATE_128 | NTLM_NEGOTIATE_KEY_EXCH |
		    NTLM_NEGOTIATE_LM_KEY | NTLM_NEGOTIATE_IDENTIFY,
		.nc_challenge = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.nc_nb_domain = "EXAMPLE",
		.nc_nb_computer = "PROXY1",
		.nc_dns_domain = "example.com",
		.nc_dns_computer = "proxy1.example.com",
		.nc_timestamp = 0x01d9a1b2c3d4e5f6ULL,
	};
	unsigned char		 m[1024], name[64];
	const unsigned char	*ti, *v;
	uint32_t		 flags;
	size_t			 len, tilen, vlen, n;
	int			 r;

	ck_assert_int_gt(r = ntlm_build_challenge(&c, m, sizeof(m)), 0);
	len = (size_t)r;
	ck_assert_mem_eq(m, "NTLMSSP\0", 8);
	ck_assert_uint_eq(get32(m + 8), 2);
	flags = get32(m + 20);
	ck_assert_uint_eq(flags, NTLM_NEGOTIATE_UNICODE |
	    NTLM_REQUEST_TARGET | NTLM_NEGOTIATE_NTLM |
	    NTLM_NEGOTIATE_ALWAYS_SIGN | NTLM_TARGET_TYPE_DOMAIN |
	    NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY |
	    NTLM_NEGOTIATE_TARGET_INFO | NTLM_NEGOTIATE_VERSION |
	    NTLM_NEGOTIATE_SIGN | NTLM_NEGOTIATE_128 |
	    NTLM_NEGOTIATE_KEY_EXCH);
	ck_assert_mem_eq(m + 24, c.nc_challenge, 8);
	ck_assert_uint_eq(m[48], 10);		/* Version, 10.0.x rev 15 */
	ck_assert_uint_eq(m[55], 15);
	/* TargetName: the NetBIOS domain, right after the header. */
	n = u16("EXAMPLE", name);
	ck_assert_uint_eq(get16(m + 12), n);
	ck_assert_uint_eq(get32(m + 16), 56);
	ck_assert_mem_eq(m + 56, name, n);
	/* TargetInfo: inside, ends the message, ends with MsvAvEOL. */
	tilen = get16(m + 40);
	ck_assert_uint_eq(get32(m + 44) + tilen, len);
	ti = m + get32(m + 44);
	ck_assert_mem_eq(ti + tilen - 4, "\0\0\0\0", 4);
	check_av(ti, tilen, NTLM_AV_NB_DOMAIN_NAME, "EXAMPLE");
	check_av(ti, tilen, NTLM_AV_NB_COMPUTER_NAME, "PROXY1");
	check_av(ti, tilen, NTLM_AV_DNS_DOMAIN_NAME, "example.com");
	check_av(ti, tilen, NTLM_AV_DNS_COMPUTER_NAME, "proxy1.example.com");
	ck_assert_ptr_nonnull(v = av_find(ti, tilen, NTLM_AV_TIMESTAMP,
	    &vlen));
	ck_assert_uint_eq(vlen, 8);
	ck_assert_uint_eq(get32(v), 0xc3d4e5f6);
	ck_assert_uint_eq(get32(v + 4), 0x01d9a1b2);
	/* The first pair is the NetBIOS domain, as Windows sends it. */
	ck_assert_uint_eq(get16(ti), NTLM_AV_NB_DOMAIN_NAME);
	ck_assert_uint_eq(tilen, 4 * 6 + 2 * (7 + 6 + 11 + 18) + 8);

	/* Every smaller buffer is refused, without a write past it. */
	for (n = 0; n < len; n++) {
		unsigned char	*b = malloc(n + 1);

		ck_assert_ptr_nonnull(b);
		ck_assert_int_eq(ntlm_build_challenge(&c, b, n), -1);
		free(b);
	}
}
END_TEST

START_TEST(test_challenge_oem_and_names)
{
	struct ntlm_challenge	 c = {
		.nc_client_flags = NTLM_NEGOTIATE_OEM | NTLM_NEGOTIATE_56,
		.nc_nb_domain = "D\xc3\xa9V",	/* "DéV" */
		.nc_nb_computer = "P",
	};
	unsigned char		 m[512], big[300];
	const unsigned char	*ti, *v;
	uint32_t		 flags;
	size_t			 vlen;
	int			 r;

	ck_assert_int_gt(r = ntlm_build_challenge(&c, m, sizeof(m)), 0);
	flags = get32(m + 20);
	ck_assert(flags & NTLM_NEGOTIATE_OEM);
	ck_assert(!(flags & NTLM_NEGOTIATE_UNICODE));
	ck_assert(flags & NTLM_NEGOTIATE_56);
	ck_assert(!(flags & (NTLM_NEGOTIATE_128 | NTLM_NEGOTIATE_KEY_EXCH |
	    NTLM_NEGOTIATE_SIGN | NTLM_NEGOTIATE_SEAL)));
	/* An OEM TargetName is ASCII; the AV pairs stay UTF-16LE. */
	ck_assert_uint_eq(get16(m + 12), 3);
	ck_assert_mem_eq(m + 56, "D?V", 3);
	ti = m + get32(m + 44);
	ck_assert_ptr_nonnull(v = av_find(ti, get16(m + 40),
	    NTLM_AV_NB_DOMAIN_NAME, &vlen));
	ck_assert_uint_eq(vlen, 6);
	ck_assert_mem_eq(v, "D\0\xe9\0V\0", 6);
	/* No DNS names: no DNS pairs. */
	ck_assert_ptr_null(av_find(ti, get16(m + 40),
	    NTLM_AV_DNS_DOMAIN_NAME, &vlen));
	ck_assert_ptr_nonnull(av_find(ti, get16(m + 40), NTLM_AV_TIMESTAMP,
	    &vlen));
	/* A client that offers neither encoding gets Unicode. */
	c.nc_client_flags = 0;
	ck_assert_int_gt(ntlm_build_challenge(&c, m, sizeof(m)), 0);
	ck_assert(get32(m + 20) & NTLM_NEGOTIATE_UNICODE);

	c.nc_nb_domain = "bad\xff";
	ck_assert_int_eq(ntlm_build_challenge(&c, m, sizeof(m)), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c.nc_nb_domain = "D";
	c.nc_dns_computer = (const char *)big;
	ck_assert_int_eq(ntlm_build_challenge(&c, m, sizeof(m)), -1);
	c.nc_dns_computer = NULL;
	c.nc_nb_computer = NULL;
	ck_assert_int_eq(ntlm_build_challenge(&c, m, sizeof(m)), -1);
}
END_TEST

START_TEST(test_base64)
{
	static const char *const	enc[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"
	};
	static const char *const	bad[] = {
		"Zg=", "Z", "Zm9vY", "Zm 9v", "Zm9v\n", "Zg==Zg==", "=Zg=",
		"Zm-v", "Zm_v", "====", "Z===", "Zm9v=", "Zm9v===="
	};
	unsigned char			out[16];
	char				s[16];
	size_t				i, n;

	for (i = 0; i < sizeof(enc) / sizeof(enc[0]); i++) {
		ck_assert_int_eq(base64_encode((const unsigned char *)"foobar",
		    i, s, sizeof(s), &n), 0);
		ck_assert_str_eq(s, enc[i]);
		ck_assert_uint_eq(n, BASE64_ENCODED_LEN(i));
		ck_assert_int_eq(base64_decode(enc[i], strlen(enc[i]), out,
		    sizeof(out), &n), 0);
		ck_assert_uint_eq(n, i);
		ck_assert_mem_eq(out, "foobar", i);
		/* Exactly the room it needs, and one byte less. */
		ck_assert_int_eq(base64_decode(enc[i], strlen(enc[i]), out,
		    i, &n), 0);
		if (i > 0)
			ck_assert_int_eq(base64_decode(enc[i],
			    strlen(enc[i]), out, i - 1, &n), -1);
		ck_assert_int_eq(base64_encode((const unsigned char *)"foobar",
		    i, s, BASE64_ENCODED_LEN(i), &n), -1);
	}
	/* Unpadded input is accepted. */
	ck_assert_int_eq(base64_decode("Zm9vYg", 6, out, sizeof(out), &n), 0);
	ck_assert_uint_eq(n, 4);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(base64_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out), &n) == -1, "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_utf16)
{
	static const char *const	good[] = {
		"", "User", "J\xc3\xbcrgen", "\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9d\x84\x9e", "\xef\xbf\xbd"
	};
	static const char *const	bad[] = {
		"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xff", "\x80", "\xc3", "\xe6\x97", "\xf0\x9d\x84"
	};
	static const unsigned char	bad16[][4] = {
		{ 0x00, 0xdc, 'a', 0 },		/* lone low surrogate */
		{ 'a', 0, 0x34, 0xd8 },		/* high at the end */
		{ 0x34, 0xd8, 'a', 0 },		/* high, no low */
		{ 'a', 0, 0, 0 },		/* a NUL */
	};
	unsigned char			u[64];
	char				s[64];
	size_t				i, n;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(ntlm_utf8_to_utf16le(good[i], u, sizeof(u),
		    &n), 0);
		ck_assert_int_eq(ntlm_utf16le_to_utf8(u, n, s, sizeof(s)), 0);
		ck_assert_str_eq(s, good[i]);
		if (n > 0)
			ck_assert_int_eq(ntlm_utf8_to_utf16le(good[i], u,
			    n - 1, &n), -2);
		ck_assert_int_eq(ntlm_utf16le_to_utf8(u, 0, s, 1), 0);
	}
	ck_assert_int_eq(ntlm_utf8_to_utf16le("\xf0\x9d\x84\x9e", u,
	    sizeof(u), &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_mem_eq(u, "\x34\xd8\x1e\xdd", 4);
	ck_assert_int_eq(ntlm_utf16le_to_utf8(u, 4, s, 4), -2);
	ck_assert_int_eq(ntlm_utf16le_to_utf8(u, 4, s, 5), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ntlm_utf8_to_utf16le(bad[i], u, sizeof(u),
		    &n) == -1, "accepted bad UTF-8 %zu", i);
	for (i = 0; i < sizeof(bad16) / sizeof(bad16[0]); i++)
		ck_assert_msg(ntlm_utf16le_to_utf8(bad16[i], 4, s,
		    sizeof(s)) == -1, "accepted bad UTF-16 %zu", i);
	ck_assert_int_eq(ntlm_utf16le_to_utf8(u, 3, s, sizeof(s)), -1);
}
END_TEST

Suite *
suite_ntlm(void)
{
	Suite	*s = suite_create("ntlm");
	TCase	*tc = tcase_create("messages");

	tcase_add_checked_fixture(tc, base_setup, NULL);
	tcase_add_test(tc, test_spec_vector);
	tcase_add_test(tc, test_verify_blob_version);
	tcase_add_test(tc, test_real_clients);
	tcase_add_test(tc, test_auth_fields);
	tcase_add_loop_test(tc, test_auth_refused, 0,
	    sizeof(spoilt) / sizeof(spoilt[0]));
	tcase_add_test(tc, test_auth_malformed);
	tcase_add_test(tc, test_nt_response_bound);
	tcase_add_test(tc, test_negotiate);
	tcase_add_test(tc, test_challenge_round_trip);
	tcase_add_test(tc, test_challenge_oem_and_names);
	tcase_add_test(tc, test_base64);
	tcase_add_test(tc, test_utf16);
	suite_add_tcase(s, tc);
	return s;
}
