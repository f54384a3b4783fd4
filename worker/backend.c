/*
 * Backend connections: reuse the one kept from the previous request of
 * this client connection when it goes to the same backend and is still
 * clean, else pick a server (balance.c) and take an idle connection to it
 * that an earlier client left (backend_idle.c) or connect (non-blocking,
 * bounded by backend-connect-timeout), trying the next server while
 * nothing of the request has been sent. A server that cannot be reached
 * is held back for the backend's down-time. A connection pinned by
 * NTLM/Negotiate is never replaced: it is parked while a request of the
 * same client goes to another backend.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "log.h"
#include "metrics_worker.h"
#include "tls.h"
#include "worker.h"

void
backend_close(struct worker_env *w)
{
	board_conn_close(w, w->w_backend_be, w->w_backend_conn);
	io_close(&w->w_backend);
	w->w_backend_be = w->w_backend_sv = -1;
	w->w_backend_conn = -1;
	w->w_pinned = 0;
}

/* The connection now belongs to its client (NTLM/Negotiate); counted
 * in the worker's slot, summed by the master for rpxctl status. */
void
backend_pin(struct worker_env *w)
{
	if (w->w_pinned)
		return;
	w->w_pinned = 1;
	board_conn_pin(w, w->w_backend_conn);
}

/*
 * A kept connection is clean if nothing came on it: no data, no EOF. On
 * TLS, records that carry no data (a TLS 1.3 session ticket or key
 * update) make the socket readable too: one read tells them apart.
 */
int
backend_clean(struct worker_env *w)
{
	struct io	*b = &w->w_backend;

	if (b->io_fd == -1 || b->io_in.b_len != 0 || b->io_eof)
		return 0;
	/* Records read ahead with the last response, or arrived since. */
	if (!io_ssl_waiting(b) && io_wait(b->io_fd, POLLIN, 0) == 0)
		return 1;
	return b->io_ssl != NULL && io_read(b) == -2 && b->io_in.b_len == 0;
}

