/*
 * One client connection, from accept to close: read each request head with
 * its timeouts, check and route it, hand it to exchange.c, and keep the
 * connection alive while both sides allow.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "metrics_worker.h"
#include "route.h"
#include "tls.h"
#include "worker.h"

enum head_result { HEAD_OK, HEAD_CLOSE, HEAD_ERROR };

int
session_addr_name(const struct sockaddr_storage *ss, char *ip, size_t iplen,
    char *addr, size_t addrlen)
{
	char	port[8];

	if (getnameinfo((const struct sockaddr *)ss,
	    ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in), ip, iplen, port, sizeof(port),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return -1;
	snprintf(addr, addrlen, ss->ss_family == AF_INET6 ? "[%s]:%s" :
	    "%s:%s", ip, port);
	return 0;
}

static void
session_peer_name(struct worker_env *w, const struct sockaddr_storage *peer)
{
	if (session_addr_name(peer, w->w_client_ip, sizeof(w->w_client_ip),
	    w->w_client_addr, sizeof(w->w_client_addr)) == -1) {
		strcpy(w->w_client_ip, "unknown");
		strcpy(w->w_client_addr, peer->ss_family == AF_INET6 ?
		    "[unknown]:0" : "unknown:0");
	}
}

/*
 * Wait for a whole request head. The first byte of a request may take up
 * to the idle timeout (the header timeout on a new connection); the head
 * must then be complete within the header timeout. A worker stopped by a
 * reload or SIGTERM keeps waiting, and answers the next request with
 * Connection: close: closing an idle connection at an arbitrary moment
 * races with a request the client may be sending (RFC 9112, 9.6). At
 * shutdown, or with the master gone, it lingers only STOP_LINGER_MS.
 */
static enum head_result
session_read_head(struct worker_env *w, struct http_message *req,
    struct request_log *rl, int first)
{
	const struct rpxd_conf	*c = w->w_conf;
	struct buf		*in = &w->w_client.io_in;
	struct pollfd		 pfd[3];
	struct io		*ios[3] = { &w->w_client, NULL, &w->w_backend };
	unsigned		 npfd;
	int64_t			 start = now_ms(), deadline, now;
	int64_t			 head_deadline = -1;
	int64_t			 quiet = start + CONN_QUIET_MS;
	int64_t			 own = backend_own_idle_deadline(w, start);
	int64_t			 wake;
	long			 rv;
	ssize_t			 n;

	deadline = start + 1000 * (int64_t)(first ?
	    c->rc_client_header_timeout : c->rc_client_idle_timeout);
	w->w_backend_quiet = 0;
	for (;;) {
		rv = conn_parse_request(w, req);
		if (rv > 0)
			return HEAD_OK;
		if (rv < 0) {
			rl->rl_in = in->b_len;
			respond_error(w, rl, (int)-rv, req->hm_error);
			return HEAD_ERROR;
		}
		if (w->w_client.io_eof) {
			if (in->b_len == 0)
				return HEAD_CLOSE;
			rl->rl_in = in->b_len;
			respond_error(w, rl, 400, "client closed inside a "
			    "request head");
			return HEAD_ERROR;
		}
		now = now_ms();
		if (in->b_len > 0 && head_deadline == -1) {
			head_deadline = (first ? start : now) +
			    1000 * (int64_t)c->rc_client_header_timeout;
			deadline = head_deadline;
		}
		if (in->b_len == 0 && worker_stop_requested(w) &&
		    worker_stop_soon(w) && deadline > now + STOP_LINGER_MS)
			deadline = now + STOP_LINGER_MS;
		if ((rv = addr_limit_head(w, rl, first, start, head_deadline,
		    &deadline)) != 0)
			return rv > 0 ? HEAD_CLOSE : HEAD_ERROR;
		if (now >= deadline) {
			if (in->b_len == 0)
				return HEAD_CLOSE;
			rl->rl_in = in->b_len;
			respond_error(w, rl, 408, "request head not complete "
			    "within client-header-timeout");
			return HEAD_ERROR;
		}
		/* Quiet: what the last request needed goes back; later,
		 * the backend connection (and its TLS state) too. */
		if (own != -1 && now >= own && in->b_len == 0) {
			backend_own_idle_close(w);
			own = -1;
			quiet = now;
		}
		if (quiet != -1 && now >= quiet) {
			conn_mem_trim(w, CONN_TRIM_HEAP);
			quiet = -1;
		}
		pfd[0].fd = w->w_client.io_fd;
		pfd[1].fd = w->w_ipc;
		pfd[1].events = w->w_master_gone ? 0 : POLLIN;
		pfd[0].events = w->w_client.io_rwant;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		/* The backend connection is watched too: a pinned one that
		 * closes ends the client's; and one seen quiet in the wait
		 * that brings the request needs no poll of its own before
		 * it is used (backend_open). */
		npfd = 2;
		if (w->w_backend.io_fd != -1 && in->b_len == 0) {
			pfd[2].fd = w->w_backend.io_fd;
			pfd[2].events = POLLIN;
			npfd = 3;
		}
		wake = quiet != -1 && quiet < deadline ? quiet : deadline;
		if (own != -1 && in->b_len == 0 && own < wake)
			wake = own;
		if (io_poll(pfd, ios, npfd, backend_idle_wait(w,
		    (int)(wake - now))) == -1 && errno != EINTR)
			return HEAD_CLOSE;
		w->w_backend_quiet = npfd == 3 && pfd[2].revents == 0;
		if (npfd == 3 && pfd[2].revents && !backend_clean(w)) {
			if (!w->w_pinned) {
				/* Closed by the server while idle: the next
				 * request gets another. */
				backend_close(w);
				continue;
			}
			log_info("session: client %s: the backend closed the "
			    "pinned connection %ld-%u; closing the client "
			    "connection", w->w_client_addr, log_getpid(),
			    w->w_backend_id);
			return HEAD_CLOSE;
		}
		if (pfd[1].revents) {
			worker_dispatch_master(w);
			if (w->w_stop && w->w_slot->ss_stop == 0)
				w->w_slot->ss_stop = SS_STOP_RELOAD;
		}
		if (pfd[0].revents) {
			n = io_read(&w->w_client);
			if (n == -1)
				return HEAD_CLOSE;
		}
	}
}

