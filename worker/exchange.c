/*
 * One request and its response, streamed both ways at once: the request
 * body to the backend as the client sends it, the response to the client
 * as the backend sends it, neither buffered whole. Bodies are re-framed
 * (Content-Length or a clean chunked coding); after a 101 the two
 * connections are bridged byte for byte.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "chunked.h"
#include "log.h"
#include "worker.h"

enum half_mode { HM_NONE, HM_LENGTH, HM_CHUNKED, HM_CLOSE, HM_TUNNEL };
enum resp_state { RS_HEAD, RS_BODY, RS_DONE };

/* One direction: bytes from h_src's read buffer, framed, into h_out. */
struct half {
	struct io		*h_src;
	struct buf		*h_out;
	int			 h_mode;
	uint64_t		 h_remaining;	/* HM_LENGTH */
	struct chunked_decoder	 h_dec;
	int			 h_rechunk;	/* chunked in, chunked out */
	int			 h_done;
	uint64_t		 h_consumed;
};

struct exchange {
	struct worker_env		*x_w;
	const struct route_conf		*x_route;
	struct request_log		*x_log;
	/* Facts of the request, copied: its head may move in the buffer. */
	int				 x_client11;
	int				 x_req_close;
	int				 x_req_head;
	int				 x_req_upgrade;
	struct half			 x_up;		/* client -> backend */
	struct half			 x_down;	/* backend -> client */
	int				 x_resp_state;
	int				 x_head_sent;
	int				 x_close;
	int				 x_backend_keep;
	int				 x_reused;
	int				 x_idempotent;	/* RFC 9110 9.2.2 */
	int				 x_was_pinned;	/* before this request */
	int				 x_client_reads;
	int				 x_backend_bytes;
	int				 x_shut_backend;	/* tunnel */
	int				 x_shut_client;
	/* A final response before the whole request body: the rest of the
	 * body still goes to the backend (which reads it, as HTTP requires
	 * of a kept connection), within early-response-body-max bytes and
	 * early-response-body-timeout seconds of the response's end. */
	int				 x_early;
	uint64_t			 x_early_base;	/* h_consumed then */
	int64_t				 x_early_ms;	/* response end */
	int64_t				 x_progress_ms;
	int64_t				 x_quiet_ms;	/* x_progress_ms when
							   last trimmed */
	char				 x_sts[64];	/* HSTS value or "" */
	char				 x_cookie[RPXD_NAME_MAX + 64];
	struct resp_extra		 x_add;
	int				 x_error_status;
	const char			*x_error;
	char				 x_why[192];	/* x_error, composed */
};

static int
half_mode(enum http_body body)
{
	switch (body) {
	case BODY_LENGTH:
		return HM_LENGTH;
	case BODY_CHUNKED:
		return HM_CHUNKED;
	case BODY_CLOSE:
		return HM_CLOSE;
	default:
		return HM_NONE;
	}
}

static void
half_init(struct half *h, struct io *src, struct buf *out, int mode,
    uint64_t length, int rechunk)
{
	memset(h, 0, sizeof(*h));
	h->h_src = src;
	h->h_out = out;
	h->h_mode = mode;
	h->h_remaining = length;
	h->h_rechunk = rechunk;
	chunked_init(&h->h_dec);
	h->h_done = mode == HM_NONE || (mode == HM_LENGTH && length == 0);
}

static size_t
min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Decode chunked input, write it re-encoded (or bare). -1: malformed. The
 * scratch and the output grow only to what this input can produce (data
 * is never longer than its coding).
 */
