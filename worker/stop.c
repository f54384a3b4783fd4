/*
 * How a worker learns that it must stop (IPC_STOP, seen as a flag in its
 * scoreboard slot or on its socket) and what it lets go of at once.
 */
#include <unistd.h>

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
