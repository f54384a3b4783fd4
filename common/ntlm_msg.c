/*
 * The NTLMSSP messages of an HTTP handshake (MS-NLMP 2.2.1, see ntlm.h):
 * reading the client's NEGOTIATE and AUTHENTICATE, writing the CHALLENGE.
 * Every security buffer of a received message is checked to lie inside
 * it before a byte of it is read.
 */
#include <string.h>

#include "ntlm.h"

#define NTLMSSP_SIG		"NTLMSSP"	/* and its NUL: 8 bytes */
#define NEGOTIATE_HDR		32	/* up to the workstation field */
#define CHALLENGE_HDR		56	/* with the Version */
#define AUTH_HDR		64	/* up to NegotiateFlags */
#define LMV1_ESS_LEN		24	/* client challenge, 16 zero bytes */

/* The Version we announce (informational only): 10.0.17763, rev 15. */
static const unsigned char	challenge_version[8] = {
	10, 0, 0x63, 0x45, 0, 0, 0, 15
};

enum name_problem {
	NAME_OK,
	NAME_BAD_UTF16,
	NAME_NOT_ASCII,
	NAME_TOO_LONG,
	NAME_CONTROL
};

enum name_field {
	FIELD_USER,
	FIELD_DOMAIN,
	FIELD_WORKSTATION
};

static const char *const	name_why[3][5] = {
	[FIELD_USER] = {
		NULL,
		"user name is not valid UTF-16",
		"user name is not ASCII in an OEM message",
		"user name is longer than 256 bytes",
		"user name has control characters"
	},
	[FIELD_DOMAIN] = {
		NULL,
		"domain name is not valid UTF-16",
		"domain name is not ASCII in an OEM message",
		"domain name is longer than 256 bytes",
		"domain name has control characters"
	},
	[FIELD_WORKSTATION] = {
		NULL,
		"workstation name is not valid UTF-16",
		"workstation name is not ASCII in an OEM message",
		"workstation name is longer than 256 bytes",
		"workstation name has control characters"
	}
};