static int
half_chunked(struct half *h, struct buf *scratch)
{
	struct buf		*in = &h->h_src->io_in;
	char			 hdr[20];
	size_t			 room = buf_space(h->h_out), out, consumed;
	size_t			 produced;
	enum chunked_status	 st;

	/* Room for a chunk header, its CRLF and the last chunk. */
	if (room <= 32 || in->b_len == 0)
		return 0;
	room = min_size(min_size(room - 32, SCRATCH_SIZE), in->b_len);
	room = buf_prepare(scratch, room);
	out = buf_prepare(h->h_out, room + 32);
	if (room == 0 || out <= 32)
		return 0;	/* out of memory: tried again later */
	room = min_size(room, out - 32);
	st = chunked_decode(&h->h_dec, in->b_data + in->b_off, in->b_len,
	    &consumed, scratch->b_data, room, &produced);
	buf_consume(in, consumed);
	h->h_consumed += consumed;
	if (produced > 0) {
		if (h->h_rechunk)
			buf_append(h->h_out, hdr, chunked_header(hdr, produced));
		buf_append(h->h_out, scratch->b_data, produced);
		if (h->h_rechunk)
			buf_append(h->h_out, "\r\n", 2);
	}
	if (st == CHUNKED_ERROR)
		return -1;
	if (st == CHUNKED_DONE) {
		if (h->h_rechunk)
			buf_append(h->h_out, "0\r\n\r\n", 5);
		h->h_done = 1;
	}
	return 0;
}

/*
 * Move what can be moved. -1 if the input is malformed. The output grows
 * as far as what moves needs (buf_prepare: less when out of memory).
 */
static int
half_transfer(struct half *h, struct buf *scratch)
{
	struct buf	*in = &h->h_src->io_in;
	size_t		 n = in->b_len;

	if (h->h_done)
		return 0;
	if (h->h_mode == HM_CHUNKED)
		return half_chunked(h, scratch);
	if (h->h_mode == HM_LENGTH && h->h_remaining < n)
		n = (size_t)h->h_remaining;
	n = buf_prepare(h->h_out, n);
	if (h->h_mode == HM_LENGTH) {
		h->h_remaining -= n;
		if (h->h_remaining == 0)
			h->h_done = 1;
	} else if (h->h_src->io_eof && n == in->b_len) {
		/* HM_CLOSE, HM_TUNNEL: until the source closes */
		h->h_done = 1;
	}
	if (n == 0)
		return 0;
	buf_append(h->h_out, in->b_data + in->b_off, n);
	buf_consume(in, n);
	h->h_consumed += n;
	return 0;
}

static int
exchange_fail(struct exchange *x, int status, const char *why)
{
	x->x_error_status = status;
	x->x_error = why;
	return -1;
}

static int
request_is_head(const struct http_message *req)
{
	return req->hm_methodlen == 4 && memcmp(req->hm_method, "HEAD", 4) == 0;
}

/* After a 101: both directions become a byte tunnel. */
static int
exchange_switch(struct exchange *x)
{
	struct worker_env	*w = x->x_w;

	if (!x->x_req_upgrade || !x->x_up.h_done)
		return exchange_fail(x, 502, "101 Switching Protocols "
		    "without an upgrade request");
	half_init(&x->x_up, &w->w_client, &w->w_to_backend, HM_TUNNEL, 0, 0);
	half_init(&x->x_down, &w->w_backend, &w->w_to_client, HM_TUNNEL, 0, 0);
	x->x_close = 1;
	x->x_backend_keep = 0;
	return 0;
}

/*
 * Authentication in the response: on a passthrough route an NTLM or
 * Negotiate challenge pins the connection; on an auth = none route a
 * challenge is refused, so no credentials are ever asked through it.
 */
static int
exchange_auth_response(struct exchange *x, const struct http_message *resp)
{
	struct worker_env	*w = x->x_w;
	const char		*field = resp->hm_status == 407 ?
				    "Proxy-Authenticate" : "WWW-Authenticate";

	if (resp->hm_status == 401 || resp->hm_status == 407)
		auth_describe(resp, field, x->x_log->rl_auth_resp,
		    sizeof(x->x_log->rl_auth_resp));
	switch (x->x_route->rt_auth) {
	case AUTH_NONE:
		if (resp->hm_status == 401 || resp->hm_status == 407)
			return exchange_fail(x, 403, "the backend asked for "
			    "credentials on an auth = none route");
		break;
	case AUTH_PASSTHROUGH:
		if (!w->w_pinned && auth_response_pins(resp))
			backend_pin(w);
		break;
	default:
		/* A delegate's backend that does not take the user's
		 * ticket: its challenge would ask the client for
		 * credentials the backend never sees. */
		if (x->x_route->rt_delegate[0] != '\0' &&
		    (resp->hm_status == 401 || resp->hm_status == 407))
			return exchange_fail(x, 502, "the backend refused the "
			    "delegated Kerberos login (its keytab, or "
			    "GssapiConnectionBound?)");
		break;
	}
	x->x_log->rl_pinned = w->w_pinned;
	return 0;
}

