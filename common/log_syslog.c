/*
 * log.c's way to syslogd: its own datagram socket, connected to /dev/log
 * by log_init() before any chroot. Not syslog(3): when syslogd restarts,
 * glibc makes a new socket(AF_UNIX), which the sandbox kills the process
 * for (and which could not reach /dev/log from the chroot anyway). A
 * sandboxed process keeps its socket and drops what cannot be sent; the
 * master reconnects once per failed line.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <syslog.h>	/* _PATH_LOG */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log_syslog.h"

#define SYSLOG_LINE_MAX	1200	/* a log.c line and the header */

static int	syslog_fd = -1;
static int	syslog_fixed;	/* sandboxed: never make a new socket */

void
syslog_connect(void)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	if (syslog_fd != -1)
		close(syslog_fd);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", _PATH_LOG);
	if ((syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (connect(syslog_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(syslog_fd);
		syslog_fd = -1;
	}
}

void
syslog_no_reconnect(void)
{
	syslog_fixed = 1;
}

/* RFC 3164 as syslog(3) writes it locally: <pri>timestamp ident[pid]: */
int
syslog_send(int pri, const char *ident, long pid, const char *line)
{
	char		buf[SYSLOG_LINE_MAX], stamp[32];
	struct tm	tm;
	time_t		now = time(NULL);
	int		n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(buf, sizeof(buf), "<%d>%s %s[%ld]: %s", pri, stamp,
	    ident, pid, line);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	if (syslog_fd != -1 &&
	    send(syslog_fd, buf, (size_t)n, MSG_NOSIGNAL) == n)
		return 0;
	if (syslog_fixed)
		return -1;
	syslog_connect();	/* syslogd restarted, or was not up yet */
	if (syslog_fd != -1 &&
	    send(syslog_fd, buf, (size_t)n, MSG_NOSIGNAL) == n)
		return 0;
	return -1;
}
