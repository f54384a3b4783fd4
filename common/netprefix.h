/*
 * Address prefixes ("10.0.0.0/8", "2001:db8::/32", or one address) for
 * lists of trusted peers in the configuration: parsed by the parser,
 * matched by workers against the address a connection comes from.
 */
#ifndef RPXD_NETPREFIX_H
#define RPXD_NETPREFIX_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>
#include <stdint.h>

struct net_prefix {
	uint8_t		np_family;	/* AF_INET or AF_INET6 */
	uint8_t		np_bits;	/* 0-32 or 0-128 */
	uint8_t		np_addr[16];	/* host bits zero */
};

/* 0, or -1 with a reason in *why ("host bits set", ...). */
int	net_prefix_parse(const char *s, struct net_prefix *p, const char **why);
/* Is sa (IPv4, IPv6, or IPv4-mapped IPv6) inside p? */
int	net_prefix_match(const struct net_prefix *p, const struct sockaddr *sa);
/* "10.0.0.0/8" */
void	net_prefix_format(const struct net_prefix *p, char *out, size_t len);

#endif
