/*
 * accept_wait where epoll is not available: poll(2) on every listener and
 * the master's socket. Every idle worker wakes for a new connection and
 * all but one find accept(2) empty. See accept_wait.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "accept_wait.h"

struct accept_wait {
	struct pollfd	*aw_pfd;
	unsigned	 aw_n;		/* listeners; aw_pfd[aw_n] is IPC */
};

struct accept_wait *
accept_wait_init(const int *listen_fds, unsigned n, int ipc_fd)
{
	struct accept_wait	*aw = calloc(1, sizeof(*aw));
	unsigned		 i;

	if (aw == NULL || (aw->aw_pfd = calloc(n + 1,
	    sizeof(*aw->aw_pfd))) == NULL) {
		free(aw);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		aw->aw_pfd[i].fd = listen_fds[i];
		aw->aw_pfd[i].events = POLLIN;
	}
	aw->aw_pfd[n].fd = ipc_fd;
	aw->aw_pfd[n].events = POLLIN;
	aw->aw_n = n;
	return aw;
}

int
accept_wait(struct accept_wait *aw, int *ready, int max, int timeout_ms)
{
	unsigned	i;
	int		count = 0;

	if (poll(aw->aw_pfd, aw->aw_n + 1, timeout_ms) == -1)
		return errno == EINTR ? 0 : -1;
	if (aw->aw_pfd[aw->aw_n].revents && count < max)
		ready[count++] = ACCEPT_WAIT_IPC;
	for (i = 0; i < aw->aw_n && count < max; i++)
		if (aw->aw_pfd[i].revents & POLLIN)
			ready[count++] = (int)i;
	return count;
}