static int
backend_connect(struct worker_env *w, const struct server_conf *sv,
    const char **why)
{
	int		fd, err = 0, on = 1;
	socklen_t	len = sizeof(err);
	int		rv;

	*why = NULL;
	fd = socket(sv->sv_addr.ss_family, SOCK_STREAM, 0);
	if (fd == -1)
		goto fail;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		goto fail;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	if (connect(fd, (const struct sockaddr *)&sv->sv_addr,
	    sv->sv_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	rv = io_wait(fd, POLLOUT,
	    (int)(1000 * w->w_conf->rc_backend_connect_timeout));
	if (rv == 0) {
		*why = "connect timed out (backend-connect-timeout)";
		errno = ETIMEDOUT;
		goto fail;
	}
	if (rv == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err,
	    &len) == -1)
		goto fail;
	if (err != 0) {
		errno = err;
		goto fail;
	}
	return fd;
fail:
	if (*why == NULL)
		*why = strerror(errno);
	if (fd != -1)
		close(fd);
	return -1;
}

/* A server that failed is skipped by this worker for the down-time at
 * once, and by every worker if the master agrees (balance_hold()). */
static void
backend_hold(struct worker_env *w, const struct backend_conf *bc,
    unsigned sv, const char *what, const char *why)
{
	balance_hold(w, bc, sv);
	metrics_server_failure(bc, sv);
	log_warnx("backend: client %s: backend \"%s\" server %s: %s: %s%s",
	    w->w_client_addr, bc->be_name, bc->be_servers[sv].sv_name, what,
	    why, bc->be_down_time > 0 ? " (held back for down-time)" : "");
}

static int
backend_try(struct worker_env *w, unsigned be, unsigned idx)
{
	const struct backend_conf	*bc = &w->w_conf->rc_backends[be];
	const char			*why = NULL;
	int				 fd;

	if ((fd = backend_connect(w, &bc->be_servers[idx], &why)) == -1) {
		backend_hold(w, bc, idx, "connect failed", why);
		return -1;
	}
	io_init(&w->w_backend, fd);
	if (bc->be_tls && tls_client_connect(w, be, idx, &why) == -1) {
		io_close(&w->w_backend);
		backend_hold(w, bc, idx, "TLS handshake failed", why);
		return -1;
	}
	w->w_backend_be = (int)be;
	w->w_backend_sv = (int)idx;
	w->w_backend_id = ++w->w_backend_seq;
	w->w_backend_conn = board_conn_open(w, bc, idx);
	return 0;
}

/*
 * A connection to a server of backend be in w_backend. Returns 0 (and
 * *reused), or -1 after answering 503 (every server checked down) or 502
 * (none could be reached). req may be NULL; its Cookie picks a sticky
 * server. fresh: a new connection (a retry), never one kept idle; nor
 * does a request that may not be retried get one (backend_idle.c).
 */
int
backend_open(struct worker_env *w, unsigned be, const struct http_message *req,
    int fresh, int *reused, struct request_log *rl)
{
	const struct backend_conf	*bc = &w->w_conf->rc_backends[be];
	uint64_t			 tried = 0;
	unsigned			 attempt;
	int				 idx, sticky, idle_ok;

	rl->rl_backend = bc->be_name;
	*reused = w->w_backend_be == (int)be && (w->w_backend_quiet ||
	    backend_clean(w));
	w->w_backend_quiet = 0;
	rl->rl_reused = *reused;
	if (*reused) {
		rl->rl_server = bc->be_servers[w->w_backend_sv].sv_name;
		return 0;
	}
	if (w->w_pinned && w->w_backend_be == (int)be) {
		/* Never a new, unauthenticated connection in its place. */
		rl->rl_server = bc->be_servers[w->w_backend_sv].sv_name;
		respond_error(w, rl, 502, "the backend closed the "
		    "authenticated (pinned) connection");
		return -1;
	}
	backend_release(w);
	sticky = balance_sticky_server(bc, req);
	idle_ok = !fresh && backend_request_idempotent(req);
	for (attempt = 0; attempt < bc->be_nservers; attempt++) {
		if ((idx = balance_pick(w, bc, sticky, tried)) == -1)
			break;
		if (idx < 64)
			tried |= 1ULL << idx;
		rl->rl_server = bc->be_servers[idx].sv_name;
		if (idle_ok && backend_idle_take(w, be, (unsigned)idx)) {
			*reused = rl->rl_reused = 1;
			w->w_backend_sticky_ok = idx == sticky;
			return 0;
		}
		if (backend_try(w, be, (unsigned)idx) == 0) {
			w->w_backend_sticky_ok = idx == sticky;
			return 0;
		}
	}
	if (attempt == 0) {
		rl->rl_server = NULL;
		respond_error(w, rl, 503, "every server of the backend is "
		    "down (health checks)");
		return -1;
	}
	respond_error(w, rl, 502, "no server of the backend could be "
	    "reached");
	return -1;
}

/*
 * A pinned connection waits aside while one request of its client goes
 * to another backend; the parked side has its own read buffer (empty
 * until it reads: conn_mem_init).
 */
static void
swap_links(struct worker_env *w)
{
	struct backend_link	t;

	t.bl_io = w->w_backend;
	t.bl_be = w->w_backend_be;
	t.bl_sv = w->w_backend_sv;
	t.bl_conn = w->w_backend_conn;
	t.bl_id = w->w_backend_id;
	t.bl_pinned = w->w_pinned;
	w->w_backend = w->w_parked.bl_io;
	w->w_backend_be = w->w_parked.bl_be;
	w->w_backend_sv = w->w_parked.bl_sv;
	w->w_backend_conn = w->w_parked.bl_conn;
	w->w_backend_id = w->w_parked.bl_id;
	w->w_pinned = w->w_parked.bl_pinned;
	w->w_parked = t;
}

void
backend_park(struct worker_env *w)
{
	w->w_parked.bl_io.io_fd = -1;
	w->w_parked.bl_be = w->w_parked.bl_sv = -1;
	w->w_parked.bl_conn = -1;
	w->w_parked.bl_pinned = 0;
	swap_links(w);
}

int
backend_parked(const struct worker_env *w)
{
	return w->w_parked.bl_io.io_fd != -1;
}

/* The pinned connection back in place; the other is released. */
void
backend_unpark(struct worker_env *w)
{
	if (!backend_parked(w))
		return;
	backend_release(w);
	swap_links(w);
	w->w_parked.bl_io.io_fd = -1;
}

/* The client connection ends: what can serve the next client is kept
 * (backend_release()), the rest closed. */
void
backend_close_all(struct worker_env *w)
{
	backend_unpark(w);
	backend_release(w);
}
