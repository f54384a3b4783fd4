/*
 * rpxd, the master: parses and checks the configuration, binds the
 * listeners, starts the worker pool and the health checker and runs the
 * event loop for signals, worker messages and pool maintenance. It never
 * reads a byte from a client.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "clock.h"
#include "log.h"
#include "master.h"
#include "winbind.h"
#include "metrics.h"

#ifndef RPXD_WORKER_PATH
#define RPXD_WORKER_PATH	"/usr/local/libexec/rpxd-worker"
#endif
#ifndef RPXD_CONF_PATH
#define RPXD_CONF_PATH		"/etc/rpxd.conf"
#endif

static struct master	master;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rpxd [-dn] [-f file] [-W worker-path]\n"
	    "  -d  stay in the foreground and log to stderr\n"
	    "  -n  check the configuration and exit\n"
	    "  -f  configuration file (default " RPXD_CONF_PATH ")\n"
	    "  -W  worker program (default " RPXD_WORKER_PATH ")\n");
	exit(1);
}

/* The workers' chroot: made if missing, refused if others can write it. */
static void
chroot_prepare(const char *dir)
{
	struct stat	st;

	if (stat(dir, &st) == -1) {
		if (errno != ENOENT || mkdir(dir, 0755) == -1)
			fatal("startup: chroot %s", dir);
		log_notice("startup: created the empty chroot directory %s",
		    dir);
		return;
	}
	if (!S_ISDIR(st.st_mode))
		fatalx("startup: chroot %s is not a directory", dir);
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx("startup: chroot %s must be owned by root and not "
		    "writable by group or others", dir);
}

/* daemon() moves to "/": a relative -f or -W path must still be found
 * by a reload, a new worker or an upgrade. */
