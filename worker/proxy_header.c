/*
 * PROXY protocol parsing (proxy_header.h), strict: version 1 is one CRLF
 * line of at most 107 bytes with single spaces, real addresses and ports
 * in range; version 2 has its signature, version 2, a known command, an
 * address block that fits its family, and TLVs that fit the header (all
 * skipped: rpxd uses none of them). A header is read only from a source
 * the listener trusts, and nothing here trusts its lengths.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "proxy_header.h"

static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

static int
fail(const char **why, const char *reason)
{
	*why = reason;
	return -1;
}

/* A decimal port: 1 to 5 digits, no leading zero, at most 65535. */
static int
v1_port(const char *s, size_t n, in_port_t *port)
{
	unsigned long	v = 0;
	size_t		i;

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = htons((in_port_t)v);
	return 0;
}

/* The next field of a v1 line, up to a single space or the end. */
static int
v1_field(const char **p, const char *end, char *out, size_t outlen,
    size_t *n)
{
	const char	*sp = memchr(*p, ' ', (size_t)(end - *p));
	size_t		 len = (size_t)((sp ? sp : end) - *p);

	if (len == 0 || len >= outlen)
		return -1;
	memcpy(out, *p, len);
	out[len] = '\0';
	*n = len;
	*p += len + (sp != NULL);
	return sp != NULL ? 1 : 0;
}

/* A v1 address of family into sa (or only checked when sa is NULL). */
static int
v1_addr(int family, const char *s, struct sockaddr_storage *sa)
{
	struct in6_addr	 scratch;
	void		*addr = &scratch;

	if (sa != NULL) {
		memset(sa, 0, sizeof(*sa));
		sa->ss_family = (sa_family_t)family;
		addr = family == AF_INET ?
		    (void *)&((struct sockaddr_in *)(void *)sa)->sin_addr :
		    (void *)&((struct sockaddr_in6 *)(void *)sa)->sin6_addr;
	}
	return inet_pton(family, s, addr) == 1 ? 0 : -1;
}

/* The line up to its CRLF: its length without CRLF, 0 for more, -1. */
static long
v1_line(const unsigned char *p, size_t len, const char **why)
{
	size_t	scan = len < PROXY_V1_MAX ? len : PROXY_V1_MAX, i;

	for (i = 0; i < scan; i++) {
		if (p[i] == '\n')
			return fail(why, "v1: a bare LF in the header line");
		if (p[i] != '\r')
			continue;
		if (i + 1 >= PROXY_V1_MAX)
			break;
		if (i + 1 >= len)
			return 0;
		if (p[i + 1] != '\n')
			return fail(why, "v1: a bare CR in the header line");
		return (long)i;
	}
	if (len >= PROXY_V1_MAX)
		return fail(why, "v1: no CRLF within 107 bytes");
	return 0;
}

static long
v1_parse(const unsigned char *p, size_t len, struct proxy_header *ph,
    const char **why)
{
	const char	*cur = (const char *)p + 6, *end;
	char		 f[4][INET6_ADDRSTRLEN + 1];
	size_t		 n[4], i;
	long		 ll;
	int		 family, more = 0;
	in_port_t	 sport, dport;

	ph->ph_version = 1;
	if ((ll = v1_line(p, len, why)) <= 0)
		return ll;
	end = (const char *)p + ll;
	if (end - cur >= 7 && memcmp(cur, "UNKNOWN", 7) == 0 &&
	    (end - cur == 7 || cur[7] == ' ')) {
		ph->ph_local = 1;	/* the rest is to be ignored */
		return ll + 2;
	}
	if (end - cur < 5 || (memcmp(cur, "TCP4 ", 5) != 0 &&
	    memcmp(cur, "TCP6 ", 5) != 0))
		return fail(why, "v1: the protocol is not TCP4, TCP6 or "
		    "UNKNOWN");
	family = cur[3] == '4' ? AF_INET : AF_INET6;
	cur += 5;
	for (i = 0; i < 4; i++) {
		more = v1_field(&cur, end, f[i], sizeof(f[i]), &n[i]);
		if (more == -1 || (i < 3 && more == 0))
			return fail(why, "v1: the fields are not source, "
			    "destination, source port and destination port "
			    "separated by single spaces");
	}
	if (more != 0)
		return fail(why, "v1: more than four fields after the "
		    "protocol");
	if (v1_addr(family, f[0], &ph->ph_src) == -1 ||
	    v1_addr(family, f[1], NULL) == -1)
		return fail(why, family == AF_INET ? "v1: an address is not "
		    "IPv4" : "v1: an address is not IPv6");
	if (v1_port(f[2], n[2], &sport) == -1 ||
	    v1_port(f[3], n[3], &dport) == -1)
		return fail(why, "v1: a port is not a number from 0 to 65535");
	if (family == AF_INET)
		((struct sockaddr_in *)(void *)&ph->ph_src)->sin_port = sport;
	else
		((struct sockaddr_in6 *)(void *)&ph->ph_src)->sin6_port = sport;
	return ll + 2;
}

