/*
 * Waiting for a connection on any listener or a message from the master,
 * for worker.c's accept loop. One interface, one file per system:
 * accept_wait_epoll.c (Linux: EPOLLEXCLUSIVE, so a new connection wakes
 * one idle worker instead of the whole prefork pool) and
 * accept_wait_poll.c (elsewhere); the Makefile picks one.
 */
#ifndef RPXD_ACCEPT_WAIT_H
#define RPXD_ACCEPT_WAIT_H

#define ACCEPT_WAIT_IPC		(-1)	/* the master's socket is readable */

struct accept_wait;

/* The set of the n listener fds and the IPC fd; NULL on failure. */
struct accept_wait *accept_wait_init(const int *listen_fds, unsigned n,
	    int ipc_fd);
/*
 * Blocks until something is ready or timeout_ms passed (-1: no limit).
 * Writes up to max ready items to ready[]: listener indexes, or
 * ACCEPT_WAIT_IPC. Returns their count, 0 when interrupted by a signal
 * or at the timeout, -1 on an error.
 */
int	 accept_wait(struct accept_wait *aw, int *ready, int max,
	    int timeout_ms);

#endif
