/*
 * Describes a child's wait status for the master's log (pool.c for
 * workers, health.c for the checker, keyholders.c for key holders): a
 * sandbox violation must read as one, not as a bare signal number an
 * operator has to look up. Also the restart hold-off the checker and the
 * key holders share.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "child_status.h"

/* The signals a child dies of when something is wrong with it. */
static const char *
signal_note(int sig)
{
	switch (sig) {
	case SIGSYS:
		return " (SIGSYS: a system call outside the sandbox)";
	case SIGXFSZ:
		return " (SIGXFSZ: a write beyond the file size limit)";
	case SIGSEGV:
		return " (SIGSEGV)";
	case SIGABRT:
		return " (SIGABRT)";
	case SIGBUS:
		return " (SIGBUS)";
	}
	return "";
}

const char *
child_status(int status)
{
	static char	buf[96];	/* the master is single-threaded */

	if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by signal %d%s",
		    WTERMSIG(status), signal_note(WTERMSIG(status)));
	else if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exited with status %d",
		    WEXITSTATUS(status));
	else
		snprintf(buf, sizeof(buf), "ended with wait status 0x%x",
		    (unsigned)status);
	return buf;
}

unsigned
child_holdoff(unsigned *failures, time_t ran_for, time_t stable, unsigned max)
{
	unsigned	holdoff;

	*failures = ran_for < stable ? *failures + 1 : 1;
	holdoff = *failures > 6 ? max : 1u << (*failures - 1);
	return holdoff > max ? max : holdoff;
}
