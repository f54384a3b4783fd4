/*
 * The prefork pool: workers forked by the generation's template
 * (template.c) on our request, each with its socketpair to us, its key
 * channel and its scoreboard slot; the spare-worker arithmetic of
 * Apache's prefork MPM read from the scoreboard every tick. Our end of
 * a worker's socket never blocks: what a worker sends is reassembled by
 * ipc_reader.c within ipc_bounds_worker, a partial frame that outlives
 * IPC_PARTIAL_TIMEOUT_MS gets the worker killed, and so does a socket
 * the worker lets fill up.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child_status.h"
#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "log_syslog.h"
#include "master.h"
#include "winbind.h"
#include "metrics.h"

/* Workers asked of the template in one pool tick (POOL_TICK_MS): a
 * fork of the template costs little, so a burst of clients is met within
 * a tick, and thousands of workers start over a few seconds, paced. */
#define SPAWN_TICK_MAX		256
#define MAX_LOG_INTERVAL	10	/* s between "max-workers reached" */
#define HOLDOFF_MAX		60	/* s, after workers die on start */
#define DISPATCH_BURST		8	/* messages taken from one worker per
					   loop round, so that a flood from
					   one cannot starve the others */
#define SETUP_SLACK		(1024 * 1024)	/* bytes of the setup besides
						   the configuration, and a
						   template's spawn requests in
						   flight: SPAWN_INFLIGHT of
						   four frames, each with a
						   descriptor (about 1 KiB in
						   the kernel's accounting) */
#define SPAWN_INFLIGHT		256	/* asked of a template, unanswered */

static void	worker_exited(struct master *m, unsigned slot, int status);
static void	partial_note(struct master *m, unsigned slot);

static void
slot_clear(struct worker *wk)
{
	*wk = (struct worker){ .wk_pid = 0, .wk_sock = -1, .wk_log = -1,
	    .wk_template = -1 };
	ipc_reader_init(&wk->wk_in, &ipc_bounds_worker);
}

/* A slot is taken from the spawn request to the worker's end. */
static int
slot_used(const struct worker *wk)
{
	return wk->wk_pid != 0 || wk->wk_pending;
}

void
pool_init(struct master *m)
{
	unsigned	i;

	m->m_nslots = m->m_sb.sb_slots;
	if ((m->m_workers = calloc(m->m_nslots, sizeof(*m->m_workers))) ==
	    NULL || pidmap_init(&m->m_pids, m->m_nslots) == -1)
		fatal("startup: %u worker slots", m->m_nslots);
	for (i = 0; i < m->m_nslots; i++)
		slot_clear(&m->m_workers[i]);
}

/*
 * A reload that raises max-workers: the scoreboard, the slots and the pid
 * map grow (never shrink: slots of older generations stay where they
 * are). 0, or -1 with the old sizes kept.
 */
int
pool_resize(struct master *m, unsigned max_workers)
{
	unsigned	 want = scoreboard_slots_for(max_workers);
	unsigned	 i, slot;
	struct worker	*w;
	struct pidmap	 pm;

	if (want <= m->m_nslots)
		return 0;
	if (scoreboard_grow(&m->m_sb, want) == -1)
		return -1;
	if ((w = reallocarray(m->m_workers, want, sizeof(*w))) == NULL)
		return -1;
	m->m_workers = w;
	if (pidmap_init(&pm, want) == -1)
		return -1;
	for (i = 0; i < m->m_nslots; i++)
		if (m->m_workers[i].wk_pid > 0 &&
		    pidmap_take(&m->m_pids, m->m_workers[i].wk_pid, &slot) == 0)
			(void)pidmap_put(&pm, m->m_workers[i].wk_pid, slot);
	pidmap_free(&m->m_pids);
	m->m_pids = pm;
	for (i = m->m_nslots; i < want; i++)
		slot_clear(&m->m_workers[i]);
	log_info("pool: %u worker slots (was %u)", want, m->m_nslots);
	m->m_nslots = want;
	return 0;
}

/*
 * In a forked child: exec path (a worker, or the health checker) with its
 * socketpair end on RPXD_IPC_FD. Only the sanitizer settings cross into
 * its environment, and one for glibc's malloc: no per-thread cache. The
 * workers are forked from their template (worker/template_heap.c) and
 * hold connections for hours; blocks the cache keeps after a handshake
 * keep their pages from going back to the system when the connection is
 * quiet (12 to 24 KiB per worker holding a TLS connection), for a gain
 * in speed no single-threaded process of rpxd measures.
 */
void
child_exec(const struct master *m, const char *path, const char *name,
    int sock)
{
	static char	*env[5];
	const char	*names[] = { "ASAN_OPTIONS", "UBSAN_OPTIONS",
			    "LSAN_OPTIONS" };
	char		*argv[3], argv0[32];
	size_t		 i, n = 0;
	const char	*v;

	signals_reset_child();
	if (dup2(sock, RPXD_IPC_FD) == -1)
		_exit(127);
	closefrom(RPXD_IPC_FD + 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = getenv(names[i])) == NULL)
			continue;
		if ((env[n] = malloc(strlen(names[i]) + strlen(v) + 2)))
			sprintf(env[n++], "%s=%s", names[i], v);
	}
	env[n++] = (char *)"GLIBC_TUNABLES=glibc.malloc.tcache_count=0";
	env[n] = NULL;
	snprintf(argv0, sizeof(argv0), "%s", name);
	argv[0] = argv0;
	argv[1] = m->m_foreground ? (char *)"-d" : NULL;
	argv[2] = NULL;
	execve(path, argv, env);
	_exit(127);
}

