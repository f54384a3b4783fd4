/*
 * No system sandbox on this system (see sandbox.h): only the resource
 * limits, the chroot and the unprivileged user protect the host, and the
 * operator is told so once per process.
 */
#include "log.h"
#include "sandbox.h"

void
sandbox_enter(enum sandbox_role role, unsigned more_fds)
{
	sandbox_limits(role, more_fds);
	log_warnx("sandbox: %s: no system call sandbox on this system; only "
	    "the chroot, the unprivileged user and resource limits apply",
	    sandbox_role_name(role));
}
