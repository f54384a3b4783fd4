/*
 * rpxd-health, the active health checker: exec'd by the master
 * (master/health.c) with its socketpair on RPXD_IPC_FD, it takes the
 * configuration and the health board over that socket, builds its TLS
 * contexts, chroots and drops to the unprivileged user, then checks every
 * server of every backend with a health-check in one poll loop until the
 * master closes the socket, sends IPC_STOP, or SIGTERM comes.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "health.h"
#include "ipc.h"
#include "log.h"
#include "sandbox.h"
#include "worker.h"	/* privdrop() */

#define FIRST_SPREAD_MS	1000	/* the first checks spread over it */
#define IDLE_WAKE_MS	60000	/* longest poll without anything due */
/* the master's socket, the signal pipe, the checks and the fetches */
#define POLL_ENTRIES(ch)	((size_t)(ch)->ch_nchecks + 2 + \
				    OCSP_FETCHES_MAX + CERT_FETCHES_MAX)

struct checker {
	struct rpxd_conf	*ch_conf;
	struct healthboard	 ch_hb;
	int			 ch_ipc;
	SSL_CTX			**ch_ctxs;	/* per backend, or NULL */
	struct http_limits	 ch_lim;
	struct check		*ch_checks;
	unsigned		 ch_nchecks;
	nfds_t			 ch_fetch_pfd;	/* ocsp-fetch's poll entries */
	nfds_t			 ch_cert_pfd;	/* cert_fetch.c's */
};

static struct checker	checker;
static int		signal_pipe[2] = { -1, -1 };

static void
board_message(struct checker *ch, struct ipc_msg *msg)
{
	unsigned char	key[HB_KEY_SIZE];	/* for workers, unused */
	uint32_t	n;

	if (ch->ch_conf == NULL || msg->im_fd == -1 ||
	    ch->ch_hb.hb_servers != NULL ||
	    msgbuf_get_u32(&msg->im_payload, &n) == -1 ||
	    n != ch->ch_conf->rc_nservers ||
	    msgbuf_get_bytes(&msg->im_payload, key, sizeof(key)) == -1 ||
	    msgbuf_end(&msg->im_payload) == -1 ||
	    healthboard_attach(&ch->ch_hb, msg->im_fd, n, 1) == -1)
		fatalx("health: setup: bad health board message");
	explicit_bzero(key, sizeof(key));
	msg->im_fd = -1;
}

/* Start-up, as the master sends it: config, health board, start. */
static void
checker_setup(struct checker *ch)
{
	struct ipc_msg	msg;

	ch->ch_hb.hb_fd = -1;
	for (;;) {
		if (ipc_recv(ch->ch_ipc, &msg) != 1)
			fatalx("health: setup: master closed or sent a bad "
			    "message");
		switch (msg.im_type) {
		case IPC_CONFIG:
			if (ch->ch_conf != NULL || msg.im_fd != -1 ||
			    (ch->ch_conf = config_decode(&msg.im_payload)) ==
			    NULL)
				fatalx("health: setup: bad config message");
			break;
		case IPC_BALANCE:
			board_message(ch, &msg);
			break;
		case IPC_START:
			if (ch->ch_hb.hb_servers == NULL || msg.im_fd != -1)
				fatalx("health: setup: start before the "
				    "health board");
			ipc_msg_free(&msg);
			return;
		default:
			fatalx("health: setup: unexpected %s message",
			    ipc_type_name(msg.im_type));
		}
		ipc_msg_free(&msg);
	}
}

/* What a worker would accept from a backend is what a check accepts. */
static void
checker_limits(struct checker *ch)
{
	const struct rpxd_conf	*c = ch->ch_conf;

	ch->ch_lim.hl_max_request_line = c->rc_max_request_line;
	ch->ch_lim.hl_max_header_line = c->rc_max_header_line;
	ch->ch_lim.hl_max_head = c->rc_max_head;
	ch->ch_lim.hl_max_headers = c->rc_max_headers;
}

