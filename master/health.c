/*
 * The health checker seen from the master: rpxd-health, found next to the
 * worker program, is started when a backend has a health-check and gets
 * the configuration and the health board over its socketpair like a
 * worker; it is restarted with a hold-off when it dies, replaced by one
 * for the new board on reload, and stopped at shutdown. Called by main.c,
 * reload.c and pool.c's reaper.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child_status.h"
#include "clock.h"
#include "ipc.h"
#include "log.h"
#include "master.h"

#define HEALTH_STOP_GRACE	5	/* s, from SIGTERM to SIGKILL */
#define HEALTH_STABLE		60	/* s; a shorter run counts as a crash
					   loop and doubles the hold-off */
#define HEALTH_HOLDOFF_MAX	60	/* s */

int
health_needed(const struct rpxd_conf *c)
{
	unsigned	i;

	for (i = 0; i < c->rc_nbackends; i++)
		if (c->rc_backends[i].be_health.hc_enabled)
			return 1;
	/* it fetches the OCSP responses and the backends' certificates */
	return ocsp_fetching(c) || ep_needed(c);
}

void
health_init(struct master *m)
{
	int	i;

	child_path(m, "rpxd-health", m->m_health_path,
	    sizeof(m->m_health_path));
	m->m_health = (struct health_proc){ .hp_pid = 0, .hp_sock = -1 };
	ipc_reader_init(&m->m_health.hp_in, &ipc_bounds_health);
	for (i = 0; i < HEALTH_OLD_MAX; i++)
		m->m_health_old[i] = m->m_health;
	if (health_needed(m->m_conf) && access(m->m_health_path, X_OK) == -1)
		fatal("startup: health checker %s", m->m_health_path);
}

/* The worker's start-up messages less keys, listeners and the
 * scoreboard. The checker has no use for the hash key: it gets zeros;
 * it gets the board's read-write descriptor, workers a read-only one. */
static int
health_send_setup(const struct master *m, int sock)
{
	static const unsigned char	 nokey[HB_KEY_SIZE];

	if (child_send_config(m, sock) == -1 ||
	    child_send_board(m, sock, m->m_hb.hb_fd, nokey) == -1)
		return -1;
	return ipc_send(sock, IPC_START, -1, NULL);
}

void
health_launch(struct master *m)
{
	int		sp[2];
	pid_t		pid;

	if (m->m_health.hp_pid != 0 || m->m_stopping ||
	    !health_needed(m->m_conf))
		return;
	if (access(m->m_health_path, X_OK) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1) {
		log_warn("health: cannot start %s; next try in %d s",
		    m->m_health_path, HEALTH_HOLDOFF_MAX);
		m->m_health_holdoff = time(NULL) + HEALTH_HOLDOFF_MAX;
		return;
	}
	/* Never wait on the checker: it reads its setup from the buffer
	 * (pool.c's child_sndbuf), and what it sends goes through hp_in. */
	if (child_nonblock(sp[0]) == -1) {
		log_warn("health: O_NONBLOCK");
		close(sp[0]);
		close(sp[1]);
		m->m_health_holdoff = time(NULL) + 1;
		return;
	}
	switch ((pid = child_fork(m, "rpxd-health"))) {
	case -1:
		log_warn("health: fork");
		close(sp[0]);
		close(sp[1]);
		m->m_health_holdoff = time(NULL) + 1;
		return;
	case 0:
		close(sp[0]);
		child_exec(m, m->m_health_path, "rpxd-health", sp[1]);
		/* NOTREACHED */
	}
	close(sp[1]);
	m->m_health = (struct health_proc){ .hp_pid = pid, .hp_sock = sp[0],
	    .hp_since = time(NULL) };
	ipc_reader_init(&m->m_health.hp_in, &ipc_bounds_health);
	if (health_send_setup(m, sp[0]) == -1) {
		log_warn("health: cannot send the setup to checker %ld",
		    (long)pid);
		kill(pid, SIGKILL);
	}
	log_info("health: started checker %ld, generation %u", (long)pid,
	    m->m_generation);
}

/* Our end of its socket, and a frame it had begun. */
static void
health_close(struct health_proc *hp)
{
	if (hp->hp_sock != -1)
		close(hp->hp_sock);
	hp->hp_sock = -1;
	ipc_reader_reset(&hp->hp_in);
}

/* SIGTERM and EOF for the running checker; it is reaped later. */
static void
health_stop(struct master *m)
{
	struct health_proc	*hp = &m->m_health;
	unsigned		 i;

	if (hp->hp_pid == 0)
		return;
	kill(hp->hp_pid, SIGTERM);
	health_close(hp);
	for (i = 0; i < HEALTH_OLD_MAX; i++)
		if (m->m_health_old[i].hp_pid == 0)
			break;
	if (i == HEALTH_OLD_MAX) {
		/* Reloads faster than checkers exit: no grace for the
		 * oldest; the reaper takes it as a stranger. */
		i = 0;
		kill(m->m_health_old[0].hp_pid, SIGKILL);
	}
	m->m_health_old[i] = (struct health_proc){ .hp_pid = hp->hp_pid,
	    .hp_sock = -1, .hp_since = time(NULL) };
	*hp = (struct health_proc){ .hp_pid = 0, .hp_sock = -1 };
	ipc_reader_init(&hp->hp_in, &ipc_bounds_health);
}

/* After a committed reload: a checker for the new board. */
void
health_reload(struct master *m)
{
	health_stop(m);
	m->m_health_failures = 0;
	m->m_health_holdoff = 0;
	health_launch(m);
}

