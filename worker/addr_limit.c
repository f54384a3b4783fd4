/*
 * max-connections-per-address and pressure mode, the worker's side. At
 * accept (session.c, once a PROXY header has named the client) the
 * worker looks its client's address key up on the address board the
 * master publishes every pool tick (master/limits.c): with as many
 * connections held as the limit allows, counting itself, the connection
 * is closed at once and reported (IPC_LIMITED; the master logs and counts
 * it); otherwise the key goes into the worker's own slot for the next
 * count. Between two requests of a keep-alive connection the slot says
 * so (SL_WAIT_KEEPALIVE, or SL_WAIT_AUTH in the middle of an
 * NTLM/Negotiate handshake) for the master's pressure mode, which may ask
 * the longest waiting to close (IPC_CLOSE_IDLE); under pressure a request
 * head gets only pressure-head-timeout seconds. Called by session.c,
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
static uint32_t		wait_seq;	/* this worker's waits, numbered */
static uint32_t		close_seq;	/* the wait the master asked to
					   close, 0: none */
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
client_key(const struct worker_env *w, const struct sockaddr_storage *client,
    struct addr_key *key)
{
	if (w->w_conf->rc_listeners[w->w_listener].ls_proxy_protocol &&
	    w->w_proxy_src.ss_family == AF_UNSPEC)
		return -1;
	return addr_key_of((const struct sockaddr *)client, key);
}

/*
 * A new connection from client: -1 to close it at once (over the limit,
 * reported), 0 to serve it. The board is at most one pool tick old:
 * connections other workers accepted since are not on it yet.
 */
int
addr_limit_accept(struct worker_env *w, const struct sockaddr_storage *client)
{
	struct slot_limits	*sl = &w->w_slot->ss_lim;
	unsigned		 limit = w->w_conf->rc_max_conns_per_addr;
	struct addr_key		 key;
	uint32_t		 held;
	unsigned		 i;
	int			 pressure;

	sl->sl_key_set = 0;
	wait_clear(w);
	close_seq = 0;
	auth_pending = 0;
	if (client_key(w, client, &key) == -1)
		return 0;
	/* Looked up before the key is in the slot: the count never holds
	 * this connection, whenever the master counts. A board that cannot
	 * be read lets the connection in. */
	if (limit != 0 && addrboard_lookup(&board, &key, &held,
	    &pressure) == 0 && held >= limit) {
		char	text[ADDR_KEY_TEXT];

		addr_key_text(&key, text, sizeof(text));
		log_debug("limits: client %s: %u connection(s) held, "
		    "max-connections-per-address %u: closing", text, held,
		    limit);
		report(w, LIMIT_ADDRESS, &key, held);
		return -1;
	}
	for (i = 0; i < ADDR_KEY_SIZE; i++)
		sl->sl_key[i] = key.ak_bytes[i];
	sl->sl_key_set = 1;
	return 0;
}

/* The connection is over: nothing of it stays in the slot. */
void
addr_limit_done(struct worker_env *w)
{
	w->w_slot->ss_lim.sl_key_set = 0;
	wait_clear(w);
	close_seq = 0;
	auth_pending = 0;
}

/* session_read_head returned: no longer waiting, whatever came. */
void
addr_limit_waited(struct worker_env *w)
{
	wait_clear(w);
}

/*
 * Each response, as it is logged: a 401 or 407 on a pinned connection
 * (auth = passthrough) or from rpxd itself (auth = ntlm) means the
 * client's next message of the handshake comes on this connection, so
 * its wait for it is never closed under pressure.
 */
void
addr_limit_response(struct worker_env *w, const struct request_log *rl)
{
	const struct listener_conf	*ls = &w->w_conf->rc_listeners[
					    w->w_listener];
	int				 ntlm_route = rl->rl_route >= 0 &&
	    (unsigned)rl->rl_route < ls->ls_nroutes &&
	    ls->ls_routes[rl->rl_route].rt_auth == AUTH_NTLM;

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

/* Between requests with nothing received: mark the wait in the slot,
 * and close it if the master asked (1). */
static int
keepalive_wait(struct worker_env *w, int64_t now)
{
	struct slot_limits	*sl = &w->w_slot->ss_lim;

	if (sl->sl_wait == SL_WAIT_NONE) {
		if (++wait_seq == 0)
			wait_seq = 1;
		sl->sl_wait_seq = wait_seq;
		sl->sl_wait_since = now;
		sl->sl_wait = auth_pending ? SL_WAIT_AUTH : SL_WAIT_KEEPALIVE;
	}
	if (close_seq == 0 || close_seq != wait_seq || auth_pending)
		return 0;
	log_notice("session: client %s: idle keep-alive connection closed "
	    "after %lld s without a request: the pool is under pressure",
	    w->w_client_addr, (long long)((now - sl->sl_wait_since) / 1000));
	report(w, LIMIT_IDLE, NULL, 0);
	wait_clear(w);
	return 1;
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
	const struct rpxd_conf	*c = w->w_conf;
	size_t			 len = w->w_client.io_in.b_len;
	int64_t			 now = now_ms(), base, cut;

	if (!first && len == 0)
		return keepalive_wait(w, now);
	wait_clear(w);
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

/* A message only pressure mode sends: 1 if msg was one (a malformed one
 * is fatal, as every message from the master). */
int
addr_limit_master(struct worker_env *w, struct ipc_msg *msg)
{
	uint32_t	seq;

	(void)w;
	switch (msg->im_type) {
	case IPC_CLOSE_IDLE:
		if (msg->im_fd != -1 ||
		    msgbuf_get_u32(&msg->im_payload, &seq) == -1 ||
		    msgbuf_end(&msg->im_payload) == -1)
			fatalx("worker: bad close idle message");
		close_seq = seq;
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
