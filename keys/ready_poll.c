/*
 * The key holder's wait for work where epoll is not available (keys.h,
 * ready_*): poll(2) over the master's socket and every worker channel.
 * Each wake-up reports every ready channel, starting one slot further
 * each time, so no worker is always served first.
 */
#include <errno.h>
#include <poll.h>

#include "keys.h"

static struct pollfd	pfd[READY_SLOTS];
static unsigned		slot_of[READY_SLOTS];	/* pfd index -> slot */
static int		fd_of[READY_SLOTS];	/* slot -> fd, or -1 */
static unsigned		start;

int
ready_init(void)
{
	unsigned	i;

	for (i = 0; i < READY_SLOTS; i++)
		fd_of[i] = -1;
	return 0;
}

int
ready_add(int fd, unsigned slot)
{
	if (slot >= READY_SLOTS || fd_of[slot] != -1)
		return -1;
	fd_of[slot] = fd;
	return 0;
}

void
ready_remove(int fd, unsigned slot)
{
	if (slot < READY_SLOTS && fd_of[slot] == fd)
		fd_of[slot] = -1;
}

int
ready_wait(unsigned *slots, unsigned max)
{
	unsigned	i, s, n = 0, count = 0;

	for (i = 0; i < READY_SLOTS; i++) {
		s = (start + i) % READY_SLOTS;
		if (fd_of[s] == -1)
			continue;
		pfd[n] = (struct pollfd){ .fd = fd_of[s], .events = POLLIN };
		slot_of[n++] = s;
	}
	start = (start + 1) % READY_SLOTS;
	if (poll(pfd, n, -1) == -1)
		return errno == EINTR ? 0 : -1;
	for (i = 0; i < n && count < max; i++)
		if (pfd[i].revents != 0)
			slots[count++] = slot_of[i];
	return (int)count;
}
