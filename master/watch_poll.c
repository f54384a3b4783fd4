/*
 * Descriptors the master's loop reads, where the system has no epoll:
 * no set is kept here (-1), and the loop puts every worker's socket
 * (main.c) and every child's stderr pipe (childlog.c) in its poll set.
 * See watch_epoll.c.
 */
#include "master.h"

int
watch_init(enum watch_set set)
{
	(void)set;
	return -1;
}

int
watch_add(enum watch_set set, int fd, unsigned slot)
{
	(void)set;
	(void)fd;
	(void)slot;
	return -1;
}

void
watch_del(enum watch_set set, int fd)
{
	(void)set;
	(void)fd;
}

unsigned
watch_ready(enum watch_set set, unsigned *slots, unsigned max)
{
	(void)set;
	(void)slots;
	(void)max;
	return 0;
}