/*
 * A final response came before the whole request body. Keeping both
 * connections needs the rest of the body sent to the backend: possible
 * when the backend keeps its connection and the body left to come is
 * within early-response-body-max. Otherwise the client connection closes
 * (with Connection: close) and a line says why. 1: keep.
 */
static int
exchange_early_keep(struct exchange *x)
{
	struct worker_env	*w = x->x_w;
	uint64_t		 max = w->w_conf->rc_early_body_max;
	const char		*why = NULL;

	if (!x->x_backend_keep)
		why = "the backend closes its connection";
	else if (x->x_up.h_mode == HM_LENGTH && x->x_up.h_remaining > max)
		why = "the rest of the body is larger than "
		    "early-response-body-max";
	if (why != NULL) {
		log_notice("request: client %s host %s: final response before "
		    "the whole request body (%llu bytes of it received); "
		    "closing the connection: %s", w->w_client_addr,
		    x->x_log->rl_host[0] ? x->x_log->rl_host : "-",
		    (unsigned long long)x->x_up.h_consumed, why);
		return 0;
	}
	x->x_early = 1;
	x->x_early_base = x->x_up.h_consumed;
	return 1;
}

/* The response head, once whole: 1 when consumed, 0 to wait, -1 error. */
static int
exchange_response_head(struct exchange *x)
{
	struct worker_env	*w = x->x_w;
	struct buf		*in = &w->w_backend.io_in;
	const char		*head;
	struct http_message	 resp;
	enum http_body		 body;
	long			 rv;
	int			 rechunk, client11 = x->x_client11;

	/* Parse only with the client buffer drained: the head must fit. */
	if (in->b_len == 0 || w->w_to_client.b_len != 0)
		return 0;
	memset(&resp, 0, sizeof(resp));
	rv = conn_parse_response(w, &resp);
	if (rv == 0)
		return 0;
	head = in->b_data + in->b_off;
	if (rv < 0)
		return exchange_fail(x, 502, resp.hm_error);
	if (resp.hm_status < 200 && resp.hm_status != 101) {
		/* Interim (100 Continue, 103): only HTTP/1.1 clients. */
		if (client11 && rewrite_response(&resp, head, 0, 0, NULL,
		    &w->w_to_client) == -1)
			return exchange_fail(x, 502, "interim head too large");
		buf_consume(in, (size_t)rv);
		return 1;
	}
	if (exchange_auth_response(x, &resp) == -1)
		return -1;
	if (resp.hm_status == 101 && exchange_switch(x) == -1)
		return -1;
	body = http_response_body(&resp, x->x_req_head);
	rechunk = body == BODY_CHUNKED && client11;
	if (resp.hm_status != 101) {
		half_init(&x->x_down, &w->w_backend, &w->w_to_client,
		    half_mode(body), resp.hm_length, rechunk);
		x->x_backend_keep = resp.hm_minor == 1 && !resp.hm_conn_close &&
		    body != BODY_CLOSE;
		/* A pinned connection lives as long as its backend side,
		 * and is not cut short by a reload between requests. */
		x->x_close |= !client11 || x->x_req_close ||
		    body == BODY_CLOSE || (body == BODY_CHUNKED && !rechunk) ||
		    (!x->x_up.h_done && !exchange_early_keep(x)) ||
		    (w->w_pinned ? !x->x_backend_keep :
		    worker_stop_requested(w));
	}
	if (rewrite_response(&resp, head, rechunk, x->x_close, &x->x_add,
	    &w->w_to_client) == -1)
		return exchange_fail(x, 502, "response head too large");
	buf_consume(in, (size_t)rv);
	x->x_log->rl_status = resp.hm_status;
	x->x_head_sent = 1;
	x->x_resp_state = RS_BODY;
	return 1;
}

