/*
 * The FreeBSD sandbox (see sandbox.h): Capsicum. Every descriptor a
 * process holds keeps only the rights its role needs; the key holder then
 * enters capability mode. Workers and the health checker cannot: connect(2)
 * is refused in capability mode, and they open backend connections (the
 * Casper cap_net(3) service would be the way). Not built on other systems.
 */
#include <sys/types.h>
#include <sys/capsicum.h>
#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

/* Sockets: the master's, the listeners, the key service's. Others (stdio,
 * the shared scoreboard and health board, the signal pipe) are only read
 * and written; the boards are mapped already. */
static void
limit_fd(int fd, enum sandbox_role role)
{
	cap_rights_t	rights;
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return;		/* not open */
	if (S_ISSOCK(st.st_mode))
		cap_rights_init(&rights, CAP_ACCEPT, CAP_EVENT, CAP_RECV,
		    CAP_SEND, CAP_GETSOCKOPT, CAP_SETSOCKOPT,
		    CAP_GETSOCKNAME, CAP_GETPEERNAME, CAP_SHUTDOWN, CAP_FCNTL,
		    CAP_FSTAT);
	else if (role == SANDBOX_TEMPLATE)	/* the scoreboard: each worker
						   maps its slot */
		cap_rights_init(&rights, CAP_READ, CAP_WRITE, CAP_EVENT,
		    CAP_FCNTL, CAP_FSTAT, CAP_MMAP_RW);
	else
		cap_rights_init(&rights, CAP_READ, CAP_WRITE, CAP_EVENT,
		    CAP_FCNTL, CAP_FSTAT);
	if (cap_rights_limit(fd, &rights) == -1 && errno != ENOSYS)
		fatal("sandbox: cap_rights_limit on descriptor %d", fd);
}

void
sandbox_enter(enum sandbox_role role, unsigned more_fds)
{
	int	fd, highest_fd;

	highest_fd = sandbox_limits(role, more_fds);
	for (fd = 0; fd <= highest_fd; fd++)
		limit_fd(fd, role);
	if (role != SANDBOX_KEYS) {
		log_debug("sandbox: %s: descriptors limited; no capability "
		    "mode (it must connect to backends)",
		    sandbox_role_name(role));
		return;
	}
	if (cap_enter() == -1 && errno != ENOSYS)
		fatal("sandbox: %s: cap_enter", sandbox_role_name(role));
	log_debug("sandbox: %s: in capability mode", sandbox_role_name(role));
}