void
health_shutdown(struct master *m)
{
	health_stop(m);
}

/* Once a second: restart a dead checker after its hold-off, and kill a
 * stopped one that overstays its grace. */
void
health_maintain(struct master *m)
{
	time_t		now = time(NULL);
	unsigned	i;

	for (i = 0; i < HEALTH_OLD_MAX; i++) {
		struct health_proc *hp = &m->m_health_old[i];

		if (hp->hp_pid != 0 &&
		    now - hp->hp_since >= HEALTH_STOP_GRACE) {
			log_warnx("health: checker %ld did not stop; killing "
			    "it", (long)hp->hp_pid);
			kill(hp->hp_pid, SIGKILL);
			hp->hp_since = now;
		}
	}
	if (m->m_health.hp_pid == 0 && now >= m->m_health_holdoff)
		health_launch(m);
}

void
health_kill_all(struct master *m, int sig)
{
	unsigned	i;

	if (m->m_health.hp_pid != 0)
		kill(m->m_health.hp_pid, sig);
	for (i = 0; i < HEALTH_OLD_MAX; i++)
		if (m->m_health_old[i].hp_pid != 0)
			kill(m->m_health_old[i].hp_pid, sig);
}

int
health_alive(const struct master *m)
{
	unsigned	i;

	if (m->m_health.hp_pid != 0)
		return 1;
	for (i = 0; i < HEALTH_OLD_MAX; i++)
		if (m->m_health_old[i].hp_pid != 0)
			return 1;
	return 0;
}

/* A child that is not a worker has exited: one of ours, or nobody's. */
void
health_reaped(struct master *m, pid_t pid, int status)
{
	struct health_proc	*hp = &m->m_health;
	unsigned		 holdoff, i;
	time_t			 now = time(NULL);

	for (i = 0; i < HEALTH_OLD_MAX; i++)
		if (m->m_health_old[i].hp_pid == pid) {
			log_debug("health: checker %ld stopped", (long)pid);
			m->m_health_old[i].hp_pid = 0;
			return;
		}
	if (hp->hp_pid != pid || pid == 0)
		return;
	holdoff = child_holdoff(&m->m_health_failures, now - hp->hp_since,
	    HEALTH_STABLE, HEALTH_HOLDOFF_MAX);
	log_warnx("health: checker %ld %s; restarting it in %u s", (long)pid,
	    child_status(status), holdoff);
	health_close(hp);
	*hp = (struct health_proc){ .hp_pid = 0, .hp_sock = -1 };
	ipc_reader_init(&hp->hp_in, &ipc_bounds_health);
	m->m_health_holdoff = now + holdoff;
}

/* A checker that broke the protocol: logged, killed, its socket closed;
 * the reaper restarts it after its hold-off. */
static void
health_kill(struct master *m, const char *why)
{
	struct health_proc	*hp = &m->m_health;

	log_warnx("health: checker %ld %s; killing it", (long)hp->hp_pid, why);
	kill(hp->hp_pid, SIGKILL);
	health_close(hp);
}

/* The checker sends only the answers of OCSP and certificate fetches
 * (ocsp.c and epcheck.c check them; ipc_bounds_health refuses every other type at its header):
 * anything else is a breach; EOF means it is exiting, and SIGCHLD will
 * tell. */
void
health_dispatch(struct master *m)
{
	struct health_proc	*hp = &m->m_health;
	struct ipc_msg		 msg;
	char			 why[200];

	switch (ipc_reader_read(&hp->hp_in, hp->hp_sock, &msg, now_ms())) {
	case IPC_READ_AGAIN:
		return;
	case IPC_READ_EOF:
		health_close(hp);
		return;
	case IPC_READ_MSG:
		if ((msg.im_type == IPC_OCSP_ANSWER &&
		    ocsp_answer(m, &msg.im_payload) == 0) ||
		    (msg.im_type == IPC_CERT_ANSWER &&
		    ep_answer(m, &msg.im_payload) == 0)) {
			ipc_msg_free(&msg);
			return;
		}
		snprintf(why, sizeof(why), "sent a malformed or unexpected %s "
		    "message", ipc_type_name(msg.im_type));
		ipc_msg_free(&msg);
		break;
	case IPC_READ_ERROR:
		ipc_reader_offence(&hp->hp_in, 0, why, sizeof(why));
		break;
	}
	health_kill(m, why);
}

/* Each loop round: a partial frame from the checker past its deadline
 * gets it killed. The deadline still running, or 0. */
int64_t
health_expire(struct master *m, int64_t now)
{
	struct health_proc	*hp = &m->m_health;
	char			 why[240];

	if (hp->hp_pid == 0 || hp->hp_sock == -1 ||
	    ipc_reader_deadline(&hp->hp_in) == 0)
		return 0;
	if (!ipc_reader_expired(&hp->hp_in, now))
		return ipc_reader_deadline(&hp->hp_in);
	ipc_reader_offence(&hp->hp_in, 1, why, sizeof(why));
	health_kill(m, why);
	return 0;
}

/* rpxctl log: droppable, like a worker's (pool_send). */
void
health_send_level(struct master *m, const struct msgbuf *mb)
{
	struct health_proc	*hp = &m->m_health;

	if (hp->hp_pid == 0 || hp->hp_sock == -1 ||
	    ipc_send(hp->hp_sock, IPC_LOG_LEVEL, -1, mb) == 0 ||
	    errno == EPIPE || errno == ECONNRESET)
		return;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		log_warnx("health: checker %ld does not read its socket: log "
		    "level message dropped", (long)hp->hp_pid);
	else
		health_kill(m, "cannot be sent a log level message");
}
