/*
 * max-connections-per-address and pressure mode, the worker's side. At
 * accept (session.c, once a PROXY header has named the client) the
 * worker looks its client's address key up on the address board the
 * master publishes every pool tick (master/limits.c): with as many
 * connections held as the limit allows, counting itself, the connection
 * is closed at once and reported (IPC_LIMITED; the master logs and counts
 * it); otherwise the key goes into the worker's own slot for the next
 * count. The slot also says what the connection waits for: its first
 * request head (SL_WAIT_FIRST), the next request of a keep-alive
 * connection (SL_WAIT_KEEPALIVE, or SL_WAIT_AUTH in the middle of an
 * NTLM/Negotiate handshake), or nothing while a request is in flight.
 * The master asks a worker to close a wait (IPC_CLOSE_WAIT) when its
 * address turned out over the limit (a burst that came within one pool
 * tick: the youngest connections go) or, under pressure, when it is an
 * idle keep-alive one that waited longest; the worker closes it only if
 * that same wait is still on. Under pressure a request head gets only
 * pressure-head-timeout seconds. Called by session.c,
 * dispatch.c, respond.c, tls_server.c, proxy_session.c and worker.c.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>
#include <unistd.h>

#include "addrboard.h"
#include "ipc.h"
#include "log.h"
#include "worker.h"

static struct addrboard	board = { .ab_fd = -1, .ab_rofd = -1 };
static struct addr_key	client;		/* of the connection, if counted */
static uint32_t		wait_seq;	/* this worker's waits, numbered */
static uint32_t		close_seq;	/* the wait the master asked to
					   close, 0: none */
static uint32_t		close_reason;	/* and why: enum limit_reason */
static uint32_t		close_held;	/* connections of the address */
static int		auth_pending;	/* the last response was a 401 or
					   407 of a handshake that goes on
					   over this connection */

/* IPC_ADDRBOARD at setup: the board, mapped read-only. 0, or -1. */
int
addr_limit_setup(struct worker_env *w, struct ipc_msg *msg)
{
	uint32_t	capacity;
	int		fd = msg->im_fd;

	(void)w;
	msg->im_fd = -1;
	if (board.ab_head != NULL || fd == -1 ||
	    msgbuf_get_u32(&msg->im_payload, &capacity) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	return addrboard_attach(&board, fd, capacity);
}

int
addr_limit_ready(void)
{
	return board.ab_head != NULL;
}

/* Best effort, like the board reports: a master that is gone costs the
 * count, not the client. */
static void
report(struct worker_env *w, enum limit_reason reason,
    const struct addr_key *key, uint32_t held)
{
	static const struct addr_key	none;
	struct msgbuf			mb;

	if (w->w_master_gone)
		return;
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, reason);
	msgbuf_put_u32(&mb, key != NULL);
	msgbuf_put_bytes(&mb, (key != NULL ? key : &none)->ak_bytes,
	    ADDR_KEY_SIZE);
	msgbuf_put_u32(&mb, held);
	if (!mb.mb_error && ipc_send(w->w_ipc, IPC_LIMITED, -1, &mb) == -1)
		log_debug("limits: cannot report to the master");
	msgbuf_free(&mb);
}

/* A new wait, with a number of its own, in the slot. */
static void
wait_begin(struct worker_env *w, uint32_t what, int64_t now)
{
	struct slot_limits	*sl = &w->w_slot->ss_lim;

	if (++wait_seq == 0)
		wait_seq = 1;
	sl->sl_wait = SL_WAIT_NONE;
	sl->sl_wait_seq = wait_seq;
	sl->sl_wait_since = now;
	sl->sl_wait = what;
}

static void
wait_clear(struct worker_env *w)
{
	if (w->w_slot->ss_lim.sl_wait != SL_WAIT_NONE)
		w->w_slot->ss_lim.sl_wait = SL_WAIT_NONE;
}

/* The client's key, or -1 when it has none to count: not an IP address,
 * or a trusted balancer's own connection (a PROXY header saying LOCAL,
 * its health check): the balancer's address is never limited. */
static int
client_key(const struct worker_env *w, const struct sockaddr_storage *peer,
    struct addr_key *key)
{
	if (w->w_conf->rc_listeners[w->w_listener].ls_proxy_protocol &&
	    w->w_proxy_src.ss_family == AF_UNSPEC)
		return -1;
	return addr_key_of((const struct sockaddr *)peer, key);
}

