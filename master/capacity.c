/*
 * What a pool of max-workers needs of the machine, checked when the
 * configuration is loaded (start-up, rpxd -n, every reload) so that the
 * operator reads why at once instead of meeting it under load: the
 * master's descriptors (one socket per worker; in the foreground the
 * workers' stderr pipes take only what is left, childlog.c; a key holder
 * needs one channel per worker of its generation, fewer), processes of the unprivileged user (RLIMIT_NPROC, which
 * the template inherits when it forks workers) and the system's pids
 * and threads. rpxd.conf(5) "SIZING THE POOL" says the same.
 */
#include <sys/types.h>
#include <sys/resource.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "master.h"

#define PROC_SPARE	64	/* key holders, templates, the checker */

static unsigned long long
master_fds(const struct rpxd_conf *c, int foreground)
{
	(void)foreground;
	return (unsigned long long)c->rc_max_workers + c->rc_nlisteners +
	    CAPACITY_BASE_FDS;
}

/* A number from /proc/sys (Linux), or 0 where there is none. */
static unsigned long long
sysctl_value(const char *path)
{
	unsigned long long	v = 0;
	FILE			*f;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

static int
fail(const struct rpxd_conf *c, char *err, size_t len, const char *what,
    const char *fix)
{
	snprintf(err, len, "%s:%u: max-workers: %u workers %s; %s\n",
	    c->rc_file, c->rc_max_workers_line, c->rc_max_workers, what, fix);
	return -1;
}

/*
 * RLIMIT_NOFILE: the hard limit must hold what the master needs (root
 * raises it itself where the system lets it, as most do up to
 * fs.nr_open); the soft one is raised by capacity_raise_nofile().
 */
static int
check_nofile(const struct rpxd_conf *c, int foreground, char *err,
    size_t len)
{
	unsigned long long	need = master_fds(c, foreground);
	struct rlimit		rl;
	char			what[256];

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		struct rlimit	up = { .rlim_cur = rl.rlim_cur,
				    .rlim_max = (rlim_t)need };

		if (setrlimit(RLIMIT_NOFILE, &up) == -1) {
			snprintf(what, sizeof(what), "need %llu descriptors "
			    "in the master (one per worker, and room for the "
			    "rest) but the hard RLIMIT_NOFILE is %llu", need,
			    (unsigned long long)rl.rlim_max);
			return fail(c, err, len, what, "raise it "
			    "(LimitNOFILE= in systemd, ulimit -Hn, fs.nr_open) "
			    "or lower max-workers");
		}
	}
	return 0;
}

static int
check_nproc(const struct rpxd_conf *c, char *err, size_t len)
{
	unsigned long long	need = (unsigned long long)c->rc_max_workers +
				    PROC_SPARE, v;
	struct rlimit		rl;
	char			what[256];

	if (getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < need) {
		snprintf(what, sizeof(what), "need %llu processes of the user "
		    "rpxd runs as but RLIMIT_NPROC is %llu", need,
		    (unsigned long long)rl.rlim_cur);
		return fail(c, err, len, what, "raise it (LimitNPROC= in "
		    "systemd, ulimit -u) or lower max-workers");
	}
	if ((v = sysctl_value("/proc/sys/kernel/pid_max")) != 0 && v <= need) {
		snprintf(what, sizeof(what), "need %llu pids but "
		    "kernel.pid_max is %llu", need, v);
		return fail(c, err, len, what,
		    "raise kernel.pid_max or lower max-workers");
	}
	if ((v = sysctl_value("/proc/sys/kernel/threads-max")) != 0 &&
	    v <= need) {
		snprintf(what, sizeof(what), "need %llu tasks but "
		    "kernel.threads-max is %llu", need, v);
		return fail(c, err, len, what,
		    "raise kernel.threads-max or lower max-workers");
	}
	return 0;
}

int
capacity_check(const struct rpxd_conf *conf, int foreground, char *err,
    size_t len)
{
	if (check_nofile(conf, foreground, err, len) == -1 ||
	    check_nproc(conf, err, len) == -1)
		return -1;
	return 0;
}

/* The soft limit up to what the master needs (the children inherit it
 * and set their own in their sandboxes). */
void
capacity_raise_nofile(const struct rpxd_conf *conf, int foreground)
{
	unsigned long long	need = master_fds(conf, foreground);
	struct rlimit		rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= need)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ?
	    (rlim_t)need : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}
