/*
 * Which workers' sockets have something to read, where the system has no
 * epoll: none watched here (-1), and the master's loop puts every
 * worker's socket in its poll set (main.c). See watch_epoll.c.
 */
#include "master.h"

int
watch_init(void)
{
	return -1;
}

void
watch_add(int fd, unsigned slot)
{
	(void)fd;
	(void)slot;
}

void
watch_del(int fd)
{
	(void)fd;
}

unsigned
watch_ready(unsigned *slots, unsigned max)
{
	(void)slots;
	(void)max;
	return 0;
}