/* Parse and transfer until nothing moves. -1 on an error. */
static int
exchange_pump(struct exchange *x)
{
	struct worker_env	*w = x->x_w;
	size_t			 before;
	int			 progress, rv;

	do {
		progress = 0;
		before = w->w_client.io_in.b_len + w->w_to_backend.b_len;
		if (half_transfer(&x->x_up, &w->w_scratch) == -1)
			return exchange_fail(x, 400, x->x_up.h_dec.cd_error);
		progress |= before != w->w_client.io_in.b_len +
		    w->w_to_backend.b_len;
		if (x->x_resp_state == RS_HEAD) {
			if ((rv = exchange_response_head(x)) == -1)
				return -1;
			progress |= rv;
		}
		if (x->x_resp_state == RS_BODY) {
			before = w->w_backend.io_in.b_len +
			    w->w_to_client.b_len;
			if (half_transfer(&x->x_down, &w->w_scratch) == -1)
				return exchange_fail(x, 502,
				    x->x_down.h_dec.cd_error);
			progress |= before != w->w_backend.io_in.b_len +
			    w->w_to_client.b_len;
			if (x->x_down.h_done) {
				x->x_resp_state = RS_DONE;
				x->x_early_ms = now_ms();
			}
		}
	} while (progress);
	return 0;
}

/* Half-close the other side once a tunnel direction has ended. */
static void
exchange_tunnel_shutdown(struct exchange *x)
{
	struct worker_env	*w = x->x_w;

	if (x->x_up.h_mode != HM_TUNNEL)
		return;
	if (x->x_up.h_done && w->w_to_backend.b_len == 0 && !x->x_shut_backend) {
		io_shutdown_write(&w->w_backend);
		x->x_shut_backend = 1;
	}
	if (x->x_down.h_done && w->w_to_client.b_len == 0 && !x->x_shut_client) {
		io_shutdown_write(&w->w_client);
		x->x_shut_client = 1;
	}
}

/*
 * Is this a kept connection with no byte of the response yet, which the
 * server may close just as a request is sent (RFC 9112 9.3.1)? Not if it
 * was authenticated: a fresh connection would not be.
 */
static int
exchange_on_kept(const struct exchange *x)
{
	return x->x_reused && !x->x_was_pinned && !x->x_backend_bytes &&
	    x->x_resp_state == RS_HEAD;
}

/*
 * Could the request still go again on a fresh connection? Only an
 * idempotent one (RFC 9110 9.2.2), and only while the proxy still has
 * all of it: no byte was read from the client since its head, so the
 * head and what came of the body with it are still in the client's read
 * buffer (which exchange_quiet then leaves alone). A body being streamed
 * from the client cannot be sent twice.
 */
static int
exchange_resendable(const struct exchange *x)
{
	return exchange_on_kept(x) && x->x_idempotent &&
	    x->x_client_reads == 0;
}

/*
 * After a failure: was it the kept connection lost before the response,
 * with the request resendable? If lost but not resendable, x_error says
 * why it is not sent again.
 */
static int
exchange_retryable(struct exchange *x)
{
	const char	*why;

	if (x->x_error_status != 502 || !exchange_on_kept(x))
		return 0;
	if (exchange_resendable(x))
		return 1;
	why = !x->x_idempotent ? "the method is not idempotent (RFC 9110 "
	    "9.2.2)" : "part of the request body was already streamed";
	snprintf(x->x_why, sizeof(x->x_why), "%s on a kept connection; not "
	    "retried: %s", x->x_error, why);
	x->x_error = x->x_why;
	return 0;
}

/* The response is out and the rest of the request body is awaited. */
static int
exchange_early_waiting(const struct exchange *x)
{
	return x->x_early && x->x_resp_state == RS_DONE && !x->x_up.h_done;
}

