/*
 * The key holder's wait for work on Linux (keys.h, ready_*): one epoll
 * set of the master's socket and every worker channel, so a wake-up costs
 * the channels that are ready, not all of them (a holder serves up to
 * RPXD_MAX_WORKERS channels). Level-triggered: a channel that still holds
 * a request after its turn is reported again, behind the others that were
 * ready, which keeps the service fair across workers.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <unistd.h>

#include "keys.h"

#define READY_BATCH	256	/* events per epoll_wait */

static int	ep = -1;

int
ready_init(void)
{
	ep = epoll_create1(EPOLL_CLOEXEC);
	return ep == -1 ? -1 : 0;
}

int
ready_add(int fd, unsigned slot)
{
	struct epoll_event	ev = { .events = EPOLLIN, .data.u32 = slot };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

void
ready_remove(int fd, unsigned slot)
{
	(void)slot;
	(void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
}

int
ready_wait(unsigned *slots, unsigned max)
{
	struct epoll_event	evs[READY_BATCH];
	int			n, i;

	if (max > READY_BATCH)
		max = READY_BATCH;
	if ((n = epoll_wait(ep, evs, (int)max, -1)) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n; i++)
		slots[i] = evs[i].data.u32;
	return n;
}
