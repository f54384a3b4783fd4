/*
 * The worker gives up root before it accepts anything: chroot to an empty
 * directory, then all groups and ids to the unprivileged user, then a
 * check that root cannot be regained.
 */
#include <sys/types.h>

#include <grp.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

void
privdrop(const char *dir, uid_t uid, gid_t gid)
{
	uid_t	ruid, euid, suid;

	if (chroot(dir) == -1)
		fatal("privdrop: chroot %s", dir);
	if (chdir("/") == -1)
		fatal("privdrop: chdir /");
	if (setgroups(1, &gid) == -1)
		fatal("privdrop: setgroups");
	if (setresgid(gid, gid, gid) == -1)
		fatal("privdrop: setresgid %ld", (long)gid);
	if (setresuid(uid, uid, uid) == -1)
		fatal("privdrop: setresuid %ld", (long)uid);
	if (getresuid(&ruid, &euid, &suid) == -1 || ruid != uid ||
	    euid != uid || suid != uid)
		fatalx("privdrop: ids are not all %ld", (long)uid);
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1))
		fatalx("privdrop: root could be regained");
}
