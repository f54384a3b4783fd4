/*
 * The master's side of the templates (issue 14): one rpxd-worker exec'd
 * per generation takes the setup once and forks the workers pool.c asks
 * for (worker/template.c). The master is their reaper of last resort (a
 * subreaper where the system has one): a template told to stop then exits
 * at once and its workers are reaped here, as they would be if it died.
 * What a template sends is read like a worker's: non-blocking, bounded
 * per type (ipc_bounds_template), a stalled frame gets it killed.
 */
#include <sys/types.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#ifdef __FreeBSD__
#include <sys/procctl.h>
#endif
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child_status.h"
#include "clock.h"
#include "log.h"
#include "master.h"
#include "metrics.h"

#define HOLDOFF_MAX	60	/* s, after templates die young */
#define YOUNG		10	/* s: a template that dies sooner is sick */

static int	reaper_of_orphans;	/* TEMPLATE_ORPHANS */

/* Orphans come to us: the workers of a template that stopped or died. */
void
templates_init(struct master *m)
{
	unsigned	i;

	for (i = 0; i < TEMPLATES_MAX; i++) {
		m->m_templates[i].tp_pid = 0;
		m->m_templates[i].tp_sock = -1;
	}
	m->m_template = -1;
#if defined(__linux__)
	reaper_of_orphans = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
#elif defined(__FreeBSD__)
	reaper_of_orphans = procctl(P_PID, getpid(), PROC_REAP_ACQUIRE,
	    NULL) == 0;
#endif
	if (!reaper_of_orphans)
		log_info("template: no subreaper here: a stopped template "
		    "waits for its workers to end");
}

struct template_proc *
template_current(struct master *m)
{
	struct template_proc	*tp;

	if (m->m_template < 0)
		return NULL;
	tp = &m->m_templates[m->m_template];
	return tp->tp_pid != 0 && !tp->tp_eof && !tp->tp_stopping ? tp : NULL;
}

/* What the template gets once: the workers' setup but their own parts
 * (socket, key channel, slot), which come with each IPC_SPAWN. */
int
template_send_setup(struct master *m, int sock)
{
	struct msgbuf	mb;
	unsigned	i;
	int		rv = -1;

	msgbuf_init(&mb);
	if (child_send_config(m, sock) == -1)
		goto done;
#ifdef RPXD_KEYS_IN_WORKER
	if (keys_send_all(m->m_conf, sock) == -1)
		goto done;
#endif
	for (i = 0; i < m->m_conf->rc_nlisteners; i++) {
		msgbuf_free(&mb);
		msgbuf_put_u32(&mb, i);
		if (ipc_send(sock, IPC_LISTENER, m->m_listen_fds[i], &mb) == -1)
			goto done;
	}
	msgbuf_free(&mb);
	tickets_encode(m, &mb);
	if (ipc_send(sock, IPC_TICKET_KEYS, -1, &mb) == -1)
		goto done;
	explicit_bzero(mb.mb_data, mb.mb_len);
	msgbuf_free(&mb);
	if (child_send_board(m, sock, m->m_hb.hb_rofd, m->m_hash_key) == -1 ||
	    limits_send_setup(m, sock) == -1 ||
	    metrics_send_setup(m, sock) == -1)
		goto done;
	msgbuf_put_u32(&mb, m->m_generation);
	msgbuf_put_u32(&mb, m->m_nslots);
	msgbuf_put_u32(&mb, reaper_of_orphans ? TEMPLATE_ORPHANS : 0);
	if (mb.mb_error ||
	    ipc_send(sock, IPC_TEMPLATE, m->m_sb.sb_fd, &mb) == -1 ||
	    ipc_send(sock, IPC_START, -1, NULL) == -1)
		goto done;
	rv = 0;
done:
	msgbuf_free(&mb);
	return rv;
}

/* The template of the current generation; a failure is retried by
 * templates_maintain(). */
