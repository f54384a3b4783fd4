/*
 * The POSIX part of every sandbox (see sandbox.h): resource limits that
 * leave a process room for its own work and nothing more, and no core
 * dumps or tracing by the unprivileged user. Called by sandbox_enter()
 * before the system's own sandbox, which would forbid setrlimit().
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __FreeBSD__
#include <sys/procctl.h>
#endif

#include <fcntl.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* Descriptors are probed up to here, not up to an inherited soft limit
 * that may be huge: children start with the descriptors above their
 * socket closed (child_exec()) and open only a few. */
#define PROBE_MAX	4096

static void
set_limit(int resource, const char *name, rlim_t value)
{
	struct rlimit	rl = { .rlim_cur = value, .rlim_max = value };

	if (setrlimit(resource, &rl) == -1)
		fatal("sandbox: setrlimit %s %llu", name,
		    (unsigned long long)value);
}

/*
 * RLIMIT_FSIZE 0 makes any write to a regular file fail with SIGXFSZ. In
 * the foreground (-d) stderr may be a regular file the operator or the
 * tests redirected to: a log line must still reach it, so the limit is
 * left alone then. The sandbox forbids opening files anyway; the limit is
 * a second wall for descriptors inherited by mistake.
 */
static int
stderr_is_file(void)
{
	struct stat	st;

	return fstat(STDERR_FILENO, &st) == 0 && S_ISREG(st.st_mode);
}

/* The highest open descriptor: new ones take the lowest free number, so
 * the limit must lie above it for the room to be where it is counted. */
static int
highest_open_fd(void)
{
	struct rlimit	rl;
	int		fd, max = PROBE_MAX, highest = -1;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < PROBE_MAX)
		max = (int)rl.rlim_cur;
	for (fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			highest = fd;
	return highest;
}

int
sandbox_limits(enum sandbox_role role, unsigned more_fds)
{
	int	highest = highest_open_fd();

	log_sandboxed();
	set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE",
	    (rlim_t)highest + 1 + more_fds);
	/* The template forks the workers: it keeps the limit it inherited
	 * (checked at load, master/capacity.c); its workers set 0. */
	if (role != SANDBOX_TEMPLATE)
		set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", 0);
	set_limit(RLIMIT_CORE, "RLIMIT_CORE", 0);
	if (stderr_is_file())
		log_debug("sandbox: %s: stderr is a regular file; no "
		    "RLIMIT_FSIZE, so that log lines reach it",
		    sandbox_role_name(role));
	else
		set_limit(RLIMIT_FSIZE, "RLIMIT_FSIZE", 0);
#ifdef __linux__
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("sandbox: PR_SET_DUMPABLE");
#endif
#ifdef __FreeBSD__
	{
		int	ctl = PROC_TRACE_CTL_DISABLE;

		if (procctl(P_PID, 0, PROC_TRACE_CTL, &ctl) == -1)
			fatal("sandbox: procctl PROC_TRACE_CTL");
	}
#endif
	/* OpenBSD: the id change in privdrop() already set P_SUGID, which
	 * forbids tracing and core dumps by the unprivileged user. */
	return highest;
}

const char *
sandbox_role_name(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_WORKER:
		return "worker";
	case SANDBOX_HEALTH:
		return "health";
	case SANDBOX_KEYS:
		return "keys";
	case SANDBOX_TEMPLATE:
		return "template";
	case SANDBOX_WINBIND:
		return "winbind";
	case SANDBOX_WINBIND_KDC:
		return "winbind+kdc";
	}
	return "unknown";
}