/* The programs the master starts live in the worker program's directory,
 * so that -W with a build tree's worker finds that tree's others too. */
void
child_path(const struct master *m, const char *name, char *path, size_t len)
{
	const char	*slash = strrchr(m->m_worker_path, '/');
	int		 n;

	if (slash == NULL)
		n = snprintf(path, len, "%s", name);
	else
		n = snprintf(path, len, "%.*s/%s",
		    (int)(slash - m->m_worker_path), m->m_worker_path, name);
	if (n < 0 || (size_t)n >= len)
		fatalx("startup: worker path too long: %s", m->m_worker_path);
}

/* Our end of a child's socket: sends fail rather than wait, reads take
 * what is there. 0, or -1 with errno set. */
int
child_nonblock(int sock)
{
	int	fl;

	if ((fl = fcntl(sock, F_GETFL)) == -1 ||
	    fcntl(sock, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	return 0;
}

/*
 * A child reads its setup only once it runs, and our end never waits, so
 * the whole setup must fit in the socket's buffer: room for the
 * configuration and the rest. Root may go past the system's default
 * maximum (SO_SNDBUFFORCE); if the setup still does not fit, sending it
 * fails and the child is killed, with a log line.
 */
static void
child_sndbuf(int sock, size_t config_len)
{
	int		cur, want;
	socklen_t	len = sizeof(cur);

	if (config_len > (size_t)INT_MAX / 2 - SETUP_SLACK)
		return;
	want = (int)config_len + SETUP_SLACK;
	/* Linux reports (and reserves) twice what was asked. */
	if (getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &cur, &len) == 0 &&
	    cur / 2 >= want)
		return;
#ifdef SO_SNDBUFFORCE
	if (setsockopt(sock, SOL_SOCKET, SO_SNDBUFFORCE, &want,
	    sizeof(want)) == 0)
		return;
#endif
	(void)setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
}

/* What workers and the health checker both get first: the configuration. */
int
child_send_config(const struct master *m, int sock)
{
	struct msgbuf	mb;
	int		rv = -1;

	msgbuf_init(&mb);
	if (config_encode(m->m_conf, &mb) != -1 && !mb.mb_error) {
		child_sndbuf(sock, mb.mb_len);
		rv = ipc_send(sock, IPC_CONFIG, -1, &mb);
	}
	msgbuf_free(&mb);
	return rv;
}

/* The health board (fd: read-write for the checker, read-only for
 * workers) with the hash key (the checker gets zeros). */
int
child_send_board(const struct master *m, int sock, int fd,
    const unsigned char key[HB_KEY_SIZE])
{
	struct msgbuf	mb;
	int		rv;

	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, m->m_conf->rc_nservers);
	msgbuf_put_bytes(&mb, key, HB_KEY_SIZE);
	rv = mb.mb_error ? -1 : ipc_send(sock, IPC_BALANCE, fd, &mb);
	msgbuf_free(&mb);
	return rv;
}

