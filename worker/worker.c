/*
 * rpxd-worker: exec'd by the master with its socketpair on RPXD_IPC_FD,
 * once per generation. It takes its configuration and listening sockets
 * over that socket only, chroots and drops to the unprivileged user and
 * becomes the generation's template (template.c), which forks the
 * workers: each serves one client connection at a time until it is told
 * to stop.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "accept_wait.h"
#include "ipc.h"
#include "log.h"
#include "metrics_worker.h"
#include "sandbox.h"
#include "tls.h"
#include "worker.h"

/*
 * Descriptors a worker opens once sandboxed: it serves one connection at a
 * time, which holds the client, its backend and a pinned backend
 * connection parked while another backend serves (backend_park()); one
 * more lets a new backend socket be made before the old one is closed.
 * The idle backend connections it keeps (backend-idle-connections) come
 * on top.
 */
#define WORKER_CONN_FDS	4

static struct worker_env	worker_env;

/*
 * Start-up, as the master sends it to the template of a generation:
 * config, (in a KEYS_IN_WORKER=1 build the private keys,) listeners,
 * ticket keys, health board, the scoreboard, start. The workers it forks
 * get the rest (template.c).
 */
static void
worker_setup(struct worker_env *w)
{
	struct ipc_msg	msg;
	unsigned	next_listener = 0;
	uint32_t	idx;
	int		rv;

	for (;;) {
		if ((rv = ipc_recv(w->w_ipc, &msg)) != 1)
			fatalx("setup: master closed or sent a bad message");
		switch (msg.im_type) {
		case IPC_CONFIG:
			if (w->w_conf != NULL || msg.im_fd != -1 ||
			    (w->w_conf = config_decode(&msg.im_payload)) ==
			    NULL)
				fatalx("setup: bad config message");
			w->w_listen_fds = calloc(w->w_conf->rc_nlisteners + 1,
			    sizeof(int));
			if (w->w_listen_fds == NULL)
				fatal("setup: calloc");
			break;
		case IPC_TLS_KEY:
			if (w->w_conf == NULL || next_listener != 0 ||
			    msg.im_fd != -1 ||
			    tls_keys_receive(w->w_conf, &msg.im_payload) == -1)
				fatalx("setup: bad tls key message");
			break;
		case IPC_TICKET_KEYS:
			if (w->w_conf == NULL || msg.im_fd != -1 ||
			    tls_tickets_receive(&msg.im_payload) == -1)
				fatalx("setup: bad ticket keys message");
			break;
		case IPC_OCSP:	/* ocsp-fetch: fresher than the config's */
			if (w->w_conf == NULL || msg.im_fd != -1 ||
			    tls_server_ocsp(w->w_conf, &msg.im_payload) == -1)
				fatalx("setup: bad ocsp response message");
			break;
		case IPC_LISTENER:
			if (w->w_conf == NULL || msg.im_fd == -1 ||
			    msgbuf_get_u32(&msg.im_payload, &idx) == -1 ||
			    msgbuf_end(&msg.im_payload) == -1 ||
			    idx != next_listener ||
			    idx >= w->w_conf->rc_nlisteners)
				fatalx("setup: bad listener message");
			w->w_listen_fds[next_listener++] = msg.im_fd;
			msg.im_fd = -1;
			break;
		case IPC_BALANCE:
			if (w->w_conf == NULL || msg.im_fd == -1 ||
			    w->w_hb.hb_servers != NULL ||
			    msgbuf_get_u32(&msg.im_payload, &idx) == -1 ||
			    idx != w->w_conf->rc_nservers ||
			    msgbuf_get_bytes(&msg.im_payload, w->w_hash_key,
			    sizeof(w->w_hash_key)) == -1 ||
			    msgbuf_end(&msg.im_payload) == -1 ||
			    healthboard_attach(&w->w_hb, msg.im_fd, idx, 0) == -1)
				fatalx("setup: bad health board message");
			msg.im_fd = -1;	/* mapped read-only and closed */
			break;
		case IPC_ADDRBOARD:
			if (w->w_conf == NULL ||
			    addr_limit_setup(w, &msg) == -1)
				fatalx("setup: bad address board message");
			break;
		case IPC_TEMPLATE:
			if (w->w_conf == NULL || msg.im_fd == -1 ||
			    w->w_hb.hb_servers == NULL ||
			    next_listener != w->w_conf->rc_nlisteners ||
			    w->w_sb_fd != -1 ||
			    msgbuf_get_u32(&msg.im_payload,
			    &w->w_generation) == -1 ||
			    msgbuf_get_u32(&msg.im_payload, &w->w_slots) == -1 ||
			    msgbuf_get_u32(&msg.im_payload,
			    &w->w_template_flags) == -1 ||
			    msgbuf_end(&msg.im_payload) == -1 ||
			    w->w_slots == 0 || w->w_slots > RPXD_SLOTS_MAX)
				fatalx("setup: bad template message");
			/* Kept for the workers: each maps its own slot. */
			w->w_sb_fd = msg.im_fd;
			msg.im_fd = -1;
			break;
		case IPC_METRICS:
			if (w->w_conf == NULL || w->w_sb_fd != -1)
				fatalx("setup: metrics out of order");
			metrics_attach(&msg);
			break;
		case IPC_START:
			if (w->w_sb_fd == -1 || !addr_limit_ready())
				fatalx("setup: start before the scoreboard "
				    "or the address board");
			ipc_msg_free(&msg);
			return;
		default:
			fatalx("setup: unexpected %s message",
			    ipc_type_name(msg.im_type));
		}
		ipc_msg_free(&msg);
	}
}

