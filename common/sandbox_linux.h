/*
 * Between sandbox_linux.c and sandbox_trap.c, for debug builds
 * (make SANDBOX_DEBUG=1) whose filter traps instead of killing.
 */
#ifndef RPXD_SANDBOX_LINUX_H
#define RPXD_SANDBOX_LINUX_H

/* Install the SIGSYS handler that logs a refused system call. */
void	sandbox_trap_init(void);

#endif