/* A slot nobody holds, from where the last one was found. */
static int
slot_free(struct master *m, unsigned *slot)
{
	unsigned	i, s;

	for (i = 0; i < m->m_nslots; i++) {
		s = (m->m_slot_hint + i) % m->m_nslots;
		if (!slot_used(&m->m_workers[s])) {
			m->m_slot_hint = s + 1;
			*slot = s;
			return 0;
		}
	}
	return -1;
}

/* The worker's own descriptors, then the request: its key channel (none
 * in a KEYS_IN_WORKER=1 build: the template has the keys), its stderr
 * (-d), its socket to us. */
static int
spawn_send(struct master *m, struct template_proc *tp, unsigned slot,
    int sock)
{
	struct worker	*wk = &m->m_workers[slot];
	struct msgbuf	 mb;
	int		 fd = -1, err = -1;

#ifndef RPXD_KEYS_IN_WORKER
	if (keyholders_needed(m)) {
		if ((fd = keyholders_pair(m, (pid_t)slot,
		    &wk->wk_keyholder)) == -1) {
			log_warnx("pool: no key holder for the worker of "
			    "slot %u", slot);
			return -1;
		}
		err = ipc_send(tp->tp_sock, IPC_SPAWN_KEYS, fd, NULL);
		close(fd);
		if (err == -1)
			return -1;
	}
#endif
	/* Its own socket to syslogd: the template's may have died with a
	 * syslogd that restarted since. */
	if (!m->m_foreground && (fd = syslog_new_socket()) != -1) {
		err = ipc_send(tp->tp_sock, IPC_SPAWN_LOG, fd, NULL);
		close(fd);
		if (err == -1)
			return -1;
	}
	wk->wk_log = childlog_pipe(m, "rpxd-worker", &fd);
	if (fd != -1) {
		err = ipc_send(tp->tp_sock, IPC_SPAWN_STDERR, fd, NULL);
		close(fd);
		if (err == -1)
			return -1;
	}
	msgbuf_init(&mb);
	msgbuf_put_u32(&mb, slot);
	err = mb.mb_error ? -1 : ipc_send(tp->tp_sock, IPC_SPAWN, sock, &mb);
	msgbuf_free(&mb);
	return err;
}

/*
 * A new worker of the current generation: a free slot, its socketpair,
 * and the request to the template, which forks it and says its pid
 * (pool_spawned). -1 if none can be asked for now.
 */