static int
has_tls_listener(const struct rpxd_conf *c)
{
	unsigned	i;

	for (i = 0; i < c->rc_nlisteners; i++)
		if (c->rc_listeners[i].ls_ncerts > 0)
			return 1;
	return 0;
}

static void
worker_limits(struct worker_env *w)
{
	const struct rpxd_conf	*c = w->w_conf;

	w->w_limits.hl_max_request_line = c->rc_max_request_line;
	w->w_limits.hl_max_header_line = c->rc_max_header_line;
	w->w_limits.hl_max_head = c->rc_max_head;
	w->w_limits.hl_max_headers = c->rc_max_headers;
	w->w_client.io_fd = w->w_backend.io_fd = -1;
	w->w_parked.bl_io.io_fd = -1;
	w->w_backend_be = -1;
	w->w_backend_conn = w->w_parked.bl_conn = -1;
	backend_idle_init(w);
	conn_mem_init(w);
}

/*
 * The workers run as batch tasks where the system has them (Linux): a
 * worker woken by its peer's bytes does not preempt the worker that is
 * running, but waits until that one blocks, as it does a few microseconds
 * later. Many workers on one CPU then hand it over at their waits rather
 * than at every wake-up: fewer switches and reschedule interrupts per
 * request, and each runs with its caches warm (bench/README.md). Set in
 * the template, which every worker inherits it from; the master and the
 * key holders keep the normal policy, so a signature is not kept waiting.
 */
static void
worker_sched_batch(void)
{
#ifdef SCHED_BATCH
	struct sched_param	sp;

	memset(&sp, 0, sizeof(sp));
	if (sched_setscheduler(0, SCHED_BATCH, &sp) == -1)
		log_debug("worker: SCHED_BATCH: %s", strerror(errno));
#endif
}

/* Accept on listener i and serve the connection; 1 if one was served. */
static int
worker_accept(struct worker_env *w, unsigned i)
{
	struct sockaddr_storage	 peer;
	socklen_t		 len = sizeof(peer);
	int			 fd;

	/* Non-blocking from the start: no fcntl per connection. */
#ifdef SOCK_NONBLOCK
	fd = accept4(w->w_listen_fds[i], (struct sockaddr *)&peer, &len,
	    SOCK_NONBLOCK);
#else
	if ((fd = accept(w->w_listen_fds[i], (struct sockaddr *)&peer,
	    &len)) != -1 && fcntl(fd, F_SETFL, O_NONBLOCK) == -1) {
		close(fd);
		fd = -1;
	}
#endif
	if (fd == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != ECONNABORTED && errno != EINTR)
			log_warn("worker: accept on listener \"%s\"",
			    w->w_conf->rc_listeners[i].ls_name);
		return 0;
	}
	session_serve(w, fd, &peer, i);
	return 1;
}

