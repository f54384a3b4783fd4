/*
 * rpxd-worker-selftest only (see the Makefile; never installed): a worker
 * that misuses its stderr as a taken-over one would, for
 * tests/integration/t_97_smallsec.sh. GET /.rpxd-stderr-selftest/forge/PID
 * writes, past log.c, a line dressed as the master's (pid PID) with an
 * escape sequence, a line far over the length bound and one with a NUL;
 * /flood writes FLOOD_BYTES of lines as fast as the pipe takes them. The
 * master must relay all of it prefixed with this worker's pid, escaped
 * and bounded, and stay responsive. Called from session.c when built with
 * -DRPXD_SANDBOX_SELFTEST.
 */
#include <sys/types.h>

#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define STDERR_PREFIX	"/.rpxd-stderr-selftest/"
#define FLOOD_BYTES	(640 * 1024)

static void
raw(const void *p, size_t len)
{
	const char	*s = p;
	ssize_t		 n;

	while (len > 0 && (n = write(STDERR_FILENO, s, len)) > 0) {
		s += n;
		len -= (size_t)n;
	}
}

static void
forge(const char *pid, size_t pidlen)
{
	static const char	forged[] =
	    "]: startup: forged by a worker \x1b[31mred\x1b[0m\n";
	char			long_line[3000];

	raw("rpxd[", 5);
	raw(pid, pidlen);
	raw(forged, sizeof(forged) - 1);
	memset(long_line, 'L', sizeof(long_line));
	raw(long_line, sizeof(long_line));
	raw("\nnul\0byte\n", 10);
}

static void
flood(void)
{
	char	line[128];
	size_t	done;

	memset(line, 'F', sizeof(line));
	line[sizeof(line) - 1] = '\n';
	for (done = 0; done < FLOOD_BYTES; done += sizeof(line))
		raw(line, sizeof(line));
}

void
stderr_selftest(const char *path, size_t len)
{
	size_t	plen = strlen(STDERR_PREFIX);

	if (path == NULL || len <= plen || memcmp(path, STDERR_PREFIX,
	    plen) != 0)
		return;
	path += plen;
	len -= plen;
	log_warnx("stderr selftest: %.*s", (int)len, path);
	if (len > 6 && memcmp(path, "forge/", 6) == 0)
		forge(path + 6, len - 6);
	else if (len == 5 && memcmp(path, "flood", 5) == 0)
		flood();
}