static void
connection_reset(struct worker_env *w)
{
	w->w_slot->ss_lim.sl_key_set = 0;
	wait_clear(w);
	close_seq = 0;
	auth_pending = 0;
}

/*
 * A new connection from peer: -1 to close it at once (over the limit,
 * reported), 0 to serve it. The board is at most one pool tick old:
 * connections other workers accepted since are not on it yet, and the
 * master closes the youngest of a burst that passed the limit so.
 */
int
addr_limit_accept(struct worker_env *w, const struct sockaddr_storage *peer)
{
	struct slot_limits	*sl = &w->w_slot->ss_lim;
	unsigned		 limit = w->w_conf->rc_max_conns_per_addr;
	char			 text[ADDR_KEY_TEXT];
	int64_t			 now = now_ms();
	uint32_t		 held;
	unsigned		 i;
	int			 pressure;

	connection_reset(w);
	if (client_key(w, peer, &client) == -1)
		return 0;
	/* Looked up before the key is in the slot: the count never holds
	 * this connection, whenever the master counts. A board that cannot
	 * be read lets the connection in. */
	if (limit != 0 && addrboard_lookup(&board, &client, &held,
	    &pressure) == 0 && held >= limit) {
		addr_key_text(&client, text, sizeof(text));
		log_debug("limits: client %s: %u connection(s) held, "
		    "max-connections-per-address %u: closing", text, held,
		    limit);
		report(w, LIMIT_ADDRESS, &client, held);
		return -1;
	}
	for (i = 0; i < ADDR_KEY_SIZE; i++)
		sl->sl_key[i] = client.ak_bytes[i];
	sl->sl_accepted = now;
	sl->sl_key_set = 1;
	wait_begin(w, SL_WAIT_FIRST, now);
	return 0;
}

/* The connection is over: nothing of it stays in the slot. */
void
addr_limit_done(struct worker_env *w)
{
	connection_reset(w);
}

/* session_read_head returned: a request is in flight, or the connection
 * ends. */
void
addr_limit_waited(struct worker_env *w)
{
	wait_clear(w);
}

/*
 * Each response, as it is logged: a 401 or 407 on a pinned connection
 * (auth = passthrough) or from rpxd itself (ntlm, negotiate) means the
 * client's next message of the handshake comes on this connection, so
 * its wait for it is never closed.
 */
void
addr_limit_response(struct worker_env *w, const struct request_log *rl)
{
	const struct listener_conf	*ls = &w->w_conf->rc_listeners[
					    w->w_listener];
	int				 ntlm_route = rl->rl_route >= 0 &&
	    (unsigned)rl->rl_route < ls->ls_nroutes &&
	    AUTH_BY_PROXY(ls->ls_routes[rl->rl_route].rt_auth);

	auth_pending = (rl->rl_status == 401 || rl->rl_status == 407) &&
	    (w->w_pinned || w->w_ntlm_challenged || ntlm_route);
}

/* The client-header-timeout, or under pressure the shorter
 * pressure-head-timeout (a TLS handshake, a PROXY header). */
unsigned
addr_limit_head_timeout(const struct worker_env *w)
{
	const struct rpxd_conf	*c = w->w_conf;

	if (addrboard_pressure(&board) &&
	    c->rc_pressure_head_timeout < c->rc_client_header_timeout)
		return c->rc_pressure_head_timeout;
	return c->rc_client_header_timeout;
}

/* Did the master ask to close the wait that is on now? Then it is closed
 * (1), logged and reported. */
static int
close_asked(struct worker_env *w, int64_t now)
{
	struct slot_limits	*sl = &w->w_slot->ss_lim;
	uint32_t		 what = sl->sl_wait;

	if (close_seq == 0 || close_seq != wait_seq || auth_pending ||
	    what == SL_WAIT_NONE || what == SL_WAIT_AUTH)
		return 0;
	if (close_reason == LIMIT_ADDRESS) {
		log_info("session: client %s: closed %s: its address holds "
		    "%u connections, over max-connections-per-address (%u)",
		    w->w_client_addr, what == SL_WAIT_FIRST ?
		    "before its first request" : "while idle", close_held,
		    w->w_conf->rc_max_conns_per_addr);
		report(w, LIMIT_ADDRESS, &client, close_held);
	} else {
		log_notice("session: client %s: idle keep-alive connection "
		    "closed after %lld s without a request: the pool is under "
		    "pressure", w->w_client_addr,
		    (long long)((now - sl->sl_wait_since) / 1000));
		report(w, LIMIT_IDLE, NULL, 0);
	}
	wait_clear(w);
	close_seq = 0;
	return 1;
}