/* Wait for a connection on any listener; serve it; repeat. */
static void
worker_loop(struct worker_env *w, struct accept_wait *aw)
{
	unsigned		 limit = w->w_conf->rc_max_connections_per_worker;
	uint64_t		 served = 0;
	int			 ready[16], n, i;

	while (!worker_stop_requested(w) && (limit == 0 || served < limit)) {
		scoreboard_set_state(w->w_slot, WS_IDLE);
		w->w_slot->ss_log_dropped = log_dropped();
		if ((n = accept_wait(aw, ready, 16, backend_idle_wait(w,
		    w->w_heap_trim ? CONN_QUIET_MS : -1))) == -1)
			fatal("worker: waiting for connections");
		/* A worker that serves one TLS connection after another
		 * keeps the heap pages its SSL objects need; one that goes
		 * idle gives them back. */
		if (n == 0 && w->w_heap_trim) {
			conn_mem_trim(w, CONN_TRIM_HEAP);
			w->w_heap_trim = 0;
		}
		for (i = 0; i < n; i++)
			if (ready[i] == ACCEPT_WAIT_IPC)
				worker_dispatch_master(w);
		for (i = 0; i < n && !w->w_stop; i++)
			if (ready[i] != ACCEPT_WAIT_IPC &&
			    worker_accept(w, (unsigned)ready[i])) {
				served++;
				break;
			}
	}
	backend_idle_close_all(w);
	scoreboard_set_state(w->w_slot, WS_STOPPING);
}

int
main(int argc, char *argv[])
{
	struct worker_env	*w = &worker_env;
	struct accept_wait	*aw;
	int			 foreground = argc > 1 &&
				    strcmp(argv[1], "-d") == 0;

	signal(SIGPIPE, SIG_IGN);
	worker_catch_term();
	log_init(foreground, "rpxd", LOG_DAEMON);
	/* Before OpenSSL's first allocation: its hooks are set once. */
	tls_arena_init();
	w->w_ipc = RPXD_IPC_FD;
	if (fcntl(w->w_ipc, F_SETFD, FD_CLOEXEC) == -1)
		fatal("worker: started without its socket on fd %d",
		    RPXD_IPC_FD);
	w->w_sb_fd = -1;
	worker_setup(w);
	log_syslog_config(w->w_conf->rc_syslog_socket, w->w_conf->rc_syslog_tag,
	    w->w_conf->rc_facility);
	log_set_level(w->w_conf->rc_log_level);
	worker_limits(w);
	metrics_count_init(w);
	/* Contexts are built before the chroot: OpenSSL may read its
	 * configuration. */
	if (OPENSSL_init_ssl(0, NULL) != 1)
		fatalx("worker: OpenSSL initialisation failed");
	tls_server_init(w->w_conf);
	tls_client_init(w->w_conf);
	tls_keys_forget();
	if (has_tls_listener(w->w_conf)) {
		/* Shared by the workers: 30-40 KiB less per TLS connection
		 * (bench/README.md, memory per worker). */
		tls_warmup();
		ERR_clear_error();
	}
	/* The workers' allocations take fresh pages, not copies of the
	 * template's. */
	stack_trim_init();	/* reads /proc: before the chroot */
	template_heap_seal();
	privdrop(w->w_conf->rc_chroot, w->w_conf->rc_uid, w->w_conf->rc_gid);
	worker_sched_batch();
	/* Returns in each worker it forks, which has its own socket to the
	 * master, key channel and scoreboard slot by then. */
	template_run(w);
	/* Made before the sandbox, which has no epoll_create. */
	if ((aw = accept_wait_init(w->w_listen_fds, w->w_conf->rc_nlisteners,
	    w->w_ipc)) == NULL)
		fatal("worker: accept_wait_init");
	sandbox_enter(SANDBOX_WORKER, WORKER_CONN_FDS +
	    w->w_conf->rc_backend_idle_conns);
	log_debug("worker: ready in generation %u", w->w_generation);
	worker_loop(w, aw);
	return 0;
}
