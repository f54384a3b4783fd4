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

#define LOG_LINE_MAX	SYSLOG_DGRAM_MAX	/* formatted, before escaping */
#define LOG_TRUNCATED	" [truncated]"	/* ends a line that was cut */

static int		 log_to_stderr = 1;
static int		 log_level = LOG_LEVEL_BRIEF;
static char		 log_ident[64] = "rpxd";	/* the syslog tag */
static int		 log_syslog_facility = LOG_DAEMON;
static unsigned long	 log_ndropped;
static unsigned long	 log_unreported;	/* dropped, not yet said */
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
	snprintf(log_ident, sizeof(log_ident), "%s", ident);
	log_pid = (long)getpid();
	log_syslog_facility = facility;
	tzset();	/* before any chroot: timestamps need the zone file */
	if (!to_stderr)
		syslog_connect(NULL);	/* before any chroot too */
}

void
log_syslog_config(const char *socket_path, const char *tag, int facility)
{
	snprintf(log_ident, sizeof(log_ident), "%s", tag);
	log_syslog_facility = facility;
	if (!log_to_stderr)
		syslog_connect(socket_path);
}

int
log_lost(void)
{
	return syslog_lost();
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

/* The words of log-level and rpxctl log, by LOG_LEVEL_*. */
static const char *const log_level_names[] = { "brief", "verbose", "debug" };

int
log_level_from_name(const char *name)
{
	int	i;

	for (i = LOG_LEVEL_BRIEF; i <= LOG_LEVEL_DEBUG; i++)
		if (strcmp(name, log_level_names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(int level)
{
	return level >= LOG_LEVEL_BRIEF && level <= LOG_LEVEL_DEBUG ?
	    log_level_names[level] : "unknown";
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

void
log_forked(void)
{
	log_pid = (long)getpid();
	log_ndropped = log_unreported = 0;
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

/*
 * Appends msg to out (which holds len bytes already) with control
 * characters escaped as \xNN, so one event is one line; cuts what does not
 * fit in outlen - 1 bytes and marks the cut. Returns the new length.
 */
static size_t
log_escape(char *out, size_t outlen, size_t len, const char *msg)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	size_t			 room = outlen - 1, mark, need, total = 0;

	for (p = (const unsigned char *)msg; *p != '\0'; p++)
		total += *p < 0x20 || *p == 0x7f ? 4 : 1;
	mark = len + total > room ? sizeof(LOG_TRUNCATED) - 1 : 0;
	for (p = (const unsigned char *)msg; *p != '\0'; p++) {
		need = *p < 0x20 || *p == 0x7f ? 4 : 1;
		if (len + need + mark > room)
			break;	/* an escape is never cut in half */
		if (need == 1) {
			out[len++] = (char)*p;
			continue;
		}
		out[len++] = '\\';
		out[len++] = 'x';
		out[len++] = hex[*p >> 4];
		out[len++] = hex[*p & 0xf];
	}
	if (mark != 0) {
		memcpy(out + len, LOG_TRUNCATED, mark);
		len += mark;
	}
	out[len] = '\0';
	return len;
}

/* One datagram as syslog(3) writes it locally (RFC 3164):
 * <pri>timestamp tag[pid]: message, at most SYSLOG_DGRAM_MAX bytes. */
static int
log_syslog_line(int priority, const char *msg)
{
	char		buf[SYSLOG_DGRAM_MAX + 1], stamp[32];
	struct tm	tm;
	time_t		now = time(NULL);
	int		n;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(buf, sizeof(buf), "<%d>%s %s[%ld]: ",
	    log_syslog_facility | priority, stamp, log_ident, log_pid);
	if (n < 0 || (size_t)n >= sizeof(buf) / 2)
		return -1;
	return syslog_send(buf, log_escape(buf, sizeof(buf), (size_t)n, msg));
}

static void
log_emit(int priority, const char *msg)
{
	char	buf[SYSLOG_DGRAM_MAX + 1], note[80];
	int	n;

	if (log_to_stderr) {
		n = snprintf(buf, sizeof(buf), "%s[%ld]: ", log_ident, log_pid);
		log_escape(buf, sizeof(buf), (size_t)n, msg);
		if (fprintf(stderr, "%s\n", buf) < 0)
			log_ndropped++;
		fflush(stderr);
		return;
	}
	if (log_syslog_line(priority, msg) == -1) {
		log_ndropped++;
		log_unreported++;
		return;
	}
	/* Sending works again: say once what was lost meanwhile. */
	if (log_unreported > 0) {
		snprintf(note, sizeof(note), "log: %lu line(s) could not be "
		    "sent to syslog", log_unreported);
		if (log_syslog_line(LOG_WARNING, note) == 0)
			log_unreported = 0;
	}
}

static void log_write(int, const char *, va_list, int)
    __attribute__((format(printf, 2, 0)));

static void
log_write(int priority, const char *fmt, va_list ap, int with_errno)
{
	char	 line[LOG_LINE_MAX + 1];
	int	 saved_errno = errno, n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n >= 0 && with_errno && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s",
		    strerror(saved_errno));
	log_emit(priority, line);
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

LOG_FUNCTION(log_errx, LOG_ERR, LOG_LEVEL_BRIEF, 0)
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
