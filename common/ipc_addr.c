/*
 * Client addresses in IPC payloads (ipc_addr.h): u32 family, then for
 * AF_INET 4 and for AF_INET6 16 address bytes and a u32 port.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "ipc_addr.h"

void
ipc_addr_put(struct msgbuf *mb, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*sin6 = (const void *)ss;

	if (ss->ss_family == AF_INET) {
		msgbuf_put_u32(mb, AF_INET);
		msgbuf_put_bytes(mb, &sin->sin_addr, 4);
		msgbuf_put_u32(mb, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		msgbuf_put_u32(mb, AF_INET6);
		msgbuf_put_bytes(mb, &sin6->sin6_addr, 16);
		msgbuf_put_u32(mb, ntohs(sin6->sin6_port));
	} else
		msgbuf_put_u32(mb, AF_UNSPEC);
}

int
ipc_addr_get(struct msgbuf *mb, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (void *)ss;
	struct sockaddr_in6	*sin6 = (void *)ss;
	uint32_t		 family, port;

	memset(ss, 0, sizeof(*ss));
	if (msgbuf_get_u32(mb, &family) == -1)
		return -1;
	switch (family) {
	case AF_UNSPEC:
		return 0;
	case AF_INET:
		if (msgbuf_get_bytes(mb, &sin->sin_addr, 4) == -1)
			return -1;
		break;
	case AF_INET6:
		if (msgbuf_get_bytes(mb, &sin6->sin6_addr, 16) == -1)
			return -1;
		break;
	default:
		return -1;
	}
	if (msgbuf_get_u32(mb, &port) == -1 || port > 65535)
		return -1;
	ss->ss_family = (sa_family_t)family;
	if (family == AF_INET)
		sin->sin_port = htons((in_port_t)port);
	else
		sin6->sin6_port = htons((in_port_t)port);
	return 0;
}
