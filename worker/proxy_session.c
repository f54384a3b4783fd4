/*
 * A PROXY protocol header on a listener with proxy-protocol (called by
 * session.c before TLS and HTTP): only a peer inside proxy-protocol-from
 * may send one; it must come whole within client-header-timeout; its
 * source address becomes the client's address everywhere (logs,
 * X-Forwarded-For, source balancing, status). The header is read with
 * MSG_PEEK and then exactly its own bytes are consumed, so what follows
 * (a ClientHello, a request head) stays in the socket for TLS and HTTP.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "metrics_worker.h"
#include "proxy_header.h"
#include "worker.h"

/* A header that arrives in pieces is looked at again after this long:
 * the bytes already there keep the socket readable, so poll cannot say
 * when more come. Only a trusted balancer gets this far. */
#define PROXY_PIECES_WAIT_MS	10

static int
proxy_trusted(const struct listener_conf *ls,
    const struct sockaddr_storage *peer)
{
	unsigned	i;

	for (i = 0; i < ls->ls_nproxy_from; i++)
		if (net_prefix_match(&ls->ls_proxy_from[i],
		    (const struct sockaddr *)peer))
			return 1;
	return 0;
}

/* Peek until the header is whole: its length, or -1 (logged). */
static long
proxy_peek(struct worker_env *w, int fd, struct proxy_header *ph)
{
	unsigned char	 buf[PROXY_HEADER_MAX];
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int64_t		 deadline = now_ms() +
			    1000 * (int64_t)addr_limit_head_timeout(w);
	int64_t		 left;
	ssize_t		 n;
	long		 hlen = 0;
	int		 partial = 0;
	const char	*why = NULL;

	while (why == NULL) {
		if ((left = deadline - now_ms()) <= 0) {
			why = "no whole header within client-header-timeout";
			break;
		}
		if (partial)
			(void)poll(NULL, 0, left < PROXY_PIECES_WAIT_MS ?
			    (int)left : PROXY_PIECES_WAIT_MS);
		else if (poll(&pfd, 1, (int)(left > 3600000 ? 3600000 :
		    left)) == -1 && errno != EINTR)
			why = "poll failed";
		if (why != NULL)
			break;
		n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			continue;
		if (n <= 0)
			why = n == 0 ? "closed before a whole header" :
			    "connection error before a whole header";
		else if ((hlen = proxy_header_parse(buf, (size_t)n, ph,
		    &why)) > 0)
			return hlen;
		partial = 1;
	}
	log_warnx("proxy: balancer %s on listener \"%s\": %s; closing",
	    w->w_lb_addr, w->w_conf->rc_listeners[w->w_listener].ls_name, why);
	return -1;
}

static int
proxy_take(struct worker_env *w, int fd, struct sockaddr_storage *peer)
{
	const struct listener_conf	*ls = &w->w_conf->rc_listeners[
					    w->w_listener];
	struct proxy_header		 ph;
	unsigned char			 sink[PROXY_HEADER_MAX];
	long				 hlen;
	ssize_t				 n;
	char				 ip[INET6_ADDRSTRLEN];

	if (session_addr_name(peer, ip, sizeof(ip), w->w_lb_addr,
	    sizeof(w->w_lb_addr)) == -1)
		snprintf(w->w_lb_addr, sizeof(w->w_lb_addr), "unknown");
	if (!proxy_trusted(ls, peer)) {
		log_warnx("proxy: %s on listener \"%s\" is not in "
		    "proxy-protocol-from; closing", w->w_lb_addr, ls->ls_name);
		return -1;
	}
	if ((hlen = proxy_peek(w, fd, &ph)) == -1)
		return -1;
	/* The bytes are there already: this takes exactly the header. */
	n = recv(fd, sink, (size_t)hlen, MSG_DONTWAIT);
	if (n != hlen) {
		log_warnx("proxy: balancer %s on listener \"%s\": the header "
		    "could not be taken off the connection; closing",
		    w->w_lb_addr, ls->ls_name);
		return -1;
	}
	if (!ph.ph_local) {
		memcpy(peer, &ph.ph_src, sizeof(*peer));
		memcpy(&w->w_proxy_src, &ph.ph_src, sizeof(w->w_proxy_src));
	}
	log_debug("proxy: balancer %s on listener \"%s\": v%d header, client "
	    "%s", w->w_lb_addr, ls->ls_name, ph.ph_version,
	    ph.ph_local ? "(its own connection)" : "from the header");
	return 0;
}

/* Counted for rpxctl metrics when the connection is closed. */
int
proxy_session_read(struct worker_env *w, int fd, struct sockaddr_storage *peer)
{
	if (proxy_take(w, fd, peer) == -1) {
		metrics_refused(MB_REFUSED_PROXY);
		return -1;
	}
	return 0;
}