int
pool_spawn(struct master *m)
{
	struct template_proc	*tp = template_current(m);
	struct scoreboard_slot	*ss;
	struct worker		*wk;
	unsigned		 slot;
	int			 sp[2];

	if (tp == NULL || !keyholders_ready(m) ||
	    tp->tp_pending >= SPAWN_INFLIGHT)
		return -1;
	if (slot_free(m, &slot) == -1) {
		log_warnx("pool: all %u worker slots are taken (older "
		    "generations still finish their connections)",
		    m->m_nslots);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		log_warn("pool: socketpair");
		return -1;
	}
	if (child_nonblock(sp[0]) == -1) {
		log_warn("pool: O_NONBLOCK");
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	ss = scoreboard_slot(&m->m_sb, slot);
	memset((void *)ss, 0, sizeof(*ss));
	scoreboard_slot_init(ss);
	ss->ss_generation = m->m_generation;
	ss->ss_listener = ss->ss_route = -1;
	scoreboard_set_state(ss, WS_STARTING);
	wk = &m->m_workers[slot];
	slot_clear(wk);
	wk->wk_pending = 1;
	wk->wk_template = m->m_template;
	wk->wk_sock = sp[0];
	wk->wk_generation = m->m_generation;
	if (spawn_send(m, tp, slot, sp[1]) == -1) {
		/* Full (nothing of that frame sent: the next request's
		 * descriptors replace any it got): asked again next tick.
		 * A frame cut in the middle cannot be resumed: a new
		 * template. */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			log_warn("pool: cannot ask template %ld for a worker",
			    (long)tp->tp_pid);
		close(sp[1]);
		close(sp[0]);
		childlog_drop(wk->wk_log);
		slot_clear(wk);
		scoreboard_set_state(ss, WS_FREE);
		if (errno == ENOBUFS) {
			kill(tp->tp_pid, SIGKILL);
			tp->tp_eof = 1;
		}
		return -1;
	}
	close(sp[1]);
	tp->tp_pending++;
	return 0;
}

/* The template has forked the worker of slot (pid 0: it could not). */
void
pool_spawned(struct master *m, unsigned tidx, unsigned slot, pid_t pid)
{
	struct worker	*wk = &m->m_workers[slot];

	(void)tidx;
	if (pid <= 0) {
		close(wk->wk_sock);
		childlog_drop(wk->wk_log);
		board_worker_gone(m, slot);
		scoreboard_set_state(scoreboard_slot(&m->m_sb, slot), WS_FREE);
		slot_clear(wk);
		return;
	}
	wk->wk_pid = pid;
	wk->wk_pending = 0;
	(void)watch_add(WATCH_WORKERS, wk->wk_sock, slot);
	scoreboard_slot(&m->m_sb, slot)->ss_pid = pid;
	if (pidmap_put(&m->m_pids, pid, slot) == -1)
		log_warnx("pool: no room for pid %ld in the pid map",
		    (long)pid);
	childlog_owner(wk->wk_log, pid);
	log_debug("pool: started worker %ld in slot %u, generation %u",
	    (long)pid, slot, wk->wk_generation);
}

static void
worker_stop(struct master *m, unsigned slot)
{
	struct worker	*wk = &m->m_workers[slot];
	uint32_t	 how = m->m_stopping ? SS_STOP_SHUTDOWN : SS_STOP_RELOAD;

	/* A shutdown tells again the workers a reload stopped: they keep an
	 * idle keep-alive connection for its next request, it need not. */
	if (!slot_used(wk) || (wk->wk_stopping &&
	    scoreboard_slot(&m->m_sb, slot)->ss_stop >= how))
		return;
	wk->wk_stopping = 1;
	scoreboard_slot(&m->m_sb, slot)->ss_stop = how;
	(void)pool_send(m, slot, IPC_STOP, NULL, 0);
}

void
pool_stop_generation_before(struct master *m, uint32_t generation)
{
	unsigned	i;

	for (i = 0; i < m->m_nslots; i++)
		if (slot_used(&m->m_workers[i]) &&
		    m->m_workers[i].wk_generation < generation)
			worker_stop(m, i);
}

/* Its key holder is gone: the worker stops after its connection. */
void
pool_stop_paired(struct master *m, pid_t keyholder)
{
	unsigned	i;

	for (i = 0; i < m->m_nslots; i++)
		if (slot_used(&m->m_workers[i]) &&
		    m->m_workers[i].wk_keyholder == keyholder)
			worker_stop(m, i);
}

void
pool_stop_all(struct master *m)
{
	pool_stop_generation_before(m, UINT32_MAX);
}

/*
 * A worker its template reaped but could not report (it died between
 * the two) exists no more: one the master is to reap is still there, as
 * a zombie at least. Checked for the workers whose template is gone,
 * each second and when they are to be killed.
 */
static int
vanished(struct master *m, unsigned slot)
{
	struct worker	*wk = &m->m_workers[slot];

	if (wk->wk_pid <= 0 || kill(wk->wk_pid, 0) == 0 || errno != ESRCH)
		return 0;
	log_warnx("pool: worker %ld (slot %u) is gone; its template reaped "
	    "it and could not say so", (long)wk->wk_pid, slot);
	worker_exited(m, slot, 0);
	return 1;
}

void
pool_check_orphans(struct master *m)
{
	unsigned	i;

	for (i = 0; i < m->m_nslots; i++)
		if (m->m_workers[i].wk_pid > 0 &&
		    m->m_workers[i].wk_template == -1)
			(void)vanished(m, i);
}

void
pool_kill_all(struct master *m, int sig)
{
	unsigned	i;

	for (i = 0; i < m->m_nslots; i++)
		if (m->m_workers[i].wk_pid > 0 && !vanished(m, i))
			kill(m->m_workers[i].wk_pid, sig);
}

unsigned
pool_count_alive(const struct master *m)
{
	unsigned	i, n = 0;

	for (i = 0; i < m->m_nslots; i++)
		if (slot_used(&m->m_workers[i]))
			n++;
	return n;
}

/*
 * Every worker is busy and connections wait in the kernel's listen queues
 * (nothing is refused: they are served as workers free up). Said at most
 * every MAX_LOG_INTERVAL seconds; nothing is said while nothing waits.
 */
static void
pool_full(struct master *m)
{
	time_t	now = time(NULL);

	if (m->m_waiting == 0 || now - m->m_max_logged < MAX_LOG_INTERVAL)
		return;
	m->m_max_logged = now;
	log_warnx("pool: max-workers (%u) reached and %u connection(s) wait "
	    "in the listen queues; they are served as workers free up "
	    "(consider raising max-workers)", m->m_conf->rc_max_workers,
	    m->m_waiting);
}

/*
 * Every pool tick (POOL_TICK_MS): start at once the workers that are
 * missing, the spare ones below min-spare-workers and one for each
 * connection waiting in the listen queues beyond the idle workers, up to
 * SPAWN_TICK_MAX a tick and max-workers; stop one idle worker a second
 * while over max-spare-workers and nothing waits.
 * Only the idle count comes from the slots, which workers write and may
 * lie in; the total is the master's own count of its children, so no
 * slot can make it start more than max-workers.
 */
void
pool_maintain(struct master *m)
{
	const struct rpxd_conf	*conf = m->m_conf;
	unsigned		 i, idle = 0, total = 0, last_idle = 0, want = 0;
	time_t			 now = time(NULL);

	if (m->m_stopping)
		return;
	for (i = 0; i < m->m_nslots; i++) {
		struct worker	*wk = &m->m_workers[i];
		uint32_t	 st;

		/* A slot's page is read only once a worker has used it: a
		 * read of the others would bring in a page of the memfd
		 * each, all max-workers x 2 of them (80 MiB for 10,400). */
		if (!slot_used(wk) || wk->wk_stopping ||
		    wk->wk_generation != m->m_generation)
			continue;
		st = scoreboard_slot(&m->m_sb, i)->ss_state;
		total++;
		if (st == WS_IDLE && !wk->wk_was_ready) {
			wk->wk_was_ready = 1;
			m->m_start_failures = 0;
		}
		if (st == WS_IDLE || st == WS_STARTING) {
			idle++;
			last_idle = i;
		}
	}
	m->m_waiting = listeners_waiting(m);
	if (idle > conf->rc_max_spare && m->m_waiting == 0) {
		if (now != m->m_last_retire)	/* one a second */
			worker_stop(m, last_idle);
		m->m_last_retire = now;
		return;
	}
	/* The spare workers missing, and one for each connection that waits
	 * beyond the idle (or starting) workers that will take it. */
	if (idle < conf->rc_min_spare)
		want = conf->rc_min_spare - idle;
	if (m->m_waiting > idle)
		want += m->m_waiting - idle;
	if (want == 0)
		return;
	if (total >= conf->rc_max_workers) {
		pool_full(m);
		return;
	}
	if (now < m->m_spawn_holdoff)
		return;
	if (want > SPAWN_TICK_MAX)
		want = SPAWN_TICK_MAX;
	if (want > conf->rc_max_workers - total)
		want = conf->rc_max_workers - total;
	if (m->m_waiting > idle)
		log_info("pool: %u connection(s) wait in the listen queues, %u "
		    "worker(s) idle: starting %u", m->m_waiting, idle, want);
	for (i = 0; i < want; i++)
		if (pool_spawn(m) == -1)
			break;
}

static void
worker_exited(struct master *m, unsigned slot, int status)
{
	struct worker	*wk = &m->m_workers[slot];
	int		 died_on_start;
	unsigned	 holdoff, mapped;

	died_on_start = !wk->wk_was_ready &&
	    scoreboard_slot(&m->m_sb, slot)->ss_state == WS_STARTING;
	if (WIFSIGNALED(status))
		log_warnx("pool: worker %ld (slot %u) %s%s",
		    (long)wk->wk_pid, slot, child_status(status),
		    wk->wk_stopping ? " while stopping" : "; replacing it");
	else if (WEXITSTATUS(status) != 0)
		log_warnx("pool: worker %ld (slot %u) exited with status %d%s",
		    (long)wk->wk_pid, slot, WEXITSTATUS(status),
		    died_on_start ? " before it was ready" : "");
	else
		log_debug("pool: worker %ld (slot %u) exited",
		    (long)wk->wk_pid, slot);
	if (died_on_start && !wk->wk_stopping) {
		/* No fork storm: back off 2, 4, ... 60 s and restart slowly. */
		m->m_start_failures++;
		holdoff = m->m_start_failures < 6 ?
		    1u << m->m_start_failures : HOLDOFF_MAX;
		m->m_spawn_holdoff = time(NULL) + holdoff;
		log_warnx("pool: a worker died on start; next start in %u s",
		    holdoff);
	}
	(void)pidmap_take(&m->m_pids, wk->wk_pid, &mapped);
	winbind_worker_gone(slot, wk->wk_pid);
	close(wk->wk_sock);
	ipc_reader_reset(&wk->wk_in);
	board_worker_gone(m, slot);
	metrics_worker_exited(m, slot);
	scoreboard_set_state(scoreboard_slot(&m->m_sb, slot), WS_FREE);
	scoreboard_slot(&m->m_sb, slot)->ss_pid = 0;
	slot_clear(wk);
}

/* The template reaped a worker of its own: 0, or -1 if it names one
 * that is not its own. */
int
pool_template_reaped(struct master *m, unsigned tidx, unsigned slot,
    pid_t pid, int status)
{
	struct worker	*wk = &m->m_workers[slot];

	if (pid <= 0 || wk->wk_pid != pid || wk->wk_template != (int)tidx)
		return -1;
	worker_exited(m, slot, status);
	return 0;
}

/*
 * Template tidx is gone. The workers it was asked for and never named
 * are given up (their sockets closed: one it forked unreported sees us
 * gone and ends). Those it forked are ours to reap now, as orphans; one
 * that it reaped but could not report before it died exists no more.
 */
void
pool_template_gone(struct master *m, unsigned tidx)
{
	struct worker	*wk;
	unsigned	 i;

	for (i = 0; i < m->m_nslots; i++) {
		wk = &m->m_workers[i];
		if (wk->wk_template != (int)tidx || !slot_used(wk))
			continue;
		if (wk->wk_pending)
			pool_spawned(m, tidx, i, 0);
		else if (!vanished(m, i))
			wk->wk_template = -1;	/* an orphan: we reap it */
	}
}

void
pool_reap(struct master *m)
{
	pid_t		pid;
	int		status;
	unsigned	slot;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pidmap_get(&m->m_pids, pid, &slot) == 0 &&
		    slot < m->m_nslots && m->m_workers[slot].wk_pid == pid)
			worker_exited(m, slot, status);
		else if (!keyholders_reaped(m, pid, status) &&
		    !template_reaped(m, pid, status) &&
		    !winbind_reaped(m, pid, status))
			health_reaped(m, pid, status);
	}
}

