/*
 * Between log.c and log_syslog.c: the process's own socket to syslogd.
 */
#ifndef RPXD_LOG_SYSLOG_H
#define RPXD_LOG_SYSLOG_H

void	syslog_connect(void);
/* -1 if the line could not be sent (it is then dropped). */
int	syslog_send(int pri, const char *ident, long pid, const char *line);
void	syslog_no_reconnect(void);

#endif
