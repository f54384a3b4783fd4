/*
 * rpxd-worker-selftest only (see the Makefile; never installed): a request
 * for /.rpxd-board-selftest/health-write, /other-slot or /lie makes the
 * worker act as a compromised one would against the shared maps, so that
 * tests/integration/t_83_boards.sh can see it contained: it cannot write
 * the health board (it dies of SIGSEGV trying), cannot reach another
 * worker's scoreboard slot, and what it writes into its own slot reaches
 * rpxctl status escaped and clamped. Called from session.c when built
 * with -DRPXD_SANDBOX_SELFTEST.
 */
#include <sys/types.h>
#include <sys/mman.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "worker.h"

#define BOARD_PREFIX	"/.rpxd-board-selftest/"
#define LIE_SECONDS	4	/* the lie stays while the test reads status */
#define FD_PROBE	1024

static int
is(const char *what, const char *path, size_t len)
{
	return len == strlen(what) && memcmp(path, what, len) == 0;
}

/* Mark every server down, as a worker with write access could. */
static void
health_write(struct worker_env *w)
{
	unsigned	i;

#ifdef RPXD_SANITIZER
	/* ASan's handler would turn the fault into a report of its own and
	 * die of SIGSYS in the sandbox: the test wants the kernel's SIGSEGV.
	 * (rt_sigaction is allowed in a sanitized build only.) */
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
#endif
	if (mprotect(w->w_hb.hb_servers, w->w_hb.hb_size,
	    PROT_READ | PROT_WRITE) == -1)
		log_warn("board selftest: health-write: mprotect");
	else
		log_warnx("board selftest: health-write: mprotect allowed");
	for (i = 0; i < w->w_hb.hb_n; i++)
		w->w_hb.hb_servers[i].hs_state = HB_DOWN;
	log_warnx("board selftest: health-write was not stopped");
}

/* Map another slot through any descriptor, or grow into the next one. */
static void
other_slot(struct worker_env *w)
{
	size_t		 stride = w->w_sb.sb_stride;
	void		*p;
	int		 fd, mremap_errno = 0;
	unsigned	 k, mapped = 0;

	for (fd = 0; fd < FD_PROBE; fd++)
		for (k = 0; k < 3; k++) {
			p = mmap(NULL, stride, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, (off_t)(k * stride));
			if (p == MAP_FAILED)
				continue;
			mapped++;
			munmap(p, stride);
		}
	p = mremap(w->w_slot, stride, 2 * stride, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		mremap_errno = errno;
	else {
		w->w_slot = p;
		((struct scoreboard_slot *)(void *)((char *)p +
		    stride))->ss_stop = SS_STOP_SHUTDOWN;
	}
	if (mapped > 0 || mremap_errno == 0)
		log_warnx("board selftest: other-slot was not stopped (%u "
		    "mappings, mremap %s)", mapped, mremap_errno == 0 ?
		    "grew" : "failed");
	else
		log_warnx("board selftest: other-slot: contained (no "
		    "descriptor maps the scoreboard; mremap: %s)",
		    strerror(mremap_errno));
}

/* Its own slot, full of lies, for a while. */
static void
lie(struct worker_env *w)
{
	static const char	 evil[] = "\033]0;pwned\007\033[2J\377";
	struct scoreboard_slot	*ss = w->w_slot;
	struct timespec		 ts = { LIE_SECONDS, 0 };

	memset((char *)ss->ss_client, 'A', sizeof(ss->ss_client));
	memcpy((char *)ss->ss_client, evil, sizeof(evil) - 1);
	ss->ss_since = INT64_MIN;
	ss->ss_requests = UINT64_MAX;
	ss->ss_connections = UINT64_MAX;
	ss->ss_log_dropped = UINT64_MAX;
	ss->ss_listener = INT32_MIN;
	ss->ss_conn_server[0] = INT32_MAX;
	ss->ss_conn_server[1] = INT32_MIN;
	ss->ss_conn_server[2] = 0;
	ss->ss_conn_pinned[2] = UINT32_MAX;
	log_warnx("board selftest: lie written");
	(void)nanosleep(&ts, NULL);
	ss->ss_since = (int64_t)time(NULL);
	ss->ss_conn_server[0] = ss->ss_conn_server[1] = -1;
	ss->ss_conn_server[2] = -1;
	ss->ss_conn_pinned[2] = 0;
}

void
board_selftest(struct worker_env *w, const char *path, size_t len)
{
	size_t	plen = strlen(BOARD_PREFIX);

	if (path == NULL || len <= plen || memcmp(path, BOARD_PREFIX,
	    plen) != 0)
		return;
	path += plen;
	len -= plen;
	log_warnx("board selftest: trying %.*s", (int)len, path);
	if (is("health-write", path, len))
		health_write(w);
	else if (is("other-slot", path, len))
		other_slot(w);
	else if (is("lie", path, len))
		lie(w);
}