void
template_launch(struct master *m)
{
	struct template_proc	*tp = NULL;
	unsigned		 i;
	int			 sp[2];
	pid_t			 pid;

	/* One at a time: a template that is dying is reaped first. */
	if (m->m_template >= 0 || time(NULL) < m->m_template_holdoff)
		return;
	for (i = 0; i < TEMPLATES_MAX && tp == NULL; i++)
		if (m->m_templates[i].tp_pid == 0)
			tp = &m->m_templates[i];
	if (tp == NULL) {
		log_warnx("template: %d templates of older generations still "
		    "run; no template for generation %u yet", TEMPLATES_MAX,
		    m->m_generation);
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == -1 ||
	    child_nonblock(sp[0]) == -1) {
		log_warn("template: socketpair");
		return;
	}
	switch ((pid = child_fork(m, "rpxd-template"))) {
	case -1:
		log_warn("template: fork");
		close(sp[0]);
		close(sp[1]);
		return;
	case 0:
		close(sp[0]);
		child_exec(m, m->m_worker_path, "rpxd-template", sp[1]);
		/* NOTREACHED */
	}
	close(sp[1]);
	*tp = (struct template_proc){ .tp_pid = pid, .tp_sock = sp[0],
	    .tp_generation = m->m_generation, .tp_since = time(NULL) };
	ipc_reader_init(&tp->tp_in, &ipc_bounds_template);
	m->m_template = (int)(tp - m->m_templates);
	if (template_send_setup(m, sp[0]) == -1) {
		log_warn("template: cannot send the setup to template %ld",
		    (long)pid);
		kill(pid, SIGKILL);
		tp->tp_eof = 1;
		return;
	}
	log_debug("template: started %ld for generation %u", (long)pid,
	    m->m_generation);
}

/* A template that died: a new one, after a pause if they die young. */
void
templates_maintain(struct master *m)
{
	if (!m->m_stopping)
		template_launch(m);
}

static void
template_stop(struct template_proc *tp)
{
	if (tp->tp_pid == 0 || tp->tp_stopping)
		return;
	tp->tp_stopping = 1;
	if (!tp->tp_eof && ipc_send(tp->tp_sock, IPC_STOP, -1, NULL) == -1 &&
	    errno != EPIPE && errno != ECONNRESET) {
		log_warn("template: %ld cannot be told to stop; killing it",
		    (long)tp->tp_pid);
		kill(tp->tp_pid, SIGKILL);
	}
}

void
template_stop_before(struct master *m, uint32_t generation)
{
	unsigned	i;

	for (i = 0; i < TEMPLATES_MAX; i++)
		if (m->m_templates[i].tp_pid != 0 &&
		    m->m_templates[i].tp_generation < generation) {
			template_stop(&m->m_templates[i]);
			if ((int)i == m->m_template)
				m->m_template = -1;
		}
}

void
templates_kill_all(struct master *m, int sig)
{
	unsigned	i;

	for (i = 0; i < TEMPLATES_MAX; i++)
		if (m->m_templates[i].tp_pid != 0)
			kill(m->m_templates[i].tp_pid, sig);
}

unsigned
templates_alive(const struct master *m)
{
	unsigned	i, n = 0;

	for (i = 0; i < TEMPLATES_MAX; i++)
		if (m->m_templates[i].tp_pid != 0)
			n++;
	return n;
}

/* Ticket keys and the log level go to every template; an OCSP response
 * to the current generation's only, like to its workers. */
void
templates_broadcast(struct master *m, uint32_t type, const struct msgbuf *mb,
    int current_only)
{
	struct template_proc	*tp;
	unsigned		 i;

	for (i = 0; i < TEMPLATES_MAX; i++) {
		tp = &m->m_templates[i];
		if (tp->tp_pid == 0 || tp->tp_eof || tp->tp_stopping ||
		    (current_only && (int)i != m->m_template))
			continue;
		if (ipc_send(tp->tp_sock, type, -1, mb) == -1 &&
		    errno != EPIPE && errno != ECONNRESET)
			log_warn("template: %ld: cannot send a %s message",
			    (long)tp->tp_pid, ipc_type_name(type));
	}
}

static void
template_kill(struct template_proc *tp, const char *why)
{
	log_warnx("template: %ld %s; killing it", (long)tp->tp_pid, why);
	kill(tp->tp_pid, SIGKILL);
	tp->tp_eof = 1;
	ipc_reader_reset(&tp->tp_in);
}

/* IPC_SPAWNED or IPC_REAPED; -1 if malformed or about a slot that is
 * not this template's. */
static int
template_message(struct master *m, unsigned idx, struct ipc_msg *msg)
{
	struct template_proc	*tp = &m->m_templates[idx];
	uint32_t		 slot, pid, status = 0;

	if (msg->im_fd != -1 ||
	    msgbuf_get_u32(&msg->im_payload, &slot) == -1 ||
	    msgbuf_get_u32(&msg->im_payload, &pid) == -1 ||
	    (msg->im_type == IPC_REAPED &&
	    msgbuf_get_u32(&msg->im_payload, &status) == -1) ||
	    msgbuf_end(&msg->im_payload) == -1 || slot >= m->m_nslots ||
	    pid > (uint32_t)INT32_MAX)
		return -1;
	if (msg->im_type == IPC_SPAWNED) {
		if (!m->m_workers[slot].wk_pending ||
		    m->m_workers[slot].wk_template != (int)idx ||
		    tp->tp_pending == 0)
			return -1;
		tp->tp_pending--;
		pool_spawned(m, idx, slot, (pid_t)pid);
		return 0;
	}
	return pool_template_reaped(m, idx, slot, (pid_t)pid, (int)status);
}