/* A hostile or stuck worker: logged with why, killed at once; its
 * socket is read no more, and SIGCHLD reaps it. */
static void
pool_kill(struct master *m, unsigned slot, const char *why)
{
	struct worker	*wk = &m->m_workers[slot];

	log_warnx("pool: worker %ld %s; killing it", (long)wk->wk_pid, why);
	if (wk->wk_pid > 0)
		kill(wk->wk_pid, SIGKILL);
	wk->wk_eof = 1;
	ipc_reader_reset(&wk->wk_in);
}

/*
 * A message to a worker, never waiting for it: 0 if sent (or the worker is
 * already gone); -1 if its socket is full, which a worker that reads
 * its socket never lets happen, so it is stuck or hostile and killed. A
 * droppable message (one whose loss costs nothing but its effect: a log
 * level, a ticket key) that found the socket full before any byte went is
 * dropped with a warning instead.
 */
int
pool_send(struct master *m, unsigned slot, uint32_t type,
    const struct msgbuf *mb, int droppable)
{
	struct worker	*wk = &m->m_workers[slot];
	char		 why[128];

	if (!slot_used(wk) || wk->wk_eof)
		return 0;
	if (ipc_send(wk->wk_sock, type, -1, mb) == 0 || errno == EPIPE ||
	    errno == ECONNRESET)
		return 0;
	if (droppable && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		log_warnx("pool: worker %ld does not read its socket: %s "
		    "message dropped", (long)wk->wk_pid, ipc_type_name(type));
		return 0;
	}
	snprintf(why, sizeof(why), "cannot be sent a %s message (%s%s)",
	    ipc_type_name(type), strerror(errno),
	    errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS ?
	    ": it does not read its socket" : "");
	pool_kill(m, slot, why);
	return -1;
}

