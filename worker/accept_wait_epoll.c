/*
 * accept_wait on Linux: an epoll set where every listener is registered
 * with EPOLLEXCLUSIVE, so that the kernel wakes one of the idle workers
 * blocked on it for a new connection rather than all of them (the
 * thundering herd of a large prefork pool). See accept_wait.h.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "accept_wait.h"

#define IPC_TAG		UINT32_MAX

struct accept_wait {
	int	aw_epoll;
};

static int
add_fd(int ep, int fd, uint32_t events, uint32_t tag)
{
	struct epoll_event	ev = { .events = events, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

struct accept_wait *
accept_wait_init(const int *listen_fds, unsigned n, int ipc_fd)
{
	struct accept_wait	*aw = calloc(1, sizeof(*aw));
	unsigned		 i;

	if (aw == NULL || (aw->aw_epoll = epoll_create1(EPOLL_CLOEXEC)) == -1)
		goto fail;
	for (i = 0; i < n; i++)
		if (add_fd(aw->aw_epoll, listen_fds[i],
		    EPOLLIN | EPOLLEXCLUSIVE, i) == -1)
			goto fail;
	if (add_fd(aw->aw_epoll, ipc_fd, EPOLLIN, IPC_TAG) == -1)
		goto fail;
	return aw;
fail:
	if (aw != NULL && aw->aw_epoll > 0)
		close(aw->aw_epoll);
	free(aw);
	return NULL;
}

int
accept_wait(struct accept_wait *aw, int *ready, int max, int timeout_ms)
{
	struct epoll_event	evs[16];
	int			n, i;

	if (max > 16)
		max = 16;
	if ((n = epoll_wait(aw->aw_epoll, evs, max, timeout_ms)) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++)
		ready[i] = evs[i].data.u32 == IPC_TAG ? ACCEPT_WAIT_IPC :
		    (int)evs[i].data.u32;
	return n;
}
