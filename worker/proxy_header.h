/*
 * The PROXY protocol header (version 1 text, version 2 binary) that a
 * layer-4 balancer sends before the client's bytes, carrying the client's
 * address. Parsed by proxy_session.c on listeners with proxy-protocol.
 */
#ifndef RPXD_PROXY_HEADER_H
#define RPXD_PROXY_HEADER_H

#include <sys/types.h>
#include <sys/socket.h>
#include <stddef.h>

#define PROXY_V1_MAX	107		/* the spec's bound, CRLF included */
#define PROXY_V2_ADDR_MAX 2048		/* address block and TLVs we accept */
#define PROXY_HEADER_MAX (16 + PROXY_V2_ADDR_MAX)

struct proxy_header {
	int			 ph_version;	/* 1 or 2 */
	int			 ph_local;	/* LOCAL, UNKNOWN or UNSPEC: the
						   connection's own address */
	struct sockaddr_storage	 ph_src;	/* unless ph_local */
};

/*
 * p holds the first len bytes of the connection. Returns the header's
 * length once it is whole, 0 while more bytes are needed, -1 when it is
 * not a valid header (why says how).
 */
long	proxy_header_parse(const unsigned char *p, size_t len,
	    struct proxy_header *ph, const char **why);

#endif
