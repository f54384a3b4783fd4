/*
 * How many connections wait in the kernel's accept queues of the
 * listeners, for the pool (pool.c): started workers follow it at once,
 * and a full pool with connections waiting is logged and shown by rpxctl
 * status. Linux reports a listening socket's queue in TCP_INFO
 * (tcpi_unacked), FreeBSD with SO_LISTENQLEN; elsewhere it is unknown
 * (0), and the pool grows by its spare-worker rule alone.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "master.h"

unsigned
listener_queue(int fd)
{
#if defined(__linux__) && defined(TCP_INFO)
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return 0;
	return ti.tcpi_unacked;	/* a listener's current accept queue */
#elif defined(SO_LISTENQLEN)
	int		q = 0;
	socklen_t	len = sizeof(q);

	if (getsockopt(fd, SOL_SOCKET, SO_LISTENQLEN, &q, &len) == -1 || q < 0)
		return 0;
	return (unsigned)q;
#else
	(void)fd;
	return 0;
#endif
}

unsigned
listeners_waiting(const struct master *m)
{
	unsigned	i, n = 0;

	if (m->m_listen_fds == NULL)
		return 0;
	for (i = 0; i < m->m_conf->rc_nlisteners; i++)
		if (m->m_listen_fds[i] != -1)
			n += listener_queue(m->m_listen_fds[i]);
	return n;
}
