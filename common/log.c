/*
 * Logging for master and workers (see log.h): syslog in daemon mode (over
 * log_syslog.c's own socket), stderr in the foreground. A line that cannot
 * be written is counted, never allowed to block or stop the caller for
 * long.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "log_syslog.h"

#define LOG_LINE_MAX	1024	/* one syslog line; longer ones are cut */

static int		 log_to_stderr = 1;
static int		 log_level = LOG_LEVEL_BRIEF;
static const char	*log_ident = "rpxd";
static int		 log_syslog_facility = LOG_DAEMON;
static unsigned long	 log_ndropped;
static long		 log_pid;	/* cached: a syscall per line adds up */

static const struct {
	const char	*name;
	int		 facility;
} log_facilities[] = {
	{ "auth", LOG_AUTH }, { "authpriv", LOG_AUTHPRIV },
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

void
log_init(int to_stderr, const char *ident, int facility)
{
	log_to_stderr = to_stderr;
	log_ident = ident;
	log_pid = (long)getpid();
	log_syslog_facility = facility;
	tzset();	/* before any chroot: timestamps need the zone file */
	if (!to_stderr)
		syslog_connect();	/* before any chroot too */
}

void
log_sandboxed(void)
{
	syslog_no_reconnect();
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_facility_from_name(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (strcasecmp(name, log_facilities[i].name) == 0)
			return log_facilities[i].facility;
	return -1;
}

const char *
log_facility_name(int facility)
{
	size_t	i;

	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++)
		if (log_facilities[i].facility == facility)
			return log_facilities[i].name;
	return "unknown";
}

long
log_getpid(void)
{
	return log_pid;
}

unsigned long
log_dropped(void)
{
	return log_ndropped;
}

static void log_write(int, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

static void
log_write(int priority, const char *fmt, va_list ap, int with_errno)
{
	char	 line[LOG_LINE_MAX];
	int	 saved_errno = errno, n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n >= 0 && with_errno && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s",
		    strerror(saved_errno));
	if (log_to_stderr) {
		if (fprintf(stderr, "%s[%ld]: %s\n", log_ident, log_pid,
		    line) < 0)
			log_ndropped++;
		fflush(stderr);
	} else if (syslog_send(log_syslog_facility | priority, log_ident,
	    log_pid, line) == -1)
		log_ndropped++;
	errno = saved_errno;
}

#define LOG_FUNCTION(fn, prio, min_level, with_errno)		\
void								\
fn(const char *fmt, ...)					\
{								\
	va_list	ap;						\
								\
	if (log_level < (min_level))				\
		return;						\
	va_start(ap, fmt);					\
	log_write((prio), fmt, ap, (with_errno));		\
	va_end(ap);						\
}

LOG_FUNCTION(log_warn, LOG_WARNING, LOG_LEVEL_BRIEF, 1)
LOG_FUNCTION(log_warnx, LOG_WARNING, LOG_LEVEL_BRIEF, 0)
LOG_FUNCTION(log_notice, LOG_NOTICE, LOG_LEVEL_BRIEF, 0)
LOG_FUNCTION(log_access, LOG_INFO, LOG_LEVEL_BRIEF, 0)
LOG_FUNCTION(log_info, LOG_INFO, LOG_LEVEL_VERBOSE, 0)
LOG_FUNCTION(log_debug, LOG_DEBUG, LOG_LEVEL_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_write(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_write(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