void
template_dispatch(struct master *m, unsigned idx)
{
	struct template_proc	*tp = &m->m_templates[idx];
	struct ipc_msg		 msg;
	char			 why[200];
	int			 i;

	/* A template's messages are small and few: all that is there. */
	for (i = 0; i < 1024 && !tp->tp_eof; i++) {
		switch (ipc_reader_read(&tp->tp_in, tp->tp_sock, &msg,
		    now_ms())) {
		case IPC_READ_AGAIN:
			return;
		case IPC_READ_EOF:
			tp->tp_eof = 1;
			return;
		case IPC_READ_ERROR:
			ipc_reader_offence(&tp->tp_in, 0, why, sizeof(why));
			template_kill(tp, why);
			return;
		case IPC_READ_MSG:
			if (template_message(m, idx, &msg) == -1) {
				snprintf(why, sizeof(why), "sent a malformed "
				    "or untimely %s message",
				    ipc_type_name(msg.im_type));
				ipc_msg_free(&msg);
				template_kill(tp, why);
				return;
			}
			ipc_msg_free(&msg);
			break;
		}
	}
}

/*
 * A child has exited: 1 if it was a template. What it sent before it went
 * is read first (its last reports), then the workers it was still asked
 * for are given up; those it forked are reaped here, as orphans.
 */
int
template_reaped(struct master *m, pid_t pid, int status)
{
	struct template_proc	*tp = NULL;
	unsigned		 i;
	int			 young;

	for (i = 0; i < TEMPLATES_MAX && tp == NULL; i++)
		if (m->m_templates[i].tp_pid == pid)
			tp = &m->m_templates[i];
	if (tp == NULL)
		return 0;
	i = (unsigned)(tp - m->m_templates);
	if (!tp->tp_eof)
		template_dispatch(m, i);
	young = time(NULL) - tp->tp_since < YOUNG;
	if (tp->tp_stopping && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_debug("template: %ld of generation %u exited", (long)pid,
		    tp->tp_generation);
	else
		log_warnx("template: %ld of generation %u %s", (long)pid,
		    tp->tp_generation, child_status(status));
	pool_template_gone(m, i);
	if (!tp->tp_stopping && (int)i == m->m_template && !m->m_stopping) {
		if (young) {
			unsigned s = m->m_template_failures < 6 ?
			    1u << m->m_template_failures : HOLDOFF_MAX;

			m->m_template_failures++;
			m->m_template_holdoff = time(NULL) + s;
			log_warnx("template: died young; next start in %u s",
			    s);
		} else
			m->m_template_failures = 0;
	}
	if (tp->tp_sock != -1)
		close(tp->tp_sock);
	ipc_reader_reset(&tp->tp_in);
	*tp = (struct template_proc){ .tp_pid = 0, .tp_sock = -1 };
	if ((int)i == m->m_template)
		m->m_template = -1;
	templates_maintain(m);
	return 1;
}

nfds_t
templates_pollfds(struct master *m, struct pollfd *pfd, unsigned *idx,
    nfds_t max)
{
	nfds_t		n = 0;
	unsigned	i;

	for (i = 0; i < TEMPLATES_MAX && n < max; i++) {
		struct template_proc	*tp = &m->m_templates[i];

		if (tp->tp_pid == 0 || tp->tp_eof)
			continue;
		idx[n] = i;
		pfd[n].fd = tp->tp_sock;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	return n;
}

int64_t
templates_expire(struct master *m, int64_t now)
{
	int64_t		 next = 0, d;
	unsigned	 i;
	char		 why[240];

	for (i = 0; i < TEMPLATES_MAX; i++) {
		struct template_proc	*tp = &m->m_templates[i];

		if (tp->tp_pid == 0 ||
		    (d = ipc_reader_deadline(&tp->tp_in)) == 0)
			continue;
		if (!ipc_reader_expired(&tp->tp_in, now)) {
			if (next == 0 || d < next)
				next = d;
			continue;
		}
		ipc_reader_offence(&tp->tp_in, 1, why, sizeof(why));
		template_kill(tp, why);
	}
	return next;
}