/* One whole message, of the types ipc_bounds_worker lets through: the
 * two NTLM ones and the board reports (board.c). -1 if the worker was
 * killed. */
static int
pool_message(struct master *m, unsigned slot, struct ipc_msg *msg)
{
	struct worker	*wk = &m->m_workers[slot];
	char		 why[96];
	uint32_t	 type = msg->im_type;
	int		 rv;

	if (type == IPC_BACKEND_CONN || type == IPC_HOLD_OFF ||
	    type == IPC_LIMITED) {
		rv = type == IPC_LIMITED ? limits_dispatch(m, slot, msg) :
		    board_dispatch(m, slot, msg);
		ipc_msg_free(msg);
		if (rv == 0)
			return 0;
		snprintf(why, sizeof(why), "sent a malformed %s message",
		    ipc_type_name(type));
		pool_kill(m, slot, why);
		return -1;
	}
	errno = 0;
	rv = ntlm_dispatch(m, slot, msg);	/* NTLM and Negotiate */
	ipc_msg_free(msg);
	if (rv == 0)
		return 0;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
		pool_kill(m, slot, "does not read its socket: its ntlm answer "
		    "cannot be sent");
	else if (errno == EPIPE || errno == ECONNRESET)
		wk->wk_eof = 1;
	else {
		snprintf(why, sizeof(why), "sent a malformed or untimely %s "
		    "(or one that cannot be answered)", ipc_type_name(type));
		pool_kill(m, slot, why);
	}
	return -1;
}