/*
 * On a listener with certificates for different names, a request must be
 * for the name its connection was made for (RFC 9110, 421).
 */
static int
session_misdirected(struct worker_env *w, const char *host)
{
	const char	*sni = tls_server_name(w);

	return sni != NULL && host[0] != '\0' &&
	    tls_server_many_certs(w->w_listener) && strcasecmp(sni, host) != 0;
}

/* Host, target and path checks, then the route. -1: an error was sent. */
static int
session_route(struct worker_env *w, const struct http_message *req,
    struct request_log *rl)
{
	const struct listener_conf *ls = &w->w_conf->rc_listeners[w->w_listener];
	char		 host[RPXD_HOST_MAX], auth[RPXD_HOST_MAX];
	char		 path[RPXD_PATH_MAX * 8];
	const char	*why = NULL;
	int		 route;

	host[0] = '\0';
	if (req->hm_host != NULL && route_host_normalize(req->hm_host,
	    req->hm_hostlen, host, sizeof(host)) == -1) {
		respond_error(w, rl, 400, "invalid Host");
		return -1;
	}
	switch (req->hm_form) {
	case TARGET_AUTHORITY:
		respond_error(w, rl, 405, "CONNECT is not served by a "
		    "reverse proxy");
		return -1;
	case TARGET_ASTERISK:
		strcpy(path, "/");
		break;
	case TARGET_ABSOLUTE:
		if (route_host_normalize(req->hm_authority,
		    req->hm_authoritylen, auth, sizeof(auth)) == -1 ||
		    (req->hm_host != NULL && strcmp(auth, host) != 0)) {
			respond_error(w, rl, 400, "absolute-form target "
			    "disagrees with Host");
			return -1;
		}
		strcpy(host, auth);
		if (req->hm_pathlen == 0) {
			strcpy(path, "/");
			break;
		}
		/* FALLTHROUGH */
	case TARGET_ORIGIN:
		if (route_path_decode(req->hm_path, req->hm_pathlen, path,
		    sizeof(path), &why) == -1) {
			respond_error(w, rl, 400, why);
			return -1;
		}
		break;
	}
	if (session_misdirected(w, host)) {
		respond_error(w, rl, 421, "Host differs from the TLS server "
		    "name (SNI)");
		return -1;
	}
	if ((route = route_match(ls, host, path)) == -1) {
		respond_error(w, rl, 404, "no route publishes this host "
		    "and path");
		return -1;
	}
	rl->rl_route = route;
	return route;
}

static void
session_log_init(struct request_log *rl, const struct http_message *req)
{
	const struct http_header	*ua;

	if ((ua = http_find_header(req, "User-Agent")) != NULL)
		log_copy_sanitized(rl->rl_ua, sizeof(rl->rl_ua), ua->hh_value,
		    ua->hh_valuelen);
	if (req->hm_method != NULL) {
		log_copy_sanitized(rl->rl_method, sizeof(rl->rl_method),
		    req->hm_method, req->hm_methodlen);
		log_copy_sanitized(rl->rl_path, sizeof(rl->rl_path),
		    req->hm_target, req->hm_targetlen);
	}
	if (req->hm_host != NULL)
		log_copy_sanitized(rl->rl_host, sizeof(rl->rl_host),
		    req->hm_host, req->hm_hostlen);
}

