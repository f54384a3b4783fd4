/*
 * The children's stderr in the foreground (-d): child_fork() gives each
 * child (pool.c, health.c, keyholders.c) a pipe of its own as stderr, and
 * the master's loop (main.c) copies what arrives to its own stderr
 * through childlog_line.c, so that a taken-over worker can neither forge
 * the master's lines nor flood it. The master never waits: the pipes are
 * non-blocking, one read per ready child per turn of the loop, and a
 * child that writes more than CHILDLOG_RATE bytes in a second is not read
 * again before the next second (it then waits on its own pipe, not the
 * master). The pipes are watched in a set of their own (watch_epoll.c),
 * so that a turn costs what is ready, not one entry per child; where
 * there is no such set, or it refuses a pipe, the loop polls it itself.
 * In daemon mode the children's stderr stays /dev/null, as daemon() made
 * it. A binary upgrade hands the pipes to the new image (upgrade.c).
 */
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

#define CHILDLOG_READ	4096		/* bytes from one child per turn */
#define CHILDLOG_RATE	(256 * 1024)	/* bytes from one child a second */
#define CHILDLOG_ENV	"RPXD_CHILDLOG"	/* fd:pid:ident,... for upgrade */

_Static_assert(CHILDLOG_MAX >= 2 * (RPXD_MAX_WORKERS + KEYHOLDER_SLOTS +
    TEMPLATES_MAX + HEALTH_OLD_MAX + 1), "a pipe for every child of two images");

/* Where a pipe is read from. */
enum childlog_state {
	CL_WAITING,	/* for its pid (childlog_owner): not read yet */
	CL_WATCHED,	/* in the set of pipes (WATCH_PIPES) */
	CL_POLLED,	/* in the loop's poll set, one entry a turn */
	CL_PAUSED	/* over its rate: back next second */
};

struct childlog {
	int			cl_fd;
	enum childlog_state	cl_state;
	unsigned		cl_paused;	/* its index in paused[] */
	time_t			cl_second;	/* of cl_used */
	size_t			cl_used;	/* bytes read in cl_second */
	int			cl_said;	/* the rate was logged */
	struct childlog_buf	cl_buf;
};

static struct childlog	*childlogs[CHILDLOG_MAX];	/* NULL: free */
static unsigned		 childlogs_high;	/* above: all free */
static unsigned		 childlogs_open;
static unsigned		 polled[CHILDLOG_MAX];	/* pollfd -> slot */
static unsigned		 npolled;		/* pipes CL_POLLED */
static unsigned		 paused[CHILDLOG_MAX];	/* slots CL_PAUSED */
static unsigned		 npaused;
static time_t		 paused_second;		/* when all were paused */
static int		 pipes_set = -2;	/* WATCH_PIPES, -1: none */
static int		 full_said, watch_said;

#define POLLED_SET	UINT_MAX	/* polled[]: the set of pipes */

static void
write_line(void *arg, const char *line)
{
	(void)arg;
	if (fprintf(stderr, "%s\n", line) < 0)
		clearerr(stderr);
}

/* A free slot with its line buffer, or -1 when all are taken. */
static int
childlog_new(int fd, long pid, const char *ident)
{
	struct childlog	*cl;
	unsigned	 i;

	for (i = 0; i < CHILDLOG_MAX && childlogs[i] != NULL; i++)
		;
	if (i == CHILDLOG_MAX || (cl = calloc(1, sizeof(*cl))) == NULL)
		return -1;
	cl->cl_fd = fd;
	cl->cl_state = CL_WAITING;
	childlog_buf_init(&cl->cl_buf, ident, pid);
	childlogs[i] = cl;
	childlogs_open++;
	if (i >= childlogs_high)
		childlogs_high = i + 1;
	return (int)i;
}

/* Slot i, its pid known, is read from now on: in the set of pipes, or
 * polled by the loop where there is none or it refuses the pipe. */
