/*
 * Logging for master and workers: syslog in daemon mode, stderr with -d.
 * Every line starts with a stable subsystem prefix so operators can grep it.
 */
#ifndef RPXD_LOG_H
#define RPXD_LOG_H

#include <stdarg.h>

/* Log levels, in syslog(3) order. */
#define LOG_LEVEL_BRIEF   0	/* errors, warnings, notices, access lines */
#define LOG_LEVEL_VERBOSE 1	/* plus info */
#define LOG_LEVEL_DEBUG   2	/* plus debug */

void	log_init(int to_stderr, const char *ident, int facility);
/* Where syslog lines go, with which tag and facility (the configuration's
 * syslog-socket, syslog-tag, syslog-facility); reconnects, so call it
 * before any chroot. */
void	log_syslog_config(const char *socket_path, const char *tag,
	    int facility);
void	log_set_level(int level);
/* Called on entering the sandbox: syslog is never reconnected (see
 * log_syslog.c), lines are dropped instead. */
void	log_sandboxed(void);
int	log_facility_from_name(const char *name);	/* -1 if unknown */
int	log_level_from_name(const char *name);	/* -1 if unknown */
const char *log_level_name(int level);
const char *log_facility_name(int facility);

/* log_warn appends ": strerror(errno)"; log_warnx does not. */
void	log_errx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One access line per request, at LOG_INFO but shown at every level. */
void	log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/* The pid as of log_init, for log lines without a syscall each. */
long	log_getpid(void);
/* In a forked child (worker/template.c): its own pid on its lines. */
void	log_forked(void);
/* Lines that could not be written (syslog down or slow, stderr full). */
unsigned long log_dropped(void);
/* 1 when a sandboxed process's syslog socket is dead for good (syslogd
 * restarted): only a new process can log again. */
int	log_lost(void);

#endif
