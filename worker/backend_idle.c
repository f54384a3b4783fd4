/*
 * Backend connections kept across client connections: when a client
 * connection ends (or its next request goes to another backend), its
 * backend connection is kept idle for the worker's next clients if it is
 * safe to send another client's request on it: not pinned by
 * connection-bound authentication, the last response complete and not
 * asking to close, nothing unread or unsent on it (exchange.c closes any
 * other). backend.c takes one back for a request to the same server of
 * the same backend (so the same TLS context, names and verification as
 * when it was opened) after checking that the server has not closed it.
 * The cap (backend-idle-connections) and the idle timeout
 * (backend-idle-timeout) are kept by idle_cache.c; every wait of the
 * worker (for a client in worker.c, for a request in session.c, in an
 * exchange) ends in time to close expired ones (backend_idle_wait()),
 * also while a client holds the worker for half an hour. Kept
 * connections are not listed in the scoreboard slot: leastconn and
 * rpxctl status count connections in use.
 */
#include <string.h>

#include <openssl/ssl.h>

#include "log.h"
#include "worker.h"

void
backend_idle_init(struct worker_env *w)
{
	idle_cache_init(&w->w_idle, w->w_conf->rc_backend_idle_conns,
	    w->w_conf->rc_backend_idle_timeout);
}

static void
idle_close(struct worker_env *w, struct idle_conn *ic, const char *why)
{
	struct io	io;

	log_debug("backend: idle connection %ld-%u to backend \"%s\" server "
	    "%s closed: %s", log_getpid(), ic->ic_id,
	    w->w_conf->rc_backends[ic->ic_be].be_name,
	    w->w_conf->rc_backends[ic->ic_be].be_servers[ic->ic_sv].sv_name,
	    why);
	memset(&io, 0, sizeof(io));
	io.io_fd = ic->ic_fd;
	io.io_ssl = ic->ic_ssl;
	io_close(&io);
}

/*
 * The client is done with w_backend: keep it idle when that is safe,
 * else close it. A stopping worker serves no further client.
 */
void
backend_release(struct worker_env *w)
{
	struct idle_conn	ic, out;

	if (w->w_backend.io_fd == -1)
		return;
	if (w->w_pinned || w->w_stop || !idle_cache_enabled(&w->w_idle) ||
	    w->w_backend_be < 0 || !backend_clean(w)) {
		backend_close(w);
		return;
	}
	board_conn_close(w, w->w_backend_be, w->w_backend_conn);
	memset(&ic, 0, sizeof(ic));
	ic.ic_fd = w->w_backend.io_fd;
	ic.ic_ssl = w->w_backend.io_ssl;
	ic.ic_be = (unsigned)w->w_backend_be;
	ic.ic_sv = (unsigned)w->w_backend_sv;
	ic.ic_id = w->w_backend_id;
	ic.ic_since = now_ms();
	if (idle_cache_put(&w->w_idle, &ic, &out))
		idle_close(w, &out, "backend-idle-connections reached");
	w->w_backend.io_fd = -1;
	w->w_backend.io_ssl = NULL;
	w->w_backend_be = w->w_backend_sv = -1;
	w->w_backend_conn = -1;
}

/*
 * An idle connection to server sv of backend be into w_backend, checked:
 * one the server closed (or sent anything on) is closed and the next is
 * tried. 1 when w_backend holds one, 0 when none is left.
 */
int
backend_idle_take(struct worker_env *w, unsigned be, unsigned sv)
{
	struct idle_conn	ic;

	backend_idle_expire(w);
	while (idle_cache_take(&w->w_idle, be, sv, now_ms(), &ic)) {
		io_init(&w->w_backend, ic.ic_fd);
		w->w_backend.io_ssl = ic.ic_ssl;
		w->w_backend_be = (int)be;
		w->w_backend_sv = (int)sv;
		w->w_backend_id = ic.ic_id;
		if (!backend_clean(w)) {
			log_debug("backend: client %s: idle connection %ld-%u "
			    "to backend \"%s\" server %s was closed by the "
			    "server; not used", w->w_client_addr,
			    log_getpid(), ic.ic_id,
			    w->w_conf->rc_backends[be].be_name,
			    w->w_conf->rc_backends[be].be_servers[sv].sv_name);
			io_close(&w->w_backend);
			w->w_backend_be = w->w_backend_sv = -1;
			continue;
		}
		w->w_backend_conn = board_conn_open(w,
		    &w->w_conf->rc_backends[be], sv);
		return 1;
	}
	return 0;
}

void
backend_idle_expire(struct worker_env *w)
{
	struct idle_conn	ic;

	while (idle_cache_expire(&w->w_idle, now_ms(), &ic))
		idle_close(w, &ic, "backend-idle-timeout");
}

/*
 * Before a wait of timeout_ms (-1: none): the expired connections are
 * closed, and the wait is cut to end when the next one expires.
 */
int
backend_idle_wait(struct worker_env *w, int timeout_ms)
{
	int64_t	ms;

	if (w->w_idle.ic_n == 0)
		return timeout_ms;
	backend_idle_expire(w);
	if ((ms = idle_cache_wait_ms(&w->w_idle, now_ms())) < 0)
		return timeout_ms;
	ms = ms >= 3600000 ? 3600000 : ms + 1;	/* past it, not just before */
	return timeout_ms >= 0 && timeout_ms < ms ? timeout_ms : (int)ms;
}

/*
 * The client's own backend connection while its client is quiet between
 * requests (session.c): kept with the client up to backend-idle-timeout
 * after the last exchange, then closed like a kept one, so that a client
 * holding its connection for half an hour does not hold a backend
 * connection and its TLS state as well. Never a pinned one. The deadline
 * for an exchange that ended at since, or -1 for none.
 */
int64_t
backend_own_idle_deadline(const struct worker_env *w, int64_t since)
{
	int	timeout = w->w_conf->rc_backend_idle_timeout;

	if (w->w_backend.io_fd == -1 || w->w_pinned || w->w_backend_be < 0 ||
	    timeout == 0)
		return -1;
	return since + 1000 * (int64_t)timeout;
}

void
backend_own_idle_close(struct worker_env *w)
{
	if (w->w_backend.io_fd == -1 || w->w_pinned || w->w_backend_be < 0)
		return;
	log_debug("backend: client %s: connection %ld-%u to backend \"%s\" "
	    "closed: backend-idle-timeout while the client is quiet",
	    w->w_client_addr, log_getpid(), w->w_backend_id,
	    w->w_conf->rc_backends[w->w_backend_be].be_name);
	backend_close(w);
}

void
backend_idle_close_all(struct worker_env *w)
{
	struct idle_conn	ic;

	while (idle_cache_pop(&w->w_idle, &ic))
		idle_close(w, &ic, "the worker stops");
}

/*
 * RFC 9110 9.2.2: a proxy must not retry a non-idempotent request by
 * itself, so only these may go on a connection that another client
 * left, where the server may close just as the request is sent.
 */
int
backend_request_idempotent(const struct http_message *req)
{
	static const char *const methods[] = { "GET", "HEAD", "OPTIONS",
	    "TRACE", "PUT", "DELETE" };
	size_t	i, n;

	if (req == NULL || req->hm_method == NULL)
		return 0;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		n = strlen(methods[i]);
		if (req->hm_methodlen == n &&
		    memcmp(req->hm_method, methods[i], n) == 0)
			return 1;
	}
	return 0;
}
