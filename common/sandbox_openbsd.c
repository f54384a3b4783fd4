/*
 * The OpenBSD sandbox (see sandbox.h): unveil hides the whole file system,
 * then pledge keeps each role to its promises. Not built on other systems.
 */
#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/*
 * stdio: the descriptors a process holds (read, write, sendmsg, recvmsg,
 * poll, memory, time). inet: new TCP sockets, connect and accept. recvfd:
 * descriptors by SCM_RIGHTS over the master's or the key holder's socket.
 * Nothing may open a file, exec, fork or make a UNIX socket.
 */
static const char *
role_promises(enum sandbox_role role)
{
	switch (role) {
	case SANDBOX_WORKER:
		return "stdio inet recvfd";
	case SANDBOX_HEALTH:
		return "stdio inet";
	case SANDBOX_KEYS:
		return "stdio recvfd";
	case SANDBOX_TEMPLATE:
		/* proc: fork; its workers pledge the worker's promises. */
		return "stdio inet recvfd proc";
	case SANDBOX_WINBIND:
		/* unix: winbind's socket; rpath: libwbclient's lstat of it */
		return "stdio unix rpath";
	case SANDBOX_WINBIND_KDC:
		/* and inet, dns: a delegate's KDCs (winbind/delegate.c) */
		return "stdio unix rpath inet dns";
	}
	fatalx("sandbox: unknown role %d", (int)role);
}

void
sandbox_enter(enum sandbox_role role, unsigned more_fds)
{
	const char	*promises = role_promises(role);

	sandbox_limits(role, more_fds);
	/* "" grants nothing: the chroot's contents vanish too. Without the
	 * "unveil" promise below, the veil cannot be lifted. */
	if (role == SANDBOX_WINBIND || role == SANDBOX_WINBIND_KDC) {
		/* winbind's socket directory is the library's to name:
		 * lstat needs "r", a connect to a UNIX socket "w"; the
		 * promises still let no file be opened for writing. */
		if (unveil("/", "rw") == -1)
			fatal("sandbox: unveil /");
	} else if (unveil("/", "") == -1 && !(role == SANDBOX_WORKER &&
	    errno == EPERM))	/* a worker forked after the template's */
		fatal("sandbox: unveil /");
	if (pledge(promises, "") == -1)
		fatal("sandbox: %s: pledge \"%s\"", sandbox_role_name(role),
		    promises);
	log_debug("sandbox: %s: pledged \"%s\"", sandbox_role_name(role),
	    promises);
}