/* One check per server of a backend with a health-check; the first ones
 * spread a little, so that a large pool is not hit all at once. */
static void
checker_checks(struct checker *ch)
{
	const struct rpxd_conf	*c = ch->ch_conf;
	unsigned		 i, j, n = 0, nbe = 0;
	int64_t			 now = now_ms();

	for (i = 0; i < c->rc_nbackends; i++)
		if (c->rc_backends[i].be_health.hc_enabled) {
			n += c->rc_backends[i].be_nservers;
			nbe++;
		}
	if ((ch->ch_checks = calloc(n + 1, sizeof(*ch->ch_checks))) == NULL)
		fatal("health: calloc");
	for (i = 0; i < c->rc_nbackends; i++) {
		const struct backend_conf *be = &c->rc_backends[i];

		if (!be->be_health.hc_enabled)
			continue;
		for (j = 0; j < be->be_nservers; j++, ch->ch_nchecks++) {
			struct hb_server *hs = healthboard_server(&ch->ch_hb,
			    be, j);

			if (hs == NULL)
				fatalx("health: backend \"%s\": not on the "
				    "board", be->be_name);
			check_init(&ch->ch_checks[ch->ch_nchecks], be, j, hs,
			    ch->ch_ctxs[i], &ch->ch_lim, now +
			    FIRST_SPREAD_MS * (int64_t)ch->ch_nchecks / n);
		}
	}
	log_info("health: checking %u server(s) of %u backend(s)", n, nbe);
}

static void
signal_handler(int sig)
{
	int	saved_errno = errno;

	(void)sig;
	(void)write(signal_pipe[1], "", 1);
	errno = saved_errno;
}

static void
checker_signals(void)
{
	struct sigaction	sa;
	int			i;

	if (pipe(signal_pipe) == -1)
		fatal("health: pipe");
	for (i = 0; i < 2; i++)
		if (fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			fatal("health: fcntl");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = signal_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		fatal("health: sigaction");
	/* A reload starts a new checker; this one ignores SIGHUP. */
	signal(SIGHUP, SIG_IGN);
}

/* A message from the master at run time; 1 when the checker must stop. */
static int
checker_dispatch_master(struct checker *ch)
{
	struct ipc_msg	msg;
	int		rv;

	if ((rv = ipc_recv(ch->ch_ipc, &msg)) == 0)
		return 1;	/* the master is gone or done with us */
	if (rv == -1)
		fatalx("health: bad message from the master");
	if (msg.im_type == IPC_LOG_LEVEL) {
		if (ipc_log_level(&msg) == -1)
			fatalx("health: bad log level message");
		ipc_msg_free(&msg);
		return 0;
	}
	if (msg.im_type == IPC_CERT_FETCH) {
		if (msg.im_fd != -1 ||
		    cert_fetch_request(&msg.im_payload) == -1)
			fatalx("health: bad certificate fetch message");
		ipc_msg_free(&msg);
		return 0;
	}
	if (msg.im_type == IPC_OCSP_FETCH) {
		if (msg.im_fd != -1 ||
		    ocsp_fetch_request(ch->ch_ipc, &msg.im_payload) == -1)
			fatalx("health: bad ocsp fetch message");
		ipc_msg_free(&msg);
		return 0;
	}
	if (msg.im_type != IPC_STOP || msg.im_fd != -1 ||
	    msgbuf_end(&msg.im_payload) == -1)
		fatalx("health: unexpected %s message from the master",
		    ipc_type_name(msg.im_type));
	ipc_msg_free(&msg);
	return 1;
}

/* Poll the running checks' sockets until the next check is due. */
static int
checker_poll(struct checker *ch, struct pollfd *pfd, int *slot)
{
	int64_t		now = now_ms(), d;
	int64_t		due = now + IDLE_WAKE_MS;
	nfds_t		n = 2;
	unsigned	i;

	pfd[0] = (struct pollfd){ .fd = ch->ch_ipc, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = signal_pipe[0], .events = POLLIN };
	for (i = 0; i < ch->ch_nchecks; i++) {
		struct check *ck = &ch->ch_checks[i];

		slot[i] = -1;
		if (ck->ck_events != 0) {
			slot[i] = (int)n;
			pfd[n++] = (struct pollfd){ .fd = ck->ck_fd,
			    .events = ck->ck_events };
		}
		if ((d = check_due(ck)) < due)
			due = d;
	}
	ch->ch_fetch_pfd = n;
	n += ocsp_fetch_pollfds(pfd + n, &due);
	ch->ch_cert_pfd = n;
	n += cert_fetch_pollfds(pfd + n, &due);
	d = due > now ? due - now : 0;
	if (poll(pfd, n, (int)(d < INT_MAX ? d : INT_MAX)) == -1) {
		if (errno != EINTR)
			fatal("health: poll");
		return 0;
	}
	return 1;
}

static void
checker_loop(struct checker *ch)
{
	struct pollfd	*pfd;
	int		*slot;
	unsigned	 i;
	int64_t		 now;
	char		 c;

	if ((pfd = calloc(POLL_ENTRIES(ch), sizeof(*pfd))) == NULL ||
	    (slot = calloc(ch->ch_nchecks + 1, sizeof(*slot))) == NULL)
		fatal("health: calloc");
	for (;;) {
		if (checker_poll(ch, pfd, slot)) {
			if (pfd[1].revents & POLLIN) {
				while (read(signal_pipe[0], &c, 1) == 1)
					;
				log_debug("health: stopping on a signal");
				break;
			}
			if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    checker_dispatch_master(ch)) {
				log_debug("health: stopping: the master says");
				break;
			}
		} else
			memset(pfd, 0, POLL_ENTRIES(ch) * sizeof(*pfd));
		now = now_ms();
		for (i = 0; i < ch->ch_nchecks; i++)
			check_run(&ch->ch_checks[i], slot[i] == -1 ? 0 :
			    pfd[slot[i]].revents, now);
		ocsp_fetch_run(pfd + ch->ch_fetch_pfd, now);
		cert_fetch_run(pfd + ch->ch_cert_pfd, now);
	}
	free(pfd);
	free(slot);
}

