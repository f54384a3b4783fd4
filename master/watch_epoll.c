/*
 * Which workers' sockets have something to read, for a master with
 * thousands of them (Linux): an epoll set the loop polls as one
 * descriptor, so that a wake-up costs what is ready, not one entry per
 * worker. A worker's socket joins when its template names it
 * (pool_spawned) and leaves when it is closed. See watch_poll.c for the
 * other systems.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static int	epfd = -1;

int
watch_init(void)
{
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("%s: epoll_create1", __func__);
	return epfd;
}

void
watch_add(int fd, unsigned slot)
{
	struct epoll_event	ev = { .events = EPOLLIN, .data.u32 = slot };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		log_warn("%s: worker socket of slot %u", __func__, slot);
}

/* Level-triggered: a socket still readable comes again next time, so a
 * worker read only DISPATCH_BURST messages at a time loses nothing. */
void
watch_del(int fd)
{
	(void)epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

unsigned
watch_ready(unsigned *slots, unsigned max)
{
	struct epoll_event	ev[256];
	int			n, i;

	if (max > 256)
		max = 256;
	if ((n = epoll_wait(epfd, ev, (int)max, 0)) == -1) {
		if (errno != EINTR)
			log_warn("%s: epoll_wait", __func__);
		return 0;
	}
	for (i = 0; i < n; i++)
		slots[i] = ev[i].data.u32;
	return (unsigned)n;
}
