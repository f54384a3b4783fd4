/*
 * The key holder's service, entered by keys/main.c once it is in its
 * sandbox: every request that reaches it from any worker channel is
 * answered, each worker's in the order it sent them, however many workers
 * wait. A wake-up is one batch: one request is read from every channel
 * that holds one (a worker that floods gets its turn like the others and
 * no more, and what is read from a worker per turn is one bounded
 * datagram), then each is signed and answered at once, at a priority
 * that follows the batch's size (priority.c). Nothing waits on
 * a worker: reads and answers are non-blocking, and a worker that sends
 * garbage or does not read its answers loses its channel (and so stops),
 * never the holder's time. The master's socket brings new channels.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "ipc.h"
#include "keys.h"
#include "log.h"

struct client {
	int		 cl_fd;		/* -1: a free slot */
	uint32_t	 cl_slot;	/* the worker's scoreboard slot, for
					   log lines */
};

/* A request read in this batch, for the channel in slot pe_slot. */
struct pending {
	unsigned		 pe_slot;
	struct key_request	 pe_kr;
};

static struct client	clients[KEYS_CLIENTS_MAX];
static unsigned		nclients;
static struct pending	batch[KEYS_CLIENTS_MAX];

static void
client_drop(unsigned slot)
{
	ready_remove(clients[slot].cl_fd, slot);
	close(clients[slot].cl_fd);
	clients[slot].cl_fd = -1;
	nclients--;
}

static void
client_add(int fd, uint32_t slot)
{
	unsigned	i;

	if (nclients == KEYS_CLIENTS_MAX) {
		log_warnx("keys: more than %u workers; refusing the worker "
		    "of slot %u", KEYS_CLIENTS_MAX, slot);
		close(fd);
		return;
	}
	for (i = 0; clients[i].cl_fd != -1; i++)
		;
	if (ready_add(fd, i) == -1) {
		log_warn("keys: the worker of slot %u: cannot watch its "
		    "channel", slot);
		close(fd);
		return;
	}
	clients[i] = (struct client){ fd, slot };
	nclients++;
}

/* IPC_KEY_CLIENT: a worker's channel; 0, or -1 when the master is gone. */
static int
master_message(int ipc)
{
	struct ipc_msg	msg;
	uint32_t	slot;
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
	    msgbuf_get_u32(&msg.im_payload, &slot) == -1 ||
	    msgbuf_end(&msg.im_payload) == -1)
		fatalx("keys: bad message from the master");
	client_add(msg.im_fd, slot);
	msg.im_fd = -1;
	ipc_msg_free(&msg);
	return 0;
}

/* The next request of the channel in slot into *pe: 1, or 0 when there
 * is none (or the channel was closed for what it sent). */
static int
client_read(unsigned slot, struct pending *pe)
{
	unsigned char	 buf[KEY_REQ_MAX + 1];
	struct client	*cl = &clients[slot];
	ssize_t		 n;

	n = recv(cl->cl_fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (n <= 0) {
		if (n == -1)
			log_warn("keys: the worker of slot %u", cl->cl_slot);
		client_drop(slot);
		return 0;
	}
	/* One byte more than the largest request: a longer datagram is cut
	 * there and refused as malformed. */
	if (key_request_decode(&pe->pe_kr, buf, (size_t)n) == -1) {
		log_warnx("keys: the worker of slot %u sent a malformed "
		    "request of %zd bytes; closing its channel", cl->cl_slot,
		    n);
		client_drop(slot);
		return 0;
	}
	pe->pe_slot = slot;
	return 1;
}

/* Signs (or refuses) one request and sends the answer without waiting. */
static void
client_answer(const struct pending *pe)
{
	unsigned char		 buf[KEY_ANS_MAX];
	struct key_answer	 ka;
	struct client		*cl = &clients[pe->pe_slot];
	size_t			 len;

	sign_request(&pe->pe_kr, &ka);
	if (ka.ka_status == KEY_ERR_REQUEST || ka.ka_status == KEY_ERR_UNKNOWN) {
		log_warnx("keys: the worker of slot %u: %s (scheme %u, "
		    "digest %u); "
		    "closing its channel", cl->cl_slot,
		    key_status_name(ka.ka_status), pe->pe_kr.kr_scheme,
		    pe->pe_kr.kr_md);
		client_drop(pe->pe_slot);
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
			    "its answers; closing its channel", cl->cl_slot);
		client_drop(pe->pe_slot);
	}
}

void
serve(int ipc)
{
	unsigned	ready[READY_SLOTS], i, n, npending;
	int		rv, master_open = 1, master_ready;

	for (i = 0; i < KEYS_CLIENTS_MAX; i++)
		clients[i].cl_fd = -1;
	if (ready_add(ipc, READY_MASTER) == -1)
		fatal("keys: watching the master's socket");
	while (master_open || nclients > 0) {
		if ((rv = ready_wait(ready, READY_SLOTS)) == -1)
			fatal("keys: waiting for requests");
		n = (unsigned)rv;
		npending = 0;
		master_ready = 0;
		for (i = 0; i < n; i++) {
			if (ready[i] == READY_MASTER)
				master_ready = 1;
			else if (ready[i] < KEYS_CLIENTS_MAX &&
			    clients[ready[i]].cl_fd != -1 &&
			    client_read(ready[i], &batch[npending]))
				npending++;
		}
		priority_follow(npending);
		for (i = 0; i < npending; i++)
			client_answer(&batch[i]);
		/* After the batch: a new channel may take a slot just freed. */
		if (master_ready && master_message(ipc) == -1) {
			master_open = 0;
			ready_remove(ipc, READY_MASTER);
			close(ipc);
		}
	}
}
