/*
 * The worker, the health checker and the key holders give up root before
 * they do anything else: chroot to an empty directory, then all groups
 * and ids to the unprivileged user, then a check that the process holds
 * exactly those ids and groups and cannot regain root. Never uid or
 * gid 0: the configuration refuses such a user (config_parse.c), and
 * this refuses it again in case it got here anyway.
 */
#include <sys/types.h>

#include <grp.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define PRIVDROP_GROUPS_MAX	64	/* more than one is wrong anyway */

/* NULL when the process runs as uid and gid alone, else what is wrong. */
const char *
privdrop_verify(uid_t uid, gid_t gid)
{
	gid_t	groups[PRIVDROP_GROUPS_MAX], rgid, egid, sgid;
	uid_t	ruid, euid, suid;
	int	n, i;

	if (getresuid(&ruid, &euid, &suid) == -1 || ruid != uid ||
	    euid != uid || suid != uid)
		return "real, effective and saved uid are not all the user's";
	if (getresgid(&rgid, &egid, &sgid) == -1 || rgid != gid ||
	    egid != gid || sgid != gid)
		return "real, effective and saved gid are not all the group's";
	/* Some systems list the effective gid first, some do not: every
	 * entry must be gid, and there must be one. */
	if ((n = getgroups(PRIVDROP_GROUPS_MAX, groups)) < 1)
		return "the group set is not the group alone";
	for (i = 0; i < n; i++)
		if (groups[i] != gid)
			return "the group set has other groups than the group";
	return NULL;
}

void
privdrop(const char *dir, uid_t uid, gid_t gid)
{
	const char	*why;

	if (uid == 0 || gid == 0)
		fatalx("privdrop: refusing to run as uid %ld, gid %ld: the "
		    "user and its group must not be root's", (long)uid,
		    (long)gid);
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
	if ((why = privdrop_verify(uid, gid)) != NULL)
		fatalx("privdrop: after dropping to uid %ld, gid %ld: %s",
		    (long)uid, (long)gid, why);
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    setegid(0) != -1)
		fatalx("privdrop: root could be regained");
}
