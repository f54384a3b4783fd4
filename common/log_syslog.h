/*
 * Between log.c and log_syslog.c: the process's own socket to syslogd.
 */
#ifndef RPXD_LOG_SYSLOG_H
#define RPXD_LOG_SYSLOG_H

#define SYSLOG_DGRAM_MAX	1024	/* a datagram, header included */

/* Connect to path (NULL: the one set before; initially _PATH_LOG). */
void	syslog_connect(const char *path);
/* Send one datagram without ever waiting: 0 if sent, -1 if dropped. */
int	syslog_send(const char *dgram, size_t len);
void	syslog_no_reconnect(void);
/* 1 once a sandboxed process's socket is dead for good (syslogd gone). */
int	syslog_lost(void);

#endif