/* The wait allowed before the next event, from the route or globals. */
static int64_t
exchange_deadline(const struct exchange *x)
{
	const struct rpxd_conf	*c = x->x_w->w_conf;
	const struct route_conf	*rt = x->x_route;
	unsigned		 s;

	int64_t			 d;

	if (x->x_up.h_done && x->x_resp_state == RS_HEAD)
		s = rt->rt_backend_timeout ? rt->rt_backend_timeout :
		    c->rc_backend_timeout;
	else
		s = rt->rt_idle_timeout ? rt->rt_idle_timeout :
		    c->rc_idle_timeout;
	d = x->x_progress_ms + 1000 * (int64_t)s;
	if (exchange_early_waiting(x) &&
	    x->x_early_ms + 1000 * (int64_t)c->rc_early_body_timeout < d)
		d = x->x_early_ms + 1000 * (int64_t)c->rc_early_body_timeout;
	return d;
}

static int
exchange_timeout(struct exchange *x)
{
	if (exchange_early_waiting(x))
		return exchange_fail(x, 408, "the rest of the request body "
		    "did not come within early-response-body-timeout after "
		    "the final response; closing the connection");
	if (x->x_resp_state != RS_HEAD)
		return exchange_fail(x, 504, "idle-timeout while streaming");
	if (!x->x_up.h_done && x->x_w->w_to_backend.b_len == 0)
		return exchange_fail(x, 408, "request body stalled "
		    "(idle-timeout)");
	return exchange_fail(x, 504, x->x_up.h_done ? "no response within "
	    "backend-timeout" : "backend stopped reading the request body");
}

/* One read: -1 error, 0 nothing new, 1 progress. */
static int
exchange_read_client(struct exchange *x)
{
	struct io	*c = &x->x_w->w_client;
	ssize_t		 n = io_read(c);

	x->x_client_reads++;
	if (n == -2 || n > 0)
		return n > 0;
	if (n == 0 && x->x_up.h_mode == HM_TUNNEL)
		return 1;
	if (x->x_up.h_done && x->x_resp_state == RS_HEAD && n == 0)
		return exchange_fail(x, 499, "client closed before the "
		    "response");
	if (!x->x_up.h_done)
		return exchange_fail(x, 499, "client closed inside the "
		    "request body");
	return exchange_fail(x, 499, "client closed during the response");
}

static int
exchange_read_backend(struct exchange *x)
{
	struct io	*b = &x->x_w->w_backend;
	ssize_t		 n = io_read(b);

	if (n > 0) {
		x->x_backend_bytes = 1;
		return 1;
	}
	if (n == -2)
		return 0;
	if (exchange_early_waiting(x))
		return exchange_fail(x, 502, n == 0 ? "backend closed its "
		    "connection while the request body was still coming after "
		    "the final response" : "backend connection reset while the "
		    "request body was still coming after the final response");
	if (x->x_resp_state == RS_HEAD)
		return exchange_fail(x, 502, n == 0 ? "backend closed the "
		    "connection before a response" : "backend connection "
		    "reset before a response");
	if (n == -1)
		return exchange_fail(x, 502, "backend connection reset "
		    "during the response");
	return 1;	/* EOF: the pump ends HM_CLOSE and HM_TUNNEL bodies */
}

/* Is the last read (or write) of peer waiting for what pfd reports? */
static int
read_ready(const struct io *peer, short revents)
{
	return (revents & (peer->io_rwant | POLLHUP | POLLERR)) != 0;
}

static int
write_ready(const struct io *peer, const struct buf *out, short revents)
{
	return out->b_len > 0 && (revents & (peer->io_wwant | POLLERR)) != 0;
}

static int
exchange_io(struct exchange *x, struct pollfd *pfd)
{
	struct worker_env	*w = x->x_w;
	int			 rv = 0, r;
	ssize_t			 n;

	if (write_ready(&w->w_client, &w->w_to_client, pfd[0].revents)) {
		if ((n = io_write(&w->w_client, &w->w_to_client)) == -1)
			return exchange_fail(x, 499, "client connection lost "
			    "during the response");
		rv |= n > 0;
	}
	if (write_ready(&w->w_backend, &w->w_to_backend, pfd[1].revents)) {
		if ((n = io_write(&w->w_backend, &w->w_to_backend)) == -1)
			return exchange_fail(x, 502, "backend connection lost "
			    "while sending the request");
		rv |= n > 0;
	}
	if (read_ready(&w->w_client, pfd[0].revents)) {
		if ((r = exchange_read_client(x)) == -1)
			return -1;
		rv |= r;
	}
	if (read_ready(&w->w_backend, pfd[1].revents)) {
		if ((r = exchange_read_backend(x)) == -1)
			return -1;
		rv |= r;
	}
	return rv;
}