/* Its socket is readable: take what is there, up to DISPATCH_BURST
 * messages, and return to the loop. */
void
pool_dispatch(struct master *m, unsigned slot)
{
	struct worker	*wk = &m->m_workers[slot];
	struct ipc_msg	 msg;
	char		 why[200];
	int		 i;

	for (i = 0; i < DISPATCH_BURST && !wk->wk_eof; i++) {
		switch (ipc_reader_read(&wk->wk_in, wk->wk_sock, &msg,
		    now_ms())) {
		case IPC_READ_AGAIN:
			partial_note(m, slot);
			return;
		case IPC_READ_EOF:
			/* Closed: it is exiting; SIGCHLD will reap it. */
			wk->wk_eof = 1;
			return;
		case IPC_READ_ERROR:
			ipc_reader_offence(&wk->wk_in, 0, why, sizeof(why));
			pool_kill(m, slot, why);
			return;
		case IPC_READ_MSG:
			if (pool_message(m, slot, &msg) == -1)
				return;
			break;
		}
	}
	partial_note(m, slot);
}

/*
 * The slots that may hold a partial frame: those whose reader had one
 * after their last read. A hostile worker cannot hide in the list's
 * overflow: then every slot is looked at, as before there was a list.
 */
#define PARTIAL_LIST	64
static unsigned	partial[PARTIAL_LIST];
static unsigned	npartial;
static int	partial_overflow;

static void
partial_note(struct master *m, unsigned slot)
{
	unsigned	i;

	if (ipc_reader_deadline(&m->m_workers[slot].wk_in) == 0)
		return;
	for (i = 0; i < npartial; i++)
		if (partial[i] == slot)
			return;
	if (npartial < PARTIAL_LIST)
		partial[npartial++] = slot;
	else
		partial_overflow = 1;
}

/* Slot i's deadline: 0 if none; -1 if it passed and it was killed. */
static int64_t
expire_one(struct master *m, unsigned i, int64_t now)
{
	struct worker	*wk = &m->m_workers[i];
	int64_t		 d;
	char		 why[240];

	if (wk->wk_pid == 0 || (d = ipc_reader_deadline(&wk->wk_in)) == 0)
		return 0;
	if (!ipc_reader_expired(&wk->wk_in, now))
		return d;
	ipc_reader_offence(&wk->wk_in, 1, why, sizeof(why));
	pool_kill(m, i, why);
	return -1;
}

/*
 * From the main loop, each round: kill the workers whose partial frame
 * has outlived IPC_PARTIAL_TIMEOUT_MS. Returns the earliest deadline still
 * running, or 0 if none is.
 */
int64_t
pool_expire(struct master *m, int64_t now)
{
	int64_t		 next = 0, d;
	unsigned	 i, kept = 0;

	if (partial_overflow) {
		partial_overflow = 0;
		npartial = 0;
		for (i = 0; i < m->m_nslots; i++)
			if ((d = expire_one(m, i, now)) > 0) {
				partial_note(m, i);
				if (next == 0 || d < next)
					next = d;
			}
		return next;
	}
	for (i = 0; i < npartial; i++) {
		if (partial[i] >= m->m_nslots ||
		    (d = expire_one(m, partial[i], now)) <= 0)
			continue;
		partial[kept++] = partial[i];
		if (next == 0 || d < next)
			next = d;
	}
	npartial = kept;
	return next;
}
