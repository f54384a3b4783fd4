/*
 * The pidfile, locked for the master's lifetime so that a second rpxd on
 * the same file refuses to start instead of fighting over the listeners.
 * Opened without following a symbolic link: root would otherwise truncate
 * and write whatever file a link planted at that path points to.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

int
pidfile_create(const char *path)
{
	struct flock	fl;
	struct stat	st;
	char		buf[32];
	int		fd, n;

	if (path[0] == '\0')
		return 0;
	/* O_NONBLOCK: a FIFO planted there must not stall the start. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    O_NONBLOCK, 0644);
	if (fd == -1 && errno == ELOOP) {
		log_warnx("pidfile: %s is a symbolic link; rpxd does not "
		    "follow it (remove it, or set pidfile to the real path)",
		    path);
		return -1;
	}
	if (fd == -1) {
		log_warn("pidfile: cannot open %s", path);
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		log_warnx("pidfile: %s is not a regular file", path);
		close(fd);
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		log_warnx("pidfile: %s is locked: rpxd is already running "
		    "(pid %s)", path, buf);
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || write(fd, buf, (size_t)n) != n) {
		log_warn("pidfile: cannot write %s", path);
		close(fd);
		return -1;
	}
	/* The descriptor stays open: the lock lives as long as we do. */
	return 0;
}

void
pidfile_remove(const char *path)
{
	if (path[0] != '\0' && unlink(path) == -1 && errno != ENOENT)
		log_warn("pidfile: cannot remove %s", path);
}
