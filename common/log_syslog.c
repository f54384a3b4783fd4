/*
 * log.c's way to syslogd: its own datagram socket, connected before any
 * chroot to the syslog-socket path (/dev/log by default). Not syslog(3):
 * when syslogd restarts, glibc makes a new socket(AF_UNIX), which the
 * sandbox kills the process for (and which could not reach /dev/log from
 * the chroot anyway); and syslog(3) blocks when syslogd is slow.
 *
 * Sends never wait (MSG_DONTWAIT): a full socket buffer drops the line,
 * which the caller counts. A socket whose syslogd is gone (ECONNREFUSED,
 * ENOTCONN) is reconnected by the master; a sandboxed process cannot make
 * a socket, so it marks the socket lost and its owner decides (a worker
 * exits after its connection so the master starts a fresh one; the health
 * checker and the key holders go on and get a new socket at a reload).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <syslog.h>	/* _PATH_LOG */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log_syslog.h"

static int	syslog_fd = -1;
static int	syslog_fixed;	/* sandboxed: never make a new socket */
static int	syslog_dead;	/* sandboxed and the socket is dead */
static char	syslog_path[sizeof(((struct sockaddr_un *)0)->sun_path)] =
		    _PATH_LOG;

void
syslog_connect(const char *path)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	if (path != NULL)
		snprintf(syslog_path, sizeof(syslog_path), "%s", path);
	if (syslog_fd != -1)
		close(syslog_fd);
	syslog_dead = 0;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", syslog_path);
	if ((syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(syslog_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(syslog_fd);
		syslog_fd = -1;
	}
}

int
syslog_new_socket(void)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	int			fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", syslog_path);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

void
syslog_adopt(int fd)
{
	if (syslog_fd != -1)
		close(syslog_fd);
	syslog_fd = fd;
	syslog_dead = 0;
}

void
syslog_no_reconnect(void)
{
	syslog_fixed = 1;
}

int
syslog_lost(void)
{
	return syslog_dead;
}

/* The peer is gone, not just busy: only a new socket can reach syslogd. */
static int
syslog_gone(int err)
{
	return err == ECONNREFUSED || err == ENOTCONN || err == ECONNRESET ||
	    err == EDESTADDRREQ || err == EBADF;
}

int
syslog_send(const char *dgram, size_t len)
{
	ssize_t	n = -1;

	if (syslog_fd != -1 &&
	    (n = send(syslog_fd, dgram, len, MSG_NOSIGNAL | MSG_DONTWAIT)) ==
	    (ssize_t)len)
		return 0;
	if (n == -1 && syslog_fd != -1 && !syslog_gone(errno))
		return -1;	/* busy (EAGAIN, ENOBUFS): drop, never wait */
	if (syslog_fixed) {
		/* Only a socket that reached syslogd can tell it went away;
		 * without one from the start, a fresh process would fare
		 * no better, so there is nothing to recover. */
		if (syslog_fd != -1)
			syslog_dead = 1;
		return -1;
	}
	syslog_connect(NULL);	/* syslogd restarted, or was not up yet */
	if (syslog_fd != -1 && send(syslog_fd, dgram, len,
	    MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)len)
		return 0;
	return -1;
}