int
main(int argc, char *argv[])
{
	struct checker	*ch = &checker;
	unsigned	 i;
	int		 foreground = argc > 1 && strcmp(argv[1], "-d") == 0;

	signal(SIGPIPE, SIG_IGN);
	log_init(foreground, "rpxd", LOG_DAEMON);
	ch->ch_ipc = RPXD_IPC_FD;
	if (fcntl(ch->ch_ipc, F_SETFD, FD_CLOEXEC) == -1)
		fatal("health: started without its socket on fd %d",
		    RPXD_IPC_FD);
	checker_setup(ch);
	log_syslog_config(ch->ch_conf->rc_syslog_socket,
	    ch->ch_conf->rc_syslog_tag, ch->ch_conf->rc_facility);
	log_set_level(ch->ch_conf->rc_log_level);
	checker_limits(ch);
	/* Contexts are built before the chroot: OpenSSL may read its
	 * configuration. */
	if (OPENSSL_init_ssl(0, NULL) != 1)
		fatalx("health: OpenSSL initialisation failed");
	ch->ch_ctxs = health_tls_init(ch->ch_conf);
	cert_fetch_init(ch->ch_conf, ch->ch_ipc);
	checker_checks(ch);
	checker_signals();
	privdrop(ch->ch_conf->rc_chroot, ch->ch_conf->rc_uid,
	    ch->ch_conf->rc_gid);
	/* A check holds one backend connection at a time, and so does an
	 * OCSP fetch and a certificate fetch. */
	sandbox_enter(SANDBOX_HEALTH, ch->ch_nchecks + OCSP_FETCHES_MAX +
	    CERT_FETCHES_MAX);
	checker_loop(ch);
	for (i = 0; i < ch->ch_nchecks; i++)
		check_abort(&ch->ch_checks[i]);
	ocsp_fetch_abort();
	cert_fetch_abort();
	return 0;
}
