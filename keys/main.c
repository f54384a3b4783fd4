/*
 * rpxd-keys, a key holder: exec'd by the master (master/keyholders.c)
 * with its socketpair on RPXD_IPC_FD. It takes the configuration and the
 * private keys over that socket, chroots, drops to the unprivileged user
 * and enters the sandbox (no socket, no file, no exec), then answers signature requests from the workers whose key
 * channels (SOCK_SEQPACKET socketpair ends) the master hands it, until
 * the master has closed its socket and the last worker has gone.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "ipc.h"
#include "keys.h"
#include "log.h"
#include "sandbox.h"
#include "scoreboard.h"
#include "worker.h"	/* privdrop() */

/* A holder serves at most every worker slot. */
#define CLIENTS_MAX	RPXD_MAX_WORKERS
#define KEYS_SPARE_FDS	16	/* beyond one channel per worker */

struct client {
	int		 cl_fd;
	uint32_t	 cl_slot;	/* the worker's scoreboard slot, for
					   log lines */
};

static struct rpxd_conf	*conf;
static struct client	 clients[CLIENTS_MAX];
static unsigned		 nclients;

/* Start-up, as the master sends it: config, keys, start. */
static void
holder_setup(int ipc)
{
	struct ipc_msg	msg;

	for (;;) {
		if (ipc_recv(ipc, &msg) != 1)
			fatalx("keys: setup: master closed or sent a bad "
			    "message");
		switch (msg.im_type) {
		case IPC_CONFIG:
			if (conf != NULL || msg.im_fd != -1 ||
			    (conf = config_decode(&msg.im_payload)) == NULL)
				fatalx("keys: setup: bad config message");
			break;
		case IPC_TLS_KEY:
			if (conf == NULL || msg.im_fd != -1 ||
			    held_add(conf, &msg.im_payload) == -1)
				fatalx("keys: setup: bad key message");
			break;
		case IPC_START:
			if (conf == NULL || held_count() == 0)
				fatalx("keys: setup: start without keys");
			ipc_msg_free(&msg);
			return;
		default:
			fatalx("keys: setup: unexpected %s message",
			    ipc_type_name(msg.im_type));
		}
		ipc_msg_free(&msg);
	}
}

static void
client_drop(unsigned i)
{
	close(clients[i].cl_fd);
	clients[i] = clients[--nclients];
}

/* IPC_KEY_CLIENT: a worker's channel; 0, or -1 when the master is gone. */
static int
master_message(int ipc)
{
	struct ipc_msg	msg;
	uint32_t	pid;
	int		rv;

	if ((rv = ipc_recv(ipc, &msg)) == 0)
		return -1;
	if (rv == 1 && msg.im_type == IPC_LOG_LEVEL) {
		if (ipc_log_level(&msg) == -1)
			fatalx("keys: bad log level message");
		ipc_msg_free(&msg);
		return 0;
	}
	if (rv == -1 || msg.im_type != IPC_KEY_CLIENT || msg.im_fd == -1 ||
	    msgbuf_get_u32(&msg.im_payload, &pid) == -1 ||
	    msgbuf_end(&msg.im_payload) == -1)
		fatalx("keys: bad message from the master");
	if (nclients == CLIENTS_MAX) {
		log_warnx("keys: more than %u workers; refusing the worker "
		    "of slot %u",
		    CLIENTS_MAX, pid);
		close(msg.im_fd);
	} else
		clients[nclients++] = (struct client){ msg.im_fd, pid };
	msg.im_fd = -1;
	ipc_msg_free(&msg);
	return 0;
}

/*
 * One request from client i, answered without ever blocking: a worker
 * that sends garbage or asks for what a key holder does not do, or that
 * does not read its answers, loses its channel (and so stops).
 */
static void
client_request(unsigned i)
{
	unsigned char		buf[KEY_REQ_MAX + 1];
	struct key_request	kr;
	struct key_answer	ka;
	struct client		*cl = &clients[i];
	ssize_t			n;
	size_t			len;

	n = recv(cl->cl_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (n == -1)
			log_warn("keys: the worker of slot %u", cl->cl_slot);
		client_drop(i);
		return;
	}
	if (key_request_decode(&kr, buf, (size_t)n) == -1) {
		log_warnx("keys: the worker of slot %u sent a malformed "
		    "request of %zd "
		    "bytes; closing its channel", cl->cl_slot, n);
		client_drop(i);
		return;
	}
	sign_request(&kr, &ka);
	if (ka.ka_status == KEY_ERR_REQUEST || ka.ka_status == KEY_ERR_UNKNOWN) {
		log_warnx("keys: the worker of slot %u: %s (scheme %u, digest %u); "
		    "closing its channel", cl->cl_slot,
		    key_status_name(ka.ka_status), kr.kr_scheme, kr.kr_md);
		client_drop(i);
		return;
	}
	if (ka.ka_status != KEY_OK)
		log_warnx("keys: the worker of slot %u: %s", cl->cl_slot,
		    key_status_name(ka.ka_status));
	len = key_answer_encode(&ka, buf);
	if (send(cl->cl_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) !=
	    (ssize_t)len) {
		if (errno != EPIPE && errno != ECONNRESET)
			log_warn("keys: the worker of slot %u does not read "
			    "its answers; "
			    "closing its channel", cl->cl_slot);
		client_drop(i);
	}
}

static void
holder_loop(int ipc)
{
	static struct pollfd	pfd[CLIENTS_MAX + 1];
	unsigned	i, n;
	int		master_open = 1;

	while (master_open || nclients > 0) {
		pfd[0] = (struct pollfd){ .fd = master_open ? ipc : -1,
		    .events = POLLIN };
		for (i = 0; i < nclients; i++)
			pfd[i + 1] = (struct pollfd){ .fd = clients[i].cl_fd,
			    .events = POLLIN };
		n = nclients;
		if (poll(pfd, n + 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			fatal("keys: poll");
		}
		/* Backwards: client_drop moves the last client into i. */
		for (i = n; i-- > 0;)
			if (pfd[i + 1].revents != 0)
				client_request(i);
		if (master_open && pfd[0].revents != 0 &&
		    master_message(ipc) == -1) {
			master_open = 0;
			close(ipc);
		}
	}
}

int
main(int argc, char *argv[])
{
	int	foreground = argc > 1 && strcmp(argv[1], "-d") == 0;

	signal(SIGPIPE, SIG_IGN);
	log_init(foreground, "rpxd", LOG_DAEMON);
	if (fcntl(RPXD_IPC_FD, F_SETFD, FD_CLOEXEC) == -1)
		fatal("keys: started without its socket on fd %d",
		    RPXD_IPC_FD);
	if (OPENSSL_init_ssl(0, NULL) != 1)
		fatalx("keys: OpenSSL initialisation failed");
	holder_setup(RPXD_IPC_FD);
	log_syslog_config(conf->rc_syslog_socket, conf->rc_syslog_tag,
	    conf->rc_facility);
	log_set_level(conf->rc_log_level);
	privdrop(conf->rc_chroot, conf->rc_uid, conf->rc_gid);
	/* Room for a channel from every worker of its generation (the
	 * master checked at load that the system allows it). */
	sandbox_enter(SANDBOX_KEYS, conf->rc_max_workers + KEYS_SPARE_FDS);
	log_debug("keys: holding %u key(s)", held_count());
	holder_loop(RPXD_IPC_FD);
	return 0;
}