static uint32_t
le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put16(unsigned char *p, size_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static int
is_ntlmssp(const unsigned char *m, size_t len, uint32_t type)
{
	return len >= 12 && memcmp(m, NTLMSSP_SIG, 8) == 0 &&
	    le32(m + 8) == type;
}

/*
 * The security buffer (length, allocated, offset) at m + at: a non-empty
 * one must lie inside the message, after its fixed header.
 */
static int
secbuf_get(const unsigned char *m, size_t len, size_t at, size_t hdr,
    const unsigned char **p, size_t *n)
{
	size_t	l = m[at] | (size_t)m[at + 1] << 8, off = le32(m + at + 4);

	*p = m;
	*n = 0;
	if (l == 0)
		return 0;
	if (off < hdr || off > len || l > len - off)
		return -1;
	*p = m + off;
	*n = l;
	return 0;
}

static void
secbuf_put(unsigned char *m, size_t at, size_t len, size_t off)
{
	put16(m + at, len);
	put16(m + at + 2, len);
	put32(m + at + 4, (uint32_t)off);
}

int
ntlm_parse_negotiate(const unsigned char *m, size_t len, uint32_t *flags)
{
	const unsigned char	*p;
	size_t			 n;

	if (len < 16 || !is_ntlmssp(m, len, 1))
		return -1;
	*flags = le32(m + 12);
	/* Old clients stop after the flags; the name fields are optional. */
	if (len >= NEGOTIATE_HDR &&
	    (secbuf_get(m, len, 16, NEGOTIATE_HDR, &p, &n) == -1 ||
	    secbuf_get(m, len, 24, NEGOTIATE_HDR, &p, &n) == -1))
		return -1;
	return 0;
}

/* A name in UTF-16LE, or for an OEM client in ASCII ('?' for the rest). */
static int
put_name(unsigned char *out, size_t outlen, size_t *o, const char *name,
    int unicode)
{
	unsigned char	u[2 * NTLM_NAME_MAX];
	size_t		n, i;

	if (strlen(name) > NTLM_NAME_MAX ||
	    ntlm_utf8_to_utf16le(name, u, sizeof(u), &n) != 0)
		return -1;
	if (!unicode) {
		for (i = 0; i < n; i += 2)
			u[i / 2] = u[i + 1] == 0 && u[i] < 0x80 ? u[i] : '?';
		n /= 2;
	}
	if (outlen - *o < n)
		return -1;
	memcpy(out + *o, u, n);
	*o += n;
	return 0;
}

static int
put_av(unsigned char *out, size_t outlen, size_t *o, enum ntlm_av_id id,
    const void *val, size_t len)
{
	if (outlen - *o < 4 + len)
		return -1;
	put16(out + *o, id);
	put16(out + *o + 2, len);
	if (len > 0)
		memcpy(out + *o + 4, val, len);
	*o += 4 + len;
	return 0;
}

/* An AV pair whose value is a name; optional ones are left out if empty. */
static int
put_av_name(unsigned char *out, size_t outlen, size_t *o,
    enum ntlm_av_id id, const char *name, int optional)
{
	size_t	start = *o;

	if (optional && (name == NULL || *name == '\0'))
		return 0;
	if (name == NULL || outlen - *o < 4)
		return -1;
	*o += 4;
	if (put_name(out, outlen, o, name, 1) == -1)
		return -1;
	put16(out + start, id);
	put16(out + start + 2, *o - start - 4);
	return 0;
}

static int
put_target_info(const struct ntlm_challenge *c, unsigned char *out,
    size_t outlen, size_t *o)
{
	unsigned char	ts[8];

	put32(ts, (uint32_t)c->nc_timestamp);
	put32(ts + 4, (uint32_t)(c->nc_timestamp >> 32));
	if (put_av_name(out, outlen, o, NTLM_AV_NB_DOMAIN_NAME,
	    c->nc_nb_domain, 0) == -1 ||
	    put_av_name(out, outlen, o, NTLM_AV_NB_COMPUTER_NAME,
	    c->nc_nb_computer, 0) == -1 ||
	    put_av_name(out, outlen, o, NTLM_AV_DNS_DOMAIN_NAME,
	    c->nc_dns_domain, 1) == -1 ||
	    put_av_name(out, outlen, o, NTLM_AV_DNS_COMPUTER_NAME,
	    c->nc_dns_computer, 1) == -1 ||
	    put_av(out, outlen, o, NTLM_AV_TIMESTAMP, ts, sizeof(ts)) == -1 ||
	    put_av(out, outlen, o, NTLM_AV_EOL, NULL, 0) == -1)
		return -1;
	return 0;
}

/*
 * OEM only for a client that offers nothing else (curl does so and reads
 * Unicode anyway). The session-security bits the client asks for are
 * echoed, as Windows does: GSSAPI clients (gss-ntlmssp under SPNEGO)
 * give up without SIGN, and HTTP never signs or seals anything.
 */
static uint32_t
challenge_flags(uint32_t client)
{
	uint32_t	f;

	f = NTLM_REQUEST_TARGET | NTLM_NEGOTIATE_NTLM |
	    NTLM_NEGOTIATE_ALWAYS_SIGN | NTLM_TARGET_TYPE_DOMAIN |
	    NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY |
	    NTLM_NEGOTIATE_TARGET_INFO | NTLM_NEGOTIATE_VERSION;
	if ((client & NTLM_NEGOTIATE_OEM) &&
	    !(client & NTLM_NEGOTIATE_UNICODE))
		f |= NTLM_NEGOTIATE_OEM;
	else
		f |= NTLM_NEGOTIATE_UNICODE;
	f |= client & (NTLM_NEGOTIATE_SIGN | NTLM_NEGOTIATE_SEAL |
	    NTLM_NEGOTIATE_128 | NTLM_NEGOTIATE_56 | NTLM_NEGOTIATE_KEY_EXCH);
	return f;
}

int
ntlm_build_challenge(const struct ntlm_challenge *c, unsigned char *out,
    size_t outlen)
{
	uint32_t	flags = challenge_flags(c->nc_client_flags);
	size_t		o = CHALLENGE_HDR, ti;

	if (outlen < CHALLENGE_HDR || c->nc_nb_domain == NULL)
		return -1;
	memset(out, 0, CHALLENGE_HDR);
	if (put_name(out, outlen, &o, c->nc_nb_domain,
	    (flags & NTLM_NEGOTIATE_UNICODE) != 0) == -1)
		return -1;
	secbuf_put(out, 12, o - CHALLENGE_HDR, CHALLENGE_HDR);
	ti = o;
	if (put_target_info(c, out, outlen, &o) == -1 || o - ti > 0xffff)
		return -1;
	secbuf_put(out, 40, o - ti, ti);
	memcpy(out, NTLMSSP_SIG, 8);
	put32(out + 8, 2);
	put32(out + 20, flags);
	memcpy(out + 24, c->nc_challenge, NTLM_CHALLENGE_LEN);
	memcpy(out + 48, challenge_version, sizeof(challenge_version));
	return (int)o;
}

static int
has_control(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return 1;
	return 0;
}

static enum name_problem
decode_name(char *dst, const unsigned char *p, size_t n, int unicode)
{
	size_t	i;
	int	r;

	if (unicode) {
		if ((r = ntlm_utf16le_to_utf8(p, n, dst,
		    NTLM_NAME_MAX + 1)) != 0)
			return r == -2 ? NAME_TOO_LONG : NAME_BAD_UTF16;
	} else {
		if (n > NTLM_NAME_MAX)
			return NAME_TOO_LONG;
		for (i = 0; i < n; i++) {
			if (p[i] >= 0x80)
				return NAME_NOT_ASCII;
			dst[i] = (char)p[i];
		}
		dst[n] = '\0';
		if (strlen(dst) != n)
			return NAME_CONTROL;
	}
	return has_control(dst) ? NAME_CONTROL : NAME_OK;
}

/* A name, or an empty string: a refusal may log what was decoded. */
static enum name_problem
get_name(char *dst, const unsigned char *p, size_t n, int unicode)
{
	enum name_problem	np;

	if ((np = decode_name(dst, p, n, unicode)) != NAME_OK)
		dst[0] = '\0';
	return np;
}

static int
refuse(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/* The security buffers and the names of a type 3. */
static int
auth_fields(const unsigned char *m, size_t len, struct ntlm_auth *a,
    const char **why)
{
	const unsigned char	*name[3], *key;
	size_t			 nlen[3], keylen;
	int			 unicode, i;
	enum name_problem	 np;

	if (secbuf_get(m, len, 12, AUTH_HDR, &a->na_lm, &a->na_lmlen) == -1)
		return refuse(why, "LM response buffer is outside the message");
	if (secbuf_get(m, len, 20, AUTH_HDR, &a->na_nt, &a->na_ntlen) == -1)
		return refuse(why, "NT response buffer is outside the message");
	if (secbuf_get(m, len, 28, AUTH_HDR, &name[FIELD_DOMAIN],
	    &nlen[FIELD_DOMAIN]) == -1)
		return refuse(why, "domain name buffer is outside the message");
	if (secbuf_get(m, len, 36, AUTH_HDR, &name[FIELD_USER],
	    &nlen[FIELD_USER]) == -1)
		return refuse(why, "user name buffer is outside the message");
	if (secbuf_get(m, len, 44, AUTH_HDR, &name[FIELD_WORKSTATION],
	    &nlen[FIELD_WORKSTATION]) == -1)
		return refuse(why,
		    "workstation name buffer is outside the message");
	if (secbuf_get(m, len, 52, AUTH_HDR, &key, &keylen) == -1)
		return refuse(why, "session key buffer is outside the message");
	a->na_enckey = key;
	a->na_enckeylen = keylen;
	unicode = (a->na_flags & NTLM_NEGOTIATE_UNICODE) != 0;
	np = get_name(a->na_user, name[FIELD_USER], nlen[FIELD_USER],
	    unicode);
	if (np != NAME_OK)
		return refuse(why, name_why[FIELD_USER][np]);
	for (i = FIELD_DOMAIN; i <= FIELD_WORKSTATION; i++) {
		np = get_name(i == FIELD_DOMAIN ? a->na_domain :
		    a->na_workstation, name[i], nlen[i], unicode);
		if (np != NAME_OK)
			return refuse(why, name_why[i][np]);
	}
	return 0;
}

/* NTLMv1 with extended session security sends an LM response of the
 * client challenge and zeros (MS-NLMP 3.3.1). */
static int
is_ntlm2_session(const struct ntlm_auth *a)
{
	size_t	i;

	if (!(a->na_flags & NTLM_NEGOTIATE_EXTENDED_SESSIONSECURITY) ||
	    a->na_lmlen != LMV1_ESS_LEN)
		return 0;
	for (i = 8; i < LMV1_ESS_LEN; i++)
		if (a->na_lm[i] != 0)
			return 0;
	return 1;
}

int
ntlm_parse_authenticate(const unsigned char *m, size_t len,
    struct ntlm_auth *a, const char **why)
{
	memset(a, 0, sizeof(*a));
	if (len < 12 || memcmp(m, NTLMSSP_SIG, 8) != 0)
		return refuse(why, "not an NTLMSSP message");
	if (!is_ntlmssp(m, len, 3))
		return refuse(why, "not an NTLM AUTHENTICATE (type 3) message");
	if (len < AUTH_HDR)
		return refuse(why, "truncated AUTHENTICATE header");
	a->na_flags = le32(m + 60);
	if (auth_fields(m, len, a, why) == -1)
		return -1;
	if (a->na_user[0] == '\0')
		return refuse(why, "anonymous authentication (no user name)");
	if (a->na_flags & NTLM_NEGOTIATE_ANONYMOUS)
		return refuse(why, "anonymous authentication (anonymous flag)");
	if (a->na_ntlen == 0)
		return refuse(why, "no NT response (anonymous or LM only)");
	if (a->na_ntlen == 24)
		return refuse(why, is_ntlm2_session(a) ?
		    "NTLMv1 with extended session security (NTLM2 session "
		    "response); only NTLMv2 is accepted" :
		    "NTLMv1 response; only NTLMv2 is accepted");
	if (a->na_ntlen < NTLM_V2_RESPONSE_MIN)
		return refuse(why, "NT response too short for NTLMv2");
	if (a->na_ntlen > NTLM_NT_RESPONSE_MAX)
		return refuse(why, "NT response longer than 4096 bytes");
	if (a->na_nt[NTLM_HASH_LEN] != 1 || a->na_nt[NTLM_HASH_LEN + 1] != 1)
		return refuse(why, "NTLMv2 response of an unknown version");
	return 0;
}