/* Under pressure, a head (or a new connection's first byte) gets
 * pressure-head-timeout: 0, or as addr_limit_head says. */
static int
pressure_head(struct worker_env *w, struct request_log *rl, int64_t now,
    int64_t start, int64_t head_deadline, int64_t *deadline)
{
	const struct rpxd_conf	*c = w->w_conf;
	size_t			 len = w->w_client.io_in.b_len;
	int64_t			 base, cut;

	if (!addrboard_pressure(&board))
		return 0;
	base = len > 0 && head_deadline != -1 ? head_deadline -
	    1000 * (int64_t)c->rc_client_header_timeout : start;
	cut = base + 1000 * (int64_t)c->rc_pressure_head_timeout;
	/* Once brought forward, *deadline is cut: reaching it is this
	 * timeout's, said here, not client-header-timeout's. */
	if (cut > *deadline)
		return 0;
	if (now < cut) {
		*deadline = cut;
		return 0;
	}
	report(w, LIMIT_HEAD, NULL, 0);
	if (len == 0) {
		log_notice("session: client %s: no request within "
		    "pressure-head-timeout (%u s): the pool is under pressure; "
		    "closing", w->w_client_addr, c->rc_pressure_head_timeout);
		return 1;
	}
	rl->rl_in = len;
	respond_error(w, rl, 408, "request head not complete within "
	    "pressure-head-timeout (the pool is under pressure)");
	return -1;
}

/*
 * Called by session_read_head each time round, before its deadline is
 * checked: start is when it began waiting, head_deadline the head's
 * deadline once a byte came (-1 before). 0: go on (*deadline may be
 * brought forward); 1: close, logged; -1: close, a 408 was sent.
 */
int
addr_limit_head(struct worker_env *w, struct request_log *rl, int first,
    int64_t start, int64_t head_deadline, int64_t *deadline)
{
	struct slot_limits	*sl = &w->w_slot->ss_lim;
	int64_t			 now = now_ms();

	if (!first && w->w_client.io_in.b_len == 0) {
		/* Between requests, nothing received: an idle wait. */
		if (sl->sl_wait == SL_WAIT_NONE)
			wait_begin(w, auth_pending ? SL_WAIT_AUTH :
			    SL_WAIT_KEEPALIVE, now);
		return close_asked(w, now);
	}
	if (!first)
		wait_clear(w);	/* the next request is coming */
	else if (close_asked(w, now))
		return 1;
	return pressure_head(w, rl, now, start, head_deadline, deadline);
}

/* A message only the limits send: 1 if msg was one (a malformed one is
 * fatal, as every message from the master). */
int
addr_limit_master(struct worker_env *w, struct ipc_msg *msg)
{
	uint32_t	seq, reason, held;

	(void)w;
	switch (msg->im_type) {
	case IPC_CLOSE_WAIT:
		if (msg->im_fd != -1 ||
		    msgbuf_get_u32(&msg->im_payload, &seq) == -1 ||
		    msgbuf_get_u32(&msg->im_payload, &reason) == -1 ||
		    msgbuf_get_u32(&msg->im_payload, &held) == -1 ||
		    msgbuf_end(&msg->im_payload) == -1 ||
		    (reason != LIMIT_ADDRESS && reason != LIMIT_IDLE))
			fatalx("worker: bad close wait message");
		close_seq = seq;
		close_reason = reason;
		close_held = held;
		return 1;
	case IPC_PRESSURE:
		/* A wake-up: the flag itself is on the board. */
		if (msg->im_fd != -1 || msgbuf_end(&msg->im_payload) == -1)
			fatalx("worker: bad pressure message");
		return 1;
	default:
		return 0;
	}
}
