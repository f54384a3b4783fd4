/*
 * The system's sandbox for the unprivileged processes, entered once right
 * after privdrop() (chroot and setresuid): seccomp-bpf on Linux,
 * pledge/unveil on OpenBSD, Capsicum on FreeBSD, nothing elsewhere. One
 * file per system (sandbox_<system>.c, chosen by the Makefile) plus the
 * POSIX resource limits all of them share (sandbox_limits.c).
 */
#ifndef RPXD_SANDBOX_H
#define RPXD_SANDBOX_H

enum sandbox_role {
	SANDBOX_WORKER,		/* rpxd-worker: clients and backends */
	SANDBOX_HEALTH,		/* rpxd-health: connections to backends */
	SANDBOX_KEYS,		/* rpxd-keys: only its open sockets */
	SANDBOX_TEMPLATE,	/* rpxd-worker as a generation's template:
				   forks the workers, which then enter
				   SANDBOX_WORKER on top of it */
	SANDBOX_WINBIND,	/* rpxd-winbind: its master socket and
				   winbind's UNIX socket, nothing else */
	SANDBOX_WINBIND_KDC	/* rpxd-winbind with a route's delegate:
				   also UDP and TCP to the KDCs */
};

/*
 * Enter the sandbox for role, for good; fatal() on any failure. more_fds is
 * how many descriptors the process will hold at once beyond those open
 * now (its connections): RLIMIT_NOFILE leaves room for exactly that.
 */
void	sandbox_enter(enum sandbox_role role, unsigned more_fds);

/* The shared part, called by each sandbox_<system>.c first; returns the
 * highest descriptor open. */
int	sandbox_limits(enum sandbox_role role, unsigned more_fds);
const char *sandbox_role_name(enum sandbox_role role);

#endif
