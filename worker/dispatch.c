/*
 * Messages from the master while the worker runs: IPC_STOP (also seen as
 * a flag in the scoreboard slot) and new TLS ticket keys; and what a
 * stopping worker lets go of at once. Called from the accept loop
 * (worker.c) and between requests (session.c).
 */
#include <unistd.h>

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

int
worker_stop_requested(struct worker_env *w)
{
	if (w->w_slot->ss_stop && !w->w_stop)
		w->w_stop = 1;
	if (w->w_stop && w->w_listen_fds[0] != -1)
		worker_close_listeners(w);
	return w->w_stop;
}

/* A message from the master at run time: IPC_STOP or new ticket keys. */
void
worker_dispatch_master(struct worker_env *w)
{
	struct ipc_msg	msg;
	int		rv;

	rv = ipc_recv(w->w_ipc, &msg);
	if (rv == 0) {
		w->w_stop = 1;		/* the master is gone */
		return;
	}
	if (rv == -1)
		fatalx("worker: bad message from the master");
	if (msg.im_type == IPC_TICKET_KEYS && msg.im_fd == -1) {
		if (tls_tickets_receive(&msg.im_payload) == -1)
			fatalx("worker: bad ticket keys message");
		ipc_msg_free(&msg);
		return;
	}
	if (msg.im_type != IPC_STOP || msg.im_fd != -1 ||
	    msgbuf_end(&msg.im_payload) == -1)
		fatalx("worker: unexpected %s message from the master",
		    ipc_type_name(msg.im_type));
	w->w_stop = 1;
	ipc_msg_free(&msg);
}