/* One request: returns 1 to keep the connection, 0 to close it. */
static int
session_request(struct worker_env *w, int first)
{
	struct http_message	 req;
	struct request_log	 rl;
	const struct route_conf	*rt;
	enum exchange_result	 res;
	enum head_result	 head;
	int			 route, reused, tries;

	memset(&rl, 0, sizeof(rl));
	memset(&req, 0, sizeof(req));
	rl.rl_route = -1;
	/* On HEAD_ERROR the answer is sent already; both others close. */
	head = session_read_head(w, &req, &rl, first);
	addr_limit_waited(w);
	if (head != HEAD_OK)
		return 0;
	rl.rl_start_ms = now_ms();
	rl.rl_in = req.hm_headlen;	/* the exchange adds the body */
	session_log_init(&rl, &req);
#ifdef RPXD_SANDBOX_SELFTEST
	sandbox_selftest(req.hm_path, req.hm_pathlen);
	ntlm_selftest(w, req.hm_path, req.hm_pathlen);
	stderr_selftest(req.hm_path, req.hm_pathlen);
	board_selftest(w, req.hm_path, req.hm_pathlen);
#endif
	w->w_slot->ss_requests++;
	if ((route = session_route(w, &req, &rl)) == -1)
		return 0;
	w->w_slot->ss_route = route;
	rt = &w->w_conf->rc_listeners[w->w_listener].ls_routes[route];
	if (rt->rt_redirect_https) {
		respond_redirect_https(w, &req, rt, &rl);
		return 0;
	}
	if (AUTH_BY_PROXY(rt->rt_auth)) {
		switch (auth_ntlm_request(w, &req, rt, &rl)) {
		case AUTHN_ANSWERED:
			buf_consume(&w->w_client.io_in, req.hm_headlen);
			return 1;
		case AUTHN_CLOSE:
			return 0;
		case AUTHN_FORWARD:
			break;
		}
		if (!auth_ntlm_groups_ok(w, rt, &rl))
			return 0;
		if (rt->rt_delegate[0] != '\0' &&
		    auth_delegate_prepare(w, rt, &rl) == -1)
			return 0;
	}
	/* A pinned connection waits aside while another backend serves. */
	if (w->w_pinned && w->w_backend_be != (int)rt->rt_backend)
		backend_park(w);
	/* A kept connection lost before the response: once more on a new
	 * one (exchange.c says when that is allowed). */
	for (tries = 0; tries < 2; tries++) {
		/* A delegate's token goes on a new connection, never one
		 * kept idle. */
		if (backend_open(w, rt->rt_backend, &req, tries > 0 ||
		    w->w_dsend, &reused, &rl) == -1)
			return 0;	/* 502 or 503 sent */
		auth_delegate_opened(w, rt->rt_backend);
		res = exchange_run(w, &req, rt, &rl, reused);
		if (res != EXCH_RETRY)
			break;
		backend_close(w);
	}
	/* A Kerberos login's reply token answers the request that carried
	 * the ticket, not a later one on the connection. */
	w->w_mutual_len = 0;
	if (backend_parked(w)) {
		/* That request pinned its own connection: the client
		 * cannot keep two authenticated backend connections. */
		if (w->w_pinned)
			res = EXCH_CLOSE;
		backend_unpark(w);
	}
	if (res == EXCH_RETRY) {
		respond_error(w, &rl, 502, "backend closed the connection "
		    "without a response");
		return 0;
	}
	access_log(w, &rl);
	return res == EXCH_KEEPALIVE;
}

void
session_serve(struct worker_env *w, int fd,
    const struct sockaddr_storage *peer, unsigned listener)
{
	int	on = 1, first, tls;
	size_t	len;

	struct sockaddr_storage	client = *peer;

	scoreboard_set_state(w->w_slot, WS_BUSY);
	w->w_slot->ss_connections++;
	w->w_slot->ss_listener = (int32_t)listener;
	w->w_listener = listener;
	w->w_lb_addr[0] = '\0';
	memset(&w->w_proxy_src, 0, sizeof(w->w_proxy_src));
	if (w->w_conf->rc_listeners[listener].ls_metrics) {
		metrics_serve(w, fd, peer);
		return;
	}
	if ((w->w_conf->rc_listeners[listener].ls_proxy_protocol &&
	    proxy_session_read(w, fd, &client) == -1) ||
	    addr_limit_accept(w, &client) == -1) {
		close(fd);
		w->w_slot->ss_listener = w->w_slot->ss_route = -1;
		return;
	}
	session_peer_name(w, &client);
	len = strlen(w->w_client_addr);
	if (len >= sizeof(w->w_slot->ss_client))
		len = sizeof(w->w_slot->ss_client) - 1;
	memcpy((char *)w->w_slot->ss_client, w->w_client_addr, len);
	w->w_slot->ss_client[len] = '\0';
	log_debug("session: client %s on listener \"%s\"", w->w_client_addr,
	    w->w_conf->rc_listeners[listener].ls_name);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	io_init(&w->w_client, fd);
	auth_ntlm_reset(w);
	/* A failed handshake is logged by tls_server_accept. */
	if (w->w_conf->rc_listeners[listener].ls_ncerts == 0 ||
	    tls_server_accept(w) == 0)
		for (first = 1; session_request(w, first); first = 0)
			;
	tls = w->w_client.io_ssl != NULL || w->w_backend.io_ssl != NULL ||
	    w->w_parked.bl_io.io_ssl != NULL;
	backend_close_all(w);
	io_close(&w->w_client);
	conn_mem_trim(w, 0);
	w->w_heap_trim |= tls;	/* unless a client comes first (worker.c) */
	w->w_slot->ss_listener = w->w_slot->ss_route = -1;
	w->w_slot->ss_client[0] = '\0';
	addr_limit_done(w);
}
