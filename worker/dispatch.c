/*
 * Messages from the master while the worker runs: IPC_STOP (also seen as
 * a flag in the scoreboard slot), new TLS ticket keys, and the answers
 * to the worker's own questions (auth = ntlm checks); SIGTERM, a stop
 * like IPC_STOP; and what a stopping worker lets go of at once. Called
 * from the accept loop (worker.c), between requests (session.c) and
 * during an exchange (exchange.c).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "tls.h"
#include "worker.h"

/* A stopping worker lets go of the listeners at once: the sockets stay
 * open in the master and the new generation, or close for good. */
static void
worker_close_listeners(struct worker_env *w)
{
	unsigned	i;

	for (i = 0; i < w->w_conf->rc_nlisteners; i++) {
		if (w->w_listen_fds[i] != -1)
			close(w->w_listen_fds[i]);
		w->w_listen_fds[i] = -1;
	}
}

static volatile sig_atomic_t	worker_terminated;

static void
worker_on_term(int sig)
{
	(void)sig;
	worker_terminated = 1;
}

/*
 * SIGTERM to a worker is a graceful stop, as IPC_STOP: it answers the
 * request in progress with Connection: close, finishes its connection and
 * exits; the master starts a replacement. No SA_RESTART: a blocking wait
 * returns EINTR and the loops look at the flag.
 */
void
worker_catch_term(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		fatal("worker: sigaction SIGTERM");
}

int
worker_stop_requested(struct worker_env *w)
{
	static int	term_logged;

	if (worker_terminated && !term_logged) {
		term_logged = 1;
		log_notice("worker: SIGTERM; finishing the current connection, "
		    "then exiting");
	}
	/* A lost syslog socket cannot be remade in the sandbox: a fresh
	 * worker opens a new one (log_syslog.c). */
	if ((w->w_slot->ss_stop || tls_keys_lost() || log_lost() ||
	    worker_terminated) &&
	    !w->w_stop)
		w->w_stop = 1;
	if (w->w_stop && w->w_listen_fds[0] != -1)
		worker_close_listeners(w);
	return w->w_stop;
}

/* Whether an idle keep-alive connection is closed soon (rpxd stops, or
 * the master is gone), rather than kept for its next request. A master
 * that said "reload" before it went (an upgrade execs it) is no crash. */
int
worker_stop_soon(struct worker_env *w)
{
	return (w->w_master_gone && w->w_slot->ss_stop != SS_STOP_RELOAD) ||
	    w->w_slot->ss_stop == SS_STOP_SHUTDOWN;
}

/* A message the master sends unasked: IPC_STOP or new ticket keys. */
static void
worker_handle_master(struct worker_env *w, struct ipc_msg *msg)
{
	if (msg->im_type == IPC_TICKET_KEYS && msg->im_fd == -1) {
		if (tls_tickets_receive(&msg->im_payload) == -1)
			fatalx("worker: bad ticket keys message");
		return;
	}
	if (msg->im_type == IPC_LOG_LEVEL) {
		if (ipc_log_level(msg) == -1)
			fatalx("worker: bad log level message");
		return;
	}
	if (addr_limit_master(w, msg))
		return;
	if (msg->im_type == IPC_OCSP) {
		if (msg->im_fd != -1 ||
		    tls_server_ocsp(w->w_conf, &msg->im_payload) == -1)
			fatalx("worker: bad ocsp response message");
		return;
	}
	if (msg->im_type != IPC_STOP || msg->im_fd != -1 ||
	    msgbuf_end(&msg->im_payload) == -1)
		fatalx("worker: unexpected %s message from the master",
		    ipc_type_name(msg->im_type));
	w->w_stop = 1;
}

void
worker_dispatch_master(struct worker_env *w)
{
	struct ipc_msg	msg;
	int		rv;

	rv = ipc_recv(w->w_ipc, &msg);
	if (rv == 0) {
		w->w_stop = w->w_master_gone = 1;
		return;
	}
	if (rv == -1)
		fatalx("worker: bad message from the master");
	worker_handle_master(w, &msg);
	ipc_msg_free(&msg);
}

/*
 * A question to the master that carries the client connection (so that
 * the master reads the client's address itself). The kernel counts
 * descriptors in flight, sent and not yet received, per user, and every
 * worker is the same user: when more than a worker's RLIMIT_NOFILE of
 * them are in flight at once (a burst of logins on many workers while
 * the master is busy), sendmsg fails with ETOOMANYREFS until the master
 * has read some. That is a wait, not a refusal: try again for up to
 * SEND_CONN_WAIT_MS, backing off from 1 to 16 ms. 0, or -1 (logged).
 */
#define SEND_CONN_WAIT_MS	5000

int
worker_send_conn(struct worker_env *w, uint32_t type, const struct msgbuf *mb)
{
	int64_t		deadline = now_ms() + SEND_CONN_WAIT_MS;
	int		pause = 1;

	for (;;) {
		if (ipc_send(w->w_ipc, type, w->w_client.io_fd, mb) == 0)
			return 0;
		if (errno != ETOOMANYREFS || now_ms() >= deadline)
			break;
		(void)poll(NULL, 0, pause);
		pause = pause < 16 ? pause * 2 : 16;
	}
	log_warn("worker: cannot pass the client connection to the master%s",
	    errno == ETOOMANYREFS ? " (too many descriptors in flight for "
	    "5 s)" : "");
	return -1;
}

/*
 * The master's answer of type want to a question just sent, handling
 * what it sends unasked meanwhile. 0 with *msg filled (the caller frees
 * it); -1 if the master is gone or does not answer within timeout_ms.
 */
int
worker_await_master(struct worker_env *w, uint32_t want, struct ipc_msg *msg,
    int timeout_ms)
{
	int64_t	deadline = now_ms() + timeout_ms, left;
	int	rv;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0 || io_wait(w->w_ipc, POLLIN, (int)left) != 1)
			return -1;
		rv = ipc_recv(w->w_ipc, msg);
		if (rv == 0) {
			w->w_stop = w->w_master_gone = 1;
			return -1;
		}
		if (rv == -1)
			fatalx("worker: bad message from the master");
		if (msg->im_type == want)
			return 0;
		worker_handle_master(w, msg);
		ipc_msg_free(msg);
	}
}

