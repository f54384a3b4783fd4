/*
 * rpxd-worker-selftest only (see the Makefile; never installed): a request
 * for /.rpxd-sandbox-selftest/open, /execve or /socket-unix makes the
 * worker do what its sandbox forbids, so that tests/integration/
 * t_80_sandbox.sh can see the sandbox kill it. Called from session.c when
 * built with -DRPXD_SANDBOX_SELFTEST.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define SELFTEST_PREFIX	"/.rpxd-sandbox-selftest/"

static int
is(const char *what, const char *path, size_t len)
{
	return len == strlen(what) && memcmp(path, what, len) == 0;
}

void
sandbox_selftest(const char *path, size_t len)
{
	char	*argv[] = { "sh", NULL }, *envp[] = { NULL };
	size_t	 plen = strlen(SELFTEST_PREFIX);

	if (path == NULL || len <= plen || memcmp(path, SELFTEST_PREFIX,
	    plen) != 0)
		return;
	path += plen;
	len -= plen;
	log_warnx("sandbox selftest: trying %.*s", (int)len, path);
	if (is("open", path, len))
		(void)open("/etc/passwd", O_RDONLY);
	else if (is("execve", path, len))
		(void)execve("/bin/sh", argv, envp);
	else if (is("socket-unix", path, len))
		(void)socket(AF_UNIX, SOCK_STREAM, 0);
	else
		return;
	log_warnx("sandbox selftest: %.*s was not stopped", (int)len, path);
}
