/*
 * Address prefixes (netprefix.h): strict parsing, so that a typo in a list
 * of trusted balancers is a configuration error rather than a wider trust
 * than meant, and matching that sees an IPv4 peer on a dual-stack socket
 * (::ffff:a.b.c.d) as the IPv4 address it is.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netprefix.h"

static int
bits_parse(const char *s, unsigned max, unsigned *bits)
{
	unsigned	v = 0;
	size_t		i;

	if (s[0] == '\0' || strlen(s) > 3 || (s[0] == '0' && s[1] != '\0'))
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*bits = v;
	return 0;
}

int
net_prefix_parse(const char *s, struct net_prefix *p, const char **why)
{
	char		 addr[INET6_ADDRSTRLEN + 1];
	const char	*slash = strchr(s, '/');
	size_t		 alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned	 bits, max, i;

	memset(p, 0, sizeof(*p));
	*why = "not an IPv4 or IPv6 address, with an optional /prefix length";
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p->np_addr) == 1) {
		p->np_family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->np_addr) == 1) {
		p->np_family = AF_INET6;
		max = 128;
	} else
		return -1;
	bits = max;
	if (slash != NULL && bits_parse(slash + 1, max, &bits) == -1) {
		*why = max == 32 ? "the prefix length must be 0 to 32" :
		    "the prefix length must be 0 to 128";
		return -1;
	}
	p->np_bits = (uint8_t)bits;
	for (i = bits; i < max; i++)
		if (p->np_addr[i / 8] & (0x80 >> (i % 8))) {
			*why = "the address has bits set beyond the prefix "
			    "length";
			return -1;
		}
	return 0;
}

static int
bits_equal(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned	full = bits / 8, rest = bits % 8;
	uint8_t		mask;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int
net_prefix_match(const struct net_prefix *p, const struct sockaddr *sa)
{
	static const uint8_t	 mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0xff, 0xff };
	const uint8_t		*a;

	if (sa->sa_family == AF_INET) {
		a = (const uint8_t *)&((const struct sockaddr_in *)
		    (const void *)sa)->sin_addr;
		return p->np_family == AF_INET && bits_equal(a, p->np_addr,
		    p->np_bits);
	}
	if (sa->sa_family != AF_INET6)
		return 0;
	a = (const uint8_t *)&((const struct sockaddr_in6 *)
	    (const void *)sa)->sin6_addr;
	if (p->np_family == AF_INET6)
		return bits_equal(a, p->np_addr, p->np_bits);
	return memcmp(a, mapped, sizeof(mapped)) == 0 &&
	    bits_equal(a + 12, p->np_addr, p->np_bits);
}

void
net_prefix_format(const struct net_prefix *p, char *out, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	if (inet_ntop(p->np_family, p->np_addr, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	snprintf(out, len, "%s/%u", addr, p->np_bits);
}
