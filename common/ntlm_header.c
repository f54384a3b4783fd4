/*
 * NTLM in HTTP field values (see ntlm.h): which schemes bind a connection,
 * the scheme list of a WWW-Authenticate challenge, and the NTLMSSP type
 * inside a token, raw or wrapped in SPNEGO (RFC 4178) for Negotiate. The
 * worker logs pass-through handshakes with it; `auth = ntlm` reads tokens.
 */
#include <string.h>

#include "base64.h"
#include "der.h"
#include "ntlm.h"

#define NTLMSSP_SIG	"NTLMSSP"	/* and its NUL: 8 bytes */


static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 tchar. */
static int
is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
ascii_caseeq(const char *a, const char *b, size_t len)
{
	size_t	i;
	char	x, y;

	for (i = 0; i < len; i++) {
		x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
		y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
		if (x != y)
			return 0;
	}
	return 1;
}

int
ntlm_scheme_is_connection_bound(const char *scheme, size_t len)
{
	static const char *const	bound[] = {
		"NTLM", "Negotiate", "Nego2", "Kerberos"
	};
	size_t				i;

	for (i = 0; i < sizeof(bound) / sizeof(bound[0]); i++)
		if (strlen(bound[i]) == len &&
		    ascii_caseeq(scheme, bound[i], len))
			return 1;
	return 0;
}

/*
 * The next element [*s, *e) of a comma-separated list, skipping quoted
 * strings, whose commas do not separate; 0 at the end of the list.
 */
static int
next_element(const char **p, const char *end, const char **s,
    const char **e)
{
	const char	*q = *p;
	int		 quoted = 0;

	if (q >= end)
		return 0;
	*s = q;
	for (; q < end && (quoted || *q != ','); q++) {
		if (quoted && *q == '\\' && q + 1 < end)
			q++;
		else if (*q == '"')
			quoted = !quoted;
	}
	*e = q;
	*p = q < end ? q + 1 : q;
	return 1;
}

/*
 * Whether an element starts a challenge (or is credentials): a scheme not
 * followed by "=", as an auth-param would be. The scheme and what follows
 * it (a token68 or auth-params), both without surrounding whitespace.
 */
static int
element_scheme(const char *s, const char *e, const char **scheme,
    size_t *slen, const char **rest, size_t *rlen)
{
	const char	*q;

	while (s < e && is_ws(*s))
		s++;
	while (e > s && is_ws(e[-1]))
		e--;
	for (q = s; q < e && is_tchar(*q); q++)
		;
	if (q == s || (q < e && !is_ws(*q)))
		return 0;
	*scheme = s;
	*slen = (size_t)(q - s);
	while (q < e && is_ws(*q))
		q++;
	if (q < e && *q == '=')
		return 0;
	*rest = q;
	*rlen = (size_t)(e - q);
	return 1;
}

int
ntlm_credentials_is_connection_bound(const char *value, size_t len)
{
	const char	*p = value, *s, *e, *scheme, *rest;
	size_t		 slen, rlen;

	if (!next_element(&p, value + len, &s, &e) ||
	    !element_scheme(s, e, &scheme, &slen, &rest, &rlen))
		return 0;
	return ntlm_scheme_is_connection_bound(scheme, slen);
}

int
ntlm_challenge_is_connection_bound(const char *value, size_t len)
{
	const char	*p = value, *s, *e, *scheme, *rest;
	size_t		 slen, rlen;

	while (next_element(&p, value + len, &s, &e))
		if (element_scheme(s, e, &scheme, &slen, &rest, &rlen) &&
		    ntlm_scheme_is_connection_bound(scheme, slen))
			return 1;
	return 0;
}

static int
ntlmssp_type(const unsigned char *m, size_t len)
{
	uint32_t	t;

	if (len < 8 || memcmp(m, NTLMSSP_SIG, 8) != 0)
		return 0;
	if (len < 12)
		return -1;
	t = m[8] | (uint32_t)m[9] << 8 | (uint32_t)m[10] << 16 |
	    (uint32_t)m[11] << 24;
	return t >= 1 && t <= 3 ? (int)t : -1;
}

/* The type of a decoded token, and where its NTLMSSP message is. */
static int
token_type(const unsigned char *b, size_t len, const unsigned char **msg,
    size_t *msglen)
{
	struct der	tok;
	int		r;

	if ((r = ntlmssp_type(b, len)) == 0) {
		if ((r = der_spnego_token(b, len, &tok)) != 1)
			return r;
		b = tok.d_p;
		len = tok.d_len;
		r = ntlmssp_type(b, len);
	}
	if (r > 0) {
		*msg = b;
		*msglen = len;
	}
	return r;
}

int
ntlm_header_token(const char *value, size_t len, unsigned char *buf,
    size_t buflen, const unsigned char **msg, size_t *msglen)
{
	const char	*p = value, *s, *e, *scheme, *rest;
	size_t		 slen, rlen, n;

	while (next_element(&p, value + len, &s, &e)) {
		if (!element_scheme(s, e, &scheme, &slen, &rest, &rlen) ||
		    !ntlm_scheme_is_connection_bound(scheme, slen) ||
		    rlen == 0)
			continue;
		if (rlen > NTLM_TOKEN_MAX ||
		    base64_decode(rest, rlen, buf, buflen, &n) == -1)
			return -1;
		return token_type(buf, n, msg, msglen);
	}
	return 0;
}

int
ntlm_header_type(const char *value, size_t len)
{
	unsigned char		 buf[NTLM_MSG_MAX];
	const unsigned char	*msg;
	size_t			 msglen;

	return ntlm_header_token(value, len, buf, sizeof(buf), &msg,
	    &msglen);
}