/* TLVs: type, 16-bit length, value; each must fit what is left. */
static int
v2_tlvs(const unsigned char *p, size_t len)
{
	size_t	at = 0, vlen;

	while (at < len) {
		if (len - at < 3)
			return -1;
		vlen = (size_t)p[at + 1] << 8 | p[at + 2];
		if (vlen > len - at - 3)
			return -1;
		at += 3 + vlen;
	}
	return 0;
}

static long
v2_parse(const unsigned char *p, size_t len, struct proxy_header *ph,
    const char **why)
{
	size_t			 hlen, alen;
	struct sockaddr_in	*sin = (struct sockaddr_in *)(void *)&ph->ph_src;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)(void *)
				    &ph->ph_src;

	ph->ph_version = 2;
	if (len < 16)
		return 0;
	if ((p[12] >> 4) != 2)
		return fail(why, "v2: the version is not 2");
	if ((p[12] & 0x0f) > 1)
		return fail(why, "v2: the command is neither LOCAL nor PROXY");
	hlen = (size_t)p[14] << 8 | p[15];
	if (hlen > PROXY_V2_ADDR_MAX)
		return fail(why, "v2: the header is longer than rpxd accepts "
		    "(2048 bytes after the first 16)");
	if (len < 16 + hlen)
		return 0;
	if ((p[12] & 0x0f) == 0 || p[13] == 0x00) {
		/* LOCAL (the balancer's own check), or PROXY with UNSPEC:
		 * the connection's own addresses are the ones to use. */
		ph->ph_local = 1;
		return (long)(16 + hlen);
	}
	memset(&ph->ph_src, 0, sizeof(ph->ph_src));
	switch (p[13]) {
	case 0x11:	/* TCP over IPv4 */
		alen = 12;
		if (hlen < alen)
			break;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, p + 16, 4);
		memcpy(&sin->sin_port, p + 24, 2);
		break;
	case 0x21:	/* TCP over IPv6 */
		alen = 36;
		if (hlen < alen)
			break;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, p + 16, 16);
		memcpy(&sin6->sin6_port, p + 48, 2);
		break;
	default:
		return fail(why, "v2: the address family is not TCP over "
		    "IPv4 or IPv6");
	}
	if (hlen < alen)
		return fail(why, "v2: the address block is shorter than its "
		    "family needs");
	if (v2_tlvs(p + 16 + alen, hlen - alen) == -1)
		return fail(why, "v2: a TLV runs past the end of the header");
	return (long)(16 + hlen);
}

long
proxy_header_parse(const unsigned char *p, size_t len,
    struct proxy_header *ph, const char **why)
{
	static const char	v1_sig[6] = "PROXY ";
	size_t			n;

	memset(ph, 0, sizeof(*ph));
	*why = NULL;
	if (len == 0)
		return 0;
	if (p[0] == v1_sig[0]) {
		n = len < sizeof(v1_sig) ? len : sizeof(v1_sig);
		if (memcmp(p, v1_sig, n) != 0)
			return fail(why, "no PROXY protocol header");
		return n < sizeof(v1_sig) ? 0 : v1_parse(p, len, ph, why);
	}
	n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);
	if (memcmp(p, v2_sig, n) != 0)
		return fail(why, "no PROXY protocol header");
	return v2_parse(p, len, ph, why);
}