static void
childlog_arm(unsigned i)
{
	struct childlog	*cl = childlogs[i];

	if (pipes_set == -2)
		pipes_set = watch_init(WATCH_PIPES);
	if (pipes_set != -1 && watch_add(WATCH_PIPES, cl->cl_fd, i) == 0) {
		cl->cl_state = CL_WATCHED;
		return;
	}
	if (pipes_set != -1 && !watch_said)
		log_warnx("childlog: the stderr of %s %ld is polled at every "
		    "turn", cl->cl_buf.cb_ident, cl->cl_buf.cb_pid);
	watch_said |= pipes_set != -1;
	cl->cl_state = CL_POLLED;
	npolled++;
}

/* Slot i is read no more, until childlog_arm(). */
static void
childlog_disarm(unsigned i)
{
	struct childlog	*cl = childlogs[i];
	unsigned	 last;

	switch (cl->cl_state) {
	case CL_WATCHED:
		watch_del(WATCH_PIPES, cl->cl_fd);
		break;
	case CL_POLLED:
		npolled--;
		break;
	case CL_PAUSED:
		last = paused[--npaused];
		paused[cl->cl_paused] = last;
		childlogs[last]->cl_paused = cl->cl_paused;
		break;
	case CL_WAITING:
		break;
	}
	cl->cl_state = CL_WAITING;
}

static void
childlog_pause(unsigned i, time_t now)
{
	struct childlog	*cl = childlogs[i];

	childlog_disarm(i);
	cl->cl_state = CL_PAUSED;
	cl->cl_paused = npaused;
	paused[npaused++] = i;
	paused_second = now;
}

/* Every pipe paused is paused for paused_second: all are back after. */
static void
childlog_resume(time_t now)
{
	unsigned	i;

	if (npaused == 0 || now == paused_second)
		return;
	while (npaused > 0) {
		i = paused[--npaused];
		childlogs[i]->cl_state = CL_WAITING;
		childlog_arm(i);
	}
}

static void
childlog_close(unsigned i)
{
	struct childlog	*cl = childlogs[i];

	childlog_flush(&cl->cl_buf, write_line, NULL);
	childlog_disarm(i);
	close(cl->cl_fd);
	free(cl);
	childlogs[i] = NULL;
	childlogs_open--;
	while (childlogs_high > 0 && childlogs[childlogs_high - 1] == NULL)
		childlogs_high--;
}

/* In the child, before exec: its pipe, or /dev/null, never ours. */
static void
child_stderr(int fd)
{
	if (fd == -1 && (fd = open("/dev/null", O_WRONLY)) == -1)
		_exit(127);
	if (dup2(fd, STDERR_FILENO) == -1)
		_exit(127);
}

/*
 * fork() for a child that will exec ident. In the foreground its stderr
 * is a pipe the master reads, or /dev/null when that cannot be had. The
 * child's end blocks, so that a sanitizer's report is written whole.
 */