static int
exchange_truncated(const struct exchange *x)
{
	const struct io	*b = &x->x_w->w_backend;

	return x->x_resp_state == RS_BODY && b->io_eof &&
	    b->io_in.b_len == 0 && !x->x_down.h_done;
}

/* What to wait for on one peer: input while it is wanted and there is
 * room for it, output while some is pending. */
static short
peer_events(const struct io *peer, const struct buf *out, int want_input)
{
	short	events = 0;

	if (want_input && !peer->io_eof && buf_space(&peer->io_in) > 0)
		events |= peer->io_rwant;
	if (out->b_len > 0)
		events |= peer->io_wwant;
	return events;
}

/*
 * Write what is pending without waiting for POLLOUT first: a socket is
 * almost always writable, and this saves a poll per message.
 */
static int
exchange_write_now(struct exchange *x)
{
	struct worker_env	*w = x->x_w;
	struct pollfd		 pfd[2];

	pfd[0].revents = w->w_to_client.b_len ? w->w_client.io_wwant : 0;
	pfd[1].revents = w->w_to_backend.b_len ? w->w_backend.io_wwant : 0;
	if (!pfd[0].revents && !pfd[1].revents)
		return 0;
	return exchange_io(x, pfd);
}

/*
 * Nothing moved for CONN_QUIET_MS (a long poll, a quiet tunnel, a slow
 * peer): the large buffers go back, once until something moves again.
 * Returns when to wake up for it (deadline once done). A request that
 * may still be sent again keeps its head (exchange_run's retry).
 */
static int64_t
exchange_quiet(struct exchange *x, int64_t now, int64_t deadline)
{
	int64_t	at = x->x_progress_ms + CONN_QUIET_MS;

	if (x->x_quiet_ms == x->x_progress_ms)
		return deadline;
	if (now >= at) {
		conn_mem_trim(x->x_w, CONN_TRIM_HEAP |
		    (exchange_resendable(x) ? CONN_TRIM_KEEP_REQUEST : 0));
		x->x_quiet_ms = x->x_progress_ms;
		return deadline;
	}
	return at < deadline ? at : deadline;
}

/* The event loop; 0 when the exchange is complete, -1 on error. */
static int
exchange_loop(struct exchange *x)
{
	struct worker_env	*w = x->x_w;
	struct pollfd		 pfd[3];
	struct io		*ios[3] = { &w->w_client, &w->w_backend, NULL };
	int64_t			 deadline, now, wake;
	int			 rv;

	for (;;) {
		/* A stop (reload, SIGTERM) closes the listeners now, not at
		 * the end of a long download or long poll: a listener the
		 * reload removed must refuse connections at once. */
		(void)worker_stop_requested(w);
		if (exchange_pump(x) == -1)
			return -1;
		if (exchange_truncated(x))
			return exchange_fail(x, 502, "backend closed inside "
			    "the response body");
		if (x->x_early && !x->x_up.h_done && x->x_up.h_consumed -
		    x->x_early_base > w->w_conf->rc_early_body_max)
			return exchange_fail(x, 413, "the request body after "
			    "the final response passed early-response-body-max; "
			    "closing the connection");
		if ((rv = exchange_write_now(x)) == -1)
			return -1;
		if (rv > 0) {
			x->x_progress_ms = now_ms();
			if (exchange_pump(x) == -1)
				return -1;
		}
		exchange_tunnel_shutdown(x);
		if (x->x_resp_state == RS_DONE && w->w_to_client.b_len == 0 &&
		    (x->x_up.h_done || x->x_close) &&
		    (w->w_to_backend.b_len == 0 || x->x_close))
			return 0;
		pfd[0].fd = w->w_client.io_fd;
		pfd[0].events = peer_events(&w->w_client, &w->w_to_client,
		    x->x_resp_state != RS_DONE || !x->x_up.h_done);
		pfd[1].fd = w->w_backend.io_fd;
		pfd[1].events = peer_events(&w->w_backend, &w->w_to_backend,
		    x->x_resp_state != RS_DONE);
		deadline = exchange_deadline(x);
		if ((now = now_ms()) >= deadline)
			return exchange_timeout(x);
		pfd[2].fd = w->w_ipc;
		pfd[2].events = w->w_stop ? 0 : POLLIN;
		wake = exchange_quiet(x, now, deadline);
		rv = io_poll(pfd, ios, 3, backend_idle_wait(w,
		    (int)min_size((size_t)(wake - now), 3600000)));
		if (rv == -1 && errno != EINTR)
			return exchange_fail(x, 500, "poll failed");
		if (rv > 0 && pfd[2].revents) {
			worker_dispatch_master(w);
			rv--;
		}
		if (rv <= 0)
			continue;
		if ((rv = exchange_io(x, pfd)) == -1)
			return -1;
		if (rv)
			x->x_progress_ms = now_ms();
	}
}

