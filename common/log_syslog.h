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
/* A new socket connected to the current path, or -1 (the master makes
 * one for each worker a template forks: the template's own may be dead
 * since, and a chrooted process cannot connect a new one). */
int	syslog_new_socket(void);
/* Use fd from now on (a worker, given it by the master at its fork). */
void	syslog_adopt(int fd);

#endif