pid_t
child_fork(const struct master *m, const char *ident)
{
	int	p[2] = { -1, -1 }, slot = -1;
	pid_t	pid;

	errno = 0;
	if (m->m_foreground && (pipe2(p, O_CLOEXEC) == -1 ||
	    fcntl(p[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (slot = childlog_new(p[0], 0, ident)) == -1)) {
		if (!full_said)
			log_warnx("childlog: no pipe for the stderr of %s (%s);"
			    " it writes to /dev/null", ident, errno != 0 ?
			    strerror(errno) : "every slot taken");
		full_said = 1;
		if (p[0] != -1) {
			close(p[0]);
			close(p[1]);
		}
		p[0] = p[1] = -1;
	}
	if ((pid = fork()) == 0) {
		if (m->m_foreground)
			child_stderr(p[1]);
		return 0;	/* the pipe's own ends close at exec */
	}
	if (p[1] != -1)
		close(p[1]);
	if (slot != -1) {
		childlogs[slot]->cl_buf.cb_pid = (long)pid;
		if (pid == -1)
			childlog_close((unsigned)slot);
		else
			childlog_arm((unsigned)slot);
	}
	return pid;
}

/*
 * Descriptors are counted (master/capacity.c) for one socket per worker:
 * a pipe is made only while that leaves room for every worker's socket,
 * so a pool near its maximum in the foreground writes part of its lines
 * through its template's pipe (named rpxd-template) instead.
 */
static int
childlog_room(const struct master *m)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return 1;
	return (unsigned long long)childlogs_open + m->m_conf->rc_max_workers +
	    CAPACITY_BASE_FDS < (unsigned long long)rl.rlim_cur;
}

/*
 * The stderr of a worker the template forks (pool.c): a pipe read like a
 * forked child's. Its write end in *wfd and the slot returned, or -1 and
 * *wfd -1 when not in the foreground or none can be had (the worker then
 * writes where the template does). childlog_owner() names its pid once
 * the template has told it; childlog_drop() gives it up.
 */
int
childlog_pipe(const struct master *m, const char *ident, int *wfd)
{
	int	p[2], slot;

	*wfd = -1;
	if (!m->m_foreground || !childlog_room(m) || pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1 ||
	    (slot = childlog_new(p[0], 0, ident)) == -1) {
		if (!full_said)
			log_warnx("childlog: no pipe for the stderr of %s; it "
			    "writes to its template's", ident);
		full_said = 1;
		close(p[0]);
		close(p[1]);
		return -1;
	}
	*wfd = p[1];
	return slot;
}

void
childlog_owner(int slot, pid_t pid)
{
	struct childlog	*cl;

	if (slot < 0 || slot >= (int)CHILDLOG_MAX ||
	    (cl = childlogs[slot]) == NULL)
		return;
	cl->cl_buf.cb_pid = (long)pid;
	if (cl->cl_state == CL_WAITING && pid > 0)
		childlog_arm((unsigned)slot);
}

void
childlog_drop(int slot)
{
	if (slot >= 0 && slot < (int)CHILDLOG_MAX && childlogs[slot] != NULL)
		childlog_close((unsigned)slot);
}

/* Has cl had its CHILDLOG_RATE bytes this second? Said once per child. */
static int
over_rate(struct childlog *cl, time_t now)
{
	if (cl->cl_second != now) {
		cl->cl_second = now;
		cl->cl_used = 0;
	}
	if (cl->cl_used < CHILDLOG_RATE)
		return 0;
	if (!cl->cl_said)
		log_warnx("childlog: %s %ld writes more than %d bytes a second "
		    "to stderr; it is read no faster", cl->cl_buf.cb_ident,
		    cl->cl_buf.cb_pid, CHILDLOG_RATE);
	cl->cl_said = 1;
	return 1;
}

/*
 * The pipes to poll: the set of pipes as one descriptor, and any pipe
 * the loop polls itself; none while our own stderr takes nothing (rpxd
 * -d | a stalled reader): then the children wait on their pipes and the
 * master goes on. A worker's pipe waits for its pid (childlog_owner), so
 * that no line of it is named wrongly.
 */
nfds_t
childlog_pollfds(struct pollfd *pfd, nfds_t max)
{
	struct pollfd	out = { .fd = STDERR_FILENO, .events = POLLOUT };
	nfds_t		n = 0;
	unsigned	i;

	childlog_resume(time(NULL));
	if (poll(&out, 1, 0) == 0)
		return 0;
	if (pipes_set >= 0 && n < max) {
		polled[n] = POLLED_SET;
		pfd[n].fd = pipes_set;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	for (i = 0; npolled > 0 && i < childlogs_high && n < max; i++) {
		if (childlogs[i] == NULL ||
		    childlogs[i]->cl_state != CL_POLLED)
			continue;
		polled[n] = i;
		pfd[n].fd = childlogs[i]->cl_fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

/* One read from slot i: 1 with bytes, -1 with none for now, 0 when its
 * pipe is done with and closed. */
static int
childlog_read(unsigned i)
{
	struct childlog	*cl = childlogs[i];
	unsigned char	 buf[CHILDLOG_READ];
	ssize_t		 n;

	n = read(cl->cl_fd, buf, sizeof(buf));
	if (n > 0) {
		cl->cl_used += (size_t)n;
		childlog_feed(&cl->cl_buf, buf, (size_t)n, write_line, NULL);
		return 1;
	}
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return -1;
	childlog_close(i);	/* the child and its end are gone */
	return 0;
}

/* Slot i is readable (or at its end): one read, unless it has had its
 * bytes for this second. A slot given up and taken again since the poll
 * is still waiting for its pid and left alone. */
static void
childlog_ready(unsigned i, time_t now)
{
	struct childlog	*cl;

	if (i >= CHILDLOG_MAX || (cl = childlogs[i]) == NULL ||
	    (cl->cl_state != CL_WATCHED && cl->cl_state != CL_POLLED))
		return;
	if (over_rate(cl, now))
		childlog_pause(i, now);
	else
		(void)childlog_read(i);
}

void
childlog_events(const struct pollfd *pfd, nfds_t n)
{
	unsigned	ready[256], nr, j;
	time_t		now = time(NULL);
	nfds_t		i;

	for (i = 0; i < n; i++) {
		if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (polled[i] != POLLED_SET) {
			childlog_ready(polled[i], now);
			continue;
		}
		nr = watch_ready(WATCH_PIPES, ready, 256);
		for (j = 0; j < nr; j++)
			childlog_ready(ready[j], now);
	}
	fflush(stderr);
}

/* At the end, every child reaped: what is left in the pipes (a pipe
 * holds a bounded amount), whatever the rate. */
void
childlog_drain(void)
{
	unsigned	i, turns;

	for (i = 0; i < childlogs_high; i++) {
		if (childlogs[i] == NULL)
			continue;
		for (turns = 0; turns < 64; turns++)
			if (childlog_read(i) != 1)
				break;
		if (childlogs[i] != NULL)
			childlog_close(i);
	}
	fflush(stderr);
}

/*
 * A binary upgrade: the pipes stay open across exec and their children
 * are named in the environment, so that the new image relays what the
 * old one's children still write (on = 1 before exec; on = 0 after a
 * failed one, when upgrade.c has made every descriptor close-on-exec
 * again).
 */
void
childlog_export(int on)
{
	char		*env, *p;
	size_t		 len = (size_t)childlogs_high * 48 + 1;
	unsigned	 i;
	int		 n;

	if (!on || (env = p = malloc(len)) == NULL) {
		unsetenv(CHILDLOG_ENV);
		return;
	}
	*p = '\0';
	for (i = 0; i < childlogs_high; i++) {
		struct childlog	*cl = childlogs[i];

		if (cl == NULL || fcntl(cl->cl_fd, F_SETFD, 0) == -1)
			continue;
		/* A line begun here ends in the new image, as two. */
		childlog_flush(&cl->cl_buf, write_line, NULL);
		n = snprintf(p, len - (size_t)(p - env), "%s%d:%ld:%s",
		    p == env ? "" : ",", cl->cl_fd, cl->cl_buf.cb_pid,
		    cl->cl_buf.cb_ident);
		if (n > 0 && (size_t)n < len - (size_t)(p - env))
			p += n;
	}
	if (setenv(CHILDLOG_ENV, env, 1) == -1)
		log_warn("childlog: the old children's stderr is lost at the "
		    "upgrade");
	free(env);
}

/* One "fd:pid:ident" of the old image; a descriptor that is not a pipe
 * is not ours and left alone. */
static void
childlog_adopt_one(const char *item)
{
	char		ident[16];
	struct stat	st;
	long		pid;
	int		fd, slot, len = 0;

	if (sscanf(item, "%d:%ld:%15[a-z-]%n", &fd, &pid, ident, &len) != 3 ||
	    (item[len] != ',' && item[len] != '\0') || fd <= STDERR_FILENO ||
	    pid <= 0 || fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode))
		return;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 ||
	    fcntl(fd, F_SETFL, O_NONBLOCK) == -1 ||
	    (slot = childlog_new(fd, pid, ident)) == -1) {
		close(fd);
		return;
	}
	childlog_arm((unsigned)slot);
}

void
childlog_adopt(void)
{
	const char	*env = getenv(CHILDLOG_ENV), *p;

	if (env == NULL)
		return;
	for (p = env; *p != '\0'; p += *p == ',') {
		childlog_adopt_one(p);
		p += strcspn(p, ",");
	}
	unsetenv(CHILDLOG_ENV);
}