static const char *
absolute_path(const char *file)
{
	char	cwd[RPXD_FILE_MAX], *path;

	if (file[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return file;
	if (asprintf(&path, "%s/%s", cwd, file) == -1)
		fatal("startup: asprintf");
	return path;	/* kept for the life of the process */
}

/* SIGUSR2: what rpxctl upgrade does, with the messages only logged. */
static void
master_upgrade(struct master *m)
{
	struct strbuf	 out;
	char		*line, *save = NULL;

	strbuf_init(&out);
	if (upgrade_prepare(m, &out) == 0)
		upgrade_exec(m);
	for (line = out.sb_buf != NULL ? strtok_r(out.sb_buf, "\n", &save) :
	    NULL; line != NULL; line = strtok_r(NULL, "\n", &save))
		log_warnx("upgrade: %s", line);
	strbuf_free(&out);
}

static void
master_handle_signals(struct master *m)
{
	enum signal_event	ev;

	while ((ev = signals_next()) != MSIG_NONE) {
		switch (ev) {
		case MSIG_RELOAD:
			if (!m->m_stopping)
				(void)reload(m, NULL);
			break;
		case MSIG_STOP:
			master_shutdown_begin(m);
			break;
		case MSIG_CHILD:
			pool_reap(m);
			break;
		case MSIG_UPGRADE:
			if (!m->m_stopping)
				master_upgrade(m);
			break;
		case MSIG_NONE:
			break;
		}
	}
}

/* Kill the children whose partial frame is past its deadline; the next
 * such deadline (ms), or 0 if no frame is in progress. */
static int64_t
master_expire(struct master *m)
{
	int64_t	now = now_ms(), a, b;

	a = pool_expire(m, now);
	b = health_expire(m, now);
	a = a == 0 ? b : b == 0 || a < b ? a : b;
	b = templates_expire(m, now);
	a = a == 0 ? b : b == 0 || a < b ? a : b;
	b = winbind_frames_expire(m, now);
	a = a == 0 ? b : b == 0 || a < b ? a : b;
	b = winbind_expire(m, now);
	return a == 0 ? b : b == 0 || a < b ? a : b;
}

/* The poll timeout: the once-a-second work, or a partial frame's
 * deadline if that comes first. */
static int
master_timeout(int64_t deadline)
{
	int64_t	left;

	if (deadline == 0)
		return POOL_TICK_MS;
	left = deadline - now_ms();
	return left <= 0 ? 0 : left < POOL_TICK_MS ? (int)left : POOL_TICK_MS;
}

/* The workers the epoll set says are readable; one whose socket is done
 * with (closed at its end, or killed) leaves the set. */
static void
master_watched(struct master *m)
{
	unsigned	ready[256], n, i;
	struct worker	*wk;

	n = watch_ready(WATCH_WORKERS, ready, 256);
	for (i = 0; i < n; i++) {
		if (ready[i] >= m->m_nslots)
			continue;
		wk = &m->m_workers[ready[i]];
		if (wk->wk_pid != 0 && !wk->wk_eof)
			pool_dispatch(m, ready[i]);
		if (wk->wk_pid != 0 && wk->wk_eof)
			watch_del(WATCH_WORKERS, wk->wk_sock);
	}
}

/* The loop's poll set, sized for the slots (which a reload may grow). */
struct poll_set {
	struct pollfd	*ps_pfd;
	unsigned	*ps_idx;	/* pfd -> worker slot or template */
	size_t		 ps_cap;
};

static void
poll_set_fit(struct poll_set *ps, const struct master *m)
{
	size_t	want = (size_t)m->m_nslots + TEMPLATES_MAX + 3 +
		    CONTROL_CONNS_MAX + CHILDLOG_MAX +
		    RPXD_WINBIND_CHECKERS_MAX;

	if (want <= ps->ps_cap)
		return;
	free(ps->ps_pfd);
	free(ps->ps_idx);
	if ((ps->ps_pfd = calloc(want, sizeof(*ps->ps_pfd))) == NULL ||
	    (ps->ps_idx = calloc(want, sizeof(*ps->ps_idx))) == NULL)
		fatal("%s: %zu descriptors to poll", __func__, want);
	ps->ps_cap = want;
}

static void
master_loop(struct master *m, int sigfd)
{
	static struct poll_set	 ps;
	struct pollfd		*pfd;
	unsigned		*slots;
	nfds_t			 n, nw, nt, nh, nd, nc, nl, i;
	time_t			 last = 0, now;
	int64_t			 last_pool = 0;
	int64_t			 deadline;
	int			 rv, watch_fd = watch_init(WATCH_WORKERS);

	for (;;) {
		if (m->m_stopping) {
			/* rpxctl stop's answer goes out before the end. */
			if (pool_count_alive(m) == 0 && !health_alive(m) &&
			    keyholders_alive(m) == 0 && !winbind_alive() &&
			    templates_alive(m) == 0 && !control_busy(m))
				return;
			if (time(NULL) >= m->m_stop_deadline) {
				log_warnx("shutdown: grace period over; "
				    "killing %u worker(s)", pool_count_alive(m));
				pool_kill_all(m, SIGKILL);
				templates_kill_all(m, SIGKILL);
				health_kill_all(m, SIGKILL);
				keyholders_kill_all(m, SIGKILL);
				winbind_kill_all(SIGKILL);
				m->m_stop_deadline = time(NULL) + 5;
			}
		}
		deadline = master_expire(m);
		poll_set_fit(&ps, m);
		pfd = ps.ps_pfd;
		slots = ps.ps_idx;
		n = 0;
		pfd[n].fd = sigfd;
		pfd[n++].events = POLLIN;
		if (watch_fd != -1) {
			pfd[n].fd = watch_fd;
			pfd[n++].events = POLLIN;
		} else
			for (i = 0; i < m->m_nslots; i++) {
				if (m->m_workers[i].wk_pid == 0 ||
				    m->m_workers[i].wk_eof)
					continue;
				slots[n] = (unsigned)i;
				pfd[n].fd = m->m_workers[i].wk_sock;
				pfd[n++].events = POLLIN;
			}
		nw = n;
		n += templates_pollfds(m, pfd + n, slots + n, TEMPLATES_MAX);
		nt = n;
		if (m->m_health.hp_sock != -1) {
			pfd[n].fd = m->m_health.hp_sock;
			pfd[n++].events = POLLIN;
		}
		nh = n;
		n += winbind_pollfds(pfd + n, slots + n,
		    RPXD_WINBIND_CHECKERS_MAX);
		nd = n;
		nc = control_pollfds(m, pfd + n);
		n += nc;
		nl = childlog_pollfds(pfd + n, CHILDLOG_MAX);
		n += nl;
		rv = poll(pfd, n, master_timeout(deadline));
		if (rv == -1 && errno != EINTR)
			fatal("%s: poll", __func__);
		if (watch_fd != -1) {
			if (rv > 0 && (pfd[1].revents & POLLIN))
				master_watched(m);
		} else
			for (i = 1; rv > 0 && i < nw; i++)
				if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
					pool_dispatch(m, slots[i]);
		/* Spawn reports before the signals: a worker forked and
		 * reaped at once is known when its SIGCHLD is handled. */
		for (i = nw; rv > 0 && i < nt; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				template_dispatch(m, slots[i]);
		if (rv > 0 && nh > nt &&
		    (pfd[nt].revents & (POLLIN | POLLHUP | POLLERR)))
			health_dispatch(m);
		for (i = nh; rv > 0 && i < nd; i++)
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				winbind_dispatch(m, slots[i]);
		if (rv > 0 && nc > 0)
			control_events(m, pfd + nd, (unsigned)nc);
		if (rv > 0 && nl > 0)
			childlog_events(pfd + n - nl, nl);
		if (rv > 0 && (pfd[0].revents & POLLIN))
			master_handle_signals(m);
		/* The pool follows the listen queues every tick, so a burst of
		 * clients gets its workers at once. */
		if (now_ms() - last_pool >= POOL_TICK_MS) {
			pool_maintain(m);
			limits_tick(m);
			last_pool = now_ms();
		}
		now = time(NULL);
		if (now != last) {
			pool_reap(m);
			pool_check_orphans(m);
			board_sum(m);
			keyholders_launch(m);
			templates_maintain(m);
			health_maintain(m);
			winbind_maintain(m);
			tickets_rotate(m);
			ocsp_maintain(m);
			ep_maintain(m);
			control_expire(m);
			ntlm_check_tick(m);
			metrics_tick(m);
			last = now;
		}
	}
}

int
main(int argc, char *argv[])
{
	struct master	*m = &master;
	char		 err[8192];
	int		 ch, check_only = 0, sigfd, upgraded, given_w = 0;
	uint32_t	 generation = 0;

	m->m_conf_file = RPXD_CONF_PATH;
	m->m_worker_path = RPXD_WORKER_PATH;
	while ((ch = getopt(argc, argv, "df:nW:")) != -1) {
		switch (ch) {
		case 'd':
			m->m_foreground = 1;
			break;
		case 'f':
			m->m_conf_file = optarg;
			break;
		case 'n':
			check_only = 1;
			break;
		case 'W':
			m->m_worker_path = optarg;
			given_w = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	upgrade_init(m, strchr(argv[0], '/') != NULL ?
	    absolute_path(argv[0]) : argv[0]);
	m->m_conf_file = absolute_path(m->m_conf_file);
	m->m_worker_path = absolute_path(m->m_worker_path);

	log_init(1, "rpxd", LOG_DAEMON);
	if ((m->m_conf = config_load(m->m_conf_file, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "%s", err);
		if (err[0] != '\0' && err[strlen(err) - 1] != '\n')
			fputc('\n', stderr);
		return 1;
	}
	/* rpxd -n checks the programs -W names; without -W it checks the
	 * configuration only, so that it works where rpxd is not installed
	 * (a build tree, a configuration management host). */
	if ((given_w || !check_only) &&
	    programs_check(m, err, sizeof(err)) == -1) {
		if (check_only) {
			fprintf(stderr, "rpxd: %s\n", err);
			return 1;
		}
		fatalx("startup: %s", err);
	}
	if (capacity_check(m->m_conf, m->m_foreground, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s", err);
		return 1;
	}
	if (check_only) {
		fprintf(stderr, "%s: configuration OK\n", m->m_conf_file);
		return 0;
	}
	capacity_raise_nofile(m->m_conf, m->m_foreground);
	if (geteuid() != 0)
		fatalx("startup: rpxd must be started as root");
	health_init(m);
	winbind_init(m);
	keyholders_init(m);
	control_init(m);
	chroot_prepare(m->m_conf->rc_chroot);
	log_set_level(m->m_conf->rc_log_level);
	m->m_listen_fds = upgrade_adopt(m->m_conf, &generation,
	    m->m_hash_key);
	upgraded = m->m_listen_fds != NULL;
	if (!upgraded && (m->m_listen_fds = listeners_bind(m->m_conf, NULL,
	    NULL, err, sizeof(err))) == NULL)
		fatalx("startup: %s", err);
	if (scoreboard_create(&m->m_sb,
	    scoreboard_slots_for(m->m_conf->rc_max_workers)) == -1)
		fatal("startup: scoreboard");
	limits_init(m);
	if (healthboard_create(&m->m_hb, m->m_conf->rc_nservers) == -1)
		fatal("startup: health board");
	/* balance-key-file: the same key on every instance of a fleet. */
	if (m->m_conf->rc_have_balance_key)
		memcpy(m->m_hash_key, m->m_conf->rc_balance_key,
		    sizeof(m->m_hash_key));
	else if (!upgraded && RAND_bytes(m->m_hash_key,
	    sizeof(m->m_hash_key)) != 1)
		fatalx("startup: no random bytes for the hash key");
	control_start(m);	/* before daemon(): its errors reach stderr */
	if (!m->m_foreground) {
		/* An upgraded image is the daemon already: same pid. */
		if (!upgraded && daemon(0, 0) == -1)
			fatal("startup: daemon");
		log_init(0, "rpxd", LOG_DAEMON);
	}
	log_syslog_config(m->m_conf->rc_syslog_socket,
	    m->m_conf->rc_syslog_tag, m->m_conf->rc_facility);
	if (pidfile_create(m->m_conf->rc_pidfile) == -1)
		exit(1);
	m->m_started = time(NULL);
	sigfd = signals_init();
	templates_init(m);	/* after daemon(): a subreaper is not forked */
	pool_init(m);
	childlog_adopt();	/* an upgrade's old children's stderr */
	tickets_init(m);
	ocsp_setup(m);
	m->m_generation = generation + 1;
	metrics_init(m);
	if (upgraded)
		log_notice("upgrade: rpxd re-executed, generation %u, %u "
		    "listener(s) kept", m->m_generation,
		    m->m_conf->rc_nlisteners);
	else
		log_notice("startup: rpxd started, generation 1, %u "
		    "listener(s)", m->m_conf->rc_nlisteners);
	keyholders_launch(m);
	template_launch(m);
	for (ch = 0; ch < (int)m->m_conf->rc_min_spare; ch++)
		if (pool_spawn(m) == -1)
			break;
	health_launch(m);
	winbind_launch(m);
	ep_setup(m);
	master_loop(m, sigfd);
	childlog_drain();	/* what the last children wrote */
	control_shutdown(m);
	pidfile_remove(m->m_conf->rc_pidfile);
	log_notice("shutdown: done");
	return 0;
}