static void
exchange_log_error(struct exchange *x)
{
	struct worker_env	*w = x->x_w;

	log_warnx("%s: client %s host %s: backend \"%s\" server %s: %s",
	    x->x_error_status == 499 || x->x_error_status == 400 ||
	    x->x_error_status == 408 || x->x_error_status == 413 ?
	    "request" : "backend",
	    w->w_client_addr, x->x_log->rl_host[0] ? x->x_log->rl_host : "-",
	    x->x_log->rl_backend, x->x_log->rl_server,
	    x->x_error ? x->x_error : "error");
}

/* Set-Cookie for a sticky backend when the request did not name the
 * server it got. */
static void
exchange_sticky_cookie(struct exchange *x, int secure)
{
	struct worker_env		*w = x->x_w;
	const struct backend_conf	*bc = &w->w_conf->rc_backends[
					    w->w_backend_be];
	char				 value[17];

	if (bc->be_sticky_cookie[0] == '\0' || w->w_backend_sticky_ok)
		return;
	balance_cookie_value(bc, (unsigned)w->w_backend_sv, value);
	snprintf(x->x_cookie, sizeof(x->x_cookie), "%s=%s; Path=/; HttpOnly%s",
	    bc->be_sticky_cookie, value, secure ? "; Secure" : "");
	x->x_add.re_cookie = x->x_cookie;
}

/* The request's credentials: logged, and on a passthrough route an NTLM
 * or Negotiate one pins the connection before it is sent. */
static void
exchange_auth_request(struct exchange *x, const struct http_message *req)
{
	struct worker_env	*w = x->x_w;

	auth_describe(req, http_find_header(req, "Authorization") != NULL ?
	    "Authorization" : "Proxy-Authorization", x->x_log->rl_auth_req,
	    sizeof(x->x_log->rl_auth_req));
	if (x->x_route->rt_auth == AUTH_PASSTHROUGH && !w->w_pinned &&
	    auth_request_pins(req))
		backend_pin(w);
	x->x_log->rl_pinned = w->w_pinned;
	x->x_log->rl_bconn = w->w_backend_id;
}

