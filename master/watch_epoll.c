/*
 * Descriptors the master's loop reads, for a master with thousands of
 * them (Linux): the workers' sockets (pool.c) and, in the foreground,
 * the children's stderr pipes (childlog.c), each kind in an epoll set the
 * loop polls as one descriptor, so that a turn of the loop costs what is
 * ready, not one entry per child. See watch_poll.c for the other systems.
 */
#include <sys/epoll.h>

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

#define WATCH_BATCH	256	/* ready descriptors taken at once */

static int	epfd[WATCH_SETS] = { -1, -1 };

/* The set's descriptor, made at the first call: close-on-exec, so that
 * an upgraded image or a child makes its own. */
int
watch_init(enum watch_set set)
{
	if (epfd[set] == -1 &&
	    (epfd[set] = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("%s: epoll_create1", __func__);
	return epfd[set];
}

/* 0, or -1 (logged) when the kernel will not take fd: the caller then
 * polls it itself. */
int
watch_add(enum watch_set set, int fd, unsigned slot)
{
	struct epoll_event	ev = { .events = EPOLLIN, .data.u32 = slot };

	if (epoll_ctl(watch_init(set), EPOLL_CTL_ADD, fd, &ev) == -1) {
		log_warn("%s: descriptor of slot %u (set %d)", __func__, slot,
		    (int)set);
		return -1;
	}
	return 0;
}

/* Level-triggered: a descriptor still readable comes again next time,
 * so a reader that takes a bounded amount at a time loses nothing. A
 * descriptor must leave before it is closed: a forked child not yet
 * exec'd may still hold it, and the set would then keep reporting it. */
void
watch_del(enum watch_set set, int fd)
{
	if (epfd[set] != -1)
		(void)epoll_ctl(epfd[set], EPOLL_CTL_DEL, fd, NULL);
}

unsigned
watch_ready(enum watch_set set, unsigned *slots, unsigned max)
{
	struct epoll_event	ev[WATCH_BATCH];
	int			n, i;

	if (epfd[set] == -1)
		return 0;
	if (max > WATCH_BATCH)
		max = WATCH_BATCH;
	if ((n = epoll_wait(epfd[set], ev, (int)max, 0)) == -1) {
		if (errno != EINTR)
			log_warn("%s: epoll_wait", __func__);
		return 0;
	}
	for (i = 0; i < n; i++)
		slots[i] = ev[i].data.u32;
	return (unsigned)n;
}
