/*
 * The programs the master execs: the worker (-W) and, in its directory,
 * the key holder (rpxd-keys), the health checker (rpxd-health) and the
 * domain checker (rpxd-winbind, for ntlm-source = "winbind"), each
 * when the configuration needs it. main.c checks them for rpxd -n and
 * before start-up, so a wrong -W (a directory, a file that is not
 * executable) is refused with its path at once, instead of a daemon whose
 * children all die with status 127 and are restarted with back-off.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "master.h"
#include "winbind.h"

/* An executable regular file, or -1 with err saying why. */
static int
program_ok(const char *what, const char *path, char *err, size_t len)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		snprintf(err, len, "%s %s: %s", what, path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		snprintf(err, len, "%s %s: is a directory, not a program",
		    what, path);
	else if (!S_ISREG(st.st_mode))
		snprintf(err, len, "%s %s: is not a regular file", what, path);
	else if (access(path, X_OK) == -1 || (st.st_mode & 0111) == 0)
		snprintf(err, len, "%s %s: is not executable", what, path);
	else
		return 0;
	return -1;
}

int
programs_check(const struct master *m, char *err, size_t len)
{
	char	path[RPXD_FILE_MAX];

	if (program_ok("worker program", m->m_worker_path, err, len) == -1)
		return -1;
	child_path(m, "rpxd-keys", path, sizeof(path));
	if (keyholders_wanted(m->m_conf) > 0 &&
	    program_ok("key holder", path, err, len) == -1)
		return -1;
	child_path(m, "rpxd-health", path, sizeof(path));
	if (health_needed(m->m_conf) &&
	    program_ok("health checker", path, err, len) == -1)
		return -1;
	child_path(m, "rpxd-winbind", path, sizeof(path));
	if (winbind_needed(m->m_conf) &&
	    program_ok("domain checker (ntlm-source = \"winbind\")", path,
	    err, len) == -1)
		return -1;
	return 0;
}