enum exchange_result
exchange_run(struct worker_env *w, const struct http_message *req,
    const struct route_conf *rt, struct request_log *rl, int reused)
{
	struct exchange	x;
	struct fwd_ctx	ctx;
	size_t		saved_off, saved_len;
	uint64_t	out_before = w->w_client.io_nwritten;
	enum http_body	body = http_request_body(req);
	const struct listener_conf *ls = &w->w_conf->rc_listeners[w->w_listener];

	memset(&x, 0, sizeof(x));
	x.x_w = w;
	x.x_route = rt;
	x.x_log = rl;
	x.x_reused = reused;
	x.x_idempotent = backend_request_idempotent(req);
	x.x_client11 = req->hm_minor == 1;
	x.x_req_close = req->hm_conn_close;
	x.x_req_head = request_is_head(req);
	x.x_req_upgrade = rewrite_upgrade_requested(req);
	x.x_progress_ms = now_ms();
	ctx.fc_client_ip = w->w_client_ip;
	ctx.fc_proto = ls->ls_ncerts > 0 ? "https" : "http";
	if (ls->ls_hsts > 0) {
		snprintf(x.x_sts, sizeof(x.x_sts), "max-age=%u%s", ls->ls_hsts,
		    ls->ls_hsts_subdomains ? "; includeSubDomains" : "");
		x.x_add.re_sts = x.x_sts;
	}
	exchange_sticky_cookie(&x, ls->ls_ncerts > 0);
	x.x_add.re_negotiate = w->w_mutual;
	x.x_add.re_negotiate_len = w->w_mutual_len;
	x.x_was_pinned = w->w_pinned;
	exchange_auth_request(&x, req);
	ctx.fc_route = rt;
	ctx.fc_identity = w->w_identity[0] != '\0' ? w->w_identity : NULL;
	ctx.fc_delegation = w->w_dsend ? w->w_dtok : NULL;
	ctx.fc_delegation_len = w->w_dsend ? w->w_dtoklen : 0;
	x.x_add.re_drop_www_auth = rt->rt_delegate[0] != '\0';
	ctx.fc_server = &w->w_conf->rc_backends[w->w_backend_be].
	    be_servers[w->w_backend_sv];
	buf_reset(&w->w_to_backend);
	buf_reset(&w->w_to_client);
	if (rewrite_request(req, &ctx, &w->w_to_backend) == -1) {
		respond_error(w, rl, 431, "request head too large once "
		    "rewritten for the backend");
		return EXCH_CLOSE;
	}
	if (w->w_dsend) {
		/* Presented once: the connection is now the user's. */
		explicit_bzero(w->w_dtok, w->w_dtoklen);
		w->w_dtoklen = 0;
		w->w_dsend = 0;
	}
	half_init(&x.x_up, &w->w_client, &w->w_to_backend, half_mode(body),
	    req->hm_length, body == BODY_CHUNKED);
	saved_off = w->w_client.io_in.b_off;
	saved_len = w->w_client.io_in.b_len;
	buf_consume(&w->w_client.io_in, req->hm_headlen);
	if (exchange_loop(&x) == -1) {
		if (exchange_retryable(&x)) {
			/* Nothing was read since, nor the buffer trimmed
			 * (exchange_quiet): the head is still there. */
			w->w_client.io_in.b_off = saved_off;
			w->w_client.io_in.b_len = saved_len;
			log_notice("backend: client %s host %s: backend \"%s\" "
			    "server %s: %s on kept connection %ld-%u; retrying "
			    "the %s on a new connection", w->w_client_addr,
			    rl->rl_host[0] ? rl->rl_host : "-", rl->rl_backend,
			    rl->rl_server, x.x_error, log_getpid(),
			    w->w_backend_id, rl->rl_method);
			return EXCH_RETRY;
		}
		rl->rl_in = req->hm_headlen + x.x_up.h_consumed;
		rl->rl_out = w->w_client.io_nwritten - out_before;
		backend_close(w);
		if (!x.x_head_sent && x.x_error_status != 499) {
			respond_error(w, rl, x.x_error_status, x.x_error);
			return EXCH_CLOSE;
		}
		exchange_log_error(&x);
		if (!x.x_head_sent)
			rl->rl_status = 499;
		access_log(w, rl);
		return EXCH_CLOSE;
	}
	rl->rl_in = req->hm_headlen + x.x_up.h_consumed;
	rl->rl_out = w->w_client.io_nwritten - out_before;
	/* Kept only when it is clean for any next request, this client's
	 * or another's (backend_idle.c): the response whole and allowing
	 * it, all of the request sent. */
	if (!x.x_backend_keep || !x.x_up.h_done || w->w_to_backend.b_len != 0)
		backend_close(w);
	return x.x_close ? EXCH_CLOSE : EXCH_KEEPALIVE;
}
